"""The mixed-state presentation (MSP) as a networkx graph.

Node 0 is the stationary belief ``pi``. Node attributes: ``belief`` (tuple of floats),
``prob`` (probability of the words of length ``depth`` that reach it), ``depth``,
``recurrent`` (in an attracting component; only meaningful for a finite MSP) and, in
exact mode, ``exact_belief`` (tuple of sympy Rationals). Edge attributes: ``symbols``
(tuple), ``probs`` (``p_x`` for each), ``symbol`` (the single symbol, or the tuple when
several symbols lead to the same belief) and ``prob`` (their total). Graph attributes:
``finite``, ``n_recurrent``, ``process``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import sympy as sp

from processes import MixedStates, Process, explore_mixed_states
from processes.mixed_states import attracting_mask
from processes.structure import process_from_transitions

__all__ = ["mixed_state_presentation", "msp_to_process", "msp_summary"]


def mixed_state_presentation(process: Process, max_depth: int | None = None,
                             max_states: int = 10_000, tol: float = 1e-9,
                             exact: bool = False) -> nx.DiGraph:
    """Build the MSP of ``process`` by breadth-first search from ``pi``.

    Parameters
    ----------
    process : Process
    max_depth : int, optional
        Stop after this many levels.
    max_states : int
        Stop once more beliefs than this are known (the graph is then not ``finite``).
    tol : float
        Numeric mode: beliefs equal within ``tol`` are merged.
    exact : bool
        Use exact rational arithmetic (parameters are rationalised): beliefs merge
        only when exactly equal. For symbolic processes with finite MSPs.
    """
    if exact:
        return _exact_msp(process, max_depth, max_states)
    ms = explore_mixed_states(process, max_states=max_states, max_depth=max_depth, tol=tol)
    return _graph(process, ms)


def _graph(process: Process, ms: MixedStates, exact_beliefs=None) -> nx.DiGraph:
    g = nx.DiGraph(process=process.name, finite=ms.closed,
                   n_recurrent=int(ms.recurrent.sum()))
    for i in range(ms.n_states):
        attrs = {"belief": tuple(float(v) for v in ms.beliefs[i]), "prob": float(ms.prob[i]),
                 "depth": int(ms.depth[i]), "recurrent": bool(ms.recurrent[i])}
        if exact_beliefs is not None:
            attrs["exact_belief"] = exact_beliefs[i]
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


def _exact_msp(process: Process, max_depth: int | None, max_states: int) -> nx.DiGraph:
    if process.generalized:
        raise ValueError(f"{process.name}: exact MSPs are for HMMs; use exact=False")
    subs = {s: sp.nsimplify(v, rational=True) for s, v in process.symbol_values.items()}
    T = [m.subs(subs) for m in process.matrices]
    Tr = [m * sp.ones(process.n_states, 1) for m in T]
    start = tuple(sp.nsimplify(v, rational=True, tolerance=1e-12) for v in process.pi)
    total = sum(start)
    start = tuple(v / total for v in start)
    index = {start: 0}
    order, depth, prob = [start], [0], [sp.Integer(1)]
    edges, edge_prob = [], []
    frontier, level, closed = [start], 0, False
    while True:
        if not frontier:
            closed = True
            break
        if len(order) > max_states or (max_depth is not None and level >= max_depth):
            break
        level += 1
        new = []
        for eta in frontier:
            row = sp.Matrix([eta])
            for x in range(process.n_symbols):
                p = (row * Tr[x])[0]
                if p == 0:
                    continue
                succ = tuple(sp.nsimplify(v) for v in (row * T[x]) / p)
                if succ not in index:
                    index[succ] = len(order)
                    order.append(succ)
                    depth.append(level)
                    prob.append(sp.Integer(0))
                    new.append(succ)
                if depth[index[succ]] == level:  # a word of length `level` (see MixedStates)
                    prob[index[succ]] += prob[index[eta]] * p
                edges.append((index[eta], x, index[succ]))
                edge_prob.append(p)
        frontier = new
    m = len(order)
    edges_arr = np.array(edges, dtype=np.int64).reshape(-1, 3)
    ms = MixedStates(
        beliefs=np.array([[float(v) for v in b] for b in order]), depth=np.array(depth),
        prob=np.array([float(p) for p in prob]), edges=edges_arr,
        edge_prob=np.array([float(p) for p in edge_prob]), closed=closed,
        recurrent=attracting_mask(m, edges_arr) if closed else np.zeros(m, bool))
    return _graph(process, ms, exact_beliefs=order)


def msp_to_process(graph: nx.DiGraph, recurrent_only: bool = True) -> Process:
    """The finite MSP as a unifilar `Process` (by default its recurrent part only)."""
    if not graph.graph["finite"]:
        raise ValueError("this MSP is not finite: it has no unifilar process presentation")
    nodes = [v for v, d in graph.nodes(data=True) if d["recurrent"] or not recurrent_only]
    edges, probs = [], []
    for src, dst, d in graph.edges(data=True):
        for x, p in zip(d["symbols"], d["probs"], strict=True):
            edges.append((src, x, dst))
            probs.append(p)
    k = 1 + max(x for _, x, _ in edges)
    return process_from_transitions(edges, probs, nodes, k, f"{graph.graph['process']} (MSP)")


def msp_summary(graph: nx.DiGraph) -> dict:
    """Counts for ``beliefscope msp --json``."""
    return {"n_states": graph.number_of_nodes(), "finite": bool(graph.graph["finite"]),
            "n_recurrent": int(graph.graph["n_recurrent"]) if graph.graph["finite"] else None,
            "max_depth": max((d for _, d in graph.nodes(data="depth")), default=0)}
