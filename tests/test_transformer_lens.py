"""Our Transformer and TransformerLens's HookedTransformer compute the same thing.

transformer-lens is in the ``dev`` extra (through ``tl``), so CI has it and it is imported
directly: a missing install should fail here, not skip.
"""

import itertools
import sys

import numpy as np
import pytest
import torch
import transformer_lens

from analysis.networks import (
    Transformer,
    TransformerConfig,
    from_transformer_lens,
    to_transformer_lens,
)
from processes.errors import InputError

# TransformerLens 3 deprecates HookedTransformer (for its TransformerBridge, which wraps
# Hugging Face checkpoints, not a network built from scratch) on every construction.
pytestmark = [pytest.mark.filterwarnings(
    "ignore:HookedTransformer is deprecated:DeprecationWarning"),
    pytest.mark.usefixtures("one_thread")]

SWITCHES = list(itertools.product([True, False], [True, False], ["gelu", "relu"]))




def random_config(index: int) -> TransformerConfig:
    """A small config with sizes drawn from ``index`` and the switches ``SWITCHES[index]``."""
    rng = np.random.default_rng(index)
    normalization, positional, act_fn = SWITCHES[index]
    return TransformerConfig(
        n_layers=int(rng.integers(1, 3)), d_model=int(rng.choice([8, 12, 16])),
        n_heads=int(rng.integers(1, 4)), d_head=int(rng.integers(2, 9)),
        d_mlp=int(rng.choice([8, 32])), n_ctx=int(rng.integers(3, 9)),
        d_vocab=int(rng.integers(2, 6)), act_fn=act_fn, normalization=normalization,
        positional=positional)


def random_tokens(config: TransformerConfig, seed: int) -> torch.Tensor:
    return torch.randint(config.d_vocab, (4, config.n_ctx),
                         generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("index", range(len(SWITCHES)),
                         ids=[f"ln={n}-pos={p}-{a}" for n, p, a in SWITCHES])
def test_logits_and_activations_agree(index):
    config = random_config(index)
    model = Transformer(config, seed=index)
    hooked = to_transformer_lens(model)
    assert isinstance(hooked, transformer_lens.HookedTransformer)
    tokens = random_tokens(config, seed=index)
    ours, cache = model.run_with_cache(tokens)
    theirs, their_cache = hooked.run_with_cache(tokens, names_filter=model.hook_names)
    torch.testing.assert_close(theirs, ours, rtol=0, atol=1e-5)
    assert set(their_cache.keys()) == set(model.hook_names)  # TL knows every name we use
    for name in model.hook_names:
        torch.testing.assert_close(their_cache[name], cache[name], rtol=0, atol=1e-5,
                                   msg=lambda m, name=name: f"{name}: {m}")
    if not config.positional:
        assert torch.all(hooked.pos_embed.W_pos == 0)


@pytest.mark.parametrize("index", [0, 3, 6])
def test_converting_back_gives_the_same_model(index):
    model = Transformer(random_config(index), seed=index)
    back = from_transformer_lens(to_transformer_lens(model))
    assert back.config == model.config
    ours, theirs = dict(model.named_parameters()), dict(back.named_parameters())
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[name], theirs[name]) for name in ours)


def test_the_exact_gelu_is_transformer_lens_gelu():
    # TransformerLens also has the tanh approximations ("gelu_new", "gelu_fast"); ours is
    # its "gelu", torch's exact erf form.
    from transformer_lens.utilities.activation_functions import SUPPORTED_ACTIVATIONS

    x = torch.linspace(-4, 4, 101)
    torch.testing.assert_close(SUPPORTED_ACTIVATIONS["gelu"](x),
                               0.5 * x * (1 + torch.erf(x / 2 ** 0.5)), rtol=0, atol=1e-6)


def test_a_feature_transformer_lacks_is_refused():
    cfg = transformer_lens.HookedTransformerConfig(
        n_layers=1, d_model=8, n_heads=2, d_head=4, d_mlp=16, n_ctx=4, d_vocab=3,
        act_fn="gelu_new", normalization_type="LN", init_weights=False, device="cpu")
    with pytest.raises(InputError, match="act_fn = 'gelu_new'"):
        from_transformer_lens(transformer_lens.HookedTransformer(cfg))


def test_without_transformer_lens_the_error_gives_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformer_lens", None)  # makes the import fail
    model = Transformer(TransformerConfig(n_layers=1))
    with pytest.raises(InputError, match=r"pip install 'beliefscope\[tl\]'"):
        to_transformer_lens(model)


def test_a_hooked_transformer_is_probed_like_our_model():
    # Bring your own model: the activations and probe of a HookedTransformer equal ours.
    from analysis.networks import collect_activations, prefix_dataset
    from analysis.probes import probe
    from processes import get_process

    model = Transformer(TransformerConfig(n_layers=2, d_model=16, n_heads=2, d_head=8,
                                          d_mlp=32, n_ctx=5), seed=3)
    hooked = to_transformer_lens(model)
    prefixes = prefix_dataset(get_process("mess3"), 5)
    hooks = ["blocks.0.hook_resid_pre", "blocks.1.hook_resid_post"]
    ours = collect_activations(model, prefixes, hooks=hooks)
    theirs = collect_activations(hooked, prefixes, hooks=hooks)
    for name in hooks:
        np.testing.assert_allclose(theirs.layer(name), ours.layer(name), atol=1e-5)
    assert probe(theirs).r2 == pytest.approx(probe(ours).r2, abs=1e-4)
