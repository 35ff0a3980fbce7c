"""Validation of a bound process: signs, normalisation and word probabilities."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .errors import ProcessError

__all__ = ["validate", "rows_sum_to_one_symbolically"]

_NEG_TOL = 1e-12
_SUM_TOL = 1e-9


def rows_sum_to_one_symbolically(process) -> bool | None:
    """True if sympy proves every row of ``sum_x T[x]`` sums to 1, None if it cannot."""
    d = process._definition
    if not d.symbolic_ok:
        return None
    if not hasattr(d, "_rows_proven"):
        M = sum(d.matrices, sp.zeros(*d.matrices[0].shape))
        try:
            d._rows_proven = all(sp.simplify(sum(M.row(i)) - 1) == 0
                                 for i in range(M.shape[0])) or None
        except (TypeError, ValueError, NotImplementedError):
            d._rows_proven = None
    return d._rows_proven


def validate(process, check_depth: int) -> None:
    """Raise `ProcessError` naming the first problem found in ``process``."""
    T, name = process.T, process.name
    if process.generalized:
        _validate_generalized(process, check_depth)
        return
    i_neg = np.argwhere(T < -_NEG_TOL)
    if len(i_neg):
        x, i, j = i_neg[0]
        raise ProcessError(
            f"{name}: T[{x}][{i},{j}] = {T[x, i, j]:.6g} is negative at {process.params}; "
            "an HMM needs non-negative entries (pass generalized=True for a GHMM)"
        )
    if rows_sum_to_one_symbolically(process):
        return
    sums = T.sum(axis=(0, 2))
    bad = np.flatnonzero(np.abs(sums - 1) > _SUM_TOL)
    if len(bad):
        i = bad[0]
        raise ProcessError(
            f"{name}: row {i} of sum_x T[x] sums to {sums[i]:.12g}, not 1, at "
            f"{process.params}; the matrices must be row-stochastic together"
        )


def _validate_generalized(process, depth: int) -> None:
    from .mixed_states import belief_levels

    name = process.name
    pi, r = process.pi, process.r
    if not np.isclose(pi @ r, 1.0):
        raise ProcessError(f"{name}: pi . r = {pi @ r:.6g}; cannot normalise the GHMM")
    for level, (beliefs, probs) in enumerate(belief_levels(process, depth)):
        p = beliefs @ process.Tr  # (m, k) conditional next-symbol probabilities
        worst = np.unravel_index(np.argmin(p), p.shape)
        if p[worst] * probs[worst[0]] < -1e-10:
            raise ProcessError(
                f"{name}: a word of length {level + 1} ending in symbol {worst[1]} has "
                f"negative probability {p[worst] * probs[worst[0]]:.3g} at "
                f"{process.params}; this GHMM does not define a process there"
            )
