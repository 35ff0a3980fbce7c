"""``beliefscope attractor`` and ``beliefscope lyapunov``: one report for processes and
for textbook or user-defined dynamical systems.

A *target* is either a `processes.Process` (whose belief IFS is the system) or a symbolic
map, flow or IFS from `dynamics`. Both go through the same Lyapunov engine and the same
dimension estimators.
"""

from __future__ import annotations

import math

import numpy as np

from dynamics import (
    BeliefIFS,
    SymbolicFlow,
    belief_coordinates,
    chaos_game,
    entropy_rate,
    integrate,
    iterate,
    lyapunov_spectrum,
)
from processes import InputError, Process

from ..geometry import MAX_POINTS, fit_dimension_estimators, summarize_dimensions
from .nulls import explain_nulls, json_number

__all__ = ["attractor_report", "check_lyapunov_arguments", "lyapunov_report",
           "cloud_coordinates",
           "check_attractor_points", "MIN_ATTRACTOR_POINTS", "MAX_ATTRACTOR_BYTES"]

# Flows are sampled every FLOW_DT time units; this resolves Lorenz's attractor.
FLOW_DT = 0.01
# Time units a flow runs before averaging (its orbits' spreading comes on top).
FLOW_BURN_IN = 20.0
# Fewer points leave the dimension fits without a scaling range and the entropy rate
# without batches for its standard error.
MIN_ATTRACTOR_POINTS = 1000
# The sampled points are held in memory (float64): refuse runs that would need more.
MAX_ATTRACTOR_BYTES = 4 * 2**30


def _errors(result, values) -> list:
    """Per-exponent errors for JSON: 0.0 where every orbit gave -inf (no spread), null
    where the exponent or its spread is undefined."""
    exponents = np.asarray(result.exponents_nats, dtype=float)
    per_orbit = np.asarray(result.per_orbit_nats, dtype=float)
    out: list = []
    for i, err in enumerate(np.asarray(values, dtype=float)):
        if exponents[i] == -np.inf and np.all(per_orbit[:, i] == -np.inf):
            out.append(0.0)
        elif not np.isfinite(exponents[i]) or not np.isfinite(err):
            out.append(None)
        else:
            out.append(float(err))
    return out


def _spectrum(result) -> tuple[list, list, dict]:
    """Exponents and standard errors for JSON, with reasons for what is not a number.

    An exponent that is -inf (a rank-deficient map collapses a direction: every belief
    reset of a GHMM or HMM) is written as the string "-inf". Its standard error is 0.0
    when every orbit gave -inf (there is no spread), else null with a reason.
    """
    exponents = [json_number(v) for v in np.asarray(result.exponents_nats, dtype=float)]
    stderr = _errors(result, result.stderr_nats)
    undefined = ("some orbits gave -inf and others a finite value (or the exponent is "
                 "undefined), so the spread across orbits is undefined")
    reasons = {
        "lyapunov_spectrum_nats": "an exponent is not a number (the orbits' averages "
                                  "overflowed); rerun with fewer --steps",
        "lyapunov_spectrum_stderr_nats": undefined,
        "lyapunov_spectrum_error_nats": undefined,
    }
    return exponents, stderr, reasons


