"""The graph a network learned: its hidden states clustered into states, joined by the
tokens that move prefixes between them, and compared with the mixed-state presentation.

`learned_graph` clusters the activations of every prefix row (tolerance merging, or
weighted k-means with any number of clusters) and joins cluster(w) to cluster(w x) by
token ``x`` with weight ``Pr(w x)``, normalised per source into probabilities. The result
is a networkx `DiGraph` laid out like `processes.mixed_state_presentation`'s (module
docstring of `processes.msp`): node attributes ``belief`` (the weighted mean belief of
the members), ``prob``, ``depth``, ``recurrent``, plus ``weight``; edge attributes
``symbols``, ``probs``, ``symbol``, ``prob``, plus ``weights`` (the ``Pr(w x)`` mass of
each symbol). So `dynamics.plots.draw_msp` draws it and `processes.msp_to_process`
turns its recurrent part into a process.

The empty prefix. Without a BOS token no row reads it, so it has no activation: it is
the extra node `START` (``-1``, depth 0), with an edge to the cluster of every
one-token prefix. Its belief is the weighted mean of the one-token prefixes' beliefs,
which is ``pi`` exactly (``sum_x Pr(x) f_x(pi) = pi M = pi``). With a BOS token the rows
at position 0 read the empty prefix, and the root is their cluster.

The context window cuts the graph: a cluster whose members all sit at the last position
has no observed successors (``finite`` is then False, as for an MSP cut off before it
closed), and ``recurrent`` marks the attracting strongly connected components that have
successors, so such a cluster is never recurrent.

`graph_metrics` compares with the MSP (its docstring says what is compared with what).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from analysis.networks.activations import Prefixes
from processes import Process, epsilon_machine, explore_mixed_states, msp_to_process
from processes.errors import BeliefscopeError, InputError
from processes.msp import attracting_mask, to_graph

from ._graph_scores import (
    SPECTRUM_MAX_BLOCK,
    compare_structure,
    msp_view,
    spectral_distance,
    unifilarity,
    weighted_scores,
)

__all__ = ["START", "LearnedGraph", "draw_learned_graph", "graph_metrics", "learned_graph",
           "mixed_state_scores", "mixed_state_variance"]

START = -1
"""Node of the empty prefix when no row reads it (no BOS token)."""

# Default tolerance of the tolerance method, as a fraction of the RMS radius of the
# activation cloud: a network's hidden state for one prefix is one point, and states of
# distinct mixed states sit far apart on the scale of the cloud.
_TOL_FRACTION = 0.01
# Beliefs equal to within this in every coordinate are one mixed state: the MSP's own
# merging tolerance (`processes.explore_mixed_states`), so that exact prefixes land on
# the MSP's nodes.
_BELIEF_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class LearnedGraph:
    """Hidden states clustered into a graph shaped like an MSP (module docstring).

    Attributes
    ----------
    graph : networkx.DiGraph
        Nodes ``0..n_clusters-1`` are clusters, plus `START` without a BOS token.
    labels : ndarray, shape (m,), int64
        The cluster of each prefix row.
    centers : ndarray, shape (n_clusters, D), float64
        The weighted mean activation of each cluster.
    root : int
        The node of the empty prefix: `START`, or with a BOS token the cluster of the
        rows at position 0.
    method : str
        ``"tolerance"`` or ``"kmeans"``.
    tol : float or None
        The merging distance of the tolerance method (activation units).
    """

    graph: nx.DiGraph
    labels: np.ndarray
    centers: np.ndarray
    root: int
    method: str
    tol: float | None = None

    @property
    def n_clusters(self) -> int:
        return len(self.centers)


# -- the learned graph ----------------------------------------------------------------------
def learned_graph(activations, prefixes: Prefixes, *, method: str = "tolerance",
                  tol: float | None = None, n_clusters: int | None = None,
                  random_state: int | np.random.Generator | None = 0) -> LearnedGraph:
    """Cluster the hidden state of every prefix and join the clusters by tokens.

    Parameters
    ----------
    activations : array_like, shape (m, D)
        One row per row of ``prefixes`` (e.g. `Activations.concat()` or one hook).
    prefixes : Prefixes
    method : {"tolerance", "kmeans"}
        ``"tolerance"``: rows in order of decreasing weight; each row not yet assigned
        founds a cluster with every unassigned row within ``tol`` (Euclidean) of it, so
        a cluster's representative is its most probable prefix. ``"kmeans"``:
        scikit-learn's k-means with ``sample_weight`` = the prefix weights.
    tol : float, optional
        Tolerance method only, in activation units. Default: 1% of the weighted RMS
        distance of the activations from their weighted mean.
    n_clusters : int
        K-means only (required): any number, not only the MSP's size.
    random_state : int, numpy.random.Generator or None, default=0
        K-means initialisation.

    Returns
    -------
    LearnedGraph

    Raises
    ------
    InputError
        For activations of the wrong shape or not finite, an unknown method, a parameter
        of the other method, more clusters than distinct hidden states, or rows whose
        parent prefix is not among the rows.
    """
    x = _check_activations(activations, prefixes)
    w = prefixes.weights
    if method == "tolerance":
        if n_clusters is not None:
            raise InputError("n_clusters is for method='kmeans'; the tolerance method "
                             "takes tol")
        tol = _default_tol(x, w) if tol is None else tol
        if not (isinstance(tol, int | float) and math.isfinite(tol) and tol > 0):
            raise InputError(f"tol must be a positive number (activation units), got {tol!r}")
        labels = _tolerance_clusters(x, w, float(tol))
    elif method == "kmeans":
        if tol is not None:
            raise InputError("tol is for method='tolerance'; k-means takes n_clusters")
        labels = _kmeans(x, w, n_clusters, random_state)
    else:
        raise InputError(f"unknown method {method!r}; use 'tolerance' or 'kmeans'")
    centers = _weighted_means(x, labels, w)  # (n_clusters, D)
    graph, root = _build_graph(labels, prefixes, f"learned graph ({method})")
    return LearnedGraph(graph, labels, centers, root, method,
                        float(tol) if method == "tolerance" else None)


def _check_activations(activations, prefixes: Prefixes) -> np.ndarray:
    """``activations`` as float64 (m, D), one finite row per prefix row, or an error."""
    x = np.asarray(activations, dtype=np.float64)
    m = len(prefixes.weights)
    if x.ndim != 2 or x.shape[0] != m:
        raise InputError(f"activations have shape {x.shape}; expected ({m}, D), one row per "
                         "prefix row")
    if not np.isfinite(x).all():
        raise InputError("activations hold NaN or infinite values")
    return x


def _default_tol(x: np.ndarray, w: np.ndarray) -> float:
    mean = w @ x / w.sum()
    radius = math.sqrt(float(w @ ((x - mean) ** 2).sum(axis=1)) / w.sum())
    return _TOL_FRACTION * radius if radius > 0 else 1.0


def _tolerance_clusters(x: np.ndarray, w: np.ndarray, tol: float) -> np.ndarray:
    labels = np.full(len(x), -1, np.int64)
    tree = cKDTree(x)
    n = 0
    for i in np.argsort(-w, kind="stable"):
        if labels[i] >= 0:
            continue
        near = np.asarray(tree.query_ball_point(x[i], tol), dtype=np.int64)
        labels[near[labels[near] < 0]] = n
        n += 1
    return labels


def _kmeans(x, w, n_clusters, random_state) -> np.ndarray:
    from sklearn.cluster import KMeans

    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int | np.integer) \
            or n_clusters < 1:
        raise InputError(f"method='kmeans' needs n_clusters, a positive integer; got "
                         f"{n_clusters!r}")
    distinct = len(np.unique(x, axis=0))
    if n_clusters > distinct:
        raise InputError(f"n_clusters={n_clusters} but the activations hold only {distinct} "
                         f"distinct hidden states; ask for at most {distinct}")
    if isinstance(random_state, np.random.Generator):  # scikit-learn takes ints
        random_state = int(random_state.integers(2**31))
    km = KMeans(n_clusters=int(n_clusters), n_init=4, random_state=random_state)
    return km.fit_predict(x, sample_weight=w).astype(np.int64)


def _parent_rows(prefixes: Prefixes) -> np.ndarray:
    """The row of each row's prefix minus its last token, shape (m,); -1 for rows whose
    parent is the empty prefix without a row (position 0, no BOS) or that are the empty
    prefix (position 0 with BOS)."""
    seq, pos = prefixes.seq_index, prefixes.position
    parent = np.full(len(seq), -1, np.int64)
    # Rows are sorted by (sequence, position): a sampled prefix's parent is the row before.
    follows = np.flatnonzero((seq[1:] == seq[:-1]) & (pos[1:] == pos[:-1] + 1)) + 1
    parent[follows] = follows - 1
    # An enumerated prefix lives in its first extension, which its parent's need not be.
    lost = np.flatnonzero((parent < 0) & (pos > 0))
    if len(lost):
        words = prefixes.sequences
        where = {words[s, : t + 1].tobytes(): i for i, (s, t) in enumerate(zip(seq, pos,
                                                                              strict=True))}
        for i in lost:
            j = where.get(words[seq[i], : pos[i]].tobytes())
            if j is None:
                raise InputError(f"prefix row {i} (sequence {seq[i]}, position {pos[i]}) has "
                                 "no row for its parent prefix; pass every row of the "
                                 "Prefixes")
            parent[i] = j
    return parent


def _build_graph(labels: np.ndarray, prefixes: Prefixes, name: str) -> tuple[nx.DiGraph, int]:
    """The graph of clusters ``labels`` (m,) over ``prefixes``, and its root."""
    seq, pos, w = prefixes.seq_index, prefixes.position, prefixes.weights
    bos = prefixes.bos is not None
    n = int(labels.max()) + 1
    length = pos + (0 if bos else 1)  # tokens in each row's prefix
    parent = _parent_rows(prefixes)
    child = np.flatnonzero((parent >= 0) | (not bos))  # rows entered by a token
    src = np.where(parent[child] >= 0, labels[parent[child]], START)
    token = prefixes.sequences[seq[child], pos[child]]
    triples, inverse = np.unique(np.stack([src, token, labels[child]], axis=1), axis=0,
                                 return_inverse=True)
    mass = np.bincount(inverse.ravel(), w[child], len(triples))  # Pr(w x) / n_ctx summed
    out = {}
    for (a, _, _), p in zip(triples.tolist(), mass.tolist(), strict=True):
        out[a] = out.get(a, 0.0) + p

    g = nx.DiGraph(process=name)
    beliefs = prefixes.beliefs
    member_mass = np.bincount(labels, w, n)
    mean_belief = np.stack([np.bincount(labels, w * beliefs[:, j], n)
                            for j in range(beliefs.shape[1])], axis=1) / member_mass[:, None]
    depth = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(depth, labels, length)
    at_depth = length == depth[labels]
    first = np.bincount(labels[at_depth], w[at_depth], n) * prefixes.n_ctx
    if not bos:
        ones = pos == 0
        g.add_node(START, belief=tuple((w[ones] @ beliefs[ones] / w[ones].sum()).tolist()),
                   prob=1.0, depth=0, weight=0.0)
    for c in range(n):
        g.add_node(c, belief=tuple(mean_belief[c].tolist()), prob=float(first[c]),
                   depth=int(depth[c]), weight=float(member_mass[c]))
    for (a, x, b), p in zip(triples.tolist(), mass.tolist(), strict=True):
        q = p / out[a]
        if g.has_edge(a, b):
            data = g.edges[a, b]
            data["symbols"] += (x,)
            data["probs"] += (q,)
            data["weights"] += (p,)
            data["symbol"] = data["symbols"]
            data["prob"] += q
        else:
            g.add_edge(a, b, symbols=(x,), probs=(q,), weights=(p,), symbol=x, prob=q)
    _mark_recurrent(g)
    root = START if not bos else int(np.bincount(labels[pos == 0], w[pos == 0], n).argmax())
    return g, root


def _mark_recurrent(g: nx.DiGraph) -> None:
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    edges = np.array([(index[a], 0, index[b]) for a, b in g.edges], np.int64).reshape(-1, 3)
    attracting = attracting_mask(len(nodes), edges) if len(edges) else np.zeros(len(nodes), bool)
    open_ends = 0
    for v, a in zip(nodes, attracting.tolist(), strict=True):
        successors = g.out_degree(v) > 0
        open_ends += not successors
        g.nodes[v]["recurrent"] = bool(a and successors)
    g.graph["finite"] = open_ends == 0
    g.graph["n_recurrent"] = sum(1 for _, r in g.nodes(data="recurrent") if r)


def draw_learned_graph(learned: LearnedGraph, ax=None, with_labels: bool = True):
    """Draw a learned graph as `dynamics.plots.draw_msp` draws an MSP: columns by depth
    (the shortest prefix in each cluster), the root orange, recurrent clusters dark
    blue, edges of graphs up to 30 nodes labelled ``symbol|probability``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from dynamics.plots import draw_msp

    ax = draw_msp(learned.graph, ax=ax, with_labels=with_labels)
    g = learned.graph
    how = f"tol={learned.tol:.3g}" if learned.method == "tolerance" else \
        f"k={learned.n_clusters}"
    start = " + start" if learned.root == START else ""
    cut = "" if g.graph["finite"] else "; cut off by the context window"
    ax.set_title(f"Learned graph ({learned.method}, {how}): {learned.n_clusters} "
                 f"clusters{start}, {g.graph['n_recurrent']} recurrent{cut}")
    return ax


