"""The model wing: hook names and shapes, causality, seeding, configs, bad input, and the
recurrent network read as a token-driven map."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from analysis.networks import (
    ActivationCache,
    RecurrentNetwork,
    RNNConfig,
    Transformer,
    TransformerConfig,
    build_model,
    model_config,
)
from dynamics import iterate, lyapunov_spectrum
from processes.errors import InputError

pytestmark = pytest.mark.usefixtures("one_thread")

SMALL = TransformerConfig(n_layers=2, d_model=16, n_heads=2, d_head=8, d_mlp=32, n_ctx=6,
                          d_vocab=3)
CELLS = ["rnn", "gru", "lstm"]




def tokens(batch, pos, d_vocab=3, seed=0):
    return torch.randint(d_vocab, (batch, pos), generator=torch.Generator().manual_seed(seed))


def small_rnn(cell, n_layers=2, seed=0):
    return RecurrentNetwork(RNNConfig(cell=cell, n_layers=n_layers, d_hidden=8), seed=seed)


def both_kinds():
    return [Transformer(SMALL), *(small_rnn(cell) for cell in CELLS)]


def test_transformer_hook_names_are_transformer_lens_in_forward_order():
    block = ["hook_resid_pre", "ln1.hook_normalized", "attn.hook_pattern", "attn.hook_z",
             "hook_attn_out", "hook_resid_mid", "ln2.hook_normalized", "hook_mlp_out",
             "hook_resid_post"]
    expected = (["hook_embed", "hook_pos_embed"]
                + [f"blocks.{l}.{name}" for l in range(2) for name in block]
                + ["ln_final.hook_normalized"])
    model = Transformer(SMALL)
    assert model.hook_names == expected
    _, cache = model.run_with_cache(tokens(2, 5))
    assert list(cache) == expected  # registration order is the order the forward pass runs
    assert model.residual_hooks == ["blocks.0.hook_resid_pre", "blocks.0.hook_resid_post",
                                    "blocks.1.hook_resid_post"]


def test_switching_off_normalization_and_positions_removes_their_hooks_and_parameters():
    bare = Transformer(TransformerConfig(n_layers=2, normalization=False, positional=False))
    assert not any("normalized" in name or "pos_embed" in name for name in bare.hook_names)
    assert not any(".ln" in name or name.startswith(("ln_final", "pos_embed"))
                   for name, _ in bare.named_parameters())
    _, cache = bare.run_with_cache(tokens(1, 4))
    assert list(cache) == bare.hook_names


def test_transformer_parameter_names_and_shapes_are_transformer_lens():
    shapes = {name: tuple(p.shape) for name, p in Transformer(SMALL).named_parameters()}
    assert shapes["embed.W_E"] == (3, 16) and shapes["pos_embed.W_pos"] == (6, 16)
    assert shapes["blocks.1.attn.W_Q"] == (2, 16, 8) and shapes["blocks.1.attn.b_K"] == (2, 8)
    assert shapes["blocks.1.attn.W_O"] == (2, 8, 16) and shapes["blocks.1.attn.b_O"] == (16,)
    assert shapes["blocks.0.mlp.W_in"] == (16, 32) and shapes["blocks.0.mlp.W_out"] == (32, 16)
    assert shapes["blocks.0.ln1.w"] == (16,) and shapes["ln_final.b"] == (16,)
    assert shapes["unembed.W_U"] == (16, 3) and shapes["unembed.b_U"] == (3,)
    assert len(shapes) == 2 + 2 * 16 + 4


def test_activation_shapes():
    logits, cache = Transformer(SMALL).run_with_cache(tokens(2, 5))
    assert isinstance(cache, ActivationCache)
    assert logits.shape == (2, 5, 3)
    assert cache["blocks.1.attn.hook_pattern"].shape == (2, 2, 5, 5)  # (batch, head, q, k)
    assert cache["blocks.1.attn.hook_z"].shape == (2, 5, 2, 8)  # (batch, pos, head, d_head)
    for name in ("hook_embed", "hook_pos_embed", "blocks.0.hook_resid_mid",
                 "blocks.1.hook_mlp_out", "ln_final.hook_normalized"):
        assert cache[name].shape == (2, 5, 16)
    assert not any(value.requires_grad for value in cache.values())
    pattern = cache["blocks.0.attn.hook_pattern"]
    torch.testing.assert_close(pattern.sum(-1), torch.ones(2, 2, 5))
    assert torch.all(pattern.triu(1) == 0)  # no query attends to a later key

    logits, cache = small_rnn("gru", n_layers=2).run_with_cache(tokens(2, 7))
    assert logits.shape == (2, 7, 3)
    assert {name: tuple(v.shape) for name, v in cache.items()} == {
        "rnn.0.hook_hidden": (2, 7, 8), "rnn.1.hook_hidden": (2, 7, 8)}


@pytest.mark.parametrize("model", both_kinds(), ids=["transformer", *CELLS])
def test_a_later_token_never_changes_earlier_outputs(model):
    x = tokens(3, 6)
    changed = x.clone()
    changed[:, 3] = (changed[:, 3] + 1) % 3
    with torch.no_grad():
        before, after = model(x), model(changed)
    torch.testing.assert_close(after[:, :3], before[:, :3], rtol=0, atol=1e-6)
    assert not torch.allclose(after[:, 3], before[:, 3])  # the check can fail


@pytest.mark.parametrize("build", [lambda s: Transformer(SMALL, seed=s),
                                   lambda s: small_rnn("lstm", seed=s)],
                         ids=["transformer", "lstm"])
def test_same_seed_same_weights_and_the_global_generator_is_untouched(build):
    state = torch.random.get_rng_state()
    a, b, c = build(7).state_dict(), build(7).state_dict(), build(8).state_dict()
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    from_generator = build(torch.Generator().manual_seed(7)).state_dict()
    assert all(torch.equal(a[k], from_generator[k]) for k in a)


def test_weights_have_the_documented_scale():
    model = Transformer(TransformerConfig(d_model=64), seed=0)
    assert model.blocks[0].mlp.W_in.std().item() == pytest.approx(0.8 / 8, rel=0.05)
    assert torch.all(model.blocks[0].attn.b_Q == 0) and torch.all(model.ln_final.w == 1)
    rnn = small_rnn("rnn", n_layers=1)
    assert all(p.abs().max() <= 8 ** -0.5 for p in rnn.parameters())


@pytest.mark.parametrize("config", [SMALL, TransformerConfig(act_fn="relu", positional=False),
                                    RNNConfig(), RNNConfig(cell="lstm", n_layers=3)])
def test_configs_round_trip_through_json(config):
    text = json.dumps(config.to_dict())
    assert type(config).from_dict(json.loads(text)) == config


@pytest.mark.parametrize("model", both_kinds(), ids=["transformer", *CELLS])
def test_build_model_inverts_model_config(model):
    saved = json.loads(json.dumps(model_config(model)))
    rebuilt = build_model(saved, seed=0)
    assert type(rebuilt) is type(model) and rebuilt.config == model.config
    assert all(torch.equal(p, q) for p, q in zip(rebuilt.parameters(), model.parameters(),
                                                 strict=True))


def test_build_model_dispatches_on_model():
    assert build_model({"model": "lstm", "d_hidden": 4}).config == RNNConfig(cell="lstm",
                                                                              d_hidden=4)
    assert build_model({"model": "transformer", "n_layers": 1}).config.n_layers == 1


@pytest.mark.parametrize("bad, match", [
    ({"n_layer": 2}, "'n_layer'"),
    ({"n_layers": 0}, "n_layers = 0"),
    ({"n_layers": True}, "n_layers = True"),
    ({"d_model": 64.0}, "d_model = 64.0"),
    ({"act_fn": "tanh"}, "act_fn = 'tanh'"),
    ({"normalization": 1}, "normalization = 1"),
])
def test_bad_transformer_configs_name_the_key(bad, match):
    with pytest.raises(InputError, match=match):
        TransformerConfig.from_dict(bad)


@pytest.mark.parametrize("bad, match", [
    ({"model": "mamba"}, "'mamba'"),
    ({"d_hidden": 4}, "'model' key"),
    ({"model": "gru", "cell": "lstm"}, "cell 'lstm'"),
    ({"model": "rnn", "cell": "elman"}, "cell 'elman'"),
    ({"model": "rnn", "d_hiden": 4}, "'d_hiden'"),
])
def test_bad_model_configs_name_the_problem(bad, match):
    with pytest.raises(InputError, match=match):
        build_model(bad)


def test_bad_config_cells_are_refused():
    with pytest.raises(InputError, match="cell = 'elman'"):
        RNNConfig(cell="elman")


@pytest.mark.parametrize("bad, match", [
    (tokens(1, 7), "exceed the context n_ctx = 6"),
    (torch.tensor([[0, 3]]), r"outside the vocabulary \[0, 3\)"),
    (torch.tensor([[0, -1]]), "outside the vocabulary"),
    (torch.tensor([[0.0, 1.0]]), "integer ids"),
    (torch.tensor([0, 1]), "tokens\\[None\\]"),
    (np.array([[0, 1]]), "torch.as_tensor"),
])
def test_bad_tokens_raise_input_error(bad, match):
    with pytest.raises(InputError, match=match):
        Transformer(SMALL)(bad)


def test_a_recurrent_network_runs_past_n_ctx_but_refuses_unknown_tokens():
    model = small_rnn("gru")
    assert model(tokens(1, 3 * model.config.n_ctx)).shape == (1, 30, 3)
    with pytest.raises(InputError, match="outside the vocabulary"):
        model(torch.tensor([[3]]))


def test_names_filter_forms():
    model, x = Transformer(SMALL), tokens(2, 4)
    one = "blocks.0.hook_resid_post"
    assert list(model.run_with_cache(x, names_filter=one)[1]) == [one]
    assert list(model.run_with_cache(x, names_filter=[one, "hook_embed"])[1]) == [
        "hook_embed", one]  # the cache is in forward order whatever the filter's order
    picked = model.run_with_cache(x, names_filter=lambda name: name.endswith("resid_post"))[1]
    assert list(picked) == ["blocks.0.hook_resid_post", "blocks.1.hook_resid_post"]
    assert list(model.run_with_cache(x)[1]) == model.hook_names
    logits, _ = model.run_with_cache(x, names_filter=[])
    with torch.no_grad():
        torch.testing.assert_close(logits, model(x))


def test_unknown_hook_names_list_the_available_ones():
    model = Transformer(SMALL)
    with pytest.raises(InputError, match="'blocks.0.resid_post'.*blocks.0.hook_resid_post"):
        model.run_with_cache(tokens(1, 3), names_filter="blocks.0.resid_post")
    with pytest.raises(InputError, match="names_filter must be"):
        model.run_with_cache(tokens(1, 3), names_filter=[0])


def test_a_failed_run_leaves_no_hook_recording():
    model = Transformer(SMALL)
    with pytest.raises(InputError):
        model.run_with_cache(tokens(1, 9))
    assert all(point.cache is None for point in model.hook_points().values())


@pytest.mark.parametrize("cell", CELLS)
def test_the_token_map_reproduces_the_hidden_states(cell):
    model, x = small_rnn(cell, n_layers=2), tokens(3, 12)
    _, cache = model.run_with_cache(x)
    token_map = model.token_map()
    width = 16 if cell == "lstm" else 8  # h, then c for an LSTM, per layer
    assert token_map.dim == model.state_dim() == 2 * width and token_map.n_inputs == 3
    x0 = np.tile(model.initial_state(), (3, 1))
    states = iterate(token_map, x0, 12, inputs=x.numpy())  # (batch, pos, dim)
    for l in range(2):
        np.testing.assert_allclose(states[:, :, l * width:l * width + 8],
                                   cache[f"rnn.{l}.hook_hidden"].numpy(), atol=1e-5)
    bottom = iterate(model.token_map(layer=0), x0[:, :width], 12, inputs=x.numpy())
    np.testing.assert_allclose(bottom, states[:, :, :width], atol=1e-12)


def test_the_token_map_is_a_frozen_float64_copy():
    model = small_rnn("rnn", n_layers=1)
    token_map = model.token_map()
    before = token_map.step(model.initial_state()[None], np.array([1]))
    with torch.no_grad():
        model.rnn[0].cell.weight_hh_l0.mul_(2)
    np.testing.assert_array_equal(token_map.step(model.initial_state()[None], np.array([1])),
                                  before)
    assert before.dtype == np.float64


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_token_map_has_a_finite_lyapunov_spectrum(cell):
    model = small_rnn(cell, n_layers=1)
    n_steps, burn_in = 60, 10
    inputs = tokens(2, burn_in + n_steps, seed=1).numpy()
    result = lyapunov_spectrum(model.token_map(), model.initial_state(), inputs=inputs,
                               n_orbits=2, n_steps=n_steps, burn_in=burn_in)
    assert result.exponents_nats.shape == (model.state_dim(),)
    assert np.all(np.isfinite(result.exponents_nats))
    # A freshly initialised cell (weights ~ 1/sqrt(d_hidden)) contracts: no direction grows.
    assert result.exponents_nats[0] < 0


def test_a_bad_layer_is_refused():
    with pytest.raises(InputError, match="choose 0..1"):
        small_rnn("gru", n_layers=2).token_map(layer=2)


def test_importing_the_wing_imports_neither_torch_nor_transformer_lens():
    code = ("import sys, analysis.networks; "
            "print(sorted(m for m in ('torch', 'transformer_lens') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