def _run(system, x0, n_steps: int, burn_in: int, n_orbits: int, seed: int,
         dt: float | None, until_converged: bool, max_steps: int, check_dt: bool,
         method: str = "dop853", rtol: float = 1e-8, atol: float = 1e-10):
    """The engine, extended until converged (doubling the steps; halving an RK4 flow's
    step when orbits fall onto a false cycle) and checked at half the step on request.
    Returns the result and, for ``check_dt``, a reason when the step limits it."""
    def once(steps, step):
        # A flow's burn-in is a span of time, whatever its step.
        burn = burn_in if step is None else max(1, round(burn_in * FLOW_DT / step))
        return lyapunov_spectrum(system, x0, n_steps=steps, burn_in=burn,
                                 n_orbits=n_orbits, seed=seed, dt=step, method=method,
                                 rtol=rtol, atol=atol, progress=until_converged)

    result = once(n_steps, dt)
    while until_converged and not result.converged and result.n_steps < max_steps:
        if dt is not None and method == "rk4" and result.n_outlying_orbits:
            dt = dt / 2  # the same time span at half the step: twice the steps
            steps = 2 * result.n_steps
        else:
            steps = max(result.suggested_steps or 0, 2 * result.n_steps)
        result = once(min(steps, max_steps), dt)
    step_reason = None
    if check_dt and dt is not None:
        fine = once(2 * result.n_steps, dt / 2)
        a, b = result.exponents_nats[0], fine.exponents_nats[0]
        ea, eb = (r.error_nats[0] for r in (result, fine))
        if abs(a - b) > 1.96 * math.hypot(ea, eb):
            fix = f"--dt {dt / 4:g}" if method == "rk4" else f"--rtol {rtol / 100:g}"
            step_reason = (f"step-size limited: the largest exponent is {a:.4g} at dt {dt:g} "
                           f"but {b:.4g} at dt {dt / 2:g}; rerun with {fix}")
        result = fine
    return result, step_reason


def check_lyapunov_arguments(n_steps: int | None, n_orbits: int, dt: float | None,
                             max_steps: int = 2_000_000, rtol: float = 1e-8,
                             atol: float = 1e-10) -> None:
    """Refuse run lengths and steps that cannot give a spectrum with an error bar; the
    command line calls it before loading anything, `lyapunov_report` before running."""
    if n_steps is not None and n_steps < 1:
        raise InputError(f"--steps {n_steps}: must be >= 1 (steps per orbit after burn-in)")
    if n_orbits < 2:
        raise InputError(f"--orbits {n_orbits}: must be >= 2 (the standard errors are taken "
                         "across orbits)")
    if max_steps < 1:
        raise InputError(f"--max-steps {max_steps}: must be >= 1")
    if dt is not None and not (math.isfinite(dt) and dt > 0):
        raise InputError(f"--dt {dt}: the integration step must be a positive number")
    if not (0 < rtol < 1):
        raise InputError(f"--rtol {rtol}: the relative tolerance must lie in (0, 1)")
    if not (math.isfinite(atol) and atol > 0):
        raise InputError(f"--atol {atol}: the absolute tolerance must be a positive number")


def lyapunov_report(target, n_steps: int | None = None, n_orbits: int = 16,
                    seed: int = 0, dt: float | None = None, until_converged: bool = False,
                    max_steps: int = 2_000_000, check_dt: bool = False,
                    method: str = "dop853", rtol: float = 1e-8, atol: float = 1e-10) -> dict:
    """Lyapunov spectrum (nats per step, per unit time for flows) and Lyapunov dimension,
    with the engine's convergence verdict.

    ``dt`` is a flow's sampling interval (default `FLOW_DT`), integrated by ``method``:
    adaptive DOP853 to ``rtol``/``atol`` (default) or RK4 with step ``dt``; the burn-in is
    ``FLOW_BURN_IN`` time units whatever ``dt``. ``until_converged`` extends the run
    (doubling ``n_steps`` up to ``max_steps``, halving an RK4 ``dt`` when orbits of a flow
    fall onto a false cycle) until the checks pass; ``check_dt`` reruns a flow at half
    the step and reports the finer run, marked not converged when the two disagree.

    JSON conventions: an exponent of -inf is the string "-inf"; every null has a
    ``<key>_reason`` sibling; ``lyapunov_converged`` is a bool and, when false,
    ``lyapunov_converged_reason`` says why and ``lyapunov_suggested_steps`` how long a
    run may converge.
    """
    check_lyapunov_arguments(n_steps, n_orbits, dt, max_steps, rtol, atol)
    if isinstance(target, Process):
        system, x0, entropy_kind = BeliefIFS(target), target.pi, "entropy_rate"
        dt = None
    else:
        dt = (dt or FLOW_DT) if isinstance(target, SymbolicFlow) else None
        system, x0, entropy_kind = target, None, "input_entropy"
    result, step_reason = _run(system, x0, n_steps or 20_000, _burn_in(target), n_orbits,
                               seed, dt, until_converged, max_steps, check_dt, method, rtol,
                               atol)
    exponents, stderr, reasons = _spectrum(result)
    converged = result.converged and step_reason is None
    why = "; ".join(r for r in (result.converged_reason, step_reason) if r) or None
    info = {
        "lyapunov_spectrum_nats": exponents,
        "lyapunov_spectrum_stderr_nats": stderr,
        # One sigma including the bias the drift check estimates; the interval to quote.
        "lyapunov_spectrum_error_nats": _errors(result, result.error_nats),
        "lyapunov_converged": bool(converged),
        "lyapunov_converged_reason": why,
        "lyapunov_dimension": float(result.dimension),
        # Entropies in bits everywhere (exponents stay in nats, as the engine's).
        f"{entropy_kind}_bits": float(result.entropy_nats) / math.log(2),
        f"{entropy_kind}_stderr_bits": float(result.entropy_stderr_nats) / math.log(2),
        "n_orbits": n_orbits,
        "n_steps": result.n_steps,
        "time_unit": "time" if result.dt else "step",
    }
    if result.dt:
        info["dt"] = float(result.dt)
        info["integrator"] = method
    if not converged:
        info["lyapunov_suggested_steps"] = int(result.suggested_steps or 2 * result.n_steps)
    reasons["lyapunov_dimension"] = ("the Kaplan-Yorke sum of the exponents is undefined "
                                     "for this spectrum")
    return explain_nulls(info, reasons)


