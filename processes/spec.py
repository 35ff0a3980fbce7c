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

``matrices`` may also be a list of matrices. Optional keys: ``generalized``,
``normalize`` (divide by the spectral radius of the sum), ``description``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import sympy as sp

from .errors import ProcessError, SpecError
from .parameters import Parameter, parse_domain
from .process import Process

__all__ = ["load_process", "process_from_dict"]


def load_process(path: str | Path, **params: float) -> Process:
    """Read a process specification from ``path`` (``.toml`` or ``.json``)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"process file {str(path)!r} does not exist; check the --file path")
    text = path.read_text()
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: the top level must be a table/object")
    return process_from_dict(data, source=str(path), **params)


def process_from_dict(data: dict, source: str = "spec", **params: float) -> Process:
    """Build a process from the parsed content of a specification file."""
    name = data.get("name", Path(source).stem)
    parameters = [_parameter(key, value, source)
                  for key, value in _table(data, "parameters", source, {}).items()]
    if "matrices" not in data:
        raise SpecError(f"{source}: missing key 'matrices' (a list or table of T[x])")
    raw = data["matrices"]
    if isinstance(raw, dict):
        try:
            order = sorted(raw, key=int)
        except ValueError:
            raise SpecError(f"{source}: keys of 'matrices' must be symbol indices "
                            f"0, 1, ...; got {sorted(raw)}") from None
        if [int(x) for x in order] != list(range(len(order))):
            raise SpecError(f"{source}: 'matrices' must be keyed 0..k-1, got {order}")
        raw = [raw[x] for x in order]
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{source}: 'matrices' must be a non-empty list of matrices")
    for x, m in enumerate(raw):
        if not isinstance(m, list) or not all(isinstance(row, list) for row in m):
            raise SpecError(f"{source}: matrices[{x}] must be a list of rows")
        for i, row in enumerate(m):
            for j, entry in enumerate(row):
                if not isinstance(entry, str | int | float):
                    raise SpecError(f"{source}: matrices[{x}][{i}][{j}] must be a number "
                                    f"or an expression string, got {entry!r}")
    try:
        return Process(name, raw, parameters, citation=data.get("citation", source),
                       generalized=data.get("generalized"),
                       normalize=bool(data.get("normalize", False)), params=params)
    except ProcessError as exc:
        raise type(exc)(f"{source}: {exc}") from None


def _table(data: dict, key: str, source: str, default):
    value = data.get(key, default)
    if not isinstance(value, dict):
        raise SpecError(f"{source}: '{key}' must be a table/object")
    return value


def _parameter(name: str, value, source: str) -> Parameter:
    where = f"{source}: parameters.{name}"
    if not isinstance(value, dict) or "default" not in value:
        raise SpecError(f"{where} needs a 'default' value")
    try:
        default = float(value["default"])
    except (TypeError, ValueError):
        raise SpecError(f"{where}.default must be a number, got {value['default']!r}") from None
    try:
        domain = parse_domain(value["domain"]) if "domain" in value else sp.S.Reals
    except ProcessError as exc:
        raise SpecError(f"{where}.domain: {exc}") from None
    return Parameter(name, default, domain, str(value.get("description", "")))
