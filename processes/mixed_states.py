"""Mixed states (beliefs) reachable from the stationary belief, explored numerically.

Two views of the same belief recursion ``f_x(eta) = eta T[x] / (eta T[x] r)``:

- `belief_levels` gives, for each word length L, the distribution of the belief after
  L symbols, with equal beliefs merged. Merging is exact for every quantity that depends
  on a word only through its belief (next-symbol entropies, conditional probabilities),
  which is why block entropies need not enumerate all ``k**L`` words.
- `explore_mixed_states` is a breadth-first search that merges equal beliefs across
  depths: the mixed-state presentation (MSP) as arrays, with a closed/not-closed flag.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .errors import ProcessError

__all__ = [
    "MixedStates", "attracting_mask", "belief_levels", "explore_mixed_states", "merge_beliefs",
]

# Symbols less likely than this from a belief are treated as forbidden there.
_P_MIN = 1e-14
# Two paths to the same mixed state give beliefs this close (rounding only). A belief
# that merges with a known one while farther apart than this is converging onto a limit
# it never reaches (the simple nonunifilar source after a run of 0s): the MSP only looks
# finite at the merging tolerance.
_ROUNDING = 1e-11


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
        succ = np.einsum("mi,xij->mxj", beliefs, T)  # (m, k, n), unnormalised
        keep = p > _P_MIN
        succ = succ[keep] / p[keep][:, None]
        beliefs, probs = merge_beliefs(succ, (probs[:, None] * p)[keep], tol)
        if len(beliefs) > max_beliefs:
            raise ProcessError(
                f"{process.name}: {len(beliefs)} distinct beliefs after {level + 1} symbols "
                f"exceed max_beliefs={max_beliefs}; ask for fewer levels"
            )


@dataclass(frozen=True)
class MixedStates:
    """A mixed-state presentation as arrays (node 0 is the stationary belief).

    Attributes
    ----------
    beliefs : ndarray, shape (m, n)
    depth : ndarray, shape (m,)
        Length of the shortest word reaching each belief.
    prob : ndarray, shape (m,)
        Probability of the words of length ``depth`` that lead to the belief. Such a
        word's last step leaves a node of depth ``depth - 1`` (an older node would have
        reached the belief sooner), so ``prob`` sums ``prob[src] * p_x(src)`` over the
        edges from the previous level.
    edges : ndarray, shape (e, 3) int
        ``(source, symbol, target)`` for each transition with positive probability.
    edge_prob : ndarray, shape (e,)
        ``p_x(eta_source)``.
    closed : bool
        True if the search ended because no new belief appeared (a finite MSP). False
        too when a belief merged with a known one only approximately (farther apart
        than rounding, within ``tol``): a sequence of beliefs converging onto a limit
        point, whose MSP is infinite.
    recurrent : ndarray, shape (m,) bool
        Membership of an attracting strongly connected component. Only meaningful
        when ``closed``.
    """

    beliefs: np.ndarray
    depth: np.ndarray
    prob: np.ndarray
    edges: np.ndarray
    edge_prob: np.ndarray
    closed: bool
    recurrent: np.ndarray

    @property
    def n_states(self) -> int:
        return len(self.beliefs)


def explore_mixed_states(process, max_states: int = 10_000, max_depth: int | None = None,
                         tol: float = 1e-9) -> MixedStates:
    """Breadth-first search of the beliefs reachable from ``process.pi``.

    Parameters
    ----------
    process : Process
    max_states : int
        Stop (with ``closed=False``) once more distinct beliefs than this are known.
    max_depth : int, optional
        Stop (with ``closed=False`` unless no new beliefs remain) after this many levels.
    tol : float
        Beliefs equal to within ``tol`` in every coordinate are one mixed state.
    """
    T, Tr, k = process.T, process.Tr, process.n_symbols
    index: dict[bytes, int] = {}
    beliefs, depth, prob = [], [], []

    approximate = False

    def add(b: np.ndarray, d: int) -> tuple[int, bool]:
        nonlocal approximate
        key = np.round(b / tol).astype(np.int64).tobytes()
        if key in index:
            known = index[key]
            approximate |= bool(np.abs(b - beliefs[known]).max() > _ROUNDING)
            return known, False
        index[key] = len(beliefs)
        beliefs.append(b)
        depth.append(d)
        prob.append(0.0)
        return index[key], True

    add(process.pi.copy(), 0)
    prob[0] = 1.0
    edges: list[tuple[int, int, int]] = []
    edge_prob: list[float] = []
    frontier = [0]
    level, closed = 0, False
    while True:
        if not frontier:
            closed = True
            break
        if len(beliefs) > max_states or (max_depth is not None and level >= max_depth):
            break
        level += 1
        F = np.array([beliefs[i] for i in frontier])  # (f, n)
        p = F @ Tr  # (f, k)
        succ = np.einsum("fi,xij->fxj", F, T)
        new_frontier = []
        for a, src in enumerate(frontier):
            for x in range(k):
                if p[a, x] <= _P_MIN:
                    continue
                dst, is_new = add(succ[a, x] / p[a, x], level)
                if is_new:
                    new_frontier.append(dst)
                if depth[dst] == level:
                    prob[dst] += prob[src] * p[a, x]
                edges.append((src, x, dst))
                edge_prob.append(p[a, x])
        frontier = new_frontier

    closed = closed and not approximate
    edges_arr = np.array(edges, dtype=np.int64).reshape(-1, 3)
    m = len(beliefs)
    return MixedStates(
        beliefs=np.array(beliefs), depth=np.array(depth), prob=np.array(prob),
        edges=edges_arr, edge_prob=np.array(edge_prob),
        closed=closed, recurrent=attracting_mask(m, edges_arr) if closed else np.zeros(m, bool),
    )


def attracting_mask(m: int, edges: np.ndarray) -> np.ndarray:
    """Mask of nodes in strongly connected components that no edge leaves."""
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 2])), shape=(m, m))
    _, labels = connected_components(graph, directed=True, connection="strong")
    leaves = np.zeros(labels.max() + 1, dtype=bool)
    leaves[:] = True
    crossing = labels[edges[:, 0]] != labels[edges[:, 2]]
    leaves[labels[edges[crossing, 0]]] = False
    return leaves[labels]
