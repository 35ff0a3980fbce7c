"""Small numeric linear-algebra helpers shared by the process modules."""

from __future__ import annotations

import numpy as np

from .errors import ProcessError

__all__ = ["eigenvector_for_one", "entropy_bits"]


def eigenvector_for_one(A: np.ndarray, name: str, side: str) -> np.ndarray:
    """The unique vector ``v`` with ``A v = v``, shape (n,), scaled to sum 1 if possible.

    Raises `ProcessError` when 1 is not an eigenvalue or its eigenspace is not
    one-dimensional (a non-ergodic process has several stationary distributions).
    """
    n = A.shape[0]
    _, s, vh = np.linalg.svd(A - np.eye(n))
    null = np.sum(s < 1e-9 * max(1.0, s[0]))
    if null == 0:
        raise ProcessError(
            f"{name}: sum_x T[x] has no eigenvalue 1 (smallest singular value of M - I is "
            f"{s[-1]:.3g}); normalise the matrices so the {side} eigenvector exists"
        )
    if null > 1:
        raise ProcessError(
            f"{name}: the eigenvalue 1 of sum_x T[x] is degenerate ({null} {side} "
            "eigenvectors): the process is not ergodic, so its stationary distribution "
            "is not unique; restrict it to one recurrent class"
        )
    v = vh[-1]
    total = v.sum()
    return v / total if abs(total) > 1e-12 else v / np.abs(v).max()


def entropy_bits(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in bits along ``axis``; zero (or rounding-negative) entries add 0."""
    p = np.asarray(p, dtype=np.float64)
    safe = np.where(p > 0, p, 1.0)
    # 0.0 - x rather than -x, so a deterministic distribution gives 0.0, never -0.0.
    return 0.0 - np.sum(np.where(p > 0, p * np.log2(safe), 0.0), axis=axis)