# -- comparison with the MSP ----------------------------------------------------------------
def graph_metrics(learned: LearnedGraph, prefixes: Prefixes, process: Process, *,
                  msp_max_states: int = 2_000, timeout: float = 1.0,
                  random_state: int | np.random.Generator | None = 0) -> dict:
    """How far the learned graph is from the mixed-state presentation (JSON-ready).

    What is compared with what:

    - Clusters against mixed states: each prefix's mixed state is its belief merged
      within the MSP's tolerance (1e-9 per coordinate), so exact prefixes land on MSP
      nodes, and an infinite MSP (Mess3) still has its states.
    - The learned graph against **the MSP as the prefixes see it**: the states that
      words of the prefixes' lengths reach from ``pi`` (up to ``n_ctx`` tokens, or
      ``n_ctx - 1`` after a BOS token), and the edges leaving states that shorter words
      reach; without a BOS token the empty word is a node of its own, like `START`.
      Once the context is longer than the MSP's depth this is the whole MSP from ``pi``
      (``msp_view_complete``). Neither the whole MSP (a short context never sees its deep
      transient states) nor its recurrent part alone (the learned graph's transient
      clusters have nowhere to go in it) could match a perfect network's graph.

    Parameters
    ----------
    learned : LearnedGraph
    prefixes : Prefixes
        The rows ``learned`` was built from.
    process : Process
        The process that generated them.
    msp_max_states : int, default=2000
        An MSP with more states counts as infinite: no graph comparison.
    timeout : float, default=1.0
        Seconds for the graph edit distance search.
    random_state : int, numpy.random.Generator or None, default=0
        The permutations of the AMI's chance level.

    Returns
    -------
    dict
        Each null has a ``<key>_reason``.

        - ``n_clusters``, ``n_mixed_states`` (distinct beliefs among the prefixes);
        - ``graph_homogeneity``, ``graph_completeness``, ``graph_ami`` (module functions
          `_graph_scores.weighted_scores`: weighted by ``Pr(w)``);
        - ``graph_unifilarity``: the weight fraction of (node, token) pairs that lead to
          a single node;
        - ``msp_n_states`` (the whole MSP), ``msp_view_n_states``, ``msp_view_complete``;
        - ``graph_isomorphic``: a root-preserving isomorphism whose edges carry the same
          symbols (probabilities are not compared by it);
          ``graph_edge_probability_max_error``: when isomorphic, the largest difference
          of a matched edge's probabilities;
        - ``graph_edit_distance`` (unit costs, roots matched, edges matched by symbols)
          and ``graph_edit_distance_optimal`` (False when the search ran out of time:
          the value is then an upper bound);
        - ``graph_spectral_distance``: the eigenvalues of the two symbol-summed
          transition matrices (rows of nodes without successors are zero), the smaller
          set padded with zeros, matched one to one to minimise the summed distance in
          the complex plane; that sum (the earth mover's distance with unit mass per
          eigenvalue). Computed block by block over strongly connected components, so
          the nilpotent transient part gives exact zeros;
        - ``learned_unifilar``; ``learned_entropy_rate_bits`` and
          ``learned_statistical_complexity_bits`` (``C_mu`` of the epsilon-machine of the
          learned graph's recurrent part, as a process), beside the process's
          ``entropy_rate_bits`` (`dynamics.entropy_rate`) and
          ``statistical_complexity_bits``.
    """
    from dynamics import entropy_rate

    scores = mixed_state_scores(learned.labels, prefixes, random_state)  # checks the rows
    if prefixes.beliefs.shape[1] != process.n_states:
        raise InputError(f"the prefixes' beliefs have {prefixes.beliefs.shape[1]} states but "
                         f"{process.name} has {process.n_states}; pass its process")
    g = learned.graph
    info: dict = {"n_clusters": learned.n_clusters, **scores}
    info["graph_unifilarity"] = unifilar_share = unifilarity(g)

    ms = explore_mixed_states(process, max_states=msp_max_states)
    info["msp_n_states"] = ms.n_states if ms.closed else None
    comparison = ("graph_isomorphic", "graph_edge_probability_max_error", "graph_edit_distance",
                  "graph_edit_distance_optimal", "graph_spectral_distance",
                  "msp_view_n_states", "msp_view_complete")
    if not ms.closed:
        reason = (f"the mixed-state presentation of {process.name} is not finite within "
                  f"{msp_max_states} states: there is no MSP graph to compare with")
        info["msp_n_states_reason"] = reason
        for key in comparison:
            info[key], info[f"{key}_reason"] = None, reason
    else:
        msp = to_graph(ms, process.name)
        horizon = prefixes.n_ctx - (prefixes.bos is not None)
        view = msp_view(msp, horizon, START if prefixes.bos is None else None)
        info["msp_view_n_states"] = view.number_of_nodes()
        # START stands for node 0 (pi) reached by the empty word.
        info["msp_view_complete"] = (
            {0 if v == START else v for v in view} == set(msp)
            and {(0 if a == START else a, b) for a, b in view.edges} == set(msp.edges))
        info.update(compare_structure(g, view, timeout))
        info["graph_spectral_distance"] = spectral_distance(g, view)
        if info["graph_spectral_distance"] is None:
            info["graph_spectral_distance_reason"] = (
                f"a strongly connected block has more than {SPECTRUM_MAX_BLOCK} nodes")

    info["learned_unifilar"] = unifilar_share == 1.0
    info.update(_learned_process(g, unifilar_share, prefixes.next_token_probs.shape[1]))
    info["entropy_rate_bits"] = float(entropy_rate(process).bits)
    c_mu = epsilon_machine(process, mixed_states=ms).statistical_complexity_bits
    info["statistical_complexity_bits"] = c_mu
    if c_mu is None:
        info["statistical_complexity_bits_reason"] = (
            f"the recurrent mixed-state presentation of {process.name} is not finite within "
            f"{msp_max_states} states: C_mu is infinite")
    return info


