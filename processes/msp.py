"""The mixed-state presentation (MSP): one breadth-first search, numeric or exact, its
networkx graph, its recurrent and transient parts, and the epsilon-machine built from it.

Mixed states are the beliefs ``eta`` reachable from the stationary belief ``pi`` under
``f_x(eta) = eta T[x] / (eta T[x] r)``; equal beliefs are one state. The search merges
them within a tolerance (numeric mode) or only when exactly equal (exact mode, rational
arithmetic at rationalised parameters).

Graph layout (`mixed_state_presentation`): node 0 is ``pi``. Node attributes ``belief``
(tuple of floats), ``prob`` (probability of the words of length ``depth`` that reach
it), ``depth``, ``recurrent`` (in an attracting component; only meaningful for a finite
MSP) and, in exact mode, ``exact_belief`` (tuple of sympy Rationals). Edge attributes
``symbols`` (tuple), ``probs`` (``p_x`` for each), ``symbol`` (the single symbol, or the
tuple when several symbols lead to the same belief) and ``prob`` (their total). Graph
attributes ``finite``, ``n_recurrent`` and ``process``.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import sympy as sp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ._linalg import entropy_bits
from .errors import NEGATIVE_TOLERANCE, ProcessError, negative_probability_error
from .process import Process
from .structure import _quotient, is_unifilar, minimize

__all__ = [
    "EpsilonMachine", "MixedStates", "attracting_mask", "epsilon_machine",
    "explore_mixed_states", "mixed_state_presentation", "msp_summary", "msp_to_process",
    "process_from_transitions", "recurrent_part", "transient_part",
]

# Symbols less likely than this from a belief are treated as forbidden there.
_P_MIN = 1e-14
# Two paths to the same mixed state give beliefs this close (rounding only). A belief
# that merges with a known one while farther apart than this is converging onto a limit
# it never reaches (the simple nonunifilar source after a run of 0s): the MSP only looks
# finite at the merging tolerance.
_ROUNDING = 1e-11


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
    exact_beliefs : tuple of tuples of sympy.Rational, optional
        Exact mode only: the beliefs in rational arithmetic.
    """

    beliefs: np.ndarray
    depth: np.ndarray
    prob: np.ndarray
    edges: np.ndarray
    edge_prob: np.ndarray
    closed: bool
    recurrent: np.ndarray
    exact_beliefs: tuple | None = None

    @property
    def n_states(self) -> int:
        return len(self.beliefs)


class _Float:
    """Numeric belief updates, a whole frontier at a time; merging within ``tol``."""

    def __init__(self, process: Process, tol: float):
        self.process, self.tol = process, tol
        self.T, self.Tr = process.T, process.Tr

    def start(self):
        return self.process.pi.copy()

    def key(self, belief) -> bytes:
        return np.round(belief / self.tol).astype(np.int64).tobytes()

    def merged_approximately(self, belief, known) -> bool:
        return bool(np.abs(belief - known).max() > _ROUNDING)

    def moves(self, frontier: list, level: int):
        F = np.array(frontier)  # (f, n)
        p = F @ self.Tr  # (f, k)
        if p.min() < -NEGATIVE_TOLERANCE:
            # Clipping would hide a GHMM that fails beyond its checked word length.
            raise negative_probability_error(
                self.process, float(p.min()), f"exploring mixed states at depth {level}")
        succ = np.einsum("fi,xij->fxj", F, self.T)
        for a in range(len(frontier)):
            yield [(x, float(p[a, x]), succ[a, x] / p[a, x])
                   for x in range(p.shape[1]) if p[a, x] > _P_MIN]

    def to_float(self, belief) -> np.ndarray:
        return belief


class _Exact:
    """Belief updates in rational arithmetic; beliefs merge only when exactly equal."""

    def __init__(self, process: Process):
        if process.generalized:
            raise ProcessError(f"{process.name}: exact MSPs are for HMMs; use exact=False")
        subs = {s: sp.nsimplify(v, rational=True) for s, v in process.symbol_values.items()}
        self.T = [m.subs(subs) for m in process.matrices]
        self.Tr = [m * sp.ones(process.n_states, 1) for m in self.T]
        self.process = process

    def start(self):
        pi = [sp.nsimplify(v, rational=True, tolerance=1e-12) for v in self.process.pi]
        total = sum(pi)
        return tuple(v / total for v in pi)

    def key(self, belief):
        return belief

    def merged_approximately(self, belief, known) -> bool:
        return False

    def moves(self, frontier: list, level: int):
        for eta in frontier:
            row = sp.Matrix([eta])
            out = []
            for x in range(len(self.T)):
                p = (row * self.Tr[x])[0]
                if p != 0:
                    out.append((x, p, tuple(sp.nsimplify(v) for v in (row * self.T[x]) / p)))
            yield out

    def to_float(self, belief) -> np.ndarray:
        return np.array([float(v) for v in belief])


