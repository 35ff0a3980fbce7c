"""The learned graph: hidden states clustered and joined by tokens, compared with the MSP.

Activations that are an exact linear image of the beliefs must give back the mixed-state
presentation itself (as the context window sees it); structureless activations must not.
"""

import io
import json

import matplotlib
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_mutual_info_score, completeness_score, homogeneity_score

from analysis.compare._graph_scores import msp_view, spectral_distance, weighted_scores
from analysis.compare.graph import (
    START,
    draw_learned_graph,
    graph_metrics,
    learned_graph,
    mixed_state_scores,
    mixed_state_variance,
)
from analysis.networks.activations import prefix_dataset
from analysis.reports.nulls import unexplained_nulls
from processes import InputError, get_process, mixed_state_presentation

matplotlib.use("Agg")

# Reference values (bits) from docs/conventions.md.
TRUE = {"z1r": (1 / 3, 1.584963), "rrxor": (2 / 3, 2.251629)}


def _image_of_beliefs(prefixes, d=16, seed=0):
    """Activations (m, d) that are a generic linear image of the beliefs."""
    a = np.random.default_rng(seed).normal(size=(prefixes.beliefs.shape[1], d))
    return prefixes.beliefs @ a


@pytest.mark.parametrize(("name", "n_ctx", "bos", "n_clusters"), [
    ("z1r", 8, None, 6),  # pi never recurs: the 7th MSP state is the START node
    ("rrxor", 8, None, 35),
    ("rrxor", 9, 2, 36),  # with BOS the empty prefix is a row, pi a cluster
])
def test_exact_beliefs_give_back_the_msp(name, n_ctx, bos, n_clusters):
    process = get_process(name)
    prefixes = prefix_dataset(process, n_ctx, bos=bos)
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    assert learned.n_clusters == n_clusters
    info = graph_metrics(learned, prefixes, process, timeout=0.2)
    assert unexplained_nulls(info) == []
    json.dumps(info)
    for key in ("graph_homogeneity", "graph_completeness", "graph_ami"):
        assert info[key] == pytest.approx(1.0, abs=1e-12)
    assert info["graph_unifilarity"] == 1.0 and info["learned_unifilar"] is True
    # The context is longer than the MSP is deep: the view is the whole MSP from pi.
    assert info["msp_view_complete"] is True
    assert info["msp_n_states"] == mixed_state_presentation(process).number_of_nodes()
    assert info["graph_isomorphic"] is True
    assert info["graph_edge_probability_max_error"] < 1e-12
    assert info["graph_edit_distance"] == 0.0
    assert info["graph_spectral_distance"] < 1e-9
    h_mu, c_mu = TRUE[name]
    assert info["entropy_rate_bits"] == pytest.approx(h_mu, abs=1e-12)
    assert info["statistical_complexity_bits"] == pytest.approx(c_mu, abs=1e-6)
    assert info["learned_entropy_rate_bits"] == pytest.approx(h_mu, abs=1e-12)
    assert info["learned_statistical_complexity_bits"] == pytest.approx(c_mu, abs=1e-6)


def test_the_graph_is_shaped_like_an_msp():
    process = get_process("z1r")
    prefixes = prefix_dataset(process, 8)
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    g, msp = learned.graph, mixed_state_presentation(process)
    assert learned.root == START and g.nodes[START]["depth"] == 0
    # The START node's belief is the Pr-weighted mean of the one-token beliefs: pi.
    np.testing.assert_allclose(g.nodes[START]["belief"], process.pi, atol=1e-14)
    node_keys = set(next(iter(msp.nodes(data=True)))[1])
    edge_keys = set(next(iter(msp.edges(data=True)))[2])
    assert all(node_keys <= set(d) for _, d in g.nodes(data=True))
    assert all(edge_keys <= set(d) for _, _, d in g.edges(data=True))
    for v in g:
        assert sum(d["prob"] for d in g.adj[v].values()) == pytest.approx(1.0, abs=1e-12)
    # Each cluster's mean belief is an MSP belief (its members share one).
    msp_beliefs = np.array([d["belief"] for _, d in msp.nodes(data=True)])
    for c in range(learned.n_clusters):
        gap = np.abs(msp_beliefs - g.nodes[c]["belief"]).max(axis=1).min()
        assert gap < 1e-12
    assert {c for c in g if g.nodes[c]["recurrent"]} == set(np.unique(
        learned.labels[prefixes.position == 7]))  # z1r's last position reads only causal states


