"""Orbits of driven maps and flows, and the Lyapunov spectrum along them.

One engine serves every system: a driven map (an autonomous map is its one-input case,
a belief IFS or an RNN driven by tokens the general case) or a flow (the variational
equation integrated by RK4 next to the state). Orbits run as a batch; the tangent frames
are re-orthonormalised by a batched, sign-fixed QR, and the log stretch factors on the
diagonal of ``R`` average to the exponents.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.integrate import solve_ivp
from tqdm import tqdm

from processes.errors import BeliefscopeError, InputError

from ._stepping import FlowStepper, rk4

if TYPE_CHECKING:
    import torch

__all__ = [
    "DivergenceError",
    "LyapunovResult",
    "integrate",
    "iterate",
    "lyapunov_dimension",
    "lyapunov_spectrum",
]

# States this large overflow within a few more steps of any polynomial map.
_OVERFLOW = 1e150
_MAP_FIX = "try another initial condition or parameters inside the system's bounded regime"
# Relative size of the kicks that separate copies of one start (see `_initial_batch`):
# a flow's contraction pulls a kicked copy back onto the attractor, but a map's kick can
# leave its invariant set (the logistic map's [0, 1]) and diverge, so maps kick less.
_JITTER = {"flow": 1e-2, "map": 1e-3}
_FLOW_FIX = "try a smaller dt, another initial condition, or other parameters"
_BLOWUP_FIX = "try another initial condition or parameters inside the flow's bounded regime"
# Time units a flow's DOP853 run integrates between QRs (see `lyapunov_spectrum`).
_QR_TIME = 0.5


class DivergenceError(BeliefscopeError):
    """A trajectory left the finite numbers (overflow or NaN)."""


def _check_finite(x: np.ndarray | torch.Tensor, step: int, fix: str) -> None:
    """Raise :class:`DivergenceError` naming ``step`` if ``x`` (batch, ...) is not finite."""
    x = x if isinstance(x, np.ndarray) else x.detach().cpu().numpy()  # a torch tensor
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~np.isfinite(x) | (np.abs(x) > _OVERFLOW)
    if bad.any():
        orbit = int(np.argwhere(bad)[0][0])
        raise DivergenceError(f"orbit {orbit} diverged at step {step} (non-finite or |x| > "
                              f"{_OVERFLOW:g}); {fix}")


def _initial_batch(system, x0, n_orbits: int, rng: np.random.Generator, jitter: bool,
                   *, stepper: FlowStepper | None = None, transient: int = 0,
                   max_mixing: int = 0) -> tuple[np.ndarray, bool]:
    """Starting states (n_orbits, dim) from ``x0`` (dim,) or (n_orbits, dim), and whether
    the orbits are independent.

    Starts given per orbit, and those of driven systems (whose independent input draws
    separate the orbits), are used as they are. A single deterministic start is spread out:
    one orbit runs ``transient`` steps onto the attractor; copies of its end point, jittered
    by ``_JITTER`` (1e-2 for flows, 1e-3 for maps) of the attractor's size, then run as a
    batch (state only, cheap) until their spread across orbits matches the attractor's
    spread over time (at most ``max_mixing`` steps), and then as long again. Copies jittered
    by a tiny amount would shadow one another for ``ln(1 / jitter) / lambda_1`` time units
    and share one stretch of the attractor, so the spread across orbits would understate the
    error (for Arneodo by 3-6 times); copies that have only just spread apart still lie on
    one sheet of the unstable manifold, and on the slowly mixing Sprott E flow their
    estimates stayed correlated (runs from different seeds scattered twice the stated
    error). The second period, another ``ln(1 / jitter)`` Lyapunov times, lets them forget
    their common origin; the spreading time measures ``1 / lambda_1`` without an estimate of
    the exponent.

    Why not starts sampled far apart in time along one long orbit: a start taken from
    the reference orbit replays that orbit exactly (the same RK4 arithmetic), so the
    orbits would share stretches unless the samples were a whole averaging window (plus
    a shadowing time) apart, i.e. ``n_orbits`` times the run's length of sequential
    integration, where a state step costs about half a tangent step. The batch's cost
    does not grow with ``n_orbits``.
    The flag is False when the orbits are chaotic but did not spread in time.
    """
    if x0 is None:
        x0 = getattr(system, "default_x0", None)
        if x0 is None:
            raise InputError(f"{type(system).__name__} has no default initial state; pass x0")
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim == 2:
        if x0.shape != (n_orbits, system.dim):
            raise InputError(f"x0 has shape {x0.shape}, expected ({n_orbits}, {system.dim})")
        return x0.copy(), True
    if not jitter:
        return np.tile(x0, (n_orbits, 1)), True

    is_flow = stepper is not None
    fix = _FLOW_FIX if is_flow else _MAP_FIX

    def advance(x, n: int) -> np.ndarray:  # (batch, dim) -> the next n states (n, batch, dim)
        with np.errstate(over="ignore", invalid="ignore"):
            if is_flow:
                out = stepper.states(x, n)
                if out is None:
                    raise DivergenceError(f"an orbit blew up while the orbits spread out "
                                          f"(the adaptive solver failed); {_BLOWUP_FIX}")
            else:
                out = np.empty((n, *x.shape))
                for i in range(n):
                    x = out[i] = system.step(x, system.choose(x, rng)[0])
        _check_finite(out, 0, fix)
        return out

    x = x0[None, :].copy()
    scale = np.zeros(system.dim)
    if transient:
        path = advance(x, transient)[:, 0]
        x = path[-1:]
        visited = path[transient // 2:]  # the second half: on the attractor
        scale = np.std(visited, axis=0) if len(visited) > 1 else scale
    scale = np.where(scale > 0, scale, 1e-3 * (1.0 + np.abs(x[0])))
    x = np.tile(x[0], (n_orbits, 1))
    x += _JITTER["flow" if is_flow else "map"] * scale * rng.standard_normal(x.shape)
    target = 0.5 * float(np.sum(scale ** 2))  # the attractor's variance, halved
    start = float(np.sum(np.var(x, axis=0)))
    for t in range(16, max_mixing + 1, 16):
        x = advance(x, 16)[-1]
        spread = float(np.sum(np.var(x, axis=0)))
        if spread < 1e-6 * start:  # contracting: a stable cycle or fixed point
            return x, True
        if spread >= target:
            # Just apart is not yet independent: the copies still sit on one sheet
            # of the unstable manifold. Run as long again (another ln(1 / jitter)
            # Lyapunov times) so that they forget their common origin.
            return advance(x, t)[-1], True
    return x, max_mixing == 0


def _check_inputs(inputs, n_orbits: int, total: int) -> np.ndarray | None:
    if inputs is None:
        return None
    inputs = np.asarray(inputs)
    if inputs.shape != (n_orbits, total) or not np.issubdtype(inputs.dtype, np.integer):
        raise InputError(f"inputs must be an int array of shape ({n_orbits}, {total}) "
                         f"= (n_orbits, burn_in + n_steps), got {inputs.dtype} {inputs.shape}")
    return inputs


def iterate(system, x0, n_steps: int, *, burn_in: int = 0, inputs=None,
            seed: int | np.random.Generator | None = 0, return_inputs: bool = False):
    """Iterate a driven map.

    Parameters
    ----------
    system : DrivenMap
        The map family.
    x0 : numpy.ndarray
        Initial states, (batch, dim) or (dim,) for a single orbit.
    n_steps : int
        Number of states returned per orbit.
    burn_in : int
        Steps run and discarded first.
    inputs : numpy.ndarray, optional
        Driving sequence (batch, burn_in + n_steps) int; default: drawn by ``system.choose``.
    seed : int or numpy.random.Generator
        Randomness for ``system.choose``.
    return_inputs : bool
        Also return the inputs used.

    Returns
    -------
    numpy.ndarray
        (batch, n_steps, dim): entry ``t`` is the state after ``burn_in + t + 1`` steps.
        With ``return_inputs``, also the inputs (batch, burn_in + n_steps) int.

    Raises
    ------
    DivergenceError
        If a state becomes non-finite or overflows.
    """
    rng = np.random.default_rng(seed)
    x = np.atleast_2d(np.asarray(x0, dtype=float)).copy()
    total = burn_in + n_steps
    inputs = _check_inputs(inputs, len(x), total)
    out = np.empty((len(x), n_steps, system.dim))
    used = np.empty((len(x), total), dtype=np.int64)
    for t in range(total):
        u = inputs[:, t] if inputs is not None else system.choose(x, rng)[0]
        with np.errstate(over="ignore", invalid="ignore"):
            x = system.step(x, u)
        _check_finite(x, t + 1, _MAP_FIX)
        used[:, t] = u
        if t >= burn_in:
            out[:, t - burn_in] = x
    return (out, used) if return_inputs else out


def integrate(flow, x0, n_steps: int, dt: float, *, burn_in: int = 0, method: str = "rk4",
              rtol: float = 1e-9, atol: float = 1e-12) -> np.ndarray:
    """Integrate a flow and sample it every ``dt``.

    Parameters
    ----------
    flow : Flow
        The vector field.
    x0 : numpy.ndarray
        Initial states, (batch, dim) or (dim,).
    n_steps : int
        Number of samples returned per orbit.
    dt : float
        Sampling interval (and the RK4 step), in the flow's time unit.
    burn_in : int
        Samples integrated and discarded first.
    method : {'rk4', 'solve_ivp'}
        'rk4': fixed-step RK4 over the whole batch, in torch float64 when the flow has
        ``rhs_torch`` and in numpy otherwise. 'solve_ivp': scipy's adaptive DOP853, one
        orbit at a time, with the explicit tolerances ``rtol`` and ``atol``.
    rtol, atol : float
        Tolerances for 'solve_ivp'.

    Returns
    -------
    numpy.ndarray
        (batch, n_steps, dim): entry ``t`` is the state at time ``(burn_in + t + 1) * dt``.

    Raises
    ------
    DivergenceError
        If a state becomes non-finite or overflows (or the adaptive solver fails).
    """
    x = np.atleast_2d(np.asarray(x0, dtype=float))
    total = burn_in + n_steps
    if method == "solve_ivp":
        times = dt * np.arange(burn_in + 1, total + 1)
        out = np.empty((len(x), n_steps, flow.dim))
        for i, start in enumerate(x):
            sol = solve_ivp(lambda _, y: flow.rhs(y[None])[0], (0.0, times[-1]), start,
                            method="DOP853", t_eval=times, rtol=rtol, atol=atol)
            if not sol.success:
                raise DivergenceError(f"orbit {i}: solve_ivp failed ({sol.message}); "
                                      f"{_FLOW_FIX}")
            _check_finite(sol.y.T[None], n_steps, _FLOW_FIX)
            out[i] = sol.y.T
        return out
    if method != "rk4":
        raise InputError(f"method must be 'rk4' or 'solve_ivp', got {method!r}")
    if hasattr(flow, "rhs_torch"):
        import torch

        state, f = torch.as_tensor(x, dtype=torch.float64), flow.rhs_torch
        out = torch.empty((len(x), n_steps, flow.dim), dtype=torch.float64)
    else:
        state, f = x, flow.rhs
        out = np.empty((len(x), n_steps, flow.dim))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(total):
            state = rk4(f, state, dt)
            _check_finite(state, t + 1, _FLOW_FIX)
            if t >= burn_in:
                out[:, t - burn_in] = state
    return out if isinstance(out, np.ndarray) else out.numpy()


def lyapunov_dimension(exponents, entropy: float = 0.0) -> float:
    """Lyapunov (Kaplan-Yorke) dimension, with an input entropy for stochastic IFSs.

    ``d = k + (h + lambda_1 + ... + lambda_k) / |lambda_{k+1}|`` with the exponents sorted
    descending and ``k`` the largest index with ``h + sum_{i<=k} lambda_i >= 0``. If the sum
    over all exponents plus ``h`` stays >= 0, ``d`` is the number of exponents; if
    ``h + lambda_1 < 0``, ``d = h / |lambda_1|`` (``k = 0``).

    For an IFS it estimates the information dimension D1 of the invariant measure when
    the maps' images overlap little (Mess3); where they fold onto each other it is only
    an upper bound. ``tom_quantum`` is such a case: four maps of the Bloch circle onto
    itself give d = 2 (capped at the tangent dimension) while the measure lives on the
    circle (D1 = 1). Cross-check with box counting (`analysis.InformationDimension`).

    Parameters
    ----------
    exponents : array_like
        Lyapunov exponents (k,), nats per step (or per unit time, with ``entropy`` per unit time).
    entropy : float
        Entropy rate ``h`` of the input law in nats per step; 0 for deterministic maps.

    Returns
    -------
    float
        The Lyapunov dimension.
    """
    lam = np.sort(np.asarray(exponents, dtype=float))[::-1]
    if lam.size == 0:
        return 0.0  # a zero-dimensional state space (a one-state process): one point
    partial = entropy + np.cumsum(lam)
    if entropy + lam[0] < 0:
        return float(entropy / abs(lam[0]))
    if partial[-1] >= 0:
        return float(len(lam))
    k = int(np.nonzero(partial >= 0)[0].max()) + 1
    return float(k + partial[k - 1] / abs(lam[k]))


@dataclass(frozen=True, eq=False)
class LyapunovResult:
    """Lyapunov spectrum estimated over independent orbits.

    Attributes
    ----------
    exponents_nats : numpy.ndarray
        (k,) mean exponents, descending, nats per step (per unit time for flows).
    stderr_nats : numpy.ndarray
        (k,) standard error across orbits, ``std / sqrt(n_orbits)``; NaN for one orbit.
    per_orbit_nats : numpy.ndarray
        (n_orbits, k) exponents of each orbit, each row descending.
    entropy_nats : float
        Mean Shannon entropy (nats per step) of the input law along the orbits: the entropy
        rate ``h`` for a place-dependent IFS, 0 for deterministic systems and for inputs
        supplied by the caller.
    entropy_stderr_nats : float
        Standard error of ``entropy_nats`` across orbits.
    n_steps : int
        Steps averaged per orbit, after burn-in.
    dt : float or None
        Time step for flows; None for maps.
    converged : bool
        False when a check failed: the exponents drift between the first and second
        halves of the orbits by more than 3 standard errors of that drift, some orbits
        disagree with the rest (a false cycle of the integrator, another attractor), or
        chaotic orbits did not spread apart before averaging.
    converged_reason : str or None
        Why not, in one sentence with a remedy; None when converged.
    error_nats : numpy.ndarray or None
        (k,) one-sigma error: ``stderr_nats`` with the estimated bias (half the drift
        between the halves) added in quadrature where the drift is significant.
    drift_nats : numpy.ndarray or None
        (k,) second-half minus first-half mean exponents (NaN for one-step runs).
    suggested_steps : int or None
        With ``converged`` False: a ``n_steps`` large enough for the drift to fall below
        the standard error (the bias shrinks like ``1 / n_steps``, the error like
        ``1 / sqrt(n_steps)``).
    n_outlying_orbits : int
        Orbits whose largest exponent disagrees with the rest (for a flow, often a false
        cycle of a too-large step).
    """

    exponents_nats: np.ndarray
    stderr_nats: np.ndarray
    per_orbit_nats: np.ndarray
    entropy_nats: float
    entropy_stderr_nats: float
    n_steps: int
    dt: float | None = None
    converged: bool = True
    converged_reason: str | None = None
    error_nats: np.ndarray | None = None
    drift_nats: np.ndarray | None = None
    suggested_steps: int | None = None
    n_outlying_orbits: int = 0

    @property
    def dimension(self) -> float:
        """Lyapunov (Kaplan-Yorke) dimension from ``exponents`` and ``entropy_nats``."""
        return lyapunov_dimension(self.exponents_nats, self.entropy_nats)

    @property
    def ci95_nats(self) -> np.ndarray:
        """(k, 2) 95% intervals, ``exponents -+ 1.96 error_nats``."""
        err = self.stderr_nats if self.error_nats is None else self.error_nats
        return np.stack([self.exponents_nats - 1.96 * err,
                         self.exponents_nats + 1.96 * err], axis=1)


def _convergence(per_orbit: np.ndarray, halves: np.ndarray, stderr: np.ndarray,
                 n_steps: int, mixed: bool, is_flow: bool):
    """The convergence checks of `lyapunov_spectrum`.

    ``halves`` (2, n_orbits, k) holds each orbit's exponents over the first and second
    half of its averaging window, in the column order of ``per_orbit``. Returns
    ``(converged, reason, error, drift, suggested_steps, n_outlying_orbits)``.
    """
    n, k = per_orbit.shape
    finite = np.all(np.isfinite(per_orbit), axis=0) & np.all(np.isfinite(halves), axis=(0, 1))
    # A collapsed direction (-inf in both halves) has no drift: keep it out of the sums.
    d = np.where(finite, halves[1] - np.where(finite, halves[0], 0.0), 0.0)
    drift = np.where(finite, d.mean(axis=0) if n else 0.0, np.nan)
    error = np.array(stderr, dtype=float)
    if n < 2 or k == 0:
        return True, None, error, drift, None, 0
    drift_se = d.std(axis=0, ddof=1) / np.sqrt(n)
    scale = 1e-9 * (1.0 + np.abs(np.where(finite, per_orbit, 0.0)).max(axis=0))
    significant = finite & (np.abs(drift) > 3.0 * drift_se + scale)
    # The average of the halves is off from the better (later) half by half the drift.
    bias = np.where(significant, 0.5 * np.abs(np.where(finite, drift, 0.0)), 0.0)
    error = np.where(finite, np.sqrt(np.where(finite, error, 0.0) ** 2 + bias ** 2), error)
    reasons, suggested, n_odd = [], None, 0
    if significant.any():
        i = int(np.argmax(significant))
        ratio = float(bias[i] / max(stderr[i], scale[i]))
        suggested = int(min(max(2.0, ratio ** 2), 1e4) * n_steps)
        suggested = int(float(f"{suggested:.1g}")) if suggested >= 10 else suggested
        reasons.append(f"exponent {i + 1} drifts from {halves[0, :, i].mean():.4g} in the "
                       f"first half of the orbits to {halves[1, :, i].mean():.4g} in the "
                       f"second, more than 3 standard errors")
    top = per_orbit[:, 0]
    if np.all(np.isfinite(top)) and n >= 4:
        median = float(np.median(top))
        sigma = 1.4826 * float(np.median(np.abs(top - median)))
        odd = np.abs(top - median) > 6.0 * sigma + 0.05 * abs(median) + 1e-9
        n_odd = int(odd.sum())
        if odd.any():
            where = ("a false cycle of the integrator (try a smaller dt) or another attractor"
                     if is_flow else "another attractor or a periodic window")
            reasons.append(f"{int(odd.sum())} of {n} orbits disagree with the rest (largest "
                           f"exponent {top[odd].mean():.4g} against a median of "
                           f"{median:.4g}): they may have settled on {where}")
            spread = np.abs(top[odd] - median).max() / np.sqrt(n)
            error[0] = float(np.hypot(error[0], spread))
            suggested = suggested or 2 * n_steps
    if not mixed and np.isfinite(top).all() and top.mean() > 3.0 * stderr[0] > 0:
        reasons.append("the orbits are chaotic but did not spread apart before averaging, "
                       "so their errors may be correlated")
        suggested = suggested or 2 * n_steps
    if not reasons:
        return True, None, error, drift, None, 0
    return False, "; ".join(reasons), error, drift, suggested, n_odd


def _mean_stderr(values: np.ndarray):
    """Mean and standard error across orbits (axis 0). A map of rank below the tangent
    dimension (a belief reset) gives exponent -inf, whose error is reported as 0."""
    n = len(values)
    mean = values.mean(axis=0)
    if n < 2:
        return mean, np.full(values.shape[1:], np.nan)
    finite = np.all(np.isfinite(values), axis=0)
    safe = np.where(finite, values, 0.0)
    spread = np.where(finite, safe.std(axis=0, ddof=1) / np.sqrt(n), 0.0)
    return mean, spread


def _orthonormalise(q: np.ndarray, singular_tolerance: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Batched QR of (n, d, k) frames; returns the sign-fixed Q and log|diag R| (n, k).

    A stretch factor ``|R_ii| <= singular_tolerance`` counts as exactly zero (log -inf):
    rounding leaves ~1e-16 where a rank-deficient map collapses a direction, and its log
    would pass for a finite, very negative exponent.
    """
    q, r = np.linalg.qr(q)
    diag = np.diagonal(r, axis1=1, axis2=2)
    q = q * np.where(diag < 0, -1.0, 1.0)[:, None, :]
    stretch = np.abs(diag)
    stretch = np.where(stretch <= singular_tolerance, 0.0, stretch)
    with np.errstate(divide="ignore"):
        return q, np.log(stretch)


