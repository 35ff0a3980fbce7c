"""Combined processes: independent products, non-ergodic mixtures and a BOS token."""

import numpy as np
import pytest

from dynamics import entropy_rate
from processes import (
    InputError,
    ProcessError,
    entropy_bits,
    enumerate_words,
    epsilon_machine,
    exact_entropy_rate,
    generate,
    get_process,
    mixture,
    myopic_entropies,
    product,
    start_belief,
    with_bos,
)


def test_product_of_unifilar_parts_adds_rates_and_complexities():
    g, e = get_process("golden_mean"), get_process("even")
    joint = product(g, e)
    assert (joint.n_states, joint.n_symbols) == (4, 4)
    np.testing.assert_array_equal(joint.T[2 * 1 + 0], np.kron(g.T[1], e.T[0]))
    np.testing.assert_allclose(joint.pi, np.kron(g.pi, e.pi), atol=1e-12)
    # golden_mean(1/2) and even(1/2): 2/3 bits each (Crutchfield & Feldman 2003).
    assert exact_entropy_rate(joint).bits == pytest.approx(4 / 3, abs=1e-12)
    c = epsilon_machine(joint).statistical_complexity_bits
    assert c == pytest.approx(2 * 0.918295834054490, abs=1e-9)


def test_product_keeps_prefixed_parameters():
    joint = product(get_process("golden_mean"), get_process("even"))
    assert [p.name for p in joint.parameters] == ["p0_p", "p1_p"]
    moved = joint.with_params(p0_p=0.3)
    assert moved.parts[0].params == {"p": 0.3}
    np.testing.assert_allclose(moved.T, [np.kron(a, b) for a in
                                         get_process("golden_mean", p=0.3).T
                                         for b in get_process("even").T])
    np.testing.assert_allclose(moved.M, moved.T.sum(axis=0))  # no stale cache
    expected = exact_entropy_rate(get_process("golden_mean", p=0.3)).bits + 2 / 3
    assert exact_entropy_rate(moved).bits == pytest.approx(expected, abs=1e-12)


def test_product_with_a_nonunifilar_part():
    m3, g = get_process("mess3"), get_process("golden_mean")
    joint = product(m3, g)
    rate, part = entropy_rate(joint), entropy_rate(m3)
    err = 4 * np.hypot(rate.stderr_bits, part.stderr_bits) + 1e-9
    assert rate.bits == pytest.approx(part.bits + 2 / 3, abs=err)


def test_product_of_periodic_parts_is_stationary_though_not_ergodic():
    z = get_process("z1r")
    joint = product(z, z)  # two period-3 phases: three recurrent classes
    np.testing.assert_allclose(joint.pi, np.full(9, 1 / 9), atol=1e-12)
    assert exact_entropy_rate(joint).bits == pytest.approx(2 / 3, abs=1e-12)
    _, probs = enumerate_words(joint, 3)
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)


def test_product_with_a_normalised_ghmm_binds_it_numerically():
    pq, g = get_process("post_quantum"), get_process("golden_mean")
    joint = product(pq, g)
    assert joint.generalized and [p.name for p in joint.parameters] == ["p1_p"]
    np.testing.assert_allclose(joint.r, np.kron(pq.r, g.r), atol=1e-12)
    assert joint.pi @ joint.r == pytest.approx(1.0)


def test_mixture():
    g, e = get_process("golden_mean", p=0.3), get_process("even")
    mix = mixture([g, e], [1, 3])
    np.testing.assert_allclose(mix.pi, np.r_[0.25 * g.pi, 0.75 * e.pi], atol=1e-12)
    expected = 0.25 * exact_entropy_rate(g).bits + 0.75 * exact_entropy_rate(e).bits
    assert exact_entropy_rate(mix).bits == pytest.approx(expected, abs=1e-12)
    for length in (1, 4):
        words, probs = enumerate_words(mix, length)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    # Pr(w) is the weighted sum of the components' word probabilities.
    _, pg = enumerate_words(g, 4, drop_zero=False)
    _, pe = enumerate_words(e, 4, drop_zero=False)
    _, pm = enumerate_words(mix, 4, drop_zero=False)
    np.testing.assert_allclose(pm, 0.25 * pg + 0.75 * pe, atol=1e-12)
    assert [p.name for p in mix.parameters] == ["p0_p", "p1_p"]
    assert mix.with_params(p1_p=0.2).parts[1].params == {"p": 0.2}


def test_mixture_errors():
    g = get_process("golden_mean")
    with pytest.raises(ProcessError, match="share one vocabulary"):
        mixture([g, get_process("mess3")], [1, 1])
    for weights in ([1], [1, -1], [1, float("nan")]):
        with pytest.raises(InputError, match="weights"):
            mixture([g, g], weights)


@pytest.mark.parametrize("name", ["even", "mess3", "rrxor"])
def test_with_bos(name):
    original = get_process(name)
    bos = with_bos(original)
    k, n = original.n_symbols, original.n_states
    assert (bos.n_symbols, bos.n_states) == (k + 1, n + 1)
    np.testing.assert_allclose(bos.pi, np.r_[original.pi, 0.0], atol=1e-12)
    tokens = generate(bos, 200, 12, seed=1, start=start_belief(bos)).tokens
    assert np.all(tokens[:, 0] == k) and np.all(tokens[:, 1:] < k)
    # Exact h(t) from the start state, over all words: h(1) = 0 (BOS is certain), then
    # the original process's h(1), h(2), ...: position t's floor with BOS is h(t).
    eta, probs, h = start_belief(bos)[None, :], np.ones(1), []
    for _ in range(7):
        p = eta @ bos.Tr  # (m, k + 1) next-symbol probabilities, one row per word
        h.append(float(probs @ entropy_bits(p)))
        succ = np.einsum("mi,xij->mxj", eta, bos.T)
        keep = p > 1e-15
        eta, probs = succ[keep] / p[keep][:, None], (probs[:, None] * p)[keep]
    np.testing.assert_allclose(h, np.r_[0.0, myopic_entropies(original, 6)], atol=1e-10)
    assert exact_entropy_rate(bos) is None or exact_entropy_rate(bos).bits == pytest.approx(
        exact_entropy_rate(original).bits)


def test_generate_checks_its_start():
    bos = with_bos(get_process("even"))
    with pytest.raises(InputError, match="start"):
        generate(bos, 2, 2, start=np.zeros(3))
    with pytest.raises(InputError, match="with_bos"):
        start_belief(get_process("even"))
