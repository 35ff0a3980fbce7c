"""The ``beliefscope`` command line."""

from __future__ import annotations

import argparse
import json
import sys

from ._cli_common import add_process_arguments, process_from_args

__all__ = ["main"]

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def _describe(args: argparse.Namespace) -> None:
    from .describe import describe_process, format_summary

    info = describe_process(process_from_args(args), depth=args.depth)
    print(json.dumps(info, allow_nan=False) if args.json else format_summary(info))


def _list(args: argparse.Namespace) -> None:
    from dynamics import list_systems
    from processes import list_processes

    print("processes: " + " ".join(list_processes()))
    print("systems:   " + " ".join(list_systems()))


def _print(info: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(info, allow_nan=False))
    else:
        for key, value in info.items():
            print(f"{key}: {value}")


def _check_output_suffix(path: str | None, allowed: tuple[str, ...], flag: str) -> None:
    # Checked before any computation, so a typo costs nothing.
    if path and not path.endswith(allowed):
        raise ValueError(f"{flag} {path}: the file name must end in one of {', '.join(allowed)}")


def _attractor(args: argparse.Namespace) -> None:
    from ._io import save_figure, save_points
    from .reports import attractor_report, resolve_target

    _check_output_suffix(args.out, (".npz", ".npy"), "--out")
    _check_output_suffix(args.plot, FIGURE_SUFFIXES, "--plot")
    if args.points < 1:
        raise ValueError(f"--points {args.points}: need at least 1 point")
    target = resolve_target(args.process, args.file, args.param)
    points, info = attractor_report(target, args.points, seed=args.seed)
    if args.out:
        save_points(args.out, points)
    if args.plot:
        save_figure(_attractor_figure(target, points, args.seed), args.plot)
    _print(info, args.json)


def _attractor_figure(target, points, seed):
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
    from ._io import save_figure
    from .msp_report import msp_report, save_graph

    _check_output_suffix(args.out, (".graphml", ".json"), "--out")
    _check_output_suffix(args.plot, FIGURE_SUFFIXES, "--plot")
    graph, info = msp_report(process_from_args(args), max_depth=args.depth,
                             max_states=args.max_states)
    if args.out:
        save_graph(graph, args.out)
    if args.plot:
        import matplotlib.pyplot as plt

        from dynamics import draw_msp

        fig, ax = plt.subplots(figsize=(6, 5))
        draw_msp(graph, ax=ax)
        save_figure(fig, args.plot)
    _print(info, args.json)


def _dimension(args: argparse.Namespace) -> None:
    from ._io import load_points, save_figure
    from .dimension import estimate_dimensions

    _check_output_suffix(args.plot, FIGURE_SUFFIXES, "--plot")
    points = load_points(args.points)
    info = {"n_points": int(len(points)), "n_dims": int(points.shape[1]),
            **estimate_dimensions(points, random_state=args.seed)}
    if args.plot:
        save_figure(_scaling_figure(points, args.seed), args.plot)
    _print(info, args.json)


def _scaling_figure(points, seed):
    import matplotlib.pyplot as plt

    from .dimension import BoxCountingDimension, CorrelationDimension
    from .dimension_plot import plot_scaling

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    estimators = [BoxCountingDimension(q=0, random_state=seed),
                  BoxCountingDimension(q=1, random_state=seed),
                  CorrelationDimension(random_state=seed)]
    for est, ax in zip(estimators, axes, strict=True):
        plot_scaling(est.fit(points), ax=ax)
    fig.tight_layout()
    return fig


def _lyapunov(args: argparse.Namespace) -> None:
    from .reports import lyapunov_report, resolve_target

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
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError, KeyError) as exc:
        # Bad input is the user's to fix: one line, no traceback.
        print(f"beliefscope {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
