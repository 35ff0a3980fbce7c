"""Load a user-defined map, flow or IFS from a TOML or JSON file.

Format (TOML shown; JSON has the same keys)::

    kind = "map"                      # "map" | "flow" | "ifs"
    variables = ["x", "y"]
    equations = ["1 - a*x**2 + y", "b*x"]   # map or flow
    initial = [0.1, 0.1]              # optional default initial state

    [parameters.a]
    default = 1.4
    domain = [0.0, 2.0]               # optional closed interval

    [parameters.b]
    default = 0.3

An IFS replaces ``equations`` by ``maps = [[...], [...]]`` (one list of expressions per map)
and ``probabilities = [...]`` (constants or expressions of the state). A parameter may also
be given as a bare number, ``parameters = {a = 1.4}``. Every error names the file and the key.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from dynamics.systems import SymbolicFlow, SymbolicIFS, SymbolicMap
from processes.errors import SpecError

__all__ = ["SpecError", "load_system"]

_KINDS = ("map", "flow", "ifs")
_KEYS = {"kind", "variables", "parameters", "equations", "maps", "probabilities", "initial"}


def _read(path: Path) -> dict:
    try:
        if path.suffix == ".toml":
            with path.open("rb") as handle:
                return tomllib.load(handle)
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                raise SpecError(f"{path}: the top level must be an object")
            return data
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise SpecError(f"{path}: not valid {path.suffix[1:].upper()}: {err}") from err
    raise SpecError(f"{path}: unknown file type {path.suffix!r}; use .toml or .json")


def _strings(value, path: Path, key: str, length: int | None = None) -> list[str]:
    """A list of expression strings (numbers allowed), optionally of a given length."""
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise SpecError(f"{path}: key '{key}' must be a list of strings, got {value!r}")
    if length is not None and len(value) != length:
        raise SpecError(f"{path}: key '{key}' has {len(value)} entries, expected {length} "
                        f"(one per variable)")
    return [str(v) for v in value]


def _parameters(table, path: Path) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    if not isinstance(table, dict):
        raise SpecError(f"{path}: key 'parameters' must be a table of name -> {{default = ...}}")
    defaults, domains = {}, {}
    for name, entry in table.items():
        key = f"parameters.{name}"
        if isinstance(entry, int | float) and not isinstance(entry, bool):
            entry = {"default": entry}
        if not isinstance(entry, dict) or "default" not in entry:
            raise SpecError(f"{path}: key '{key}' needs a numeric 'default'")
        unknown = set(entry) - {"default", "domain"}
        if unknown:
            raise SpecError(f"{path}: key '{key}' has unknown field(s) {sorted(unknown)}")
        if not isinstance(entry["default"], int | float) or isinstance(entry["default"], bool):
            raise SpecError(f"{path}: key '{key}.default' must be a number")
        defaults[name] = float(entry["default"])
        if "domain" in entry:
            domain = entry["domain"]
            if (not isinstance(domain, list) or len(domain) != 2
                    or not all(isinstance(d, int | float) for d in domain)):
                raise SpecError(f"{path}: key '{key}.domain' must be [low, high]")
            domains[name] = (float(domain[0]), float(domain[1]))
    return defaults, domains


def load_system(path: str | Path) -> SymbolicMap | SymbolicFlow | SymbolicIFS:
    """Build a symbolic system from a ``.toml`` or ``.json`` specification.

    Parameters
    ----------
    path : str or pathlib.Path
        The specification file (format in the module docstring).

    Returns
    -------
    SymbolicMap or SymbolicFlow or SymbolicIFS
        According to ``kind``; ``default_x0`` is ``initial`` when given.

    Raises
    ------
    SpecError
        For a missing, unknown or malformed key, or an expression that does not parse; the
        message names the file and the key.
    """
    path = Path(path)
    spec = _read(path)
    unknown = set(spec) - _KEYS
    if unknown:
        raise SpecError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    kind = spec.get("kind")
    if kind not in _KINDS:
        raise SpecError(f"{path}: key 'kind' must be one of {_KINDS}, got {kind!r}")
    if "variables" not in spec:
        raise SpecError(f"{path}: missing key 'variables'")
    variables = _strings(spec["variables"], path, "variables")
    if not variables:
        raise SpecError(f"{path}: key 'variables' is empty")
    params, domains = _parameters(spec.get("parameters", {}), path)
    initial = spec.get("initial")
    if initial is not None:
        if (not isinstance(initial, list) or len(initial) != len(variables)
                or not all(isinstance(v, int | float) for v in initial)):
            raise SpecError(f"{path}: key 'initial' must be {len(variables)} numbers")
    common = {"params": params, "initial": initial, "domains": domains}
    try:
        if kind == "ifs":
            for key in ("maps", "probabilities"):
                if key not in spec:
                    raise SpecError(f"{path}: missing key '{key}' (needed for kind = 'ifs')")
            if not isinstance(spec["maps"], list) or not spec["maps"]:
                raise SpecError(f"{path}: key 'maps' must be a non-empty list of lists")
            maps = [_strings(m, path, f"maps[{u}]", len(variables))
                    for u, m in enumerate(spec["maps"])]
            probs = _strings(spec["probabilities"], path, "probabilities", len(maps))
            return SymbolicIFS(variables, maps, probs, **common)
        if "equations" not in spec:
            raise SpecError(f"{path}: missing key 'equations' (needed for kind = '{kind}')")
        equations = _strings(spec["equations"], path, "equations", len(variables))
        cls = SymbolicMap if kind == "map" else SymbolicFlow
        return cls(variables, equations, **common)
    except SpecError:
        raise
    except ValueError as err:
        # The symbolic classes name the offending entry (e.g. 'equations[1]'); add the file.
        raise SpecError(f"{path}: {err}") from err
