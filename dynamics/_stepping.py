"""How a flow is advanced: fixed-step RK4, or scipy's adaptive, error-controlled DOP853.

Both advance a batch of orbits by whole sampling intervals ``dt``. RK4 takes one step per
interval; DOP853 chooses its own steps inside each stretch, to the tolerances ``rtol`` and
``atol``, and so cannot fall onto the false periodic cycles that a too-large fixed step
creates (Chen-Lee at RK4 dt 0.01). The Lyapunov engine uses :meth:`FlowStepper.tangent`,
which carries the tangent frames along (the variational equation ``dQ/dt = J(x) Q``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.integrate import solve_ivp

from processes.errors import InputError

__all__ = ["FLOW_METHODS", "FlowStepper", "rk4"]

FLOW_METHODS = ("dop853", "rk4")


def rk4(f: Callable, x, dt: float):
    """One classical RK4 step for numpy arrays, torch tensors or any type with + and *."""
    k1 = f(x)
    k2 = f(x + 0.5 * dt * k1)
    k3 = f(x + 0.5 * dt * k2)
    k4 = f(x + dt * k3)
    return x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


class _Pair:
    """State and tangent frame, with the arithmetic RK4 needs."""

    __slots__ = ("x", "q")

    def __init__(self, x: np.ndarray, q: np.ndarray):
        self.x, self.q = x, q

    def __add__(self, other: _Pair) -> _Pair:
        return _Pair(self.x + other.x, self.q + other.q)

    def __rmul__(self, c: float) -> _Pair:
        return _Pair(c * self.x, c * self.q)

    __mul__ = __rmul__


class FlowStepper:
    """Advance a batch of a flow's orbits, with or without tangent frames.

    Parameters
    ----------
    flow : Flow
        ``rhs`` (batch, d) -> (batch, d) and ``jacobian`` (batch, d) -> (batch, d, d).
    dt : float
        The sampling interval (RK4's step), in the flow's time unit.
    method : {'dop853', 'rk4'}
    rtol, atol : float
        DOP853's relative and absolute tolerances, per component; unused by RK4. The
        batch is one ODE system, so the step is set by the least smooth orbit.
    """

    def __init__(self, flow, dt: float, method: str = "dop853", rtol: float = 1e-8,
                 atol: float = 1e-10):
        if method not in FLOW_METHODS:
            raise InputError(f"method must be one of {FLOW_METHODS}, got {method!r}")
        if not (np.isfinite(dt) and dt > 0):
            raise InputError(f"dt {dt}: the sampling interval must be a positive number")
        if method == "dop853" and not (0 < rtol < 1 and atol > 0):
            raise InputError(f"rtol {rtol}, atol {atol}: need 0 < rtol < 1 and atol > 0")
        self.flow, self.dt, self.method = flow, float(dt), method
        self.rtol, self.atol = float(rtol), float(atol)

    def _solve(self, fun: Callable, y: np.ndarray, n: int, t_eval=None):
        """DOP853 over ``n`` intervals; None when the solver gave up (a blow-up)."""
        sol = solve_ivp(fun, (0.0, n * self.dt), y, method="DOP853", t_eval=t_eval,
                        rtol=self.rtol, atol=self.atol)
        return sol.y if sol.success else None

    def states(self, x: np.ndarray, n: int) -> np.ndarray | None:
        """The states after each of ``n`` intervals from ``x`` (batch, d): (n, batch, d).

        None when the adaptive solver fails (the orbit blew up); RK4 lets the caller's
        finiteness check see the overflow instead.
        """
        b, d = x.shape
        if self.method == "rk4":
            out = np.empty((n, b, d))
            for i in range(n):
                x = rk4(self.flow.rhs, x, self.dt)
                out[i] = x
            return out

        def fun(_, y):
            return self.flow.rhs(y.reshape(b, d)).ravel()

        y = self._solve(fun, x.ravel(), n, t_eval=self.dt * np.arange(1, n + 1))
        return None if y is None else y.T.reshape(n, b, d)

    def tangent(self, x: np.ndarray, q: np.ndarray, n: int
                ) -> tuple[np.ndarray, np.ndarray] | None:
        """State (batch, d) and tangent frame (batch, d, k) after ``n`` intervals.

        The frame is not re-orthonormalised inside the stretch, so ``n * dt`` times the
        spread of the exponents must stay well below ~35 nats (float64 keeps ~16 digits).
        """
        if self.method == "rk4":
            def variational(s: _Pair) -> _Pair:
                return _Pair(self.flow.rhs(s.x), self.flow.jacobian(s.x) @ s.q)

            state = _Pair(x, q)
            for _ in range(n):
                state = rk4(variational, state, self.dt)
            return state.x, state.q
        b, d = x.shape
        k = q.shape[2]

        def fun(_, y):
            y = y.reshape(b, d + d * k)
            xs, qs = y[:, :d], y[:, d:].reshape(b, d, k)
            return np.concatenate([self.flow.rhs(xs),
                                   (self.flow.jacobian(xs) @ qs).reshape(b, d * k)],
                                  axis=1).ravel()

        y = self._solve(fun, np.concatenate([x, q.reshape(b, d * k)], axis=1).ravel(), n)
        if y is None:
            return None
        y = y[:, -1].reshape(b, d + d * k)
        return y[:, :d], y[:, d:].reshape(b, d, k)