def test_sampled_prefixes_build_the_same_graph():
    # Sampled rows find their parents in the row before; edge probabilities are empirical.
    process = get_process("z1r")
    prefixes = prefix_dataset(process, 8, max_exact=1, n_sequences=400, seed=3)
    assert not prefixes.exact
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    info = graph_metrics(learned, prefixes, process, timeout=0.2)
    assert info["graph_isomorphic"] is True and info["graph_ami"] == pytest.approx(1.0)
    assert 0 < info["graph_edge_probability_max_error"] < 0.1
    assert info["learned_entropy_rate_bits"] == pytest.approx(1 / 3, abs=0.05)


def test_a_short_context_sees_part_of_the_msp():
    # rrxor's MSP is 6 deep: words of 5 tokens miss two transient states, and clusters
    # seen only at the last position have no successors.
    process = get_process("rrxor")
    prefixes = prefix_dataset(process, 5)
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    info = graph_metrics(learned, prefixes, process, timeout=0.2)
    assert info["msp_view_complete"] is False and info["msp_view_n_states"] == 34
    assert info["graph_isomorphic"] is True
    assert learned.graph.graph["finite"] is False
    assert info["learned_entropy_rate_bits"] is None
    assert "last context position" in info["learned_entropy_rate_bits_reason"]


def _noise_graph(n_clusters, d=16, seed=0):
    """RRXOR's prefixes of 8 tokens and a k-means graph of structureless activations."""
    process = get_process("rrxor")
    prefixes = prefix_dataset(process, 8)
    noise = np.random.default_rng(seed).normal(size=(len(prefixes.weights), d))
    return process, prefixes, learned_graph(noise, prefixes, method="kmeans",
                                            n_clusters=n_clusters)


def test_noise_with_kmeans_matches_nothing():
    process, prefixes, learned = _noise_graph(5)
    # The default second for the edit-distance search: on a loaded machine a tenth of a
    # second can end before the first complete edit path, and the distance is then null.
    info = graph_metrics(learned, prefixes, process)
    assert unexplained_nulls(info) == []
    # Weighted k-means gives the heaviest (shortest) prefixes clusters of their own, so
    # clusters of structureless points still tell a little about the mixed state.
    assert abs(info["graph_ami"]) < 0.2
    assert info["graph_isomorphic"] is False and info["graph_edit_distance"] > 0
    assert info["graph_spectral_distance"] > 1
    assert info["learned_unifilar"] is False
    assert "not unifilar" in info["learned_entropy_rate_bits_reason"]


def test_weighted_scores_are_sklearns_for_equal_weights():
    rng = np.random.default_rng(1)
    classes, clusters = rng.integers(6, size=400), rng.integers(4, size=400)
    hom, com, ami = weighted_scores(classes, clusters, np.ones(400), 0)
    assert hom == pytest.approx(homogeneity_score(classes, clusters), abs=1e-12)
    assert com == pytest.approx(completeness_score(classes, clusters), abs=1e-12)
    # The chance level is estimated by permutations; scikit-learn's is exact.
    assert ami == pytest.approx(adjusted_mutual_info_score(classes, clusters), abs=0.01)
    assert abs(ami) < 0.02
    # Renaming clusters changes nothing; a weight moves the scores.
    assert weighted_scores(classes, 3 - clusters, np.ones(400), 0) == (hom, com, ami)
    w = np.where(classes == 0, 10.0, 1.0)
    assert weighted_scores(classes, clusters, w, 0)[0] != hom


def test_mess3_has_no_msp_graph_to_compare_with():
    process = get_process("mess3")
    prefixes = prefix_dataset(process, 5)
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    info = graph_metrics(learned, prefixes, process, msp_max_states=500, timeout=0.1)
    assert unexplained_nulls(info) == []
    assert info["graph_isomorphic"] is None
    assert "not finite" in info["graph_isomorphic_reason"]
    assert info["statistical_complexity_bits"] is None
    assert 0 < info["graph_ami"] <= 1 and info["entropy_rate_bits"] > 1


