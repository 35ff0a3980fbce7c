"""``beliefscope sweep``: one command (describe, attractor, lyapunov or reproduce) over a
grid or a list of parameters and options, locally (joblib) or on a Dask cluster.

Layout of the output folder ``DIR``::

    DIR/spec.json                   the checked spec (`SweepSpec.to_dict`)
    DIR/points/<id>/config.json     one point's config; <id> is its hash (`point_id`)
    DIR/points/<id>/result.json     {"status": "ok", "report": ...} or a failure
    DIR/points/<id>/run/            ``reproduce`` only: the point's run folder
    DIR/results.csv                 one row per finished point
    DIR/heatmap.png                 a sweep over two names: one column over the grid

A point whose ``result.json`` exists is finished and never runs again, so rerunning the
same command after any interruption (``kill -9`` included) runs only what is missing.
Workers compute and return; this process writes every file (atomically), so a cluster's
workers need no view of ``DIR``, except for ``reproduce``, whose run folder the worker
writes (give the cluster a shared file system).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.io import atomic_write, save_figure, write_json
from processes.errors import BeliefscopeError, InputError

from .sweep_spec import SweepSpec, load_sweep_spec, point_id

__all__ = ["SweepResult", "heatmap_figure", "load_sweep_spec", "run_point", "run_sweep"]

# A table rewrite costs a pass over every row: at most once per this many seconds while
# points finish (and always at the end).
_TABLE_INTERVAL_S = 1.0
# Cells with more values than this are too small to print their number in.
_ANNOTATED_CELLS = 150


@dataclass(frozen=True)
class SweepResult:
    """What a sweep left in its folder, and how this call got there."""

    out_dir: Path
    table: Path  # results.csv
    heatmap: Path | None  # heatmap.png, for a sweep over two names
    columns: tuple[str, ...]  # the table's header
    rows: tuple[dict, ...]  # the table's rows, typed (lists as JSON strings, as written)
    n_run: int  # points this call computed
    n_skipped: int  # points finished before this call

    @property
    def n_points(self) -> int:
        return len(self.rows)

    @property
    def n_failed(self) -> int:
        return sum(row["status"] == "failed" for row in self.rows)

    def summary(self) -> str:
        """One line: counts, and where the table and the heat map are."""
        line = (f"{self.n_points} points ({self.n_run} run now, {self.n_skipped} finished "
                f"before): {self.n_points - self.n_failed} ok, {self.n_failed} failed; "
                f"results: {self.table}")
        return line + (f"; heat map: {self.heatmap}" if self.heatmap else "")


def run_point(config: Mapping, point_dir: str) -> dict:
    """Compute one point (in a worker): ``{"status": "ok", "report": ...}``, or
    ``{"status": "failed", "error": ...}`` for an error the input causes (a parameter
    outside its domain, a diverging run). Any other exception is a bug and propagates.

    ``report`` is the command's ``--json`` output; ``reproduce`` writes its run folder
    into ``point_dir/run`` (the other commands write nothing).
    """
    start = time.perf_counter()
    try:
        report = _REPORTS[config["command"]](config, Path(point_dir))
    except (BeliefscopeError, ArithmeticError) as exc:  # DivergenceError is the former
        message = str(exc).strip().replace("\n", " ") or type(exc).__name__
        return {"status": "failed", "error": message, "error_type": type(exc).__name__,
                "seconds": time.perf_counter() - start}
    report = json.loads(json.dumps(report, allow_nan=False, default=_numpy_value))
    return {"status": "ok", "report": report, "seconds": time.perf_counter() - start}


def _numpy_value(value):
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _target(config: Mapping):
    from analysis.reports import resolve_target, target_from_definition

    target = config["target"]
    if "definition" in target:
        return target_from_definition(target["definition"], target["file"], config["params"])
    return resolve_target(target["name"], None, config["params"])


def _describe(config: Mapping, point_dir: Path) -> dict:
    from analysis.reports import describe_process

    o = config["options"]
    return describe_process(_target(config), depth=o["depth"], seed=o["seed"])


def _attractor(config: Mapping, point_dir: Path) -> dict:
    from analysis.reports import attractor_report

    o = config["options"]
    _, _, info = attractor_report(_target(config), o["points"], seed=o["seed"],
                                  lyapunov_steps=o.get("lyapunov_steps"))
    return info


def _lyapunov(config: Mapping, point_dir: Path) -> dict:
    from analysis.reports import lyapunov_report

    o = config["options"]
    return lyapunov_report(_target(config), n_steps=o.get("steps"), n_orbits=o["orbits"],
                           seed=o["seed"], dt=o.get("dt"), until_converged=o["until_converged"],
                           max_steps=o["max_steps"], check_dt=o["check_dt"],
                           method=o["method"], rtol=o["rtol"], atol=o["atol"])


def _reproduce(config: Mapping, point_dir: Path) -> dict:
    from analysis.networks.train import resolve_device

    from .reproduction import Settings, reproduce

    o = config["options"]
    target = config["target"]
    ref = {"file": target["file"]} if "file" in target else {"catalogue": target["name"]}
    settings = Settings.for_sweep_point(o)
    # Beside, not into, the point's own config.json: a run folder has its own.
    run_dir = point_dir / "run"
    metrics = reproduce(_target(config), run_dir, model=o["model"], quick=o["quick"],
                        device=str(resolve_device(o["device"])), process_ref=ref,
                        seed=o["seed"], progress=False, settings=settings)
    return {"run_dir": str(run_dir), **metrics}


_REPORTS = {"describe": _describe, "attractor": _attractor, "lyapunov": _lyapunov,
            "reproduce": _reproduce}


def run_sweep(spec: str | Path | Mapping | SweepSpec, out_dir: str | Path, *, jobs: int = 1,
              scheduler: str | None = None, progress: bool = True) -> SweepResult:
    """Run every unfinished point of ``spec`` into ``out_dir``; see the module docstring.

    Parameters
    ----------
    spec : path, mapping or SweepSpec
        A ``.toml``/``.json`` sweep spec (`load_sweep_spec`), its content, or a checked spec.
    out_dir : path
        Created if needed; points finished there before are read, not rerun.
    jobs : int
        Local worker processes (joblib); 1 runs in this process.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running Dask scheduler: its workers run the points
        (``pip install 'beliefscope[dask]'``).
    progress : bool
        A progress bar over points on stderr, when it is a terminal.

    Returns
    -------
    SweepResult
        Failed points are rows with ``status`` "failed"; nothing is raised for them.
    """
    if jobs < 1:
        raise InputError(f"--jobs {jobs}: must be >= 1 (local worker processes)")
    if scheduler is not None and jobs != 1:
        raise InputError("--jobs applies to local runs; with --scheduler the cluster's "
                         "workers set the parallelism")
    sweep = spec if isinstance(spec, SweepSpec) else load_sweep_spec(spec)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder for the sweep")
    with ExitStack() as stack:
        # Connected before anything is written: a wrong address leaves no folder behind.
        client = None if scheduler is None else stack.enter_context(_connect(scheduler))
        write_json(out / "spec.json", sweep.to_dict())
        configs = [sweep.config(i) for i in range(len(sweep.points))]
        dirs = [out / "points" / point_id(c) for c in configs]
        outcomes: dict[int, dict] = {}
        for i, folder in enumerate(dirs):
            finished = _read_result(folder)
            if finished is not None:
                outcomes[i] = finished
            else:
                write_json(folder / "config.json", configs[i])
        pending = [i for i in range(len(configs)) if i not in outcomes]
        n_skipped = len(outcomes)
        table = out / "results.csv"
        bar = stack.enter_context(_progress_bar(len(configs), n_skipped, progress))
        last_write = -np.inf
        try:
            for i, outcome in _execute(configs, dirs, pending, jobs, client):
                write_json(dirs[i] / "result.json", outcome)
                outcomes[i] = outcome
                bar.update()
                if time.monotonic() - last_write >= _TABLE_INTERVAL_S:
                    _write_table(table, *_table(sweep, outcomes))
                    last_write = time.monotonic()
        finally:
            # Also when interrupted: the table then holds every point recorded so far.
            columns, rows = _table(sweep, outcomes)
            _write_table(table, columns, rows)
    heatmap = None
    if sweep.heatmap is not None:
        heatmap = _save_heatmap(sweep, columns, rows, out / "heatmap.png")
    return SweepResult(out_dir=out, table=table, heatmap=heatmap, columns=tuple(columns),
                       rows=tuple(rows), n_run=len(pending), n_skipped=n_skipped)


def _read_result(folder: Path) -> dict | None:
    """A finished point's outcome; None when it has not finished (no or no readable
    result, which an atomic write leaves only if the point never finished)."""
    try:
        outcome = json.loads((folder / "result.json").read_text())
    except (OSError, ValueError):
        return None
    return outcome if isinstance(outcome, dict) and "status" in outcome else None


def _progress_bar(total: int, done: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, unit="point", desc="sweep",
                disable=not (enabled and sys.stderr.isatty()))


def _execute(configs: list[dict], dirs: list[Path], pending: list[int], jobs: int,
             client) -> Iterator[tuple[int, dict]]:
    """``(index, outcome)`` of every pending point, in the order they finish: on the
    workers of the Dask ``client``, else locally."""
    if not pending:
        return
    if client is not None:
        from distributed import as_completed

        futures = client.map(_indexed, pending, [configs[i] for i in pending],
                             [str(dirs[i]) for i in pending], pure=False)
        for future in as_completed(futures):
            yield future.result()
    elif jobs == 1:
        # In this process, one after another: each is recorded before the next starts.
        for i in pending:
            yield i, run_point(configs[i], str(dirs[i]))
    else:
        from joblib import Parallel, delayed

        runs = Parallel(n_jobs=jobs, return_as="generator_unordered")(
            delayed(_indexed)(i, configs[i], str(dirs[i])) for i in pending)
        yield from runs


def _indexed(index: int, config: dict, point_dir: str) -> tuple[int, dict]:
    return index, run_point(config, point_dir)


def _connect(scheduler: str):
    """A `distributed.Client` of the scheduler at ``scheduler`` (``tcp://HOST:PORT``)."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'beliefscope[dask]'") from None
    if "://" not in scheduler:
        raise InputError(f"--scheduler {scheduler}: give the scheduler's address, "
                         "tcp://HOST:PORT (`dask scheduler` prints it)")
    try:
        return Client(scheduler, timeout="10s")
    except OSError as exc:
        raise InputError(f"--scheduler {scheduler}: no Dask scheduler answers there ({exc}); "
                         "start one with `dask scheduler`") from None


def _table(sweep: SweepSpec, outcomes: Mapping[int, dict]) -> tuple[list[str], list[dict]]:
    """The header and one row per finished point, in the spec's order: the swept names,
    status, error, then every scalar of the report (lists as JSON strings; tables such
    as describe's ``latex`` stay in ``result.json``)."""
    columns = [*sweep.names, "status", "error"]
    rows = []
    for i in sorted(outcomes):
        outcome = outcomes[i]
        row = {**sweep.points[i], "status": outcome["status"],
               "error": outcome.get("error", "")}
        for key, value in outcome.get("report", {}).items():
            if key in row or isinstance(value, dict):
                continue
            row[key] = json.dumps(value) if isinstance(value, list) else value
            if key not in columns:
                columns.append(key)
        rows.append(row)
    return columns, rows


def _write_table(path: Path, columns: list[str], rows: list[dict]) -> None:
    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value) if isinstance(value, float) else str(value)

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([cell(row.get(c)) for c in columns] for row in rows)

    atomic_write(path, write)


