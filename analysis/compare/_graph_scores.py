"""How far two graphs shaped like mixed-state presentations are apart: weighted
clustering scores, unifilarity, the MSP as a context window sees it, labelled
isomorphism and edit distance, and a spectral distance. `analysis.compare.graph` uses
them; its `graph_metrics` docstring defines each quantity.
"""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["compare_structure", "msp_view", "spectral_distance", "unifilarity",
           "weighted_scores"]

# Random permutations averaged for the chance level of the adjusted mutual information.
N_PERMUTATIONS = 32
# The edit-distance search is exponential; beyond this many nodes it is not tried.
GED_MAX_NODES = 40
# Dense eigenvalues of a strongly connected block larger than this are not computed.
SPECTRUM_MAX_BLOCK = 3000


def weighted_scores(classes, clusters, weights, random_state) -> tuple[float, float, float]:
    """Homogeneity, completeness and adjusted mutual information of ``clusters`` against
    ``classes`` (both (m,) ints), with row weights (m,).

    scikit-learn's scores take no sample weights, so they are computed here from the
    weighted contingency table ``P(c, k)``: homogeneity ``I(C; K) / H(C)``, completeness
    ``I(C; K) / H(K)`` (1 when the entropy is 0, as in scikit-learn), and
    ``AMI = (I - E[I]) / ((H(C) + H(K)) / 2 - E[I])``, where ``E[I]`` averages ``I`` over
    32 random permutations of the cluster labels across rows (each row keeping its
    weight). With equal weights that is the hypergeometric model scikit-learn evaluates
    in closed form, here estimated. Permuting breaks any link between a row's weight and
    its cluster: weighted k-means on structureless activations of exact prefixes gives
    the heaviest (shortest) prefixes clusters of their own, which tells something of
    their mixed states, so it scores an AMI near 0.1 rather than 0.
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    h_c, h_k = _entropy(classes, w), _entropy(clusters, w)
    mi = h_c + h_k - _joint_entropy(classes, clusters, w)
    homogeneity = mi / h_c if h_c > 0 else 1.0
    completeness = mi / h_k if h_k > 0 else 1.0
    if (h_c == 0 and h_k == 0) or (abs(mi - h_c) <= 1e-12 * max(h_c, 1.0)
                                   and abs(mi - h_k) <= 1e-12 * max(h_k, 1.0)):
        # The same partition up to labels (all singletons included, where permuting
        # changes nothing and the chance correction is 0 / 0): AMI 1, as in scikit-learn.
        return 1.0, 1.0, 1.0
    rng = np.random.default_rng(random_state)
    expected = np.mean([h_c + _entropy(perm, w) - _joint_entropy(classes, perm, w)
                        for perm in (rng.permutation(clusters) for _ in range(N_PERMUTATIONS))])
    denominator = (h_c + h_k) / 2 - expected
    if denominator <= 1e-6 * max((h_c + h_k) / 2, 1e-300):
        # Nearly every row is its own cluster and its own class (Mess3's prefixes all
        # have distinct beliefs): chance agreement is all the information there is, and
        # the adjusted score is 0 / 0. NaN, which the caller reports with a reason.
        return float(min(homogeneity, 1.0)), float(min(completeness, 1.0)), math.nan
    ami = (mi - expected) / denominator
    return float(min(homogeneity, 1.0)), float(min(completeness, 1.0)), float(min(ami, 1.0))


def _entropy(labels, w) -> float:
    p = np.bincount(labels, w)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _joint_entropy(a, b, w) -> float:
    codes = np.unique(a.astype(np.int64) * (int(b.max()) + 1) + b, return_inverse=True)[1]
    return _entropy(codes.ravel(), w)


def unifilarity(g: nx.DiGraph) -> float:
    """Weight fraction of (node, token) pairs whose transitions all reach one node (edge
    attribute ``weights``: the ``Pr(w x)`` mass of each symbol); 1 for a graph without
    edges."""
    pairs: dict = {}
    for a, b, d in g.edges(data=True):
        for x, p in zip(d["symbols"], d["weights"], strict=True):
            targets, total = pairs.get((a, x), (set(), 0.0))
            pairs[(a, x)] = (targets | {b}, total + p)
    total = sum(p for _, p in pairs.values())
    single = sum(p for targets, p in pairs.values() if len(targets) == 1)
    return float(single / total) if total > 0 else 1.0


def msp_view(msp: nx.DiGraph, horizon: int, start=None) -> nx.DiGraph:
    """The part of ``msp`` that words of at most ``horizon`` symbols see: the states they
    reach from node 0 (``pi``) and the edges leaving states that shorter words reach.

    ``start``, when given, is a separate node for the empty word (node 0 is then only
    what nonempty words reach), as a learned graph without BOS token has one. Node
    attributes are the MSP's, with ``depth`` the shortest word reaching the node.
    """
    view = nx.DiGraph(process=msp.graph["process"], finite=True)
    first = {0 if start is None else start: 0}  # view node -> shortest word reaching it
    level = {0}
    for length in range(horizon):
        reached = set()
        for v in level:
            source = start if start is not None and length == 0 else v
            for u, d in msp.adj[v].items():
                view.add_edge(source, u, **{k: d[k] for k in ("symbols", "probs", "symbol",
                                                              "prob")})
                first.setdefault(u, length + 1)
                reached.add(u)
        level = reached
    for v, depth in first.items():
        view.add_node(v, **{**msp.nodes[0 if v == start else v], "depth": depth})
    return view


def compare_structure(g: nx.DiGraph, view: nx.DiGraph, timeout: float) -> dict:
    """Labelled isomorphism of ``g`` and ``view`` (roots, the nodes of depth 0, matched to
    each other; edges matched by their symbols), the largest edge-probability difference
    under it, and otherwise the graph edit distance found within ``timeout`` seconds."""
    def node_match(a, b):
        return (a["depth"] == 0) == (b["depth"] == 0)

    def edge_match(a, b):
        return sorted(a["symbols"]) == sorted(b["symbols"])

    matcher = nx.isomorphism.DiGraphMatcher(g, view, node_match=node_match,
                                            edge_match=edge_match)
    if matcher.is_isomorphic():
        mapping = matcher.mapping
        error = 0.0
        for a, b, d in g.edges(data=True):
            theirs = dict(zip(view.edges[mapping[a], mapping[b]]["symbols"],
                              view.edges[mapping[a], mapping[b]]["probs"], strict=True))
            error = max(error, *(abs(p - theirs[x]) for x, p in zip(d["symbols"], d["probs"],
                                                                      strict=True)))
        return {"graph_isomorphic": True, "graph_edge_probability_max_error": error,
                "graph_edit_distance": 0.0, "graph_edit_distance_optimal": True}
    out = {"graph_isomorphic": False, "graph_edge_probability_max_error": None,
           "graph_edge_probability_max_error_reason": "the graphs are not isomorphic"}
    big = max(g.number_of_nodes(), view.number_of_nodes())
    if big > GED_MAX_NODES:
        reason = (f"a graph has {big} nodes; the edit-distance search is tried up to "
                  f"{GED_MAX_NODES}")
        return {**out, "graph_edit_distance": None, "graph_edit_distance_reason": reason,
                "graph_edit_distance_optimal": None, "graph_edit_distance_optimal_reason": reason}
    start, best = time.perf_counter(), None
    for _, _, cost in nx.optimize_edit_paths(g, view, node_match=node_match,
                                             edge_match=edge_match, timeout=timeout):
        best = cost
    if best is None:
        reason = f"no edit path was completed within the timeout of {timeout} s"
        return {**out, "graph_edit_distance": None, "graph_edit_distance_reason": reason,
                "graph_edit_distance_optimal": None, "graph_edit_distance_optimal_reason": reason}
    # The search prunes every branch after the timeout, so finishing early means it
    # exhausted the tree: the value is the minimum.
    optimal = time.perf_counter() - start < timeout
    return {**out, "graph_edit_distance": float(best), "graph_edit_distance_optimal": optimal}


def _spectrum(g: nx.DiGraph) -> np.ndarray | None:
    """Eigenvalues of the symbol-summed transition matrix of ``g``, block by block over
    strongly connected components (the matrix is block triangular in their topological
    order); None past `SPECTRUM_MAX_BLOCK`."""
    values = []
    for block in nx.strongly_connected_components(g):
        nodes = list(block)
        if len(nodes) > SPECTRUM_MAX_BLOCK:
            return None
        if len(nodes) == 1:
            v = nodes[0]
            values.append(g.edges[v, v]["prob"] if g.has_edge(v, v) else 0.0)
            continue
        index = {v: i for i, v in enumerate(nodes)}
        matrix = np.zeros((len(nodes), len(nodes)))
        for a in nodes:
            for b, d in g.adj[a].items():
                if b in index:
                    matrix[index[a], index[b]] = d["prob"]
        values.extend(np.linalg.eigvals(matrix).tolist())
    return np.array(values, dtype=complex)


def spectral_distance(g: nx.DiGraph, h: nx.DiGraph) -> float | None:
    """The smallest summed distance, in the complex plane, of a one-to-one matching of
    the eigenvalues of ``g``'s and ``h``'s transition matrices (edge attribute ``prob``),
    the smaller set padded with zeros; None when a block is too large."""
    a, b = _spectrum(g), _spectrum(h)
    if a is None or b is None:
        return None
    # Exact zeros (acyclic transient nodes) match each other at no cost.
    a, b = a[a != 0], b[b != 0]
    n = max(len(a), len(b))
    a, b = np.pad(a, (0, n - len(a))), np.pad(b, (0, n - len(b)))
    cost = np.abs(a[:, None] - b[None, :])
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].sum())