def mixed_state_scores(labels, prefixes: Prefixes,
                       random_state: int | np.random.Generator | None = 0) -> dict:
    """Clusters of prefix rows against their mixed states, the clustering part of
    `graph_metrics` alone (JSON-ready): no MSP and no graph, so any labelling of the
    rows can be scored cheaply.

    Parameters
    ----------
    labels : array_like of int, shape (m,)
        The cluster of each row of ``prefixes`` (e.g. `LearnedGraph.labels`).
    prefixes : Prefixes
    random_state : int, numpy.random.Generator or None, default=0
        The permutations of the AMI's chance level.

    Returns
    -------
    dict
        ``n_mixed_states``, ``graph_homogeneity``, ``graph_completeness`` and
        ``graph_ami`` (`_graph_scores.weighted_scores`, weighted by ``Pr(w)``), the last
        null with ``graph_ami_reason`` when the chance correction is 0 / 0.

    Raises
    ------
    InputError
        If ``labels`` does not hold one label per prefix row.
    """
    labels = np.asarray(labels)
    m = len(prefixes.weights)
    if labels.shape != (m,):
        raise InputError(f"the learned graph (its labels) has {len(labels)} rows but the "
                         f"prefixes {m}; pass the Prefixes it was built from")
    classes = _mixed_states(prefixes)
    info: dict = {"n_mixed_states": int(classes.max()) + 1}
    hom, com, ami = weighted_scores(classes, labels, prefixes.weights, random_state)
    info.update(graph_homogeneity=hom, graph_completeness=com,
                graph_ami=ami if math.isfinite(ami) else None)
    if not math.isfinite(ami):
        info["graph_ami_reason"] = ("almost every prefix is its own cluster and its own mixed "
                                    "state, so agreement by chance is all the information "
                                    "there is and the adjustment is 0 / 0; see homogeneity "
                                    "and completeness")
    return info


