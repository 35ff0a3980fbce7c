"""A small GPT in plain torch, laid out as TransformerLens lays out its HookedTransformer.

Parameter names, shapes and hook names are TransformerLens's, so a model converts to a
``HookedTransformer`` by copying tensors one to one (`analysis.networks.convert`), and the
arithmetic is the same: pre-LayerNorm blocks, causal attention scaled by
``1 / sqrt(d_head)``, an MLP with the exact (erf) GELU or ReLU, a final LayerNorm and an
unembedding with a bias. There is no dropout and no beginning-of-sequence token.

Hooks, in forward order (``l`` the layer):

- ``hook_embed``, ``hook_pos_embed``: token and position embeddings (batch, pos, d_model);
- ``blocks.{l}.hook_resid_pre``: the residual stream entering block ``l``;
- ``blocks.{l}.ln1.hook_normalized``: it normalised, before the gain and bias;
- ``blocks.{l}.attn.hook_pattern``: attention (batch, n_heads, query_pos, key_pos);
- ``blocks.{l}.attn.hook_z``: the heads' mixed values (batch, pos, n_heads, d_head);
- ``blocks.{l}.hook_attn_out``, ``blocks.{l}.hook_resid_mid``;
- ``blocks.{l}.ln2.hook_normalized``, ``blocks.{l}.hook_mlp_out``,
  ``blocks.{l}.hook_resid_post``;
- ``ln_final.hook_normalized``.

With ``normalization=False`` the LayerNorms are absent, and so are their parameters and
``*.hook_normalized`` hooks (as in TransformerLens with ``normalization_type=None``): the
unembedding reads ``blocks.{n_layers-1}.hook_resid_post`` directly. With
``positional=False`` there is no ``pos_embed.W_pos`` and no ``hook_pos_embed``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from analysis.networks._common import (
    check_config,
    check_tokens,
    config_from_dict,
    torch_generator,
)
from analysis.networks.hooks import HookedModule, HookPoint

__all__ = ["LAYER_NORM_EPS", "Transformer", "TransformerConfig"]

LAYER_NORM_EPS = 1e-5  # TransformerLens's default, and torch's

_ACTIVATIONS = {"gelu": F.gelu, "relu": F.relu}  # F.gelu is exact (erf), TL's "gelu"


@dataclass(frozen=True)
class TransformerConfig:
    """Shape of a `Transformer`; field names are TransformerLens's."""

    n_layers: int = 4  # transformer blocks
    d_model: int = 64  # width of the residual stream
    n_heads: int = 4  # attention heads per block
    d_head: int = 16  # width of each head's queries, keys and values
    d_mlp: int = 256  # hidden width of each MLP
    n_ctx: int = 10  # longest input, in tokens
    d_vocab: int = 3  # token ids 0..d_vocab-1, in and out
    act_fn: str = "gelu"  # MLP nonlinearity: "gelu" (exact, erf) or "relu"
    normalization: bool = True  # LayerNorm (eps 1e-5) before each sublayer and the unembed
    positional: bool = True  # learned positional embedding

    def __post_init__(self):
        check_config(self, {"act_fn": tuple(_ACTIVATIONS)})

    def to_dict(self) -> dict:
        """The fields as a JSON-safe dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> TransformerConfig:
        """The config from `to_dict`'s output; unknown keys and bad values raise InputError."""
        return config_from_dict(cls, d)


class LayerNorm(nn.Module):
    """LayerNorm over the last axis, with the normalised input hooked."""

    def __init__(self, d_model: int):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d_model))
        self.b = nn.Parameter(torch.zeros(d_model))
        self.hook_normalized = HookPoint()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x - x.mean(-1, keepdim=True)  # (batch, pos, d_model)
        scale = (x.pow(2).mean(-1, keepdim=True) + LAYER_NORM_EPS).sqrt()  # (batch, pos, 1)
        return self.hook_normalized(x / scale) * self.w + self.b


