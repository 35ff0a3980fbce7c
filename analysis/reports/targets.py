"""What a command measures: a catalogue process or system by name, or a spec file.

Library functions take typed values: parameters are a mapping of names to floats (the
command line turns ``--param NAME=VALUE`` strings into one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from dynamics import get_system, list_systems
from dynamics.system_spec import system_from_dict
from processes import ParameterError, Process, get_process, list_processes, load_process
from processes.spec import process_from_dict, read_spec

__all__ = ["build_process", "resolve_process", "resolve_target", "target_from_definition"]


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

    A spec file with a ``kind`` key is a system (map, flow or IFS), else a process; the
    file is read once.
    """
    values = dict(params or {})
    if file:
        return target_from_definition(read_spec(file, "spec"), file, values)
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


def target_from_definition(data: Mapping, source: str | Path,
                           params: Mapping[str, float] | None = None):
    """A process or a dynamical system from the parsed content of a spec file (a
    ``kind`` key makes it a system), named after ``source`` where it has no name.

    What a worker that cannot read the file rebuilds the target from.
    """
    values = dict(params or {})
    if "kind" in data:
        system = system_from_dict(dict(data), source)
        return system.with_params(**values) if values else system
    return build_process(lambda src, **p: process_from_dict(dict(data), str(src), **p),
                         source, **values)
