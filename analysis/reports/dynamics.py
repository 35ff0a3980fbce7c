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

from ..geometry import MAX_POINTS, estimate_dimensions
from .nulls import NEG_INF, explain_nulls, json_number

__all__ = ["attractor_report", "lyapunov_report", "cloud_coordinates",
           "check_attractor_points", "MIN_ATTRACTOR_POINTS", "MAX_ATTRACTOR_BYTES"]

# Flows are sampled every FLOW_DT time units; this resolves Lorenz's attractor.
FLOW_DT = 0.01
# Fewer points leave the dimension fits without a scaling range and the entropy rate
# without batches for its standard error.
MIN_ATTRACTOR_POINTS = 1000
# The sampled points are held in memory (float64): refuse runs that would need more.
MAX_ATTRACTOR_BYTES = 4 * 2**30


def _spectrum(result) -> tuple[list, list, dict]:
    """Exponents and standard errors for JSON, with reasons for what is not a number.

    An exponent that is -inf (a rank-deficient map collapses a direction: every belief
    reset of a GHMM or HMM) is written as the string "-inf". Its standard error is 0.0
    when every orbit gave -inf (there is no spread), else null with a reason.
    """
    exponents = [json_number(v) for v in np.asarray(result.exponents_nats, dtype=float)]
    per_orbit = np.asarray(result.per_orbit_nats, dtype=float)
    stderr: list = []
    for i, err in enumerate(np.asarray(result.stderr_nats, dtype=float)):
        if exponents[i] == NEG_INF and np.all(per_orbit[:, i] == -np.inf):
            stderr.append(0.0)
        elif exponents[i] == NEG_INF or exponents[i] is None or not np.isfinite(err):
            stderr.append(None)
        else:
            stderr.append(float(err))
    reasons = {
        "lyapunov_spectrum_nats": "an exponent is not a number (the orbits' averages "
                                  "overflowed); rerun with fewer --steps",
        "lyapunov_spectrum_stderr_nats": "some orbits gave -inf and others a finite value "
                                         "(or the exponent is undefined), so the spread "
                                         "across orbits is undefined",
    }
    return exponents, stderr, reasons


def lyapunov_report(target, n_steps: int | None = None, n_orbits: int = 16,
                    seed: int = 0) -> dict:
    """Lyapunov spectrum (nats per step, per unit time for flows) and Lyapunov dimension.

    JSON conventions: an exponent of -inf is the string "-inf"; every null has a
    ``<key>_reason`` sibling.
    """
    if n_steps is not None and n_steps < 1:
        raise InputError(f"--steps {n_steps}: need at least 1 step per orbit")
    if n_orbits < 2:
        raise InputError(f"--orbits {n_orbits}: need at least 2 orbits for the standard "
                         "errors (the default is 16)")
    if isinstance(target, Process):
        system, x0, dt, entropy_kind = BeliefIFS(target), target.pi, None, "entropy_rate"
    else:
        dt = FLOW_DT if isinstance(target, SymbolicFlow) else None
        system, x0, entropy_kind = target, None, "input_entropy"
    result = lyapunov_spectrum(system, x0, n_steps=n_steps or 20_000, burn_in=_burn_in(target),
                               n_orbits=n_orbits, seed=seed, dt=dt)
    exponents, stderr, reasons = _spectrum(result)
    info = {
        "lyapunov_spectrum_nats": exponents,
        "lyapunov_spectrum_stderr_nats": stderr,
        "lyapunov_dimension": float(result.dimension),
        # Entropies in bits everywhere (exponents stay in nats, as the engine's).
        f"{entropy_kind}_bits": float(result.entropy_nats) / math.log(2),
        f"{entropy_kind}_stderr_bits": float(result.entropy_stderr_nats) / math.log(2),
        "n_orbits": n_orbits,
        "n_steps": result.n_steps,
        "time_unit": "time" if result.dt else "step",
    }
    reasons["lyapunov_dimension"] = ("the Kaplan-Yorke sum of the exponents is undefined "
                                     "for this spectrum")
    return explain_nulls(info, reasons)


def _burn_in(target) -> int:
    """Steps discarded before averaging: beliefs forget ``pi`` fast; flows need more steps
    (of ``FLOW_DT``) than maps to reach their attractor."""
    if isinstance(target, Process):
        return 500
    return 2_000 if isinstance(target, SymbolicFlow) else 1_000


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


def attractor_report(target, n_points: int, seed: int = 0,
                     lyapunov_steps: int | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
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
    info.update(lyapunov)
    cloud = cloud_coordinates(target, points)
    info["dimension_points"] = int(min(len(cloud), MAX_POINTS))
    if cloud.shape[1] == 0 or np.ptp(cloud, axis=0).max() == 0:
        info.update(_single_point_dimensions())
    else:
        info.update(estimate_dimensions(cloud, random_state=seed))
    return points, cloud, explain_nulls(info, {
        "entropy_rate_stderr_bits": "the chaos game ran too few chains for a standard error",
        "entropy_rate_upper_bound_bits": "the rate is exact: no bound is needed",
    })


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