def _mixed_states(prefixes: Prefixes) -> np.ndarray:
    """The mixed state of each prefix row, (m,) ints: beliefs merged within the MSP's
    tolerance."""
    return np.unique(np.round(prefixes.beliefs / _BELIEF_TOL).astype(np.int64), axis=0,
                     return_inverse=True)[1].ravel()


def mixed_state_variance(activations, prefixes: Prefixes) -> dict:
    """How much of the hidden states' variance their mixed state explains (JSON-ready).

    The weighted total variance of the activations splits exactly into three parts:
    between the mixed states' mean activations; between input positions within a mixed
    state (a transformer adds its position embedding to every layer); and what is left
    inside each (mixed state, position) group, the history the hidden state keeps that
    the mixed state forgets. The last two shares are spread inside each mixed state, along
    which clusters of hidden states split it; a network whose hidden state is its belief
    and nothing else has none of it (state share 1).

    Parameters
    ----------
    activations : array_like, shape (m, D)
        One row per row of ``prefixes``.
    prefixes : Prefixes

    Returns
    -------
    dict
        ``state_variance_share``, ``position_variance_share``,
        ``history_variance_share`` (fractions of the total, summing to 1),
        ``n_mixed_states``, and ``rows_per_mixed_state`` (rows over mixed states; near 1,
        every prefix its own mixed state, as for Mess3, the split says nothing).

    Raises
    ------
    InputError
        For activations of the wrong shape, not finite, or without variance.
    """
    x = _check_activations(activations, prefixes)
    m = len(x)
    w = prefixes.weights / prefixes.weights.sum()
    states = _mixed_states(prefixes)
    groups = np.unique(states * (int(prefixes.position.max()) + 1) + prefixes.position,
                       return_inverse=True)[1].ravel()
    centred = x - w @ x
    total = float(w @ (centred**2).sum(axis=1))
    if total <= 1e-12 * max(float(np.abs(x).max()), 1e-300) ** 2:
        raise InputError("the activations do not vary across prefixes: there is no variance "
                         "to split")
    by_state = _weighted_means(centred, states, w)[states]  # (m, D)
    by_group = _weighted_means(centred, groups, w)[groups]
    shares = [float(w @ (by_state**2).sum(axis=1)),
              float(w @ ((by_group - by_state) ** 2).sum(axis=1)),
              float(w @ ((centred - by_group) ** 2).sum(axis=1))]
    # The parts are orthogonal in the weighted inner product, so they sum to the total
    # up to rounding; divide by their sum so the shares sum to 1 exactly.
    s = sum(shares)
    n_states = int(states.max()) + 1
    return {"state_variance_share": shares[0] / s, "position_variance_share": shares[1] / s,
            "history_variance_share": shares[2] / s, "n_mixed_states": n_states,
            "rows_per_mixed_state": m / n_states}


