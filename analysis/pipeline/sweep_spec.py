"""What a sweep runs: a TOML or JSON spec, checked whole before anything runs.

Example (TOML)::

    command = "lyapunov"          # describe | attractor | lyapunov | reproduce
    process = "mess3"             # a catalogue process or system; or file = "my.toml"
    [options]                     # the command's own options, fixed for every point
    steps = 20000
    [params]                      # optional: process parameters fixed for every point
    [grid]                        # the product of these lists (the last varies fastest)
    x = [0.05, 0.1, 0.15, 0.2]
    a = [0.6, 0.7, 0.85]

``[[points]]`` (an array of tables, each naming the same keys) replaces ``[grid]`` for an
explicit list. A swept name is a parameter of the process when it has one, else one of
the command's options (`COMMAND_OPTIONS`: ``seed``, ``steps``, ``model``, ``quick``, ...),
else an error. ``heatmap = "COLUMN"`` picks the column a two-name sweep draws. A
``file`` is read relative to the spec's folder; its definition is kept in every point's
config, so workers that cannot see the file rebuild the process from it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from processes import Process
from processes.errors import BeliefscopeError, InputError, SpecError
from processes.spec import read_spec

__all__ = ["COMMAND_OPTIONS", "DEFAULT_HEATMAP", "MAX_POINTS", "SweepSpec", "load_sweep_spec",
           "point_id"]

# A grid is a product: this many points is already days of work, and a typo (an extra
# list) should not quietly ask for billions.
MAX_POINTS = 100_000
# The limit of `beliefscope describe --depth`: h(1..L) costs up to k**L beliefs.
MAX_DESCRIBE_DEPTH = 64

_KEYS = ("command", "process", "file", "options", "params", "grid", "points", "heatmap")


@dataclass(frozen=True)
class Option:
    """One option of a command: its type, its default (the library's) and its choices."""

    kind: type
    default: object = None  # None: left out of the config, the library's default
    choices: tuple[str, ...] = ()


_SEED = Option(int, 0)
# The options of each command, named as its command-line flags (with underscores), each
# mapped onto the library function's keyword in `analysis.pipeline.sweep`. An option added
# later defaults to None, so the point configs, and with them the folders, of sweeps made
# before it stay the same and a rerun resumes them.
COMMAND_OPTIONS: dict[str, dict[str, Option]] = {
    "describe": {"depth": Option(int, 10), "seed": _SEED},
    "attractor": {"points": Option(int, 100_000), "lyapunov_steps": Option(int, None),
                  "seed": _SEED},
    "lyapunov": {"steps": Option(int, None), "orbits": Option(int, 16),
                 "dt": Option(float, None), "method": Option(str, "dop853", ("dop853", "rk4")),
                 "rtol": Option(float, 1e-8), "atol": Option(float, 1e-10),
                 "until_converged": Option(bool, False), "max_steps": Option(int, 2_000_000),
                 "check_dt": Option(bool, False), "seed": _SEED},
    "reproduce": {"quick": Option(bool, False), "steps": Option(int, None),
                  "weight_decay": Option(float, 0.0), "bos": Option(bool, None),
                  "model": Option(str, "transformer", ("transformer", "rnn", "gru", "lstm")),
                  "device": Option(str, "cpu", ("cpu", "cuda", "auto")), "seed": _SEED},
}
# The column a two-name sweep draws by default: each command's headline number.
DEFAULT_HEATMAP = {"describe": "entropy_rate_bits", "attractor": "information_dimension",
                   "lyapunov": "lyapunov_dimension", "reproduce": "probe_r2"}


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep: what to run at every point."""

    command: str  # describe | attractor | lyapunov | reproduce
    target: dict  # {"name": catalogue name} or {"file": file name, "definition": {...}}
    parameters: dict[str, float]  # every parameter's value where no point sets it
    options: dict[str, object]  # each set option's value where no point sets it
    names: tuple[str, ...]  # the swept names, as written in the spec
    points: tuple[dict, ...]  # one per point: swept name -> value as written
    heatmap: str | None  # the column a two-name sweep draws; None: no heat map
    source: str = "sweep spec"  # where the spec came from, for messages

    def config(self, index: int) -> dict:
        """Point ``index``'s config (JSON-ready): the command, the target, every
        parameter and every option that has a value (one left out takes the library
        function's default). Its hash (`point_id`) names the point's folder."""
        point = self.points[index]
        params = dict(self.parameters)
        options = dict(self.options)
        for name, value in point.items():
            if name in params:
                params[name] = float(value)
            else:
                options[name] = value
        return {"format": "beliefscope-sweep-point", "version": 1, "command": self.command,
                "target": self.target, "params": params, "options": options}

    def to_dict(self) -> dict:
        """The spec as JSON, saved beside the results."""
        return {"command": self.command, "target": self.target,
                "parameters": self.parameters, "options": self.options,
                "names": list(self.names), "points": list(self.points),
                "heatmap": self.heatmap,
                **({} if self.heatmap else {"heatmap_reason": "only a sweep over exactly "
                                            "two names draws a heat map"})}


def point_id(config: Mapping) -> str:
    """The first 16 hex digits of the SHA-256 of ``config``'s canonical JSON."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_sweep_spec(spec: str | Path | Mapping, base: str | Path | None = None) -> SweepSpec:
    """Read and check a sweep spec (a ``.toml``/``.json`` path, or its parsed content).

    A ``file`` key is taken relative to the spec's folder (``base``, or the working folder
    for a mapping). Everything is checked here, before any point runs: the keys, the
    command, the target, the option types and ranges, the grid or points (non-empty
    lists of scalars, known names, no point twice). A point's parameter value outside its
    domain is not a spec error: that point fails and the others run.

    Raises
    ------
    SpecError, InputError
        Naming the spec, the key and the fix.
    """
    if isinstance(spec, Mapping):
        data, source = dict(spec), "sweep spec"
        folder = Path(base) if base is not None else Path.cwd()
    else:
        path = Path(spec)
        if not path.exists():
            raise SpecError(f"sweep spec {str(path)!r} does not exist; give the path of a "
                            ".toml or .json sweep spec")
        data, source = read_spec(path, "sweep spec"), str(path)
        folder = Path(base) if base is not None else path.parent
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {unknown}; allowed: {', '.join(_KEYS)}")
    command = data.get("command")
    if not isinstance(command, str) or command not in COMMAND_OPTIONS:
        raise SpecError(f"{source}: command = {command!r}; use one of "
                        f"{', '.join(COMMAND_OPTIONS)}")
    target, built = _target(data, source, folder)
    if command in ("describe", "reproduce") and not isinstance(built, Process):
        raise SpecError(f"{source}: {command} needs a process, and {built.name} is a "
                        "dynamical system; sweep it with attractor or lyapunov")
    known = COMMAND_OPTIONS[command]
    options = {name: option.default for name, option in known.items()
               if option.default is not None}
    for name, value in _table(data, "options", source).items():
        if name not in known:
            raise SpecError(f"{source}: [options] {name!r} is not an option of {command}; "
                            f"its options: {', '.join(known)}")
        options[name] = _typed(value, known[name], f"{source}: [options] {name}")
    parameters = {k: float(v) for k, v in built.params.items()}
    for name, value in _table(data, "params", source).items():
        if name not in parameters:
            raise SpecError(f"{source}: [params] {name!r} is not a parameter of {built.name}; "
                            f"its parameters: {', '.join(parameters) or 'none'}")
        parameters[name] = _number(value, f"{source}: [params] {name}")
    names, points = _points(data, source)
    fixed = {**_table(data, "options", source), **_table(data, "params", source)}
    for name in names:
        if name in fixed:
            raise SpecError(f"{source}: {name!r} is both fixed (in [options] or [params]) and "
                            "swept; remove one of the two")
        if name not in parameters and name not in known:
            raise SpecError(
                f"{source}: swept name {name!r} is neither a parameter of {built.name} "
                f"({', '.join(parameters) or 'none'}) nor an option of {command} "
                f"({', '.join(known)})")
    for i, point in enumerate(points):
        for name, value in point.items():
            where = f"{source}: point {i + 1} {name}"
            point[name] = (_number(value, where) if name in parameters
                           else _typed(value, known[name], where))
    heatmap = _heatmap(data, source, command, names)
    sweep = SweepSpec(command=command, target=target, parameters=parameters, options=options,
                      names=names, points=tuple(points), heatmap=heatmap, source=source)
    _check_points(sweep, built)
    return sweep


def _target(data: dict, source: str, folder: Path):
    """The target's entry in every config and the target built at its defaults."""
    from analysis.reports import resolve_target, target_from_definition

    name, file = data.get("process"), data.get("file")
    if (name is None) == (file is None):
        raise SpecError(f"{source}: give exactly one of process = \"NAME\" (a catalogue "
                        "process or system) and file = \"SPEC.toml\"")
    if name is not None:
        if not isinstance(name, str):
            raise SpecError(f"{source}: process must be a catalogue name (a string)")
        try:
            return {"name": name}, resolve_target(name, None)
        except BeliefscopeError as exc:
            raise SpecError(f"{source}: process = {name!r}: {exc}") from None
    if not isinstance(file, str):
        raise SpecError(f"{source}: file must be a path (a string)")
    path = folder / file
    if not path.exists():
        raise SpecError(f"{source}: file = {file!r}: {str(path)!r} does not exist (a "
                        f"relative path is taken from the spec's folder, {str(folder)!r})")
    definition = read_spec(path, "process")
    return ({"file": path.name, "definition": definition},
            target_from_definition(definition, path.name))


def _table(data: dict, key: str, source: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{source}: {key} must be a table ([{key}] with NAME = VALUE lines)")
    return value


def _points(data: dict, source: str) -> tuple[tuple[str, ...], list[dict]]:
    """The swept names and one dict per point, from ``[grid]`` or ``[[points]]``."""
    grid, listed = data.get("grid"), data.get("points")
    if (grid is None) == (listed is None):
        raise SpecError(f"{source}: give exactly one of [grid] (lists whose product is "
                        "swept) and [[points]] (an explicit list of points)")
    if grid is not None:
        if not isinstance(grid, dict) or not grid:
            raise SpecError(f"{source}: [grid] is empty; give NAME = [VALUE, ...] lines")
        for name, values in grid.items():
            if not isinstance(values, list) or not values:
                raise SpecError(f"{source}: [grid] {name} must be a non-empty list of values "
                                f"(e.g. {name} = [0.1, 0.2]), got {values!r}")
            _scalars(values, f"{source}: [grid] {name}")
        size = math.prod(len(v) for v in grid.values())
        if size > MAX_POINTS:
            raise SpecError(f"{source}: the grid has {size} points; the limit is {MAX_POINTS} "
                            "- shorten its lists or split the sweep")
        names = tuple(grid)
        return names, [dict(zip(names, combo, strict=True))
                       for combo in itertools.product(*grid.values())]
    if not isinstance(listed, list) or not listed \
            or not all(isinstance(p, dict) for p in listed):
        raise SpecError(f"{source}: points must be a non-empty array of tables "
                        "([[points]] blocks of NAME = VALUE lines)")
    if len(listed) > MAX_POINTS:
        raise SpecError(f"{source}: {len(listed)} points; the limit is {MAX_POINTS}")
    names = tuple(listed[0])
    if not names:
        raise SpecError(f"{source}: point 1 is empty; give NAME = VALUE lines")
    for i, point in enumerate(listed):
        if set(point) != set(names):
            raise SpecError(f"{source}: point {i + 1} names {sorted(point)} but point 1 names "
                            f"{sorted(names)}; every point names the same keys")
        _scalars(list(point.values()), f"{source}: point {i + 1}")
    return names, [{name: point[name] for name in names} for point in listed]


def _scalars(values: list, where: str) -> None:
    for value in values:
        if not isinstance(value, bool | int | float | str):
            raise SpecError(f"{where}: {value!r} is not a number, string or boolean")


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise SpecError(f"{where}: {value!r} is not a finite number")
    return float(value)


def _typed(value, option: Option, where: str):
    """``value`` checked against the option's type (an int is a float too)."""
    kind = option.kind
    if kind is float:
        return _number(value, where)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SpecError(f"{where}: {value!r} is not an integer")
    if kind is bool and not isinstance(value, bool):
        raise SpecError(f"{where}: {value!r} is not true or false")
    if kind is str:
        if not isinstance(value, str) or (option.choices and value not in option.choices):
            raise SpecError(f"{where}: {value!r}; use one of {', '.join(option.choices)}")
    return value


def _heatmap(data: dict, source: str, command: str, names: tuple[str, ...]) -> str | None:
    column = data.get("heatmap")
    if column is not None and not isinstance(column, str):
        raise SpecError(f"{source}: heatmap must be a column name (a string)")
    if len(names) != 2:
        if column is not None:
            raise SpecError(f"{source}: heatmap = {column!r} needs exactly two swept names "
                            f"(this sweep has {len(names)}: {', '.join(names)})")
        return None
    return column or DEFAULT_HEATMAP[command]


def _check_points(sweep: SweepSpec, built) -> None:
    """Each distinct option set in the command's own range checks; no point twice."""
    from analysis.reports import check_attractor_points, check_lyapunov_arguments

    from .reproduction import Settings

    seen: dict[str, int] = {}
    checked: set[str] = set()
    for i in range(len(sweep.points)):
        config = sweep.config(i)
        key = point_id(config)
        if key in seen:
            raise SpecError(f"{sweep.source}: point {i + 1} ({_point_text(sweep.points[i])}) "
                            f"repeats point {seen[key] + 1}; list each point once")
        seen[key] = i
        o = config["options"]
        text = json.dumps(o, sort_keys=True)
        if text in checked:
            continue
        checked.add(text)
        # An option a point sets is named by the point (sweep.options holds only the
        # options no point sets, so it cannot tell).
        swept = any(name in COMMAND_OPTIONS[sweep.command] for name in sweep.names)
        where = f"point {i + 1} ({_point_text(sweep.points[i])})" if swept else "[options]"
        try:
            if o["seed"] < 0:
                raise InputError(f"seed {o['seed']}: must be >= 0 (numpy seeds are "
                                 "non-negative integers)")
            if sweep.command == "describe" and not 1 <= o["depth"] <= MAX_DESCRIBE_DEPTH:
                raise InputError(f"depth {o['depth']}: must lie in 1..{MAX_DESCRIBE_DEPTH}")
            if sweep.command == "attractor":
                check_attractor_points(built, o["points"])
                if o.get("lyapunov_steps", 1) < 1:
                    raise InputError(f"lyapunov_steps {o['lyapunov_steps']}: must be >= 1")
            if sweep.command == "lyapunov":
                check_lyapunov_arguments(o.get("steps"), o["orbits"], o.get("dt"),
                                         o["max_steps"], o["rtol"], o["atol"])
            if sweep.command == "reproduce":
                Settings.for_sweep_point(o)
        except InputError as exc:
            raise InputError(f"{sweep.source}: {where}: {exc}") from None


def _point_text(point: Mapping) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())
