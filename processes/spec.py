"""User-defined processes from a TOML or JSON file.

Example (TOML)::

    name = "my_golden_mean"
    citation = "my notes"
    [parameters.p]
    default = 0.5
    domain = "(0, 1]"
    [matrices]
    "0" = [["p", "0"], ["1", "0"]]
    "1" = [["0", "1 - p"], ["0", "0"]]

``matrices`` may also be a list of matrices. Optional keys: ``generalized`` and
``normalize`` (true/false; divide by the spectral radius of the sum), ``description``.
Entries are numbers or expressions of the safe language in `processes.expressions`:
nothing in a file is ever executed. A domain is interval notation (``"(0, 1]"``) or a
closed ``[lo, hi]`` list. Files are limited to `MAX_SPEC_BYTES`, and processes to
``max_states`` states and ``max_symbols`` symbols (arguments of `load_process`).
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import sympy as sp

from .errors import ProcessError, SpecError
from .expressions import check_name, parse_domain, parse_expression
from .parameters import Parameter
from .process import Process

__all__ = ["MAX_SPEC_BYTES", "MAX_STATES", "MAX_SYMBOLS", "load_process",
           "parameters_from_table", "process_from_dict", "process_to_dict", "read_spec"]

MAX_SPEC_BYTES = 4_000_000
"""Largest spec file read, in bytes: far above any real process, far below a memory
problem."""
MAX_STATES = 256
"""Default limit on hidden states in a spec file (raise it with ``max_states=``)."""
MAX_SYMBOLS = 256
"""Default limit on symbols in a spec file (raise it with ``max_symbols=``)."""

_KEYS = {"name", "citation", "description", "parameters", "matrices", "generalized",
         "normalize"}


def read_spec(path: str | Path, what: str = "spec") -> dict:
    """Read a ``.toml`` or ``.json`` spec file into a dict, with one clear error for
    anything that is not a small, readable text file holding a table."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SpecError(f"{what} file {str(path)!r} does not exist; check the --file path") \
            from None
    except OSError as exc:
        raise SpecError(f"{what} file {str(path)!r} cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(f"{path} is a directory, not a {what} file; give the file inside it")
    if not stat.S_ISREG(info.st_mode):
        # Never open a FIFO or device: the read could block for ever.
        raise SpecError(f"{path} is not a regular file; give a .toml or .json {what} file")
    if info.st_size > MAX_SPEC_BYTES:
        raise SpecError(f"{path} is {info.st_size} bytes; {what} files are limited to "
                        f"{MAX_SPEC_BYTES} bytes")
    if path.suffix not in (".toml", ".json"):
        raise SpecError(f"{path}: unknown file type {path.suffix!r}; use .toml or .json")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path} is not UTF-8 text; a {what} file is TOML or JSON") from None
    except OSError as exc:
        raise SpecError(f"{path} cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise SpecError(f"{path}: the file is nested too deeply") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: the top level must be a table/object")
    return data


def load_process(path: str | Path, *, max_states: int = MAX_STATES,
                 max_symbols: int = MAX_SYMBOLS, **params: float) -> Process:
    """Read a process specification from ``path`` (``.toml`` or ``.json``).

    ``params`` override parameter defaults; ``max_states`` and ``max_symbols`` bound the
    size of the process the file may define.
    """
    data = read_spec(path, "process")
    return process_from_dict(data, source=str(path), max_states=max_states,
                             max_symbols=max_symbols, **params)


def process_from_dict(data: dict, source: str = "spec", *, max_states: int = MAX_STATES,
                      max_symbols: int = MAX_SYMBOLS, **params: float) -> Process:
    """Build a process from the parsed content of a specification file.

    Every expression goes through the safe parser of `processes.expressions`; every
    error names ``source`` and the key.
    """
    unknown = set(data) - _KEYS
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: "
                        f"{sorted(_KEYS)}")
    name = data.get("name", Path(source).stem)
    citation = data.get("citation", source)
    for key, value in (("name", name), ("citation", citation),
                       ("description", data.get("description", ""))):
        if not isinstance(value, str):
            raise SpecError(f"{source}: '{key}' must be a string, got {value!r}")
    flags = {}
    for key, default in (("generalized", None), ("normalize", False)):
        value = data.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise SpecError(f"{source}: '{key}' must be true or false (a boolean, not a "
                            f"string), got {value!r}")
        flags[key] = value
    parameters = parameters_from_table(data.get("parameters", {}), source)
    symbols = {p.name: p.symbol for p in parameters}
    matrices = _matrices(data, source, symbols, max_states, max_symbols)
    try:
        return Process(name, matrices, parameters, citation=citation,
                       generalized=flags["generalized"], normalize=flags["normalize"],
                       params=params)
    except ProcessError as exc:
        raise type(exc)(f"{source}: {exc}") from None


