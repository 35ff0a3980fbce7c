"""Recurrent networks (Elman RNN, GRU, LSTM) and their token-driven hidden-state maps.

A `RecurrentNetwork` feeds one-hot tokens through a stack of single-layer torch cells
(``batch_first``, zero initial state) and a linear unembedding. One-hot inputs rather than
an embedding: the first cell's input matrix already gives every token its own vector, so
an embedding before it would only be a redundant matrix product.

Reading the network as a dynamical system, each token ``u`` maps the whole hidden state
to the next, ``x_{t+1} = F_u(x_t)``: `RecurrentNetwork.token_map` hands that map to the
dynamics engine (orbits, Lyapunov spectra, fixed points). Its state stacks the layers
bottom to top, each layer's ``h`` (``d_hidden``) followed, for an LSTM, by its cell state
``c`` (``d_hidden``); so ``dim = n_layers * d_hidden`` (twice that for an LSTM).

Hooks: ``rnn.{l}.hook_hidden`` (batch, pos, d_hidden), layer ``l``'s ``h`` after each
token, i.e. after reading tokens ``0..t`` at position ``t``. An LSTM's cell state ``c`` is
not hooked (it is internal memory, not what the layer above or the unembedding reads); it
appears only in the token map's state.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from analysis.networks._common import (
    check_config,
    check_tokens,
    config_from_dict,
    torch_generator,
)
from analysis.networks.hooks import HookedModule, HookPoint
from dynamics.systems import TorchDrivenMap
from processes.errors import InputError

__all__ = ["RNNConfig", "RecurrentNetwork"]

_CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass(frozen=True)
class RNNConfig:
    """Shape of a `RecurrentNetwork`."""

    cell: str = "rnn"  # "rnn" (Elman, tanh), "gru" or "lstm"
    n_layers: int = 1  # stacked cells
    d_hidden: int = 64  # hidden units per layer
    d_vocab: int = 3  # token ids 0..d_vocab-1, in and out
    n_ctx: int = 10  # training context, for bookkeeping: the network runs any length

    def __post_init__(self):
        check_config(self, {"cell": tuple(_CELLS)})

    def to_dict(self) -> dict:
        """The fields as a JSON-safe dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> RNNConfig:
        """The config from `to_dict`'s output; unknown keys and bad values raise InputError."""
        return config_from_dict(cls, d)


class RecurrentLayer(nn.Module):
    """One torch cell and the hook on its hidden states."""

    def __init__(self, cell: str, d_in: int, d_hidden: int):
        super().__init__()
        self.cell = _CELLS[cell](d_in, d_hidden, batch_first=True)
        self.hook_hidden = HookPoint()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, pos, d_in) -> hidden states (batch, pos, d_hidden), from a zero state."""
        return self.hook_hidden(self.cell(x)[0])


class RecurrentNetwork(HookedModule):
    """One-hot tokens -> stacked RNN, GRU or LSTM cells -> linear unembedding.

    Parameters
    ----------
    config : RNNConfig
        The shape.
    seed : int, torch.Generator or None
        Initialisation, drawn from this generator only: every weight and bias from
        ``U(-1/sqrt(d_hidden), 1/sqrt(d_hidden))``, torch's own default for these cells
        and for the unembedding. Same seed, same weights.
    """

    def __init__(self, config: RNNConfig, seed: int | torch.Generator | None = 0):
        super().__init__()
        self.config = config
        c = config
        # Built on the meta device: the torch modules' own initialisation would draw from
        # the global generator, which this library never touches.
        with torch.device("meta"):
            self.rnn = nn.ModuleList(
                RecurrentLayer(c.cell, c.d_vocab if l == 0 else c.d_hidden, c.d_hidden)
                for l in range(c.n_layers))
            self.unembed = nn.Linear(c.d_hidden, c.d_vocab)
        self.to_empty(device="cpu")
        generator, bound = torch_generator(seed), 1.0 / math.sqrt(c.d_hidden)
        with torch.no_grad():
            for param in self.parameters():
                param.uniform_(-bound, bound, generator=generator)
        # Rows of the identity are the one-hot inputs; a buffer follows .double() and .to().
        self.register_buffer("one_hot", torch.eye(c.d_vocab), persistent=False)

    @property
    def residual_hooks(self) -> list[str]:
        """``rnn.{l}.hook_hidden`` for every layer, bottom to top."""
        return [f"rnn.{l}.hook_hidden" for l in range(self.config.n_layers)]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Next-token logits.

        Parameters
        ----------
        tokens : torch.Tensor
            (batch, pos) int64 ids in ``[0, d_vocab)``; any length (``n_ctx`` is not a limit).

        Returns
        -------
        torch.Tensor
            (batch, pos, d_vocab) logits; position ``t`` has read tokens ``0..t``.
        """
        x = self.one_hot[check_tokens(tokens, self.config.d_vocab)]  # (batch, pos, d_vocab)
        for layer in self.rnn:
            x = layer(x)  # (batch, pos, d_hidden)
        return self.unembed(x)

    def _top_layer(self, layer: int | None) -> int:
        n = self.config.n_layers
        if layer is None:
            return n - 1
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < n:
            raise InputError(f"layer {layer!r}: choose 0..{n - 1} (or None for all layers)")
        return layer

    def state_dim(self, layer: int | None = None) -> int:
        """Dimension of `token_map`'s state for layers ``0..layer`` (None: all)."""
        width = self.config.d_hidden * (2 if self.config.cell == "lstm" else 1)
        return (self._top_layer(layer) + 1) * width

    def initial_state(self, layer: int | None = None) -> np.ndarray:
        """The zero state every sequence starts from, (state_dim(layer),) float64."""
        return np.zeros(self.state_dim(layer))

    def token_map(self, layer: int | None = None) -> TorchDrivenMap:
        """The hidden-state update as a driven map ``x_{t+1} = F_u(x_t)``, ``u`` a token.

        Parameters
        ----------
        layer : int, optional
            The top layer included: the state stacks layers ``0..layer`` (default all).
            Layers above never feed back into those below, so this is a closed system and
            its Lyapunov exponents are a subset of the whole stack's.

        Returns
        -------
        TorchDrivenMap
            ``dim = state_dim(layer)``, ``n_inputs = d_vocab``, no input law (pass the
            tokens as ``inputs=``). It runs a float64 copy of the network, so later
            training does not change it; state layout in the module docstring.
        """
        top = self._top_layer(layer)
        dim, d = self.state_dim(top), self.config.d_hidden
        lstm = self.config.cell == "lstm"
        width = dim // (top + 1)
        model = copy.deepcopy(self).double().requires_grad_(False)
        cells = [model.rnn[l].cell for l in range(top + 1)]

        def step(x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
            inp = model.one_hot[u][:, None]  # (batch, 1, d_vocab): one token per orbit
            out = []
            for l, cell in enumerate(cells):
                s = x[:, l * width:(l + 1) * width]  # (batch, width)
                if lstm:
                    state = (s[None, :, :d].contiguous(), s[None, :, d:].contiguous())
                    inp, (h, c) = cell(inp, state)
                    out += [h[0], c[0]]
                else:
                    inp, h = cell(inp, s[None].contiguous())  # h (1, batch, d_hidden)
                    out.append(h[0])
            return torch.cat(out, dim=1)  # (batch, dim)

        device = next(self.parameters()).device
        return TorchDrivenMap(step, dim, self.config.d_vocab, device=device)
