"""Sampling: reproducibility, agreement with exact word probabilities, Bayes' rule."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from strategies import random_hmm

from processes import enumerate_words, generate, get_process


def test_same_seed_same_sequences():
    p = get_process("mess3")
    a = generate(p, 16, 50, seed=3, return_beliefs=True)
    b = generate(p, 16, 50, seed=3, return_beliefs=True)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.beliefs, b.beliefs)
    assert not np.array_equal(a.tokens, generate(p, 16, 50, seed=4).tokens)


@pytest.mark.parametrize(("name", "params"), [("mess3", {"x": 0.05, "a": 0.85}),
                                              ("rrxor", {}), ("post_quantum", {})])
def test_sampled_word_frequencies_match_exact(name, params):
    p = get_process(name, **params)
    L = 3
    words, probs = enumerate_words(p, L)
    tokens = generate(p, 40_000, L, seed=0).tokens
    codes = tokens @ (p.n_symbols ** np.arange(L - 1, -1, -1))
    expected_codes = words @ (p.n_symbols ** np.arange(L - 1, -1, -1))
    observed = np.array([(codes == c).sum() for c in expected_codes])
    assert observed.sum() == len(codes)  # no impossible word was sampled
    chi2 = stats.chisquare(observed, probs * len(codes))
    assert chi2.pvalue > 1e-3


def test_beliefs_and_states_are_consistent():
    p = get_process("rrxor")
    s = generate(p, 64, 30, seed=1, return_states=True, return_beliefs=True,
                 return_next_token_probs=True)
    assert s.states.shape == (64, 31)
    # The true hidden state after each token always has positive belief.
    b = s.beliefs[np.arange(64)[:, None], np.arange(30)[None, :], s.states[:, 1:]]
    assert np.all(b > 0)
    np.testing.assert_allclose(s.next_token_probs.sum(-1), 1.0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(random_hmm(), st.integers(0, 1000))
def test_beliefs_stay_on_simplex_and_obey_bayes(process, seed):
    s = generate(process, 4, 12, seed=seed, return_beliefs=True)
    assert np.all(s.beliefs >= -1e-12)
    np.testing.assert_allclose(s.beliefs.sum(-1), 1.0, atol=1e-10)
    # Bayes' rule: the belief equals Pr(S_t, x_1..t) / Pr(x_1..t) by direct products.
    for b in range(4):
        v = process.pi.copy()
        for t in range(12):
            v = v @ process.T[s.tokens[b, t]]
            np.testing.assert_allclose(s.beliefs[b, t], v / v.sum(), atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(random_hmm(), st.integers(1, 4))
def test_word_probabilities_sum_to_one_property(process, L):
    _, probs = enumerate_words(process, L)
    assert probs.sum() == pytest.approx(1.0, abs=1e-10)


def test_generalized_process_has_no_states():
    with pytest.raises(ValueError, match="no hidden-state sequence"):
        generate(get_process("post_quantum"), 2, 5, return_states=True)


def test_dataset_windows():
    import torch

    from processes import ProcessDataset

    ds = ProcessDataset(get_process("mess3"), n_ctx=8, batch_size=4, seed=0, n_batches=2,
                        return_beliefs=True)
    batches = list(ds)
    assert len(batches) == 2
    inputs, targets, beliefs = batches[0]
    assert inputs.shape == targets.shape == (4, 8) and inputs.dtype == torch.int64
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
    assert beliefs.shape == (4, 8, 3)