def lyapunov_spectrum(system, x0=None, *, n_steps: int = 10_000, burn_in: int = 1_000,
                      n_orbits: int = 8, seed: int | np.random.Generator | None = 0,
                      inputs=None, dt: float | None = None, method: str = "dop853",
                      rtol: float = 1e-8, atol: float = 1e-10, qr_every: int | None = None,
                      progress: bool = False, spread: bool = True) -> LyapunovResult:
    """Lyapunov spectrum of a driven map or a flow by the QR (Benettin) method.

    Parameters
    ----------
    system : DrivenMap or Flow
        A flow is recognised by its ``rhs`` method; anything else is a driven map. An
        optional attribute ``singular_tolerance`` (default 0) sets the stretch factor per
        re-orthonormalisation at or below which a direction counts as collapsed (exponent
        -inf), for systems whose maps are known to be rank-deficient.
    x0 : numpy.ndarray, optional
        Initial states (n_orbits, dim), used as given; or (dim,) shared by all orbits:
        for a deterministic system without ``inputs``, one orbit from it runs ``burn_in``
        steps onto the attractor and jittered copies of its end mix until they have spread
        over the attractor, and as long again, so that the orbits, and the error taken
        across them, are independent; driven systems start every orbit at ``x0``. Default
        ``system.default_x0``.
    n_steps : int
        Steps averaged per orbit after burn-in.
    burn_in : int
        Steps discarded first; the tangent frames are evolved during them too, so they have
        aligned with the stretching directions when averaging starts.
    n_orbits : int
        Independent orbits, run as one batch; the standard error is taken across them.
    seed : int or numpy.random.Generator
        Randomness for the jitter and for ``system.choose``.
    inputs : numpy.ndarray, optional
        (n_orbits, burn_in + n_steps) int driving sequence supplied by the caller (e.g.
        tokens for an RNN); otherwise ``system.choose`` draws the inputs.
    dt : float, optional
        A flow's step (required for flows, ignored for maps): ``n_steps`` and ``burn_in``
        count intervals of ``dt``, so a flow is averaged over ``n_steps * dt`` time units.
    method : {'dop853', 'rk4'}
        How a flow is integrated: scipy's adaptive DOP853, error-controlled to ``rtol``
        and ``atol`` inside every interval (the default: a fixed step can fall onto a
        false periodic cycle, as Chen-Lee does with RK4 at dt 0.01), or fixed-step RK4 at
        ``dt``, cheaper per step and exact to rounding for reproducing older runs.
    rtol, atol : float
        DOP853's tolerances on the state and the tangent frame.
    qr_every : int, optional
        Steps between re-orthonormalisations. Default 1, except DOP853, which integrates
        ``qr_every`` intervals per solver call: enough for half a time unit (the frame's
        columns then part by ``(lambda_1 - lambda_k) / 2`` nats between QRs, far below the
        ~35 nats float64 resolves for the flows here; lower it for very stiff flows).
    progress : bool
        Show a tqdm bar (only on a terminal).
    spread : bool
        Spread a single deterministic start over the attractor (above); False gives the
        old 1e-6 jitter of one point, whose orbits are not independent (benchmarks).

    Returns
    -------
    LyapunovResult
        Exponents in nats per step for maps, per unit time for flows, with the
        convergence checks' verdict (``converged``, ``converged_reason``) and an error
        that includes the estimated bias (``error_nats``, ``ci95_nats``).

    Raises
    ------
    DivergenceError
        If an orbit becomes non-finite or overflows.
    """
    rng = np.random.default_rng(seed)
    is_flow = hasattr(system, "rhs")
    if is_flow and (dt is None or inputs is not None):
        raise InputError("a flow needs its step dt and takes no inputs")
    stepper = FlowStepper(system, dt, method, rtol, atol) if is_flow else None
    if qr_every is None:
        qr_every = max(1, round(_QR_TIME / dt)) if is_flow and method == "dop853" else 1
    if qr_every < 1:
        raise InputError(f"qr_every {qr_every}: must be >= 1")
    total = burn_in + n_steps
    inputs = None if is_flow else _check_inputs(inputs, n_orbits, total)
    jitter = is_flow or (system.n_inputs == 1 and inputs is None)
    x, mixed = _initial_batch(system, x0, n_orbits, rng, jitter, stepper=stepper,
                              transient=burn_in if spread else 0,
                              max_mixing=4 * max(burn_in, 1_000) if spread else 0)
    k = system.dim if is_flow else system.tangent_dim
    q = np.tile(np.eye(k), (n_orbits, 1, 1))  # (n_orbits, k, k) tangent frame
    # Log stretches over the first and second half of the averaging window, for the
    # drift check; their sum is the whole run's.
    log_stretch = np.zeros((2, n_orbits, k))
    half = burn_in + n_steps // 2
    entropy = np.zeros(n_orbits)
    fix = _FLOW_FIX if is_flow else _MAP_FIX
    singular_tolerance = getattr(system, "singular_tolerance", 0.0)
    # Re-orthonormalise every qr_every steps and where the averaging window and its
    # halves begin and end, so no stretch straddles two of them.
    stops = sorted({*range(qr_every, total + 1, qr_every), burn_in, half, total} - {0})

    with np.errstate(over="ignore", invalid="ignore"), \
            tqdm(total=total, disable=not (progress and sys.stderr.isatty()),
                 leave=False) as bar:
        t = 0
        for stop in stops:
            if is_flow:
                advanced = stepper.tangent(x, q, stop - t)
                if advanced is None:
                    raise DivergenceError(f"an orbit blew up between steps {t} and {stop} (the "
                                          f"adaptive solver failed); {_BLOWUP_FIX}")
                x, q = advanced
                _check_finite(x, stop, fix)
            else:
                for s in range(t, stop):
                    if inputs is None:
                        u, h = system.choose(x, rng)
                    else:
                        u, h = inputs[:, s], np.zeros(n_orbits)
                    q = system.tangent(x, u) @ q
                    x = system.step(x, u)
                    if s >= burn_in:
                        entropy += h
                    _check_finite(x, s + 1, fix)
            q, logs = _orthonormalise(q, singular_tolerance)
            if t >= burn_in:
                log_stretch[int(t >= half)] += logs
            bar.update(stop - t)
            t = stop
    step = dt if is_flow else 1.0
    whole = log_stretch.sum(axis=0) / (n_steps * step)
    order = np.argsort(-whole, axis=1, kind="stable")
    per_orbit = np.take_along_axis(whole, order, axis=1)
    lengths = np.array([half - burn_in, total - half], dtype=float)[:, None, None] * step
    with np.errstate(invalid="ignore", divide="ignore"):
        halves = np.take_along_axis(log_stretch, order[None], axis=2) / lengths
    exponents, stderr = _mean_stderr(per_orbit)
    h_mean, h_err = _mean_stderr(entropy[:, None] / n_steps)
    checks = _convergence(per_orbit, halves, stderr, n_steps, mixed, is_flow)
    return LyapunovResult(exponents, stderr, per_orbit, float(h_mean[0]), float(h_err[0]),
                          n_steps, dt if is_flow else None, *checks)