@pytest.mark.parametrize("k", [3, 10])
def test_kmeans_takes_any_number_of_clusters(k):
    process = get_process("rrxor")
    prefixes = prefix_dataset(process, 8)
    x = _image_of_beliefs(prefixes)
    learned = learned_graph(x, prefixes, method="kmeans", n_clusters=k)
    assert learned.n_clusters == k and learned.centers.shape == (k, x.shape[1])
    assert set(np.unique(learned.labels)) == set(range(k))
    assert learned.graph.number_of_nodes() == k + 1  # and START
    info = graph_metrics(learned, prefixes, process, timeout=0.1)
    assert info["n_clusters"] == k and info["graph_isomorphic"] is False
    assert 0 < info["graph_homogeneity"] < 1


def test_draw_learned_graph_beside_the_msp():
    from matplotlib.figure import Figure

    from dynamics.plots import draw_msp

    process = get_process("z1r")
    prefixes = prefix_dataset(process, 8)
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    draw_msp(mixed_state_presentation(process), ax=left)
    ax = draw_learned_graph(learned, ax=right)
    assert ax is right
    assert ax.get_title().startswith("Learned graph (tolerance") and "3 recurrent" in ax.get_title()
    assert any("|" in t.get_text() for t in ax.texts)  # edges labelled symbol|probability
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_spectral_distance_of_two_cycles():
    # A 2-cycle has eigenvalues +-1, a 1-node loop the eigenvalue 1: matching 1 with 1
    # and -1 with the padded 0 costs 1.
    two = nx.DiGraph([(0, 1, {"prob": 1.0}), (1, 0, {"prob": 1.0})])
    one = nx.DiGraph([(0, 0, {"prob": 1.0})])
    assert spectral_distance(two, one) == pytest.approx(1.0)
    assert spectral_distance(two, two) == pytest.approx(0.0, abs=1e-12)


def test_msp_view_splits_the_start_when_pi_recurs():
    # The coin's MSP is pi alone with a self-loop; the empty word is a node of its own.
    msp = mixed_state_presentation(get_process("coin"))
    view = msp_view(msp, 3, START)
    assert set(view) == {START, 0} and view.has_edge(START, 0) and view.has_edge(0, 0)
    assert set(msp_view(msp, 3)) == {0}


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "spectral"}, "unknown method"),
    ({"method": "kmeans"}, "needs n_clusters"),
    ({"method": "kmeans", "n_clusters": 5, "tol": 0.1}, "tol is for"),
    ({"n_clusters": 5}, "n_clusters is for"),
    ({"tol": -1.0}, "positive number"),
    ({"method": "kmeans", "n_clusters": 400}, r"only \d+ distinct hidden states"),
])
def test_bad_arguments_say_what_to_do(kwargs, match):
    prefixes = prefix_dataset(get_process("rrxor"), 8)
    with pytest.raises(InputError, match=match):
        learned_graph(_image_of_beliefs(prefixes), prefixes, **kwargs)


