"""The belief IFS of a process: ``f_x(eta) = eta T[x] / (eta T[x] r)`` with ``p_x = eta T[x] r``.

`BeliefIFS` implements the `DrivenMap` protocol of `dynamics.systems`, so the Lyapunov
engine that serves textbook chaos serves beliefs too. Tangent vectors live in the
``(n-1)``-dimensional space ``{v : v r = 0}``; `tangent` expresses the tangent map
``Df_x(v) = (v T[x] - (v T[x] r) f_x(eta)) / p_x(eta)`` in an orthonormal basis of it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg
import sympy as sp

from processes import Process, ProcessError, entropy_bits
from processes.errors import NEGATIVE_TOLERANCE, negative_probability_error
from processes.structure import run_with_timeout

if TYPE_CHECKING:
    from .fixed_point import FixedPoint

__all__ = ["BeliefIFS", "belief_coordinates", "belief_lyapunov_spectrum", "chart_basis"]

# Relative size of a singular value of T[x] below which T[x] counts as rank-deficient.
_RANK_TOL = 1e-12


def chart_basis(r: np.ndarray) -> np.ndarray:
    """Orthonormal rows (n - 1, n) spanning the belief tangent space ``{v : v r = 0}``."""
    return scipy.linalg.null_space(np.asarray(r, dtype=float)[None, :]).T


def belief_coordinates(process: Process, beliefs: np.ndarray) -> np.ndarray:
    """The one chart of belief space: beliefs (m, n) -> coordinates (m, n - 1).

    The origin is ``pi`` (``pi r = 1``, so it lies on the belief plane
    ``{eta : eta r = 1}``) and the axes are the orthonormal `chart_basis` of the tangent
    space, so Euclidean distances between beliefs are preserved. Every belief cloud
    (attractor samples, probe targets, network comparisons) is measured in it.
    """
    beliefs = np.asarray(beliefs, dtype=float)
    return (beliefs - process.pi) @ chart_basis(process.r).T


class BeliefIFS:
    """Bayesian belief updates of ``process`` as a place-dependent iterated function system.

    Parameters
    ----------
    process : Process

    Attributes
    ----------
    dim : int
        ``n_states``; beliefs are row vectors of this length.
    tangent_dim : int
        ``n_states - 1``.
    n_inputs : int
        ``n_symbols``: one map per symbol.
    singular_tolerance : float
        1e-12 when some ``T[x]`` is numerically rank-deficient, else 0. Such a map
        collapses tangent directions; rounding leaves stretch factors ~1e-16 there, which
        the Lyapunov engine counts as zero (exponent -inf) below this tolerance.
    """

    def __init__(self, process: Process):
        self.process = process
        self.T = np.array(process.T)  # (k, n, n); a writable copy, so torch can share it
        self.Tr = np.ascontiguousarray(process.Tr)  # (n, k)
        self.r = process.r
        self.dim = process.n_states
        self.tangent_dim = process.n_states - 1
        self.n_inputs = process.n_symbols
        # Orthonormal rows spanning {v : v r = 0}: shape (n - 1, n).
        self.basis = chart_basis(self.r)
        singular_values = np.linalg.svd(self.T, compute_uv=False)  # (k, n), descending
        rank_deficient = singular_values[:, -1] < _RANK_TOL * singular_values[:, 0]
        self.singular_tolerance = _RANK_TOL if rank_deficient.any() else 0.0
        dead = np.flatnonzero(np.all(np.abs(self.Tr) < 1e-15, axis=0))
        if len(dead):
            raise ProcessError(
                f"{process.name}: symbol {dead[0]} has probability zero from every belief "
                "(T[x] r = 0); the process is degenerate - drop that symbol"
            )

    # -- numeric maps (vectorised over a batch of beliefs) ------------------------------
    def probabilities(self, eta: np.ndarray) -> np.ndarray:
        """``p_x(eta)`` for every symbol: (batch, n) -> (batch, k)."""
        return eta @ self.Tr

    def step(self, eta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``f_u(eta)``: (batch, n), (batch,) -> (batch, n).

        Raises `ProcessError` if some ``u`` has zero probability at its belief.
        """
        v = np.einsum("bi,bij->bj", eta, self.T[u])
        p = v @ self.r
        if np.any(np.abs(p) < 1e-300):
            b = int(np.argmin(np.abs(p)))
            raise ProcessError(
                f"{self.process.name}: symbol {u[b]} has probability zero at belief "
                f"{np.round(eta[b], 6).tolist()}; Bayes' rule is undefined there"
            )
        return v / p[:, None]

    # -- tangent coordinates: beliefs form the affine plane {eta : eta r = 1} ----------
    def coordinates(self, eta: np.ndarray) -> np.ndarray:
        """Beliefs (batch, n) -> coordinates (batch, n - 1): `belief_coordinates`."""
        return (eta - self.process.pi) @ self.basis.T

    def point(self, c: np.ndarray) -> np.ndarray:
        """Coordinates (batch, n - 1) -> beliefs (batch, n); inverse of `coordinates`."""
        return self.process.pi + c @ self.basis

    @property
    def coordinate_box(self) -> np.ndarray:
        """(n - 1, 2) box of coordinates around the simplex (the HMM beliefs); for a GHMM,
        whose beliefs may leave it, a box twice as wide about its centre."""
        corners = self.coordinates(np.eye(self.dim))
        low, high = corners.min(axis=0), corners.max(axis=0)
        if self.process.generalized:
            low, high = 1.5 * low - 0.5 * high, 1.5 * high - 0.5 * low
        return np.stack([low, high], axis=1)

    def ambient_jacobian(self, eta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Row-convention Jacobian ``J`` with ``Df_u(v) = v @ J``: (batch, n, n)."""
        Tu = self.T[u]  # (batch, n, n)
        p = np.einsum("bi,bi->b", eta, self.Tr[:, u].T)
        f = np.einsum("bi,bij->bj", eta, Tu) / p[:, None]
        Tur = np.einsum("bij,j->bi", Tu, self.r)  # (batch, n)
        return (Tu - Tur[:, :, None] * f[:, None, :]) / p[:, None, None]

    def tangent(self, eta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Column-convention tangent map in the basis of ``{v : v r = 0}``:
        (batch, n - 1, n - 1), ``dc' = J @ dc``."""
        J = self.ambient_jacobian(eta, u)
        B = self.basis
        return np.einsum("ai,bij,cj->bca", B, J, B)

    def choose(self, eta: np.ndarray, rng: np.random.Generator):
        """Draw ``u ~ p(eta)``; also return ``H[p(eta)]`` in nats. Shapes (batch,).

        Raises `ProcessError` if some ``p_x(eta)`` is negative: a generalized HMM that
        passed its finite-depth word check can still fail on the longer words the
        Lyapunov run reaches, and clipping would hide that.
        """
        p = self.probabilities(eta)
        if p.min() < -NEGATIVE_TOLERANCE:
            raise negative_probability_error(self.process, float(p.min()),
                                             "running the belief IFS")
        p = np.clip(p, 0.0, None)
        p /= p.sum(axis=1, keepdims=True)
        u = (rng.random(len(eta))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
        u = np.minimum(u, self.n_inputs - 1)
        return u, entropy_bits(p) * math.log(2)

    # -- torch versions (for batches on a GPU, or next to a network) --------------------
    def probabilities_torch(self, eta):
        """``p_x(eta)``: tensor (batch, n) -> (batch, k), on ``eta``'s device and dtype."""
        import torch

        return eta @ torch.as_tensor(self.Tr, dtype=eta.dtype, device=eta.device)

    def step_torch(self, eta, u):
        """``f_u(eta)``: tensors (batch, n), (batch,) long -> (batch, n)."""
        import torch

        T = torch.as_tensor(self.T, dtype=eta.dtype, device=eta.device)
        v = torch.einsum("bi,bij->bj", eta, T[u])
        r = torch.as_tensor(self.r, dtype=eta.dtype, device=eta.device)
        return v / (v @ r)[:, None]

    # -- symbolic forms ----------------------------------------------------------------
    def belief_symbols(self) -> tuple[sp.Symbol, ...]:
        return sp.symbols(f"eta0:{self.dim}", real=True)

    def _symbolic_eta_r(self) -> tuple[sp.Matrix, sp.Matrix]:
        """The belief row (1 x n) and ``r`` (n x 1): all ones for an HMM; for a generalized
        HMM, the numeric right eigenvector at the bound parameters."""
        eta = sp.Matrix([self.belief_symbols()])
        r = (sp.ones(self.dim, 1) if not self.process.generalized
             else sp.Matrix(self.r.tolist()))
        return eta, r

    def symbolic_maps(self) -> list[sp.Matrix]:
        """``f_x`` as 1 x n sympy rational functions of ``eta0..`` and the parameters."""
        eta, r = self._symbolic_eta_r()
        maps = []
        for m in self.process.symbolic_matrices():
            v = eta * m
            maps.append((v / (v * r)[0]).applyfunc(sp.cancel))
        return maps

    def symbolic_probabilities(self) -> list[sp.Expr]:
        """``p_x(eta)`` as sympy expressions."""
        eta, r = self._symbolic_eta_r()
        return [sp.expand((eta * m * r)[0]) for m in self.process.symbolic_matrices()]

    def symbolic_jacobians(self) -> list[sp.Matrix]:
        """Ambient Jacobians ``d f_x / d eta`` (n x n, entry [i, j] = d f_j / d eta_i, the
        row convention of `ambient_jacobian`)."""
        eta = self.belief_symbols()
        return [f.jacobian(eta).T.applyfunc(sp.cancel) for f in self.symbolic_maps()]

    def latex(self) -> dict[str, str]:
        out = {}
        for x, (f, p) in enumerate(zip(self.symbolic_maps(), self.symbolic_probabilities(),
                                       strict=True)):
            out[f"f_{x}"] = rf"f_{{{x}}}(\eta) = {sp.latex(f)}"
            out[f"p_{x}"] = rf"p_{{{x}}}(\eta) = {sp.latex(p)}"
        return out

    # -- fixed points ------------------------------------------------------------------
    def fixed_points(self, symbolic: bool = True, timeout: float = 10.0) -> list[FixedPoint]:
        """Fixed points of every ``f_x``: the left eigenvectors of ``T[x]`` with ``eta r != 0``.

        Returns a list of `dynamics.FixedPoint` with ``input`` the symbol, ``point`` the
        belief (n,), ``eigenvalues`` those of the tangent map (n - 1,), and ``exact`` the
        sympy eigenvector (a 1 x n row) when sympy finds it within ``timeout`` seconds.
        `dynamics.fixed_points` (Newton in tangent coordinates) gives the same points.
        """
        from .fixed_point import FixedPoint, classify_stability

        points = []
        exact_by_symbol = (self._symbolic_fixed_points(timeout) if symbolic
                           else [None] * self.n_inputs)
        for x in range(self.n_inputs):
            values, vectors = np.linalg.eig(self.T[x].T)
            for lam, vec in zip(values, vectors.T, strict=True):
                if abs(lam.imag) > 1e-12 or abs(vec.imag).max() > 1e-12:
                    continue
                vec = vec.real
                norm = vec @ self.r
                if abs(norm) < 1e-12:
                    continue
                eta = vec / norm
                eig = np.linalg.eigvals(self.tangent(eta[None, :], np.array([x]))[0])
                exact = _match_exact(eta, exact_by_symbol[x], self.process)
                points.append(FixedPoint(eta, eig, classify_stability(eig, is_flow=False), 1,
                                         eta[None, :], exact, x))
        return points

    def _symbolic_fixed_points(self, timeout):
        def solve():
            out = []
            for m in self.process.symbolic_matrices():
                out.append([(val, [v.T for v in vecs]) for val, _, vecs in m.T.eigenvects()])
            return out

        if self.process.normalized or self.process.generalized:
            return [None] * self.n_inputs
        found = run_with_timeout(solve, timeout)
        return found if found is not None else [None] * self.n_inputs


def _match_exact(eta, candidates, process):
    """The sympy eigenvector (normalised) that evaluates to ``eta``, if any."""
    if not candidates:
        return None
    subs = process.symbol_values
    for _, vectors in candidates:
        for v in vectors:
            total = sum(v)
            if total == 0:
                continue
            exact = (v / total).applyfunc(sp.simplify)
            try:
                value = np.array(exact.subs(subs).evalf(), dtype=float).ravel()
            except (TypeError, ValueError):
                continue
            if np.allclose(value, eta, atol=1e-8):
                return exact
    return None


def belief_lyapunov_spectrum(process: Process, n_steps: int = 20_000, burn_in: int = 500,
                             n_orbits: int = 16,
                             seed: int | np.random.Generator | None = 0, progress: bool = False):
    """Lyapunov spectrum (nats per symbol) of the belief IFS, by the shared QR engine.

    The result's ``entropy_nats`` is the Blackwell-average entropy rate and its
    ``dimension`` the Lyapunov (statistical complexity) dimension of docs/conventions.md.
    """
    from .lyapunov import lyapunov_spectrum

    return lyapunov_spectrum(BeliefIFS(process), process.pi, n_steps=n_steps, burn_in=burn_in,
                             n_orbits=n_orbits, seed=seed, progress=progress)
