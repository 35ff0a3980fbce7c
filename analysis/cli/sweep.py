"""``beliefscope sweep``: one command over a grid of parameters and options."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add ``sweep`` to the subcommands ``sub``."""
    p = sub.add_parser(
        "sweep", formatter_class=formatter,
        help="run describe, attractor, lyapunov or reproduce over a grid of parameters, "
             "locally or on a Dask cluster",
        description="Runs every point of SPEC (a grid or a list of process parameters and "
                    "options) into DIR/points/<hash>, writes DIR/results.csv (one row per "
                    "point) and, for two swept names, DIR/heatmap.png. A rerun skips the "
                    "points already finished. Exit status 1 when some points failed.")
    p.add_argument("spec", metavar="SPEC.toml",
                   help="the sweep: command, process or file, [options], and [grid] or "
                        "[[points]] (see examples/sweep_mess3.toml)")
    p.add_argument("--jobs", type=int, default=1,
                   help="local worker processes (joblib); leave it at 1 with --scheduler, whose "
                        "workers set the parallelism")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on the workers of this Dask scheduler (pip install "
                        "'beliefscope[dask]'; start one with `dask scheduler`)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="the sweep folder (default: sweeps/SPEC_NAME)")
    p.set_defaults(run=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from ..pipeline import run_sweep

    out = args.out or f"sweeps/{Path(args.spec).stem}"
    result = run_sweep(args.spec, out, jobs=args.jobs, scheduler=args.scheduler)
    print(f"sweep: {result.summary()}")
    return 1 if result.n_failed else 0