class Embed(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.W_E = nn.Parameter(torch.empty(cfg.d_vocab, cfg.d_model))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.W_E[tokens]  # (batch, pos, d_model)


class PosEmbed(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.W_pos = nn.Parameter(torch.empty(cfg.n_ctx, cfg.d_model))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        batch, pos = tokens.shape
        # repeat, not expand: a cached view would share storage with the parameter
        return self.W_pos[:pos].repeat(batch, 1, 1)  # (batch, pos, d_model)


class Attention(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        h, m, d = cfg.n_heads, cfg.d_model, cfg.d_head
        self.W_Q = nn.Parameter(torch.empty(h, m, d))
        self.W_K = nn.Parameter(torch.empty(h, m, d))
        self.W_V = nn.Parameter(torch.empty(h, m, d))
        self.W_O = nn.Parameter(torch.empty(h, d, m))
        self.b_Q = nn.Parameter(torch.zeros(h, d))
        self.b_K = nn.Parameter(torch.zeros(h, d))
        self.b_V = nn.Parameter(torch.zeros(h, d))
        self.b_O = nn.Parameter(torch.zeros(m))
        self.scale = math.sqrt(d)
        self.hook_pattern = HookPoint()
        self.hook_z = HookPoint()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = torch.einsum("bpm,hmd->bphd", x, self.W_Q) + self.b_Q  # (batch, pos, head, d_head)
        k = torch.einsum("bpm,hmd->bphd", x, self.W_K) + self.b_K
        v = torch.einsum("bpm,hmd->bphd", x, self.W_V) + self.b_V
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / self.scale  # (batch, head, q, k)
        pos = x.shape[1]
        future = torch.ones(pos, pos, dtype=torch.bool, device=x.device).triu(1)
        pattern = self.hook_pattern(scores.masked_fill(future, -math.inf).softmax(-1))
        z = self.hook_z(torch.einsum("bhqk,bkhd->bqhd", pattern, v))  # (batch, q, head, d_head)
        return torch.einsum("bqhd,hdm->bqm", z, self.W_O) + self.b_O  # (batch, pos, d_model)


class MLP(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.W_in = nn.Parameter(torch.empty(cfg.d_model, cfg.d_mlp))
        self.b_in = nn.Parameter(torch.zeros(cfg.d_mlp))
        self.W_out = nn.Parameter(torch.empty(cfg.d_mlp, cfg.d_model))
        self.b_out = nn.Parameter(torch.zeros(cfg.d_model))
        self.act = _ACTIVATIONS[cfg.act_fn]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.act(x @ self.W_in + self.b_in)  # (batch, pos, d_mlp)
        return hidden @ self.W_out + self.b_out  # (batch, pos, d_model)


def _norm(cfg: TransformerConfig) -> nn.Module:
    return LayerNorm(cfg.d_model) if cfg.normalization else nn.Identity()


class Block(nn.Module):
    """Pre-LN block: ``mid = pre + attn(ln1(pre))``, ``post = mid + mlp(ln2(mid))``."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        # Registered in forward order: hook_names lists them as registered.
        self.hook_resid_pre = HookPoint()
        self.ln1 = _norm(cfg)
        self.attn = Attention(cfg)
        self.hook_attn_out = HookPoint()
        self.hook_resid_mid = HookPoint()
        self.ln2 = _norm(cfg)
        self.mlp = MLP(cfg)
        self.hook_mlp_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(self, resid: torch.Tensor) -> torch.Tensor:
        resid = self.hook_resid_pre(resid)  # (batch, pos, d_model)
        resid = self.hook_resid_mid(resid + self.hook_attn_out(self.attn(self.ln1(resid))))
        return self.hook_resid_post(resid + self.hook_mlp_out(self.mlp(self.ln2(resid))))


class Unembed(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.W_U = nn.Parameter(torch.empty(cfg.d_model, cfg.d_vocab))
        self.b_U = nn.Parameter(torch.zeros(cfg.d_vocab))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.W_U + self.b_U  # (batch, pos, d_vocab)


class Transformer(HookedModule):
    """A decoder-only transformer with TransformerLens's parameter and hook names.

    Parameters
    ----------
    config : TransformerConfig
        The shape.
    seed : int, torch.Generator or None
        Initialisation, drawn from this generator only: every ``W_*`` matrix from
        ``N(0, (0.8 / sqrt(d_model))**2)`` (TransformerLens's default "gpt2" init), biases
        0, LayerNorm gains 1. Same seed, same weights.

    Examples
    --------
    >>> model = Transformer(TransformerConfig(n_layers=1), seed=0)
    >>> tokens = torch.tensor([[0, 1, 2, 1]])
    >>> logits, cache = model.run_with_cache(tokens, names_filter=model.residual_hooks)
    >>> cache["blocks.0.hook_resid_post"].shape
    torch.Size([1, 4, 64])
    """

    def __init__(self, config: TransformerConfig, seed: int | torch.Generator | None = 0):
        super().__init__()
        self.config = config
        self.embed = Embed(config)
        self.hook_embed = HookPoint()
        if config.positional:
            self.pos_embed = PosEmbed(config)
            self.hook_pos_embed = HookPoint()
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.ln_final = _norm(config)
        self.unembed = Unembed(config)

        generator, std = torch_generator(seed), 0.8 / math.sqrt(config.d_model)
        with torch.no_grad():
            for name, param in self.named_parameters():
                if name.rpartition(".")[2].startswith("W_"):
                    param.normal_(0.0, std, generator=generator)

    @property
    def residual_hooks(self) -> list[str]:
        """The residual stream in depth order: ``blocks.0.hook_resid_pre`` (embeddings),
        then every ``blocks.{l}.hook_resid_post``; ``n_layers + 1`` names."""
        n = self.config.n_layers
        return ["blocks.0.hook_resid_pre"] + [f"blocks.{l}.hook_resid_post" for l in range(n)]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Next-token logits.

        Parameters
        ----------
        tokens : torch.Tensor
            (batch, pos) int64 ids in ``[0, d_vocab)``, ``pos <= n_ctx``.

        Returns
        -------
        torch.Tensor
            (batch, pos, d_vocab) logits; position ``t`` sees tokens ``0..t`` only.
        """
        tokens = check_tokens(tokens, self.config.d_vocab, self.config.n_ctx)
        resid = self.hook_embed(self.embed(tokens))  # (batch, pos, d_model)
        if self.config.positional:
            resid = resid + self.hook_pos_embed(self.pos_embed(tokens))
        for block in self.blocks:
            resid = block(resid)
        return self.unembed(self.ln_final(resid))  # (batch, pos, d_vocab)