def explore_mixed_states(process: Process, max_states: int = 10_000,
                         max_depth: int | None = None, tol: float = 1e-9,
                         exact: bool = False) -> MixedStates:
    """Breadth-first search of the beliefs reachable from ``process.pi``.

    Parameters
    ----------
    process : Process
    max_states : int
        Stop (with ``closed=False``) once more distinct beliefs than this are known.
    max_depth : int, optional
        Stop (with ``closed=False`` unless no new beliefs remain) after this many levels.
    tol : float
        Numeric mode: beliefs equal to within ``tol`` in every coordinate are one state.
    exact : bool
        Rational arithmetic at rationalised parameters (HMMs only): beliefs merge only
        when exactly equal, and ``exact_beliefs`` holds them.

    Returns
    -------
    MixedStates
    """
    if max_states < 1:
        raise ProcessError(f"max_states must be >= 1, got {max_states}")
    if max_depth is not None and max_depth < 1:
        raise ProcessError(f"max_depth must be >= 1, got {max_depth}")
    arith = _Exact(process) if exact else _Float(process, tol)
    start = arith.start()
    index = {arith.key(start): 0}
    beliefs, depth, prob = [start], [0], [1]
    edges: list[tuple[int, int, int]] = []
    edge_prob: list = []
    frontier, level, closed, approximate = [0], 0, False, False
    while True:
        if not frontier:
            closed = True
            break
        if len(beliefs) > max_states or (max_depth is not None and level >= max_depth):
            break
        level += 1
        new_frontier = []
        moves = arith.moves([beliefs[i] for i in frontier], level)
        for src, out in zip(frontier, moves, strict=True):
            for x, p, succ in out:
                key = arith.key(succ)
                dst = index.get(key)
                if dst is None:
                    dst = index[key] = len(beliefs)
                    beliefs.append(succ)
                    depth.append(level)
                    prob.append(0)
                    new_frontier.append(dst)
                else:
                    approximate |= arith.merged_approximately(succ, beliefs[dst])
                if depth[dst] == level:  # a word of length `level` (see MixedStates.prob)
                    prob[dst] += prob[src] * p
                edges.append((src, x, dst))
                edge_prob.append(p)
        frontier = new_frontier
    closed = closed and not approximate
    edges_arr = np.array(edges, dtype=np.int64).reshape(-1, 3)
    m = len(beliefs)
    return MixedStates(
        beliefs=np.array([arith.to_float(b) for b in beliefs]), depth=np.array(depth),
        prob=np.array([float(v) for v in prob]), edges=edges_arr,
        edge_prob=np.array([float(v) for v in edge_prob]), closed=closed,
        recurrent=attracting_mask(m, edges_arr) if closed else np.zeros(m, bool),
        exact_beliefs=tuple(beliefs) if exact else None)


def attracting_mask(m: int, edges: np.ndarray) -> np.ndarray:
    """Mask (m,) of nodes in strongly connected components that no edge leaves."""
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 2])), shape=(m, m))
    _, labels = connected_components(graph, directed=True, connection="strong")
    leaves = np.ones(labels.max() + 1, dtype=bool)
    crossing = labels[edges[:, 0]] != labels[edges[:, 2]]
    leaves[labels[edges[crossing, 0]]] = False
    return leaves[labels]


# -- the networkx graph ---------------------------------------------------------------------
def mixed_state_presentation(process: Process, max_depth: int | None = None,
                             max_states: int = 10_000, tol: float = 1e-9,
                             exact: bool = False) -> nx.DiGraph:
    """The MSP of ``process`` as a networkx graph (layout in the module docstring).

    Parameters are those of `explore_mixed_states`.
    """
    ms = explore_mixed_states(process, max_states=max_states, max_depth=max_depth, tol=tol,
                              exact=exact)
    return to_graph(ms, process.name)


def to_graph(ms: MixedStates, name: str) -> nx.DiGraph:
    """`MixedStates` as a networkx graph (layout in the module docstring)."""
    g = nx.DiGraph(process=name, finite=ms.closed, n_recurrent=int(ms.recurrent.sum()))
    for i in range(ms.n_states):
        attrs = {"belief": tuple(float(v) for v in ms.beliefs[i]), "prob": float(ms.prob[i]),
                 "depth": int(ms.depth[i]), "recurrent": bool(ms.recurrent[i])}
        if ms.exact_beliefs is not None:
            attrs["exact_belief"] = ms.exact_beliefs[i]
        g.add_node(i, **attrs)
    for (src, x, dst), p in zip(ms.edges.tolist(), ms.edge_prob.tolist(), strict=True):
        if g.has_edge(src, dst):
            data = g.edges[src, dst]
            data["symbols"] += (x,)
            data["probs"] += (p,)
            data["symbol"] = data["symbols"]
            data["prob"] += p
        else:
            g.add_edge(src, dst, symbols=(x,), probs=(p,), symbol=x, prob=p)
    return g


