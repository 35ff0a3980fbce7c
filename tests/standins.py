"""Stand-in networks with TransformerLens's ``run_with_cache``, so that the activation and
probe tests depend on no model of ``analysis.networks``.

Each takes ``tokens`` (batch, pos) int64 and returns ``(logits (batch, pos, d_vocab),
cache)``, ``cache[name]`` of shape (batch, pos, d), filtered by ``names_filter`` (None,
a name, a list of names or a predicate), and records what it was asked.
"""

import torch
from torch import nn

__all__ = ["GRUModel", "OracleModel", "ResidModel"]


def _kept(names_filter, name: str) -> bool:
    if names_filter is None:
        return True
    if isinstance(names_filter, str):
        return name == names_filter
    if callable(names_filter):
        return names_filter(name)
    return name in names_filter


class _Recorder(nn.Module):
    """Remembers the batch sizes, filters and training flags of every call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def _cache(self, tokens, names_filter, acts: dict) -> dict:
        self.calls.append((len(tokens), names_filter, self.training))
        return {name: value for name, value in acts.items() if _kept(names_filter, name)}


class GRUModel(_Recorder):
    """A one-layer GRU with random weights from ``seed``: hooks ``embed`` and
    ``rnn.0.hook_hidden`` (its ``residual_hooks``)."""

    residual_hooks = ["embed", "rnn.0.hook_hidden"]

    def __init__(self, d_vocab: int, d: int = 8, seed: int = 0):
        super().__init__()
        self.embed = nn.Embedding(d_vocab, d)
        self.rnn = nn.GRU(d, d, batch_first=True)
        self.unembed = nn.Linear(d, d_vocab)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.7)

    def run_with_cache(self, tokens, names_filter=None):
        embed = self.embed(tokens)  # (batch, pos, d)
        hidden, _ = self.rnn(embed)  # (batch, pos, d)
        acts = {"embed": embed, "rnn.0.hook_hidden": hidden}
        return self.unembed(hidden), self._cache(tokens, names_filter, acts)


class ResidModel(_Recorder):
    """Fixed random features of the discounted one-hot history, named like a
    TransformerLens model's (``blocks.{l}.hook_resid_pre/post``, ``l < n_layers``), and
    no ``residual_hooks`` attribute."""

    def __init__(self, d_vocab: int, n_layers: int = 11, d: int = 4, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.n_layers = n_layers
        self.embed = nn.Parameter(torch.randn(d_vocab, d, generator=g))
        self.mix = nn.Parameter(torch.randn(n_layers, d, d, generator=g))
        self.unembed = nn.Parameter(torch.randn(d, d_vocab, generator=g))

    def run_with_cache(self, tokens, names_filter=None):
        x = self.embed[tokens]  # (batch, pos, d)
        h = torch.zeros_like(x)
        for t in range(x.shape[1]):  # causal: a discounted running sum
            h[:, t] = x[:, t] + (0.5 * h[:, t - 1] if t else 0.0)
        acts = {}
        for layer in range(self.n_layers):
            acts[f"blocks.{layer}.hook_resid_pre"] = h
            h = torch.tanh(h @ self.mix[layer]) + h
            acts[f"blocks.{layer}.hook_resid_post"] = h
        return h @ self.unembed, self._cache(tokens, names_filter, acts)


class OracleModel(_Recorder):
    """The optimal predictor of ``process``: hook ``hook_belief`` is the exact belief
    after each token (a ``bos`` token leaves ``pi``), the logits ``log p(x | w)``."""

    residual_hooks = ["hook_belief"]

    def __init__(self, process, bos: int | None = None):
        super().__init__()
        self.T = torch.tensor(process.T)
        self.r = torch.tensor(process.r)
        self.pi = torch.tensor(process.pi)
        self.bos = bos

    def run_with_cache(self, tokens, names_filter=None):
        eta = self.pi.expand(len(tokens), -1)
        beliefs = []
        for t in range(tokens.shape[1]):
            x = tokens[:, t]
            if self.bos is not None and bool((x == self.bos).all()):
                beliefs.append(eta)
                continue
            nxt = torch.einsum("bi,bij->bj", eta, self.T[x])
            eta = nxt / (nxt @ self.r)[:, None]
            beliefs.append(eta)
        beliefs = torch.stack(beliefs, dim=1)  # (batch, pos, n)
        probs = torch.einsum("bti,xij,j->btx", beliefs, self.T, self.r)
        logits = torch.log(probs.clamp_min(0.0))
        if self.bos is not None:  # a BOS column the optimal predictor never predicts
            logits = torch.cat([logits, torch.full_like(logits[..., :1], -torch.inf)], -1)
        return logits, self._cache(tokens, names_filter, {"hook_belief": beliefs})
