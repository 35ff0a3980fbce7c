"""What a command measures: a catalogue process or system by name, or a spec file.

Library functions take typed values: parameters are a mapping of names to floats (the
command line turns ``--param NAME=VALUE`` strings into one).
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from dynamics import get_system, list_systems, load_system
from processes import ParameterError, Process, get_process, list_processes, load_process

__all__ = ["build_process", "resolve_process", "resolve_target"]

# Larger files are not spec files; _peek leaves them to the loaders' size checks.
_PEEK_MAX_BYTES = 1 << 20


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


def resolve_process(name: str | None, file: str | Path | None,
                    params: Mapping[str, float] | None = None) -> Process:
    """A catalogue process by ``name``, or the process in spec ``file``."""
    params = dict(params or {})
    if file:
        return build_process(load_process, file, **params)
    if not name:
        raise ParameterError("name a process (e.g. mess3) or give --file SPEC")
    return build_process(get_process, name, **params)


def resolve_target(name: str | None, file: str | Path | None,
                   params: Mapping[str, float] | None = None):
    """A process or a dynamical system from a catalogue name or a spec file.

    A spec file with a ``kind`` key is a system (map, flow or IFS), else a process.
    """
    values = dict(params or {})
    if file:
        path = Path(file)
        if "kind" in _peek(path):
            system = load_system(path)
            return system.with_params(**values) if values else system
        return build_process(load_process, path, **values)
    if not name:
        raise ParameterError("name a process or system (e.g. mess3, henon) or give --file")
    if name in list_processes():
        return build_process(get_process, name, **values)
    if name in list_systems():
        return get_system(name, **values)
    raise ParameterError(
        f"unknown process or system {name!r}; processes: {', '.join(list_processes())}; "
        f"systems: {', '.join(list_systems())}"
    )


def _peek(path: Path) -> dict:
    """The parsed spec file, or {} when it cannot be read as one: the real loaders then
    report the problem. Never opens anything but a regular file of moderate size (a FIFO
    would block the read for ever)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _PEEK_MAX_BYTES:
            return {}
        text = path.read_bytes().decode("utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError,
            RecursionError):
        return {}  # let the real loader report the error with its line
    return data if isinstance(data, dict) else {}
