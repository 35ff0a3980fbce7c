"""Commands about dynamics: ``attractor`` and ``lyapunov``, for processes (their belief
IFS) and for textbook or user-defined maps, flows and IFSs alike."""

from __future__ import annotations

import argparse
import sys

from .common import (
    FIGURE_SUFFIXES,
    add_json_argument,
    add_process_arguments,
    add_seed_argument,
    check_output,
    check_seed,
    parse_params,
    print_report,
    save_plot,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add ``attractor`` and ``lyapunov`` to the subcommands ``sub``."""
    p = sub.add_parser("attractor", formatter_class=formatter,
                       help="sample and measure an attractor (the Blackwell measure of a "
                            "process, or a system's attractor)",
                       description="The chaos game (or orbits), the entropy rate (bits), "
                                   "the Lyapunov spectrum (nats) and dimension, and the "
                                   "cloud's dimensions, all from one sample.")
    add_process_arguments(p, "process or system")
    p.add_argument("--points", type=int, default=100_000,
                   help="points to sample (at least 1000)")
    add_seed_argument(p)
    p.add_argument("--out", metavar="FILE.npz|.npy",
                   help="save the measured cloud (key 'points': the coordinates the "
                        "dimensions are measured in, the belief chart for a process) and, "
                        "in an .npz, the raw samples (key 'samples')")
    p.add_argument("--plot", metavar="FILE.png|.svg|.pdf", help="draw the attractor")
    add_json_argument(p)
    p.set_defaults(run=_attractor)

    p = sub.add_parser("lyapunov", formatter_class=formatter,
                       help="Lyapunov spectrum and dimension of a system or of a process's "
                            "belief IFS",
                       description="Exponents in nats per step (per unit time for flows), "
                                   "with standard errors across orbits, by the QR method.")
    add_process_arguments(p, "process or system", "henon, lorenz, arneodo or mess3")
    p.add_argument("--steps", type=int, default=None,
                   help="steps per orbit after burn-in (default: 20000)")
    p.add_argument("--orbits", type=int, default=16,
                   help="independent orbits; the standard errors are taken across them")
    p.add_argument("--dt", type=float, default=None,
                   help="a flow's sampling interval (the step of --method rk4), in its time "
                        "unit; --steps counts these (default: 0.01)")
    p.add_argument("--method", choices=("dop853", "rk4"), default="dop853",
                   help="a flow's integrator: adaptive, error-controlled DOP853, or RK4 at "
                        "the fixed step --dt")
    p.add_argument("--rtol", type=float, default=1e-8,
                   help="DOP853's relative tolerance (state and tangent vectors)")
    p.add_argument("--atol", type=float, default=1e-10, help="DOP853's absolute tolerance")
    p.add_argument("--until-converged", action="store_true",
                   help="extend the run (doubling --steps, up to --max-steps; halving an "
                        "RK4 --dt when orbits fall onto a false cycle) until the checks "
                        "pass, with a progress bar on a terminal")
    p.add_argument("--max-steps", type=int, default=2_000_000,
                   help="the longest run --until-converged tries (steps per orbit)")
    p.add_argument("--check-dt", action="store_true",
                   help="rerun a flow at half the step and report whether the result is "
                        "step-size limited (costs twice the run)")
    add_seed_argument(p)
    add_json_argument(p)
    p.set_defaults(run=_lyapunov)


def _attractor(args: argparse.Namespace) -> None:
    check_output(args.out, "--out", (".npz", ".npy"))
    check_output(args.plot, "--plot", FIGURE_SUFFIXES)
    check_seed(args.seed)
    from ..io import save_points
    from ..reports import attractor_report, resolve_target

    target = resolve_target(args.process, args.file, parse_params(args.param))
    points, cloud, info = attractor_report(target, args.points, seed=args.seed)
    if args.out:
        save_points(args.out, cloud, samples=points)
    print_report(info, args.json)
    warn_unconverged(info)
    if args.plot:
        save_plot(lambda: _attractor_figure(target, points, args.seed), args.plot)


def _attractor_figure(target, points, seed: int):
    """The sampled attractor: the belief simplex for a process, else the first two
    coordinates."""
    import numpy as np
    from matplotlib.figure import Figure

    from dynamics import plot_simplex
    from processes import Process

    rng = np.random.default_rng(seed)
    shown = points[rng.choice(len(points), min(len(points), 200_000), replace=False)]
    fig = Figure(figsize=(5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    if isinstance(target, Process):
        plot_simplex(shown, ax=ax, title=f"Blackwell measure of {target.name}")
    else:
        ax.scatter(shown[:, 0], shown[:, 1] if shown.shape[1] > 1 else np.zeros(len(shown)),
                   s=0.2, c="k", linewidths=0, rasterized=True)
        names = getattr(target, "variables", ("x", "y"))
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1] if len(names) > 1 else "")
        ax.set_title(f"attractor of {getattr(target, 'name', 'the system')}")
    return fig


def _lyapunov(args: argparse.Namespace) -> None:
    check_seed(args.seed)
    from ..reports import check_lyapunov_arguments, lyapunov_report, resolve_target

    # Before the (possibly slow) loading of the target, so a typo costs nothing.
    check_lyapunov_arguments(args.steps, args.orbits, args.dt, args.max_steps, args.rtol,
                             args.atol)
    target = resolve_target(args.process, args.file, parse_params(args.param))
    info = lyapunov_report(target, n_steps=args.steps, n_orbits=args.orbits, seed=args.seed,
                           dt=args.dt, until_converged=args.until_converged,
                           max_steps=args.max_steps, check_dt=args.check_dt,
                           method=args.method, rtol=args.rtol, atol=args.atol)
    print_report(info, args.json)
    warn_unconverged(info)


def warn_unconverged(info: dict) -> None:
    """One line on stderr, after the results, when the Lyapunov run has not converged."""
    if info.get("lyapunov_converged", True):
        return
    print(f"beliefscope: the Lyapunov spectrum has not converged "
          f"({info.get('lyapunov_converged_reason')}); rerun with --steps "
          f"{info.get('lyapunov_suggested_steps')} or --until-converged", file=sys.stderr)
