"""Conversion between `Transformer` and TransformerLens's ``HookedTransformer``.

The two share parameter names, shapes and arithmetic, so conversion copies tensors one to
one. TransformerLens has no switch for "no positional embedding": a `Transformer` without
one converts with ``W_pos = 0``, and a ``HookedTransformer`` whose ``W_pos`` is all zero
converts back without one. TransformerLens 4 removed ``HookedTransformer``; the ``tl``
extra pins a version that has it.
"""

from __future__ import annotations

import math

import torch

from analysis.networks.transformer import LAYER_NORM_EPS, Transformer, TransformerConfig
from processes.errors import InputError

__all__ = ["from_transformer_lens", "to_transformer_lens"]

_INSTALL = "pip install 'beliefscope[tl]'"


def _transformer_lens():
    """TransformerLens's model class and its config class."""
    try:
        from transformer_lens import HookedTransformer, HookedTransformerConfig
    except ImportError as error:  # absent, or a version without HookedTransformer
        raise InputError(f"converting to TransformerLens needs transformer-lens 2 or 3 "
                         f"({error}); install it with {_INSTALL}") from error
    return HookedTransformer, HookedTransformerConfig


def _copy_parameters(source: dict[str, torch.Tensor], target: torch.nn.Module) -> None:
    params = dict(target.named_parameters())
    if set(source) != set(params):
        raise InputError("the parameters do not match one to one: only in the source "
                         f"{sorted(set(source) - set(params))}, only in the target "
                         f"{sorted(set(params) - set(source))}")
    with torch.no_grad():
        for name, value in source.items():
            params[name].copy_(value)


def to_transformer_lens(model: Transformer):
    """The same network as a TransformerLens ``HookedTransformer``.

    Parameters
    ----------
    model : Transformer
        The network; its weights are copied, on its device and in its dtype.

    Returns
    -------
    transformer_lens.HookedTransformer
        Same logits and same activations under the same hook names.

    Raises
    ------
    InputError
        If transformer-lens (2 or 3) is not installed; the message gives the command.
    """
    HookedTransformer, HookedTransformerConfig = _transformer_lens()
    c = model.config
    first = next(model.parameters())
    cfg = HookedTransformerConfig(
        n_layers=c.n_layers, d_model=c.d_model, n_heads=c.n_heads, d_head=c.d_head,
        d_mlp=c.d_mlp, n_ctx=c.n_ctx, d_vocab=c.d_vocab, d_vocab_out=c.d_vocab,
        act_fn=c.act_fn, normalization_type="LN" if c.normalization else None,
        positional_embedding_type="standard", eps=LAYER_NORM_EPS,
        # Every weight is overwritten, so TransformerLens need not draw (from the global
        # generator) an initialisation of its own.
        init_weights=False, device=str(first.device), dtype=first.dtype,
    )
    hooked = HookedTransformer(cfg)
    source = dict(model.named_parameters())
    if not c.positional:
        source["pos_embed.W_pos"] = torch.zeros_like(hooked.pos_embed.W_pos)
    _copy_parameters(source, hooked)
    return hooked.eval()


def from_transformer_lens(hooked) -> Transformer:
    """A `Transformer` with the weights of a TransformerLens ``HookedTransformer``.

    Only the architecture `Transformer` has converts: learned absolute positions,
    LayerNorm (eps 1e-5) or none, exact GELU or ReLU, attention scaled by
    ``1 / sqrt(d_head)``, unembedding to the input vocabulary. The conversion is checked
    by comparing the logits of both networks on a fixed batch of tokens.

    Parameters
    ----------
    hooked : transformer_lens.HookedTransformer
        The network.

    Returns
    -------
    Transformer
        On the same device, in the same dtype; ``positional`` False if ``W_pos`` is all 0.

    Raises
    ------
    InputError
        If ``hooked`` uses a feature `Transformer` does not have.
    """
    cfg = hooked.cfg
    supported = {
        "positional_embedding_type": ("standard",), "normalization_type": ("LN", None),
        "act_fn": ("gelu", "relu"), "d_vocab_out": (cfg.d_vocab,), "eps": (LAYER_NORM_EPS,),
        "use_attn_scale": (True,), "attn_scale": (math.sqrt(cfg.d_head),),
        "attn_only": (False,), "gated_mlp": (False,), "parallel_attn_mlp": (False,),
        "attention_dir": ("causal",),
    }
    for key, allowed in supported.items():
        if getattr(cfg, key) not in allowed:
            raise InputError(f"HookedTransformer cfg.{key} = {getattr(cfg, key)!r}: "
                             f"Transformer supports only {' or '.join(map(repr, allowed))}")
    params = dict(hooked.named_parameters())
    positional = bool(params["pos_embed.W_pos"].any())
    config = TransformerConfig(
        n_layers=cfg.n_layers, d_model=cfg.d_model, n_heads=cfg.n_heads, d_head=cfg.d_head,
        d_mlp=cfg.d_mlp, n_ctx=cfg.n_ctx, d_vocab=cfg.d_vocab, act_fn=cfg.act_fn,
        normalization=cfg.normalization_type == "LN", positional=positional)
    first = params["embed.W_E"]
    model = Transformer(config).to(device=first.device, dtype=first.dtype)
    if not positional:
        del params["pos_embed.W_pos"]
    _copy_parameters(params, model)

    # A HookedTransformer has more switches than the checks above name; one that is set
    # shows up as different logits.
    tokens = torch.randint(cfg.d_vocab, (4, cfg.n_ctx), device=first.device,
                           generator=torch.Generator(first.device).manual_seed(0))
    with torch.no_grad():
        ours, theirs = model(tokens), hooked(tokens)
    if not torch.allclose(ours, theirs, rtol=1e-4, atol=1e-4):
        raise InputError("the HookedTransformer computes something Transformer does not "
                         f"(logits differ by up to {float((ours - theirs).abs().max()):.3g}); "
                         "check its cfg against TransformerConfig")
    return model
