"""Load a user-defined map, flow or IFS from a TOML or JSON file.

Format (TOML shown; JSON has the same keys)::

    kind = "map"                      # "map" | "flow" | "ifs"
    variables = ["x", "y"]
    equations = ["1 - a*x**2 + y", "b*x"]   # map or flow
    initial = [0.1, 0.1]              # optional default initial state

    [parameters.a]
    default = 1.4
    domain = "[0, 2]"                 # optional; or a closed [low, high] list

    [parameters.b]
    default = 0.3

An IFS replaces ``equations`` by ``maps = [[...], [...]]`` (one list of expressions per map)
and ``probabilities = [...]`` (constants or expressions of the state). A parameter may also
be given as a bare number, ``parameters = {a = 1.4}``. Every error names the file and the key.
Expressions and domains use the safe language of `processes.expressions` (shared with
process specs): nothing in a file is ever executed. Files are limited in size
(`processes.spec.MAX_SPEC_BYTES`), variables to `MAX_VARIABLES` and IFS maps to `MAX_MAPS`.
"""

from __future__ import annotations

import math
from pathlib import Path

from dynamics.systems import SymbolicFlow, SymbolicIFS, SymbolicMap
from processes.errors import SpecError
from processes.spec import parameters_from_table, read_spec

__all__ = ["MAX_MAPS", "MAX_VARIABLES", "SpecError", "load_system", "system_from_dict"]

MAX_VARIABLES = 64
"""State variables a spec file may declare."""
MAX_MAPS = 256
"""Maps an IFS spec file may declare."""

_KINDS = ("map", "flow", "ifs")
_KEYS = {"kind", "variables", "parameters", "equations", "maps", "probabilities", "initial"}


def _strings(value, path: Path, key: str, length: int | None = None) -> list:
    """A list of expression strings (numbers allowed), optionally of a given length."""
    if (not isinstance(value, list)
            or not all(isinstance(v, str | int | float) and not isinstance(v, bool)
                       for v in value)):
        raise SpecError(f"{path}: key '{key}' must be a list of strings or numbers")
    if length is not None and len(value) != length:
        raise SpecError(f"{path}: key '{key}' has {len(value)} entries, expected {length} "
                        f"(one per variable)")
    return list(value)


def load_system(path: str | Path) -> SymbolicMap | SymbolicFlow | SymbolicIFS:
    """Build a symbolic system from a ``.toml`` or ``.json`` specification.

    `system_from_dict` on the file read by `processes.spec.read_spec`; see there.
    """
    return system_from_dict(read_spec(path, "system"), path)


def system_from_dict(spec: dict, path: str | Path = "spec"
                     ) -> SymbolicMap | SymbolicFlow | SymbolicIFS:
    """Build a symbolic system from the parsed content of a specification file.

    Parameters
    ----------
    spec : dict
        The parsed file (format in the module docstring).
    path : str or pathlib.Path
        Where it came from, for messages.

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
    if len(variables) > MAX_VARIABLES:
        raise SpecError(f"{path}: key 'variables' has {len(variables)} entries; the limit is "
                        f"{MAX_VARIABLES}")
    if not all(isinstance(v, str) for v in variables):
        raise SpecError(f"{path}: key 'variables' must be a list of names")
    params = parameters_from_table(spec.get("parameters", {}), str(path))
    initial = spec.get("initial")
    if initial is not None:
        if (not isinstance(initial, list) or len(initial) != len(variables)
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) and abs(v) < 1e300 for v in initial)):
            raise SpecError(f"{path}: key 'initial' must be {len(variables)} finite numbers")
    common = {"params": params, "initial": initial, "name": str(path)}
    try:
        if kind == "ifs":
            for key in ("maps", "probabilities"):
                if key not in spec:
                    raise SpecError(f"{path}: missing key '{key}' (needed for kind = 'ifs')")
            if not isinstance(spec["maps"], list) or not spec["maps"]:
                raise SpecError(f"{path}: key 'maps' must be a non-empty list of lists")
            if len(spec["maps"]) > MAX_MAPS:
                raise SpecError(f"{path}: key 'maps' has {len(spec['maps'])} maps; the limit "
                                f"is {MAX_MAPS}")
            maps = [_strings(m, path, f"maps[{u}]", len(variables))
                    for u, m in enumerate(spec["maps"])]
            probs = _strings(spec["probabilities"], path, "probabilities", len(maps))
            return SymbolicIFS(variables, maps, probs, **common)
        if "equations" not in spec:
            raise SpecError(f"{path}: missing key 'equations' (needed for kind = '{kind}')")
        equations = _strings(spec["equations"], path, "equations", len(variables))
        cls = SymbolicMap if kind == "map" else SymbolicFlow
        return cls(variables, equations, **common)
    except ValueError as err:
        # The symbolic classes name the offending entry (e.g. 'equations[1]'); add the file.
        if str(err).startswith(f"{path}:"):
            raise
        raise SpecError(f"{path}: {err}") from None
