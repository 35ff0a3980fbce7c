"""The ``dimension`` command: fractal and intrinsic dimensions of a point cloud."""

from __future__ import annotations

import argparse

from processes.errors import InputError

from .common import (
    FIGURE_SUFFIXES,
    add_json_argument,
    add_seed_argument,
    check_output,
    check_seed,
    print_report,
    save_plot,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add ``dimension`` to the subcommands ``sub``."""
    p = sub.add_parser("dimension", formatter_class=formatter,
                       help="fractal and intrinsic dimensions of a point cloud",
                       description="Box-counting D0, information D1 and correlation D2 "
                                   "(scaling fits with intervals and a reliable flag), and "
                                   "the nearest-neighbour TwoNN and MLE estimates.")
    p.add_argument("points", metavar="POINTS.npy|.npz",
                   help="an (n_points, n_dims) array; from an .npz the array 'points'")
    add_seed_argument(p)
    p.add_argument("--plot", metavar="FILE.png|.svg|.pdf", help="draw the scaling curves")
    add_json_argument(p)
    p.set_defaults(run=_dimension)


def _dimension(args: argparse.Namespace) -> None:
    check_output(args.plot, "--plot", FIGURE_SUFFIXES)
    check_seed(args.seed)
    import numpy as np

    from ..geometry import fit_dimension_estimators, subsample, summarize_dimensions
    from ..io import load_points
    from ..reports import explain_nulls

    points = load_points(args.points)
    if np.ptp(points, axis=0).max() == 0:
        raise InputError(f"{args.points}: all {len(points)} points are identical; a single "
                         "point has dimension 0 and no scaling range to measure")
    # Fit once; the figure draws these same fits (refitting doubled the run time).
    fitted = fit_dimension_estimators(points, random_state=args.seed)
    info = explain_nulls({"n_points": int(len(points)), "n_dims": int(points.shape[1]),
                          "dimension_points": int(len(subsample(points, args.seed))),
                          **summarize_dimensions(fitted)}, {})
    print_report(info, args.json)
    if args.plot:
        save_plot(lambda: _scaling_figure(fitted), args.plot)


def _scaling_figure(fitted):
    import textwrap

    from matplotlib.figure import Figure

    from ..geometry import plot_scaling

    names = {"box_dimension": "box counting D0", "information_dimension": "information D1",
             "correlation_dimension": "correlation D2"}
    fig = Figure(figsize=(13, 4), layout="constrained")
    axes = fig.subplots(1, 3)
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