def test_bad_inputs_say_what_to_do():
    process = get_process("z1r")
    prefixes = prefix_dataset(process, 6)
    with pytest.raises(InputError, match="one row per prefix"):
        learned_graph(np.zeros((3, 4)), prefixes)
    x = _image_of_beliefs(prefixes)
    x[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        learned_graph(x, prefixes)
    learned = learned_graph(_image_of_beliefs(prefixes), prefixes)
    with pytest.raises(InputError, match="Prefixes it was built from"):
        graph_metrics(learned, prefix_dataset(process, 7), process)
    with pytest.raises(InputError, match="pass its process"):
        graph_metrics(learned, prefixes, get_process("rrxor"))


def test_variance_of_an_image_of_the_beliefs_is_all_state():
    prefixes = prefix_dataset(get_process("rrxor"), 8)
    x = _image_of_beliefs(prefixes)
    info = mixed_state_variance(x, prefixes)
    assert info["state_variance_share"] == pytest.approx(1.0, abs=1e-9)
    assert info["position_variance_share"] == pytest.approx(0.0, abs=1e-9)
    assert info["history_variance_share"] == pytest.approx(0.0, abs=1e-9)
    # The MSP has 36 states; 8 tokens reach all but pi itself (the empty word).
    assert info["n_mixed_states"] == 35
    # A position embedding moves variance from nothing else into the position share.
    embedding = np.random.default_rng(1).normal(size=(8, x.shape[1]))
    info = mixed_state_variance(x + embedding[prefixes.position], prefixes)
    assert info["history_variance_share"] == pytest.approx(0.0, abs=1e-9)
    assert 0.05 < info["position_variance_share"] < 0.95


def _shares_by_loops(x, prefixes):
    """The law of total variance, group by group in plain Python: the cross-check."""
    w = prefixes.weights / prefixes.weights.sum()
    keys = [tuple(np.round(b / 1e-9).astype(np.int64)) for b in prefixes.beliefs]
    mean = (w[:, None] * x).sum(axis=0)

    def group_mean(rows):
        return sum(w[i] * x[i] for i in rows) / sum(w[i] for i in rows)

    states, groups = {}, {}
    for i, key in enumerate(keys):
        states.setdefault(key, []).append(i)
        groups.setdefault((key, int(prefixes.position[i])), []).append(i)
    between = sum(sum(w[i] for i in rows) * np.sum((group_mean(rows) - mean) ** 2)
                  for rows in states.values())
    inside = sum(w[i] * np.sum((x[i] - group_mean(rows)) ** 2)
                 for rows in groups.values() for i in rows)
    total = float(np.sum(w[:, None] * (x - mean) ** 2))
    return between / total, inside / total


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(1e-3, 1e3))
def test_variance_shares_match_the_law_of_total_variance(seed, scale):
    prefixes = prefix_dataset(get_process("z1r"), 6)
    rng = np.random.default_rng(seed)
    m = len(prefixes.weights)
    x = _image_of_beliefs(prefixes, d=5, seed=seed) + rng.normal(size=(m, 5))
    info = mixed_state_variance(x, prefixes)
    state, history = _shares_by_loops(x, prefixes)
    assert info["state_variance_share"] == pytest.approx(state, rel=1e-9)
    assert info["history_variance_share"] == pytest.approx(history, rel=1e-9)
    total = sum(info[k] for k in ("state_variance_share", "position_variance_share",
                                  "history_variance_share"))
    assert total == pytest.approx(1.0, abs=1e-12)
    # Shares do not depend on the units, an offset or a rotation of the activations.
    q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    moved = mixed_state_variance(scale * x @ q + 3.0, prefixes)
    for key in ("state_variance_share", "position_variance_share", "history_variance_share"):
        assert moved[key] == pytest.approx(info[key], abs=1e-9)


def test_variance_of_bad_activations_says_what_is_wrong():
    prefixes = prefix_dataset(get_process("z1r"), 6)
    with pytest.raises(InputError, match="one row per prefix"):
        mixed_state_variance(np.zeros((3, 4)), prefixes)
    with pytest.raises(InputError, match="do not vary"):
        mixed_state_variance(np.ones((len(prefixes.weights), 4)), prefixes)
    x = _image_of_beliefs(prefixes)
    x[1, 2] = np.inf
    with pytest.raises(InputError, match="NaN or infinite"):
        mixed_state_variance(x, prefixes)


def test_mixed_state_scores_are_graph_metrics_clustering_part():
    process, prefixes, learned = _noise_graph(12, d=8, seed=2)
    full = graph_metrics(learned, prefixes, process)
    scores = mixed_state_scores(learned.labels, prefixes)
    assert set(scores) == {"n_mixed_states", "graph_homogeneity", "graph_completeness",
                           "graph_ami"}
    assert scores == {key: full[key] for key in scores}
    assert 0 < scores["graph_homogeneity"] < 1
    # Labels that are the mixed states themselves score 1 everywhere.
    exact = learned_graph(_image_of_beliefs(prefixes), prefixes)
    perfect = mixed_state_scores(exact.labels, prefixes)
    assert [perfect[key] for key in ("graph_homogeneity", "graph_completeness",
                                     "graph_ami")] == [1.0, 1.0, 1.0]
    with pytest.raises(InputError, match="Prefixes it was built from"):
        mixed_state_scores(learned.labels[:-1], prefixes)
