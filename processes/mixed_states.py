"""The distribution of beliefs after each word length, with equal beliefs merged.

`belief_levels` gives, for each word length L, the distribution of the belief
``f_w(pi)`` after L symbols. Merging is exact for every quantity that depends on a word
only through its belief (next-symbol entropies, conditional probabilities), which is why
block entropies need not enumerate all ``k**L`` words. Unlike the mixed-state
presentation (`processes.msp`), levels are not merged with each other.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .errors import NEGATIVE_TOLERANCE, ProcessError, negative_probability_error

__all__ = ["belief_levels", "merge_beliefs"]

# Symbols less likely than this from a belief are treated as forbidden there.
_P_MIN = 1e-14


def merge_beliefs(beliefs: np.ndarray, weights: np.ndarray, tol: float):
    """Merge rows of ``beliefs`` (m, n) equal within ``tol``, summing ``weights`` (m,)."""
    keys = np.round(beliefs / tol).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=len(first))
    return beliefs[first], merged


def belief_levels(process, n_levels: int, tol: float = 1e-10,
                  max_beliefs: int = 5_000_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(beliefs, probs)`` after 0, 1, ..., ``n_levels - 1`` symbols.

    Parameters
    ----------
    process : Process
    n_levels : int
        Number of levels to yield; level L is the belief after L symbols.
    tol : float
        Beliefs whose coordinates agree to ``tol`` are merged.
    max_beliefs : int
        Raise `ProcessError` rather than exhaust memory past this many distinct beliefs.

    Yields
    ------
    beliefs : ndarray, shape (m, n)
        Distinct beliefs at this level.
    probs : ndarray, shape (m,)
        Probability of the words of this length that lead to each belief; sums to 1.
    """
    T, Tr = process.T, process.Tr
    beliefs, probs = process.pi[None, :].copy(), np.ones(1)
    for level in range(n_levels):
        yield beliefs, probs
        if level == n_levels - 1:
            return
        p = beliefs @ Tr  # (m, k)
        joint = probs[:, None] * p
        if joint.min() < -NEGATIVE_TOLERANCE:
            # Word probabilities, as `validate` checks them: no clipping of a GHMM that
            # fails beyond its checked word length.
            raise negative_probability_error(
                process, float(joint.min()), f"computing words of length {level + 1}")
        succ = np.einsum("mi,xij->mxj", beliefs, T)  # (m, k, n), unnormalised
        keep = p > _P_MIN
        succ = succ[keep] / p[keep][:, None]
        beliefs, probs = merge_beliefs(succ, (probs[:, None] * p)[keep], tol)
        if len(beliefs) > max_beliefs:
            raise ProcessError(
                f"{process.name}: {len(beliefs)} distinct beliefs after {level + 1} symbols "
                f"exceed max_beliefs={max_beliefs}; ask for fewer levels"
            )
