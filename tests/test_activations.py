"""Prefix datasets, activation collection and per-position losses
(analysis.networks.activations), against exact enumeration, the sampler and an oracle."""

import numpy as np
import pytest
import torch
from standins import GRUModel, OracleModel, ResidModel

from analysis.networks.activations import (
    Activations,
    collect_activations,
    position_losses,
    prefix_dataset,
)
from processes import InputError, enumerate_words, generate, get_process, myopic_entropies


@pytest.fixture(scope="module")
def mess3():
    return get_process("mess3")


def _prefix_rows(prefixes):
    """Each row's prefix as a tuple of process tokens."""
    skip = prefixes.bos is not None
    return [tuple(prefixes.sequences[s, skip:p + 1])
            for s, p in zip(prefixes.seq_index, prefixes.position, strict=True)]


@pytest.mark.parametrize("name", ["mess3", "golden_mean", "rrxor"])
def test_exact_prefixes_are_every_word_once_with_its_probability(name):
    process, n_ctx = get_process(name), 6
    prefixes = prefix_dataset(process, n_ctx)
    assert prefixes.exact
    np.testing.assert_allclose(prefixes.weights.sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.bincount(prefixes.position, prefixes.weights),
                               np.full(n_ctx, 1 / n_ctx), rtol=1e-12)
    rows = _prefix_rows(prefixes)
    assert len(set(rows)) == len(rows)  # deduplicated
    assert len(rows) == sum(len(enumerate_words(process, t)[0]) for t in range(1, n_ctx + 1))
    for t in range(n_ctx):  # per position: the words of length t + 1, in order
        words, probs = enumerate_words(process, t + 1)
        here = prefixes.position == t
        np.testing.assert_array_equal([rows[i] for i in np.flatnonzero(here)],
                                      [tuple(w) for w in words])
        np.testing.assert_allclose(prefixes.weights[here] * n_ctx, probs, rtol=1e-10)
    # Each row is read from the first sequence extending it.
    first = {}
    for s, seq in enumerate(prefixes.sequences):
        for t in range(n_ctx):
            first.setdefault(tuple(seq[:t + 1]), s)
    assert [first[r] for r in rows] == list(prefixes.seq_index)
    np.testing.assert_array_equal(prefixes.group, prefixes.seq_index)


@pytest.mark.parametrize("name", ["mess3", "post_quantum"])
def test_exact_beliefs_match_the_sampler(name):
    process = get_process(name)
    prefixes = prefix_dataset(process, 5)
    index = {w: i for i, w in enumerate(_prefix_rows(prefixes))}
    samples = generate(process, 40, 5, seed=3, return_beliefs=True,
                       return_next_token_probs=True)
    for b, seq in enumerate(samples.tokens):
        rows = [index[tuple(seq[:t + 1])] for t in range(5)]
        np.testing.assert_allclose(prefixes.beliefs[rows], samples.beliefs[b], atol=1e-10)
        np.testing.assert_allclose(prefixes.next_token_probs[rows],
                                   samples.next_token_probs[b], atol=1e-10)
    np.testing.assert_allclose(prefixes.beliefs @ process.r, 1.0, atol=1e-10)
    np.testing.assert_allclose(prefixes.next_token_probs.sum(axis=1), 1.0, atol=1e-10)
    assert prefixes.next_token_probs.min() > -1e-10


def test_sampled_prefixes_are_the_sampler_output(mess3):
    prefixes = prefix_dataset(mess3, 5, max_exact=10, n_sequences=30, seed=7)
    samples = generate(mess3, 30, 5, seed=7, return_beliefs=True,
                       return_next_token_probs=True)
    assert not prefixes.exact
    np.testing.assert_array_equal(prefixes.sequences, samples.tokens)
    np.testing.assert_array_equal(prefixes.beliefs, samples.beliefs.reshape(-1, 3))
    np.testing.assert_array_equal(prefixes.next_token_probs,
                                  samples.next_token_probs.reshape(-1, 3))
    np.testing.assert_allclose(prefixes.weights, 1 / 150)
    assert list(zip(prefixes.seq_index[:6], prefixes.position[:6], strict=True)) == \
        [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 0)]


