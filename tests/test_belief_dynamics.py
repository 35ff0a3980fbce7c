"""Belief IFS, mixed-state presentations and the chaos game."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_hmm

from dynamics.attractor import chaos_game, sample_attractor
from dynamics.belief import BeliefIFS
from processes import (
    Process,
    ProcessError,
    epsilon_machine,
    exact_entropy_rate,
    get_process,
    mixed_state_presentation,
    msp_summary,
    msp_to_process,
    myopic_entropies,
)

MSP_TABLE = [("golden_mean", 3), ("even", 4), ("z1r", 7), ("rrxor", 36)]


@pytest.mark.parametrize(("name", "n_states"), MSP_TABLE)
@pytest.mark.parametrize("exact", [False, True])
def test_msp_sizes(name, n_states, exact):
    g = mixed_state_presentation(get_process(name), exact=exact)
    assert isinstance(g, nx.DiGraph)
    assert g.number_of_nodes() == n_states and g.graph["finite"]
    # Out-probabilities of every node sum to one.
    for v in g.nodes:
        assert sum(d["prob"] for _, _, d in g.out_edges(v, data=True)) == pytest.approx(1.0)


def test_exact_msp_has_rational_beliefs():
    g = mixed_state_presentation(get_process("even"), exact=True)
    assert str(g.nodes[0]["exact_belief"]) == "(2/3, 1/3)"
    assert sum(g.nodes[v]["prob"] for v in g.nodes if g.nodes[v]["depth"] == 1) == 1


def test_msp_to_process_gives_statistical_complexity():
    g = mixed_state_presentation(get_process("rrxor"))
    assert msp_summary(g)["n_recurrent"] == 5
    machine = msp_to_process(g)
    assert epsilon_machine(machine).statistical_complexity_bits == pytest.approx(2.251629,
                                                                                abs=1e-6)


def test_mess3_msp_is_not_finite():
    g = mixed_state_presentation(get_process("mess3"), max_states=300)
    assert not g.graph["finite"]
    assert msp_summary(g)["n_recurrent"] is None
    with pytest.raises(ValueError, match="not finite"):
        msp_to_process(g)


@pytest.mark.parametrize("name", ["golden_mean", "even", "z1r", "rrxor", "nemo"])
def test_chaos_game_entropy_rate_matches_exact(name):
    p = get_process(name)
    est = chaos_game(p, 200_000, seed=1).entropy_rate()
    exact = exact_entropy_rate(p).bits
    assert est.stderr_bits > 0
    assert abs(est.bits - exact) < 4 * est.stderr_bits + 1e-9


def test_chaos_game_agrees_with_myopic_bound_for_mess3():
    p = get_process("mess3", x=0.05, a=0.85)
    est = chaos_game(p, 400_000, seed=2).entropy_rate()
    bound = myopic_entropies(p, 13)[-1]  # h(13), converged to ~1e-6
    assert abs(est.bits - bound) < 4 * est.stderr_bits + 1e-5


def test_sample_attractor_shape_seed_and_simplex():
    p = get_process("mess3", x=0.05, a=0.85)
    a = sample_attractor(p, 5000, seed=7)
    assert a.shape == (5000, 3) and a.dtype == np.float64
    np.testing.assert_array_equal(a, sample_attractor(p, 5000, seed=7))
    np.testing.assert_allclose(a.sum(1), 1.0, atol=1e-12)
    assert a.min() >= 0


def test_degenerate_symbol_is_an_error():
    T = np.zeros((3, 2, 2))
    T[0] = [[0.5, 0.0], [0.0, 0.5]]
    T[1] = [[0.0, 0.5], [0.5, 0.0]]
    with pytest.raises(ProcessError, match="symbol 2 has probability zero from every belief"):
        chaos_game(Process.from_arrays(T, name="degenerate"), 100)


def test_zero_probability_observation_is_an_error():
    ifs = BeliefIFS(get_process("golden_mean"))
    with pytest.raises(ProcessError, match="probability zero"):
        ifs.step(np.array([[0.0, 1.0]]), np.array([1]))


def test_tangent_map_matches_finite_differences():
    ifs = BeliefIFS(get_process("mess3", x=0.05, a=0.85))
    rng = np.random.default_rng(0)
    eta = rng.dirichlet(np.ones(3), size=4)
    u = np.array([0, 1, 2, 1])
    v = rng.normal(size=(4, 3))
    v -= v.mean(axis=1, keepdims=True)  # tangent: v r = 0
    J = ifs.ambient_jacobian(eta, u)
    eps = 1e-6
    fd = (ifs.step(eta + eps * v, u) - ifs.step(eta - eps * v, u)) / (2 * eps)
    np.testing.assert_allclose(np.einsum("bi,bij->bj", v, J), fd, atol=1e-8)


def test_symbolic_maps_and_jacobians_match_numeric():
    ifs = BeliefIFS(get_process("mess3", x=0.05, a=0.85))
    eta = np.array([0.2, 0.3, 0.5])
    subs = {**ifs.process.symbol_values, **dict(zip(ifs.belief_symbols(), eta, strict=True))}
    for x, (f, J) in enumerate(zip(ifs.symbolic_maps(), ifs.symbolic_jacobians(), strict=True)):
        np.testing.assert_allclose(np.array(f.subs(subs), dtype=float)[0],
                                   ifs.step(eta[None], np.array([x]))[0], atol=1e-12)
        np.testing.assert_allclose(np.array(J.subs(subs), dtype=float),
                                   ifs.ambient_jacobian(eta[None], np.array([x]))[0], atol=1e-12)
    assert "f_0" in ifs.latex()


def test_symbolic_fixed_points_match_iteration():
    ifs = BeliefIFS(get_process("mess3", x=0.05, a=0.85))
    points = ifs.fixed_points()
    for x in range(3):
        stable = [fp for fp in points if fp.input == x and fp.stability == "stable"]
        assert len(stable) == 1
        eta = np.full((1, 3), 1 / 3)
        for _ in range(500):
            eta = ifs.step(eta, np.array([x]))
        np.testing.assert_allclose(stable[0].point, eta[0], atol=1e-10)
        assert stable[0].exact is not None
        value = np.array(stable[0].exact.subs(ifs.process.symbol_values), dtype=float)[0]
        np.testing.assert_allclose(value, stable[0].point, atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(random_hmm(min_states=2), st.integers(0, 100))
def test_chaos_game_stays_on_simplex(process, seed):
    a = sample_attractor(process, 500, burn_in=10, seed=seed, n_chains=4)
    assert a.min() >= -1e-12
    np.testing.assert_allclose(a.sum(1), 1.0, atol=1e-10)


def test_torch_maps_match_numpy():
    import torch

    ifs = BeliefIFS(get_process("mess3", x=0.05, a=0.85))
    eta = np.random.default_rng(0).dirichlet(np.ones(3), size=5)
    u = np.array([0, 1, 2, 2, 1])
    got = ifs.step_torch(torch.from_numpy(eta), torch.from_numpy(u)).numpy()
    np.testing.assert_allclose(got, ifs.step(eta, u), atol=1e-14)
    np.testing.assert_allclose(ifs.probabilities_torch(torch.from_numpy(eta)).numpy(),
                               ifs.probabilities(eta), atol=1e-14)


@pytest.mark.parametrize(("name", "exact"), [("rrxor", False), ("rrxor", True),
                                             ("mess3", False), ("nemo", True)])
def test_msp_node_probabilities_match_word_enumeration(name, exact):
    from processes import enumerate_words

    p = get_process(name)
    g = mixed_state_presentation(p, max_depth=4, exact=exact)
    beliefs = np.array([g.nodes[v]["belief"] for v in g.nodes])
    for depth in range(1, 5):
        words, probs = enumerate_words(p, depth)
        mass = np.zeros(len(beliefs))
        for word, w_prob in zip(words, probs, strict=True):
            eta = p.pi
            for x in word:
                eta = eta @ p.T[x] / (eta @ p.T[x]).sum()
            mass[np.argmin(np.abs(beliefs - eta).max(axis=1))] += w_prob
        for v in g.nodes:
            if g.nodes[v]["depth"] == depth:
                assert g.nodes[v]["prob"] == pytest.approx(mass[v], abs=1e-12)