def _burn_in(target) -> int:
    """Steps discarded before averaging: beliefs forget ``pi`` fast; flows need more steps
    (of ``FLOW_DT``: `FLOW_BURN_IN` time units) than maps to reach their attractor."""
    if isinstance(target, Process):
        return 500
    return round(FLOW_BURN_IN / FLOW_DT) if isinstance(target, SymbolicFlow) else 1_000


def cloud_coordinates(target, points: np.ndarray) -> np.ndarray:
    """Coordinates in which to measure dimensions: beliefs (m, n) in the one belief chart
    (`dynamics.belief_coordinates`, (m, n - 1)); other systems' states as they are."""
    if isinstance(target, Process):
        return belief_coordinates(target, points)
    return points


def sample_points(target, n_points: int, seed: int = 0):
    """Points on the target's attractor, shape (n_points, dim), and for processes the
    `ChaosGame` (for its entropy rate)."""
    if isinstance(target, Process):
        game = chaos_game(target, n_points, seed=seed)
        return game.beliefs, game
    n_orbits = 16
    steps = -(-n_points // n_orbits)
    if isinstance(target, SymbolicFlow):
        traj = integrate(target, _spread(target, n_orbits, seed), steps, FLOW_DT,
                         burn_in=_burn_in(target))
    else:
        traj = iterate(target, _spread(target, n_orbits, seed), steps,
                       burn_in=_burn_in(target), seed=seed)
    return traj.reshape(-1, traj.shape[-1])[:n_points], None


def _spread(system, n_orbits: int, seed: int) -> np.ndarray:
    """``n_orbits`` starts near the system's default initial condition."""
    if system.default_x0 is None:
        raise InputError("this system has no initial state; add 'initial = [...]' to its spec")
    rng = np.random.default_rng(seed)
    x0 = system.default_x0
    return x0 + 1e-3 * rng.standard_normal((n_orbits, len(x0)))


def attractor_report(target, n_points: int, seed: int = 0, lyapunov_steps: int | None = None,
                     *, return_fits: bool = False) -> tuple:
    """Sample the attractor and measure it.

    For a process: the entropy rate (`dynamics.entropy_rate`, reusing these chaos-game
    samples; bits), the Lyapunov spectrum and dimension of its belief IFS, and the
    dimensions of the beliefs in the belief chart. For a system: its Lyapunov spectrum and
    the dimensions of its states.

    Returns
    -------
    points : ndarray, shape (n_points, dim)
        The samples (beliefs for a process).
    cloud : ndarray, shape (n_points, d)
        The coordinates the dimensions are measured in (`cloud_coordinates`); running
        `geometry.estimate_dimensions` on it with ``random_state=seed`` (or
        ``beliefscope dimension`` on the saved cloud) gives the same numbers.
    info : dict
        JSON-ready; every null has a ``_reason``.
    fits : dict
        Only with ``return_fits``: the fitted dimension estimators behind ``info``'s
        numbers (`geometry.fit_dimension_estimators`; empty for a single point), to plot
        their scaling curves without fitting again.
    """
    check_attractor_points(target, n_points)
    points, game = sample_points(target, n_points, seed)
    info: dict = {"n_points": int(len(points))}
    lyapunov = lyapunov_report(target, n_steps=lyapunov_steps, seed=seed)
    if game is not None:
        rate = entropy_rate(target, seed=seed, game=game)
        # The rate is printed once: the policy's estimate, not the orbit average too.
        lyapunov = {k: v for k, v in lyapunov.items() if not k.startswith("entropy_rate")}
        info.update({"entropy_rate_bits": rate.bits,
                     "entropy_rate_stderr_bits": rate.stderr_bits,
                     "entropy_rate_method": rate.method,
                     "entropy_rate_upper_bound_bits": rate.upper_bound_bits})
        if rate.method == "blackwell":
            # The chaos-game average: how many independent samples it is worth, and
            # whether its chains are long enough for the error bar to hold.
            info.update({"entropy_rate_effective_samples": rate.effective_samples,
                         "entropy_rate_converged": bool(rate.converged),
                         "entropy_rate_converged_reason": rate.converged_reason})
    info.update(lyapunov)
    cloud = cloud_coordinates(target, points)
    info["dimension_points"] = int(min(len(cloud), MAX_POINTS))
    fits: dict = {}
    if cloud.shape[1] == 0 or np.ptp(cloud, axis=0).max() == 0:
        info.update(_single_point_dimensions())
    else:
        fits = fit_dimension_estimators(cloud, random_state=seed)
        info.update(summarize_dimensions(fits))
    info = explain_nulls(info, {
        "entropy_rate_stderr_bits": "the chaos game ran too few chains for a standard error",
        "entropy_rate_upper_bound_bits": "the rate is exact: no bound is needed",
        "entropy_rate_effective_samples": "the process's symbol probabilities were not "
                                          "available for the correlation-time check",
    })
    return (points, cloud, info, fits) if return_fits else (points, cloud, info)


def check_attractor_points(target, n_points: int) -> None:
    """Refuse too few points for the estimates, or more than memory can hold."""
    if n_points < MIN_ATTRACTOR_POINTS:
        raise InputError(f"--points {n_points}: need at least {MIN_ATTRACTOR_POINTS} points "
                         "for the dimension and entropy-rate estimates")
    dim = target.n_states if isinstance(target, Process) else target.dim
    need = n_points * max(dim, 1) * 8
    if need > MAX_ATTRACTOR_BYTES:
        most = MAX_ATTRACTOR_BYTES // (max(dim, 1) * 8)
        raise InputError(
            f"--points {n_points}: {n_points} points of dimension {dim} need "
            f"{need / 2**30:.3g} GiB of memory; the limit is "
            f"{MAX_ATTRACTOR_BYTES // 2**30} GiB - lower --points to at most {most}"
        )


def _single_point_dimensions() -> dict:
    """D0 = D1 = D2 = 0 exactly: the attractor is one point (a one-state process, or a
    map that sends everything to a fixed point), which has no scaling range to fit."""
    out = {}
    for name in ("information_dimension", "correlation_dimension", "box_dimension"):
        out.update({f"{name}_reliable": True, name: 0.0, f"{name}_ci": [0.0, 0.0],
                    f"{name}_range": None,
                    f"{name}_range_reason": "the attractor is a single point: there is no "
                                            "scaling range to fit"})
    return out