@pytest.mark.parametrize("max_exact", [10**6, 1])
def test_bos_position_carries_the_empty_prefix(mess3, max_exact):
    prefixes = prefix_dataset(mess3, 4, bos=3, max_exact=max_exact, n_sequences=50)
    plain = prefix_dataset(mess3, 3, max_exact=max_exact, n_sequences=50)
    assert prefixes.n_ctx == 4 and (prefixes.sequences[:, 0] == 3).all()
    start = prefixes.position == 0
    np.testing.assert_allclose(prefixes.beliefs[start], mess3.pi[None].repeat(start.sum(), 0))
    np.testing.assert_allclose(prefixes.weights[start].sum(), 1 / 4)
    np.testing.assert_array_equal(prefixes.sequences[:, 1:], plain.sequences)
    np.testing.assert_allclose(prefixes.beliefs[~start], plain.beliefs)
    np.testing.assert_array_equal(prefixes.position[~start], plain.position + 1)


def test_bad_arguments_say_what_to_use(mess3):
    with pytest.raises(InputError, match="use bos=3"):
        prefix_dataset(mess3, 4, bos=1)
    with pytest.raises(InputError, match="n_ctx must be a positive integer"):
        prefix_dataset(mess3, 0)


def test_activations_are_the_rows_of_a_full_run(mess3):
    prefixes = prefix_dataset(mess3, 5)
    model = GRUModel(3).train()
    acts = collect_activations(model, prefixes, batch_size=37)
    assert acts.hooks == ("embed", "rnn.0.hook_hidden")
    assert model.training  # restored
    assert all(size <= 37 and names == list(acts.hooks) and not training
               for size, names, training in model.calls)
    with torch.no_grad():
        _, cache = model.run_with_cache(torch.from_numpy(prefixes.sequences))
    for name in acts.hooks:
        assert acts.by_hook[name].dtype == np.float32
        np.testing.assert_allclose(
            acts.by_hook[name], cache[name][prefixes.seq_index, prefixes.position].numpy(),
            atol=1e-6)
    # Causal: a row equals the last position of a run on its prefix alone.
    row = int(np.flatnonzero(prefixes.position == 2)[5])
    with torch.no_grad():
        _, alone = model.run_with_cache(torch.from_numpy(
            prefixes.sequences[prefixes.seq_index[row], None, :3]))
    np.testing.assert_allclose(acts.layer("rnn.0.hook_hidden")[row],
                               alone["rnn.0.hook_hidden"][0, -1].numpy(), atol=1e-6)
    assert acts.concat().shape == (len(prefixes.weights), 16)


def test_default_hooks_are_resid_post_in_layer_order(mess3):
    prefixes = prefix_dataset(mess3, 3)
    acts = collect_activations(ResidModel(3), prefixes)
    assert acts.hooks == tuple(f"blocks.{layer}.hook_resid_post" for layer in range(11))
    with pytest.raises(InputError, match="available: .*blocks.0.hook_resid_pre"):
        collect_activations(ResidModel(3), prefixes, hooks=["blocks.0.hook_resid_mid"])
    with pytest.raises(InputError, match="no activations for hook 'x'; available: blocks.0"):
        acts.layer("x")
    with pytest.raises(InputError, match="one row per prefix"):
        Activations({"a": np.zeros((2, 3))}, ("a",), prefixes)


@pytest.mark.parametrize(("name", "bos"), [("golden_mean", None), ("mess3", 3)])
def test_the_oracle_loses_exactly_the_myopic_entropy(name, bos):
    process, n_ctx = get_process(name), 6
    prefixes = prefix_dataset(process, n_ctx, bos=bos)
    losses = position_losses(OracleModel(process, bos), prefixes, batch_size=50)
    h = myopic_entropies(process, n_ctx + 1) * np.log(2)  # nats, h(1)..h(n_ctx + 1)
    floor = h[1:] if bos is None else h[:-1]
    np.testing.assert_allclose(losses.nats, floor, rtol=1e-10)
    assert losses.exact and (losses.stderr_nats == 0).all()
    # The oracle's activations are the beliefs themselves.
    acts = collect_activations(OracleModel(process, bos), prefixes)
    np.testing.assert_allclose(acts.layer("hook_belief"), prefixes.beliefs, atol=1e-6)


def test_sampled_losses_estimate_the_exact_ones(mess3):
    model = GRUModel(3, seed=1)
    exact = position_losses(model, prefix_dataset(mess3, 6))
    sampled = position_losses(model, prefix_dataset(mess3, 6, max_exact=1,
                                                    n_sequences=3000, seed=2))
    assert not sampled.exact and (sampled.stderr_nats > 0).all()
    z = (sampled.nats - exact.nats) / sampled.stderr_nats
    assert np.abs(z).max() < 4, z
    assert (exact.nats > myopic_entropies(mess3, 7)[1:] * np.log(2)).all()  # above the floor
