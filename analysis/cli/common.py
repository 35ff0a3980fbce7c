"""Argument helpers shared by the command groups.

Imports only the standard library at module level: ``beliefscope --help`` and argument
errors must answer as fast as Python starts. Each command imports what it computes with.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path

from processes.errors import BeliefscopeError, InputError, ParameterError

__all__ = [
    "FIGURE_SUFFIXES", "PlotError", "add_bos_argument", "add_json_argument",
    "add_process_arguments",
    "add_seed_argument", "add_weight_decay_argument", "at_least", "check_output",
    "check_seed", "parse_params", "print_report", "process_from_args",
    "save_plot",
]

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


class PlotError(BeliefscopeError):
    """Drawing or saving a figure failed after the results were printed."""


def add_process_arguments(parser: argparse.ArgumentParser, what: str = "process",
                          examples: str = "") -> None:
    """The positional catalogue name, ``--param`` and ``--file``."""
    examples = f", e.g. {examples}" if examples else ""
    parser.add_argument("process", nargs="?", metavar="NAME",
                        help=f"catalogue {what} name (see `beliefscope list`){examples}")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter; repeatable, each name once")
    parser.add_argument("--file", metavar="SPEC",
                        help=f"a TOML or JSON {what} definition instead of a name")


def add_seed_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (a non-negative integer); same seed, same output")


def add_weight_decay_argument(parser: argparse.ArgumentParser, sgd: bool = True) -> None:
    """``--weight-decay``; ``sgd``: the command can also train with SGD."""
    parser.add_argument("--weight-decay", type=float, default=0.0, metavar="W",
                        help="AdamW's decoupled weight decay"
                             + (" (an L2 penalty for SGD)" if sgd else "") + "; 0: none")


def add_bos_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bos", action="store_true",
                        help="start every training window with a BOS token, a symbol of its "
                             "own; position 0 then reads the empty prefix")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of text")


def parse_params(items: list[str]) -> dict[str, float]:
    """``--param NAME=VALUE`` items as a dict; each name at most once, finite values."""
    params: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--param {item!r} is not NAME=VALUE (e.g. --param x=0.05)")
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"--param {item!r}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ParameterError(f"--param {item!r}: the value must be a finite number")
        if name in params:
            # Silently keeping the last one hides a typo in a long command line.
            raise ParameterError(f"--param {name} given twice ({name}={params[name]:g} and "
                                 f"{name}={number:g}); give each parameter once")
        params[name] = number
    return params


def process_from_args(args: argparse.Namespace):
    """The `processes.Process` named by ``args.process`` or ``args.file``."""
    from ..reports import resolve_process

    return resolve_process(args.process, args.file, parse_params(args.param))


def at_least(value: int, low: int, flag: str, why: str = "") -> None:
    if value < low:
        raise InputError(f"{flag} {value}: must be >= {low}{why}")


def check_seed(seed: int) -> None:
    at_least(seed, 0, "--seed", " (numpy seeds are non-negative integers)")


def check_output(path: str | None, flag: str, suffixes: tuple[str, ...]) -> None:
    """Refuse a bad output path before any computation: a wrong suffix, a directory, or a
    folder that does not exist. A typo then costs nothing."""
    if not path:
        return
    if not path.endswith(suffixes):
        raise InputError(f"{flag} {path}: the file name must end in one of "
                         f"{', '.join(suffixes)}")
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{flag} {path} is a directory; give a file name inside it")
    if not target.parent.is_dir():
        raise InputError(f"{flag} {path}: the directory {str(target.parent)!r} does not "
                         f"exist; create it first (mkdir -p {target.parent})")


def _text(value) -> str:
    """A value for the text output: never "nan" or "None" without saying so."""
    if isinstance(value, float) and not math.isfinite(value):
        return "-inf" if value == -math.inf else "not a number"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return "not available" if value is None else str(value)


def print_report(info: dict, as_json: bool) -> None:
    """One JSON object, or one ``key: value (reason)`` line per field."""
    if as_json:
        print(json.dumps(info, allow_nan=False))
        return
    for key, value in info.items():
        if key.endswith("_reason") and key[: -len("_reason")] in info:
            continue  # printed beside its value
        line = f"{key}: {_text(value)}"
        reason = info.get(f"{key}_reason")
        if reason:
            line += f" ({reason})"
        print(line)


def save_plot(draw: Callable[[], object], path: str) -> None:
    """Draw and save a figure after the results are out; a failure is a `PlotError`
    saying that the printed results stand (matplotlib raises several types)."""
    from ..io import save_figure

    try:
        save_figure(draw(), path)
    except (ValueError, OSError, RuntimeError, TypeError) as exc:
        raise PlotError(f"--plot {path}: drawing failed ({exc}); the results above are "
                        "complete") from None
