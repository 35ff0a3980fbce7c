"""The ``beliefscope`` command line."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from ._cli_common import add_process_arguments, process_from_args

__all__ = ["main", "build_parser", "MAX_DESCRIBE_DEPTH", "MAX_MSP_STATES"]

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
# describe's myopic entropies h(1..L): beyond this the belief tree (k**L words before
# merging) cannot be afforded, and h(L) has long converged for every finite process.
MAX_DESCRIBE_DEPTH = 64
# msp holds every mixed state and edge in memory as Python objects.
MAX_MSP_STATES = 1_000_000


class PlotError(ValueError):
    """Drawing or saving a figure failed after the results were printed."""


def _at_least(value: int, low: int, flag: str, why: str = "") -> None:
    if value < low:
        raise ValueError(f"{flag} {value}: must be >= {low}{why}")


def _check_seed(seed: int) -> None:
    _at_least(seed, 0, "--seed", " (numpy seeds are non-negative integers)")


def _check_output_path(path: str | None, flag: str) -> None:
    """Refuse an output path whose folder is missing, before any computation."""
    if not path:
        return
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{flag} {path} is a directory; give a file name inside it")
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"{flag} {path}: the directory {str(folder)!r} does not exist; "
                         f"create it first (mkdir -p {folder})")


def _plot(draw, path: str) -> None:
    """Draw and save a figure after the results are out; a failure is a `PlotError`
    saying that the printed results stand (matplotlib raises several types)."""
    from ._io import save_figure

    try:
        save_figure(draw(), path)
    except (ValueError, OSError, RuntimeError, TypeError) as exc:
        raise PlotError(f"--plot {path}: drawing failed ({exc}); the results above are "
                        "complete") from None


def _describe(args: argparse.Namespace) -> None:
    from .describe import describe_process, format_summary

    _at_least(args.depth, 1, "--depth", " (myopic entropies h(1..L) start at L = 1)")
    if args.depth > MAX_DESCRIBE_DEPTH:
        raise ValueError(f"--depth {args.depth}: at most {MAX_DESCRIBE_DEPTH} (the myopic "
                         "entropies cost up to k**L beliefs); ask for fewer levels")
    info = describe_process(process_from_args(args), depth=args.depth)
    print(json.dumps(info, allow_nan=False) if args.json else format_summary(info))


def _list(args: argparse.Namespace) -> None:
    from dynamics import list_systems
    from processes import list_processes

    print("processes: " + " ".join(list_processes()))
    print("systems:   " + " ".join(list_systems()))


def _text(value) -> str:
    """A value for the text output: never "nan" or "None" without saying so."""
    if isinstance(value, float) and not math.isfinite(value):
        return "-inf" if value == -math.inf else "not a number"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return "not available" if value is None else str(value)


def _print(info: dict, as_json: bool) -> None:
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


def _check_output_suffix(path: str | None, allowed: tuple[str, ...], flag: str) -> None:
    # Checked before any computation, so a typo costs nothing.
    if path and not path.endswith(allowed):
        raise ValueError(f"{flag} {path}: the file name must end in one of {', '.join(allowed)}")


def _attractor(args: argparse.Namespace) -> None:
    from ._io import save_points
    from .reports import attractor_report, check_attractor_points, resolve_target

    _check_output_suffix(args.out, (".npz", ".npy"), "--out")
    _check_output_suffix(args.plot, FIGURE_SUFFIXES, "--plot")
    _check_output_path(args.out, "--out")
    _check_output_path(args.plot, "--plot")
    _check_seed(args.seed)
    target = resolve_target(args.process, args.file, args.param)
    check_attractor_points(target, args.points)
    points, info = attractor_report(target, args.points, seed=args.seed)
    if args.out:
        save_points(args.out, points)
    _print(info, args.json)
    if args.plot:
        _plot(lambda: _attractor_figure(target, points, args.seed), args.plot)


def _attractor_figure(target, points, seed):
    """The sampled attractor: the belief simplex for a process, else the first two
    coordinates."""
    import matplotlib.pyplot as plt
    import numpy as np

    from dynamics import plot_simplex
    from processes import Process

    rng = np.random.default_rng(seed)
    shown = points[rng.choice(len(points), min(len(points), 200_000), replace=False)]
    fig, ax = plt.subplots(figsize=(5, 4.5))
    if isinstance(target, Process):
        plot_simplex(shown, ax=ax, title=f"Blackwell measure of {target.name}")
    else:
        ax.scatter(shown[:, 0], shown[:, 1] if shown.shape[1] > 1 else np.zeros(len(shown)),
                   s=0.2, c="k", linewidths=0, rasterized=True)
        ax.set_title("attractor")
    return fig


def _msp(args: argparse.Namespace) -> None:
    from .msp_report import msp_report, save_graph

    _check_output_suffix(args.out, (".graphml", ".json"), "--out")
    _check_output_suffix(args.plot, FIGURE_SUFFIXES, "--plot")
    _check_output_path(args.out, "--out")
    _check_output_path(args.plot, "--plot")
    if args.depth is not None:
        _at_least(args.depth, 1, "--depth", " (levels of the search; omit it for no limit)")
    _at_least(args.max_states, 1, "--max-states")
    if args.max_states > MAX_MSP_STATES:
        raise ValueError(f"--max-states {args.max_states}: at most {MAX_MSP_STATES} (every "
                         "mixed state is held in memory); ask for fewer")
    graph, info = msp_report(process_from_args(args), max_depth=args.depth,
                             max_states=args.max_states)
    if args.out:
        save_graph(graph, args.out)
    _print(info, args.json)
    if args.plot:
        _plot(lambda: _msp_figure(graph), args.plot)


def _msp_figure(graph):
    import matplotlib.pyplot as plt

    from dynamics import draw_msp

    fig, ax = plt.subplots(figsize=(6, 5))
    draw_msp(graph, ax=ax)
    return fig


def _dimension(args: argparse.Namespace) -> None:
    import numpy as np

    from ._io import load_points
    from ._nulls import explain_nulls
    from .geometry import fit_dimension_estimators, subsample, summarize_dimensions

    _check_output_suffix(args.plot, FIGURE_SUFFIXES, "--plot")
    _check_output_path(args.plot, "--plot")
    _check_seed(args.seed)
    points = load_points(args.points)
    if np.ptp(points, axis=0).max() == 0:
        raise ValueError(f"{args.points}: all {len(points)} points are identical; a single "
                         "point has dimension 0 and no scaling range to measure")
    # Fit once; the figure draws these same fits (refitting doubled the run time).
    fitted = fit_dimension_estimators(points, random_state=args.seed)
    info = explain_nulls({"n_points": int(len(points)), "n_dims": int(points.shape[1]),
                          "dimension_points": int(len(subsample(points, args.seed))),
                          **summarize_dimensions(fitted)}, {})
    _print(info, args.json)
    if args.plot:
        _plot(lambda: _scaling_figure(fitted), args.plot)


def _scaling_figure(fitted):
    import textwrap

    import matplotlib.pyplot as plt

    from .geometry import plot_scaling

    names = {"box_dimension": "box counting D0", "information_dimension": "information D1",
             "correlation_dimension": "correlation D2"}
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
    for (name, title), ax in zip(names.items(), axes, strict=True):
        estimator = fitted[name]
        if isinstance(estimator, Exception):
            ax.set_axis_off()
            ax.set_title(title)
            ax.text(0.5, 0.5, textwrap.fill(f"no fit: {estimator}", 40), ha="center",
                    va="center", fontsize="small", color="C3", transform=ax.transAxes)
        else:
            plot_scaling(estimator, ax=ax, title=title)
    return fig


def _lyapunov(args: argparse.Namespace) -> None:
    from .reports import lyapunov_report, resolve_target

    if args.steps is not None:
        _at_least(args.steps, 1, "--steps", " (steps per orbit after burn-in)")
    _at_least(args.orbits, 2, "--orbits", " (the standard errors are taken across orbits)")
    _check_seed(args.seed)
    target = resolve_target(args.system, args.file, args.param)
    _print(lyapunov_report(target, n_steps=args.steps, n_orbits=args.orbits, seed=args.seed),
           args.json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="beliefscope",
        description="Computational mechanics of processes, belief dynamics and networks.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("describe", help="exact quantities of a process")
    add_process_arguments(p)
    p.add_argument("--depth", type=int, default=10, help="myopic entropies h(1..L)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_describe)

    p = sub.add_parser("list", help="list catalogue processes and dynamical systems")
    p.set_defaults(run=_list)

    p = sub.add_parser("attractor", help="sample and measure the attractor (Blackwell "
                                          "measure of a process, or a system's attractor)")
    add_process_arguments(p)
    p.add_argument("--points", type=int, default=100_000, help="points to sample")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", metavar="FILE.npz", help="save the points")
    p.add_argument("--plot", metavar="FILE.png", help="draw the attractor")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_attractor)

    p = sub.add_parser("msp", help="mixed-state presentation of a process")
    add_process_arguments(p)
    p.add_argument("--depth", type=int, default=None, help="explore at most L levels")
    p.add_argument("--max-states", type=int, default=10_000)
    p.add_argument("--out", metavar="FILE.graphml|.json", help="save the graph")
    p.add_argument("--plot", metavar="FILE.png", help="draw the graph")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_msp)

    p = sub.add_parser("dimension", help="fractal dimensions (D0, D1, D2) of a point cloud")
    p.add_argument("points", metavar="POINTS.npy|.npz")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", metavar="FILE.png", help="draw the scaling curves")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_dimension)

    p = sub.add_parser("lyapunov", help="Lyapunov spectrum and dimension of a system or "
                                         "of a process's belief IFS")
    p.add_argument("system", nargs="?", help="logistic, henon, lorenz, sierpinski or a process")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--file", metavar="SPEC", help="a TOML or JSON system or process")
    p.add_argument("--steps", type=int, default=None, help="steps per orbit after burn-in")
    p.add_argument("--orbits", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_lyapunov)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0, 2 for bad input, 130 if interrupted).

    The project's errors (`ValueError` and its subclasses `ProcessError`, `ParameterError`,
    `SpecError`) and `OSError` are the user's to fix: one line on stderr, no traceback.
    Anything else is a bug and keeps its traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError, KeyError) as exc:
        message = str(exc).strip().replace("\n", " ") or type(exc).__name__
        print(f"beliefscope {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is an answer, not a crash; outputs are atomic, so nothing is half written.
        print(f"beliefscope {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