def _weighted_means(x: np.ndarray, labels: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted mean row of each label ``0..max``, shape (n_labels, D); every label
    has rows of positive weight (clusters and groups here are built from the rows)."""
    n = int(labels.max()) + 1
    sums = np.stack([np.bincount(labels, w * x[:, j], n) for j in range(x.shape[1])], axis=1)
    return sums / np.bincount(labels, w, n)[:, None]


def _learned_process(g: nx.DiGraph, unifilar_share: float, n_symbols: int) -> dict:
    from dynamics import entropy_rate

    keys = ("learned_entropy_rate_bits", "learned_statistical_complexity_bits")
    reason = None
    if unifilar_share < 1.0:
        reason = (f"the learned graph is not unifilar (graph_unifilarity = {unifilar_share:.3g}): "
                  "a cluster and a token lead to several clusters")
    elif not g.graph["finite"]:
        reason = ("clusters seen only at the last context position have no observed "
                  "successors; a longer context closes the graph")
    elif g.graph["n_recurrent"] == 0:
        reason = "the learned graph has no recurrent clusters"
    if reason is None:
        try:
            learned = msp_to_process(g, n_symbols=n_symbols, name="learned graph")
            rate = float(entropy_rate(learned).bits)
            c_mu = epsilon_machine(learned).statistical_complexity_bits
            return {keys[0]: rate, keys[1]: c_mu}
        except BeliefscopeError as error:
            reason = f"its recurrent part is no process: {error}"
    return {keys[0]: None, keys[1]: None, f"{keys[0]}_reason": reason,
            f"{keys[1]}_reason": reason}
