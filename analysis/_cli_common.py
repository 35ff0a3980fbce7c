"""Argument helpers shared by the CLI's subcommands."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from processes import ParameterError, Process, get_process, load_process

__all__ = ["add_process_arguments", "build_process", "parse_params", "process_from_args"]


def add_process_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("process", nargs="?", help="catalogue name (see `beliefscope list`)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter; repeatable")
    parser.add_argument("--file", metavar="SPEC", help="a TOML or JSON process definition")


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


def build_process(load: Callable[..., Process], source, **params: float) -> Process:
    """``load(source, **params)``, with arithmetic failures of the matrix expressions
    (``alpha**2`` overflowing a float at ``alpha=1e200``) reported as a `ParameterError`
    naming the process and the parameters rather than as a traceback."""
    try:
        return load(source, **params)
    except ArithmeticError as exc:  # OverflowError, ZeroDivisionError, FloatingPointError
        why = exc.args[-1] if exc.args else type(exc).__name__
        given = ", ".join(f"{k}={v:g}" for k, v in params.items()) or "the defaults"
        raise ParameterError(
            f"{source}: the matrices cannot be evaluated at {given} ({why}); choose "
            "parameter values of moderate size"
        ) from None


def process_from_args(args: argparse.Namespace) -> Process:
    params = parse_params(args.param)
    if args.file:
        return build_process(load_process, args.file, **params)
    if not args.process:
        raise ParameterError("name a process (e.g. mess3) or give --file SPEC")
    return build_process(get_process, args.process, **params)