def process_to_dict(process: Process) -> dict:
    """The full symbolic definition of ``process`` as a spec dictionary (JSON-ready).

    `process_from_dict` reads it back to the same matrices: expressions are written in
    sympy's plain syntax, which the safe parser reads; parameter defaults are the values
    ``process`` is bound to now. A run folder stores this, so a run can be rebuilt without
    the catalogue or the file it came from.
    """
    def text(e: sp.Expr) -> str:
        # sympy prints floats to 15 digits; a float's shortest repr, as an exact
        # rational, reads back to the same float64.
        floats = {f: sp.Rational(repr(float(f))) for f in e.atoms(sp.Float)}
        return sp.sstr(e.xreplace(floats))

    parameters = {}
    for p in process.parameters:
        entry = {"default": float(process.params[p.name]), "domain": _domain_text(p)}
        if p.description:
            entry["description"] = p.description
        parameters[p.name] = entry
    return {
        "name": process.name,
        "citation": process.citation,
        "parameters": parameters,
        "matrices": [[[text(e) for e in m.row(i)] for i in range(m.rows)]
                     for m in process.matrices],
        "generalized": bool(process.generalized),
        "normalize": bool(process.normalized),
    }


def _domain_text(parameter: Parameter) -> str:
    if isinstance(parameter.domain, str):
        return parameter.domain
    d = parameter.interval
    if not isinstance(d, sp.Interval):
        raise SpecError(f"parameter {parameter.name}: domain {d} is not an interval, which "
                        "a spec file cannot state")
    return (f"{'(' if d.left_open else '['}{sp.sstr(d.start)}, {sp.sstr(d.end)}"
            f"{')' if d.right_open else ']'}")


def _matrices(data: dict, source: str, symbols: dict, max_states: int,
              max_symbols: int) -> list[sp.Matrix]:
    if "matrices" not in data:
        raise SpecError(f"{source}: missing key 'matrices' (a list or table of T[x])")
    raw = data["matrices"]
    if isinstance(raw, dict):
        if len(raw) > max_symbols:
            raise SpecError(f"{source}: 'matrices' has {len(raw)} symbols; the limit is "
                            f"{max_symbols} (raise it with max_symbols=)")
        try:
            order = sorted(raw, key=int)
        except ValueError:
            raise SpecError(f"{source}: keys of 'matrices' must be symbol indices "
                            f"0, 1, ...; got {sorted(raw)[:10]}") from None
        if [int(x) for x in order] != list(range(len(order))):
            raise SpecError(f"{source}: 'matrices' must be keyed 0..k-1, got {order[:10]}")
        raw = [raw[x] for x in order]
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{source}: 'matrices' must be a non-empty list of matrices "
                        "(one per symbol)")
    if len(raw) > max_symbols:
        raise SpecError(f"{source}: 'matrices' has {len(raw)} symbols; the limit is "
                        f"{max_symbols} (raise it with max_symbols=)")
    matrices = []
    for x, m in enumerate(raw):
        where = f"{source}: matrices[{x}]"
        if not isinstance(m, list) or not m or not all(isinstance(row, list) for row in m):
            raise SpecError(f"{where} must be a non-empty list of rows")
        if len(m) > max_states:
            raise SpecError(f"{where} has {len(m)} rows; processes are limited to "
                            f"{max_states} states (raise it with max_states=)")
        rows = [[parse_expression(e, symbols, f"{where}[{i}][{j}]") for j, e in enumerate(row)]
                for i, row in enumerate(m)]
        for i, row in enumerate(rows):
            if len(row) != len(rows):
                raise SpecError(f"{where} row {i} has {len(row)} entries, expected "
                                f"{len(rows)}: each T[x] is square")
        matrices.append(sp.Matrix(rows))
    return matrices


def parameters_from_table(table, source: str) -> list[Parameter]:
    """The ``parameters`` table of a process or system file as `Parameter`s.

    Each entry is a bare number or expression string (the default), or a table with
    ``default`` and optional ``domain`` and ``description``; every error names ``source``
    and the key.
    """
    if not isinstance(table, dict):
        raise SpecError(f"{source}: 'parameters' must be a table of name -> "
                        "{default = ..., domain = ...}")
    return [_parameter(name, value, source) for name, value in table.items()]


def _parameter(name: str, value, source: str) -> Parameter:
    where = f"{source}: parameters.{name}"
    check_name(name, f"{source}: parameter")
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        value = {"default": value}
    if not isinstance(value, dict) or "default" not in value:
        raise SpecError(f"{where} needs a 'default' value")
    unknown = set(value) - {"default", "domain", "description"}
    if unknown:
        raise SpecError(f"{where} has unknown field(s) {sorted(unknown)}; allowed: default, "
                        "domain, description")
    default = parse_expression(value["default"], {}, f"{where}.default")
    if not default.is_number or not default.is_extended_real:
        raise SpecError(f"{where}.default must be a real number, got {value['default']!r}")
    default = float(default)
    domain = parse_domain(value["domain"], f"{where}.domain") if "domain" in value \
        else "(-oo, oo)"
    description = value.get("description", "")
    if not isinstance(description, str):
        raise SpecError(f"{where}.description must be a string")
    return Parameter(name, default, domain, description)