def _save_heatmap(sweep: SweepSpec, columns: list[str], rows: list[dict], path: Path) -> Path:
    """Draw ``sweep.heatmap`` over the two swept names; refuse a column that is not
    numeric after the table is written."""
    column = sweep.heatmap
    numeric = [c for c in columns if any(_is_number(row.get(c)) for row in rows)]
    if column not in numeric and any(row["status"] == "ok" for row in rows):
        raise InputError(f"heatmap = {column!r}: no such numeric column in the results "
                         f"(numeric: {', '.join(numeric)}); the results are complete in "
                         f"{path.parent / 'results.csv'}")
    save_figure(heatmap_figure(sweep, rows, column), path)
    return path


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def heatmap_figure(sweep: SweepSpec, rows: list[dict], column: str):
    """``column`` over the two swept names: the first across, the second up; a failed
    point or a null value is a grey, hatched cell."""
    from matplotlib.figure import Figure

    across, up = sweep.names
    xs = list(dict.fromkeys(p[across] for p in sweep.points))
    ys = list(dict.fromkeys(p[up] for p in sweep.points))
    grid = np.full((len(ys), len(xs)), np.nan)  # (len(ys), len(xs))
    failed = np.zeros(grid.shape, dtype=bool)
    for row in rows:
        cell = ys.index(row[up]), xs.index(row[across])
        value = row.get(column)
        failed[cell] = row["status"] == "failed"
        if not failed[cell] and _is_number(value):
            grid[cell] = value
    fig = Figure(figsize=(1.2 + 0.9 * max(len(xs), 4), 1.0 + 0.7 * max(len(ys), 4)),
                 layout="constrained")
    ax = fig.subplots()
    ax.set_facecolor("0.85")
    ax.add_patch(_hatch(len(xs), len(ys)))
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", cmap="viridis",
                      aspect="auto")
    fig.colorbar(image, ax=ax, label=column)
    if grid.size <= _ANNOTATED_CELLS:
        finite = grid[np.isfinite(grid)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for (r, c), value in np.ndenumerate(grid):
            text = "failed" if failed[r, c] else "n/a" if np.isnan(value) else f"{value:.3g}"
            ax.text(c, r, text, ha="center", va="center", fontsize=8,
                    color="k" if not np.isfinite(value) or value > middle else "w")
    ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
    target = sweep.target.get("name") or sweep.target["file"]
    ax.set(xlabel=across, ylabel=up, title=f"{target} {sweep.command}: {column}")
    return fig


def _hatch(width: int, height: int):
    from matplotlib.patches import Rectangle

    return Rectangle((-0.5, -0.5), width, height, fill=False, hatch="//", edgecolor="0.6",
                     linewidth=0, zorder=0)


def _label(value) -> str:
    return f"{value:g}" if _is_number(value) else str(value)