def recurrent_part(graph: nx.DiGraph) -> nx.DiGraph:
    """The recurrent states of a finite MSP graph and the edges among them (a view)."""
    _require_finite(graph)
    return graph.subgraph(v for v, r in graph.nodes(data="recurrent") if r)


def transient_part(graph: nx.DiGraph) -> nx.DiGraph:
    """The transient states of a finite MSP graph and the edges among them (a view)."""
    _require_finite(graph)
    return graph.subgraph(v for v, r in graph.nodes(data="recurrent") if not r)


def _require_finite(graph: nx.DiGraph) -> None:
    if not graph.graph["finite"]:
        raise ProcessError("this MSP is not finite: it has no recurrent/transient split "
                           "(raise max_states, or the process has an infinite MSP)")


def msp_summary(graph: nx.DiGraph) -> dict:
    """Counts for ``beliefscope msp --json``."""
    return {"n_states": graph.number_of_nodes(), "finite": bool(graph.graph["finite"]),
            "n_recurrent": int(graph.graph["n_recurrent"]) if graph.graph["finite"] else None,
            "max_depth": max((d for _, d in graph.nodes(data="depth")), default=0)}


# -- conversion to a process and the epsilon-machine ----------------------------------------
def process_from_transitions(edges, edge_prob, nodes, n_symbols: int, name: str) -> Process:
    """The process on ``nodes`` whose ``T[x][i, j]`` are the transitions ``(i, x, j)`` with
    probabilities ``edge_prob`` (edges leaving ``nodes`` are dropped)."""
    where = {int(node): a for a, node in enumerate(nodes)}
    T = np.zeros((n_symbols, len(where), len(where)))
    for (src, x, dst), p in zip(edges, edge_prob, strict=True):
        if src in where and dst in where:
            T[x, where[src], where[dst]] = p
    return Process.from_arrays(T, name=name)


def msp_to_process(msp: nx.DiGraph | MixedStates, recurrent_only: bool = True,
                   n_symbols: int | None = None, name: str | None = None) -> Process:
    """A finite MSP (graph or arrays) as a unifilar `Process`, by default its recurrent
    part only."""
    if isinstance(msp, MixedStates):
        if not msp.closed:
            raise ProcessError("this MSP is not finite: it has no unifilar presentation")
        nodes = np.flatnonzero(msp.recurrent) if recurrent_only else np.arange(msp.n_states)
        k = n_symbols or int(msp.edges[:, 1].max()) + 1
        return process_from_transitions(msp.edges.tolist(), msp.edge_prob, nodes, k,
                                        name or "MSP")
    _require_finite(msp)
    nodes = [v for v, d in msp.nodes(data=True) if d["recurrent"] or not recurrent_only]
    edges, probs = [], []
    for src, dst, d in msp.edges(data=True):
        for x, p in zip(d["symbols"], d["probs"], strict=True):
            edges.append((src, x, dst))
            probs.append(p)
    k = n_symbols or 1 + max(x for _, x, _ in edges)
    return process_from_transitions(edges, probs, nodes, k,
                                    name or f"{msp.graph['process']} (MSP)")


@dataclass(frozen=True)
class EpsilonMachine:
    """The epsilon-machine of a process, or the reason it is not available.

    Attributes
    ----------
    machine : Process or None
        Minimal unifilar presentation; None when the recurrent MSP is not finite.
    labels : ndarray or None, shape (n,)
        For a unifilar input: causal state of each original state.
    source : str
        ``"unifilar"`` (minimised presentation) or ``"msp"`` (minimised recurrent MSP).
    """

    machine: Process | None
    labels: np.ndarray | None
    source: str

    @property
    def statistical_complexity_bits(self) -> float | None:
        """``C_mu = H[pi]`` over causal states in bits; None when infinite."""
        if self.machine is None:
            return None
        return float(entropy_bits(self.machine.pi))


def epsilon_machine(process: Process, max_states: int = 10_000,
                    mixed_states: MixedStates | None = None) -> EpsilonMachine:
    """Minimal unifilar presentation: minimise ``process`` itself if unifilar, else its
    recurrent mixed-state presentation when that is finite within ``max_states``.

    ``mixed_states`` reuses an exploration the caller already has (`explore_mixed_states`).
    """
    if is_unifilar(process):
        labels = minimize(process)
        return EpsilonMachine(_quotient(process, labels), labels, "unifilar")
    ms = mixed_states or explore_mixed_states(process, max_states=max_states)
    if not ms.closed:
        return EpsilonMachine(None, None, "msp")
    recurrent = msp_to_process(ms, n_symbols=process.n_symbols,
                               name=f"{process.name} (recurrent MSP)")
    return EpsilonMachine(_quotient(recurrent, minimize(recurrent)), None, "msp")
