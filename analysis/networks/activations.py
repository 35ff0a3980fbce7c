"""What a probe needs: every prefix with its true belief, and the network's activations there.

`prefix_dataset` builds, without any model, the prefixes a network sees inside a context
window of ``n_ctx`` tokens, each with its weight, its belief ``eta(w)`` and its exact
next-token distribution ``p(x | w) = eta(w) T[x] r`` (``docs/conventions.md``; also right
for generalized HMMs). `collect_activations` then runs a model over the sequences in
batches and keeps only the activation rows of those prefixes; `position_losses` gives the
model's expected cross-entropy at each input position, to compare with the loss floor.

Positions (0-based ``t``, the model's input positions). Without a BOS token the model
reads process tokens only, and position ``t`` has seen the prefix of ``t + 1`` tokens:
its loss floor is ``h(t + 2)`` (the convention's ``h(t + 1)`` for 1-based ``t``). With
a BOS token every sequence starts with it, so the model reads BOS and ``n_ctx - 1``
process tokens; position 0 has seen the empty prefix (belief ``pi``) and position ``t``
the prefix of ``t`` tokens, so its floor is ``h(t + 1)``.

Any torch module with TransformerLens's ``run_with_cache(tokens, names_filter=...)``
works: ``tokens`` is a (batch, pos) int64 tensor, the result ``(logits, cache)`` with
``logits`` (batch, pos, d_vocab) and ``cache[name]`` (batch, pos, ...).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from processes import Process, generate
from processes.errors import NEGATIVE_TOLERANCE, InputError, negative_probability_error

__all__ = [
    "MAX_EXACT", "Activations", "PositionLosses", "Prefixes", "collect_activations",
    "default_hooks", "position_losses", "prefix_dataset",
]

MAX_EXACT = 2**16
"""Most sequences `prefix_dataset` enumerates exactly. Mess3 at the paper's context of 10
(3**10 = 59049 sequences) and any binary process up to a context of 16 fit; the kept rows
are then at most ~2 * 2**16, which at 5 hooks of width 64 is under 170 MB of float32."""

# A symbol less likely than this after a prefix is forbidden there (as in
# `processes.belief_levels`); every surviving prefix keeps at least one continuation,
# because its continuation probabilities sum to 1.
_P_MIN = 1e-14
# Resid-post hooks of a TransformerLens-style model, found when none are named.
_RESID_POST = re.compile(r"blocks\.(\d+)\.hook_resid_post")


@dataclass(frozen=True)
class Prefixes:
    """The prefixes a network is probed on, with what an ideal observer knows after each.

    Rows are sorted by ``(seq_index, position)``. Row ``i`` is the prefix the model has
    read at input position ``position[i]`` of ``sequences[seq_index[i]]`` (with a BOS
    token that prefix excludes BOS, so it has ``position[i]`` process tokens, else
    ``position[i] + 1``; see the module docstring).

    Attributes
    ----------
    sequences : ndarray, shape (m_seq, n_ctx), int64
        What the model is run on (BOS first when ``bos`` is set).
    seq_index : ndarray, shape (m,), int64
        The sequence each prefix row is read from.
    position : ndarray, shape (m,), int64
        The 0-based input position of each row.
    weights : ndarray, shape (m,), float64
        Each position's rows sum to ``1 / n_ctx``, so all sum to 1: exact enumeration
        weighs each distinct prefix by ``Pr(w)``, sampling weighs every row equally.
    beliefs : ndarray, shape (m, n_states), float64
        ``eta(w) = pi T[w] / (pi T[w] r)``; ``eta r = 1`` (a distribution for an HMM).
    next_token_probs : ndarray, shape (m, k), float64
        ``p(x | w) = eta(w) T[x] r`` over the process's ``k`` symbols.
    exact : bool
        Whether every nonzero-probability prefix appears exactly once (else sampled).
    bos : int or None
        The BOS token heading every sequence, if any.
    """

    sequences: np.ndarray
    seq_index: np.ndarray
    position: np.ndarray
    weights: np.ndarray
    beliefs: np.ndarray
    next_token_probs: np.ndarray
    exact: bool
    bos: int | None = None

    @property
    def n_ctx(self) -> int:
        """Tokens the model reads per sequence (BOS included)."""
        return self.sequences.shape[1]

    @property
    def group(self) -> np.ndarray:
        """The hold-out group of each row, shape (m,): its sequence. A prefix shared by
        several enumerated sequences appears once, in its first (lexicographic)
        extension, so holding out groups never puts one prefix on both sides."""
        return self.seq_index


def _check_dataset_args(process, n_ctx, max_exact, n_sequences, bos) -> None:
    for name, value in (("n_ctx", n_ctx), ("max_exact", max_exact),
                        ("n_sequences", n_sequences)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value!r}")
    k = process.n_symbols
    if bos is not None and (isinstance(bos, bool) or not isinstance(bos, int | np.integer)
                            or bos < k):
        raise InputError(
            f"bos={bos!r} is not a free token: {process.name} emits symbols 0..{k - 1}; "
            f"use bos={k} (the first token after them) or bos=None"
        )


def prefix_dataset(process: Process, n_ctx: int, *, max_exact: int = MAX_EXACT,
                   n_sequences: int = 4096, seed: int | np.random.Generator | None = 0,
                   bos: int | None = None) -> Prefixes:
    """Every prefix a network reads in a window of ``n_ctx`` tokens, with its belief.

    Exact when the nonzero-probability sequences number at most ``max_exact`` (counted
    level by level, stopping as soon as a level exceeds it, so a process with many
    forbidden words, like RRXOR, stays exact at contexts where ``k**n_ctx`` would not):
    every distinct prefix once, weighted by ``Pr(w)``, beliefs updated along the prefix
    tree (``f_x`` applied to the parent's belief).
    Otherwise ``n_sequences`` sampled sequences, every position kept, equal weights.

    Parameters
    ----------
    process : Process
        An HMM or a generalized HMM.
    n_ctx : int
        Tokens the model reads per sequence, BOS included when ``bos`` is set.
    max_exact : int, default=MAX_EXACT
        Largest number of sequences enumerated exactly.
    n_sequences : int, default=4096
        Sequences drawn when not exact.
    seed : int, numpy.random.Generator or None, default=0
        Seed of the sampled sequences (unused when exact).
    bos : int, optional
        A token prepended to every sequence; not one of the process's symbols (usually
        ``process.n_symbols``). Position 0 then carries the empty prefix, belief ``pi``.

    Returns
    -------
    Prefixes

    Raises
    ------
    InputError
        For a non-positive size or a ``bos`` that is one of the process's symbols.
    ProcessError
        When a generalized HMM gives a prefix negative probability.
    """
    _check_dataset_args(process, n_ctx, max_exact, n_sequences, bos)
    n_words = n_ctx - (bos is not None)  # process tokens per sequence
    tree = _prefix_tree(process, n_words, max_exact)
    if tree is not None:
        return _exact_prefixes(process, *tree, n_ctx, bos)
    samples = generate(process, n_sequences, n_words, seed=seed, return_beliefs=True,
                       return_next_token_probs=True)
    tokens, beliefs, probs = samples.tokens, samples.beliefs, samples.next_token_probs
    if bos is not None:  # position 0 reads BOS alone: the empty prefix
        tokens = np.concatenate([np.full((n_sequences, 1), bos, np.int64), tokens], axis=1)
        beliefs = np.concatenate([np.broadcast_to(process.pi, (n_sequences, 1,
                                                               process.n_states)), beliefs],
                                 axis=1)
        probs = np.concatenate([np.broadcast_to(process.pi @ process.Tr,
                                                (n_sequences, 1, process.n_symbols)), probs],
                               axis=1)
    m = n_sequences * n_ctx
    return Prefixes(
        sequences=tokens,
        seq_index=np.repeat(np.arange(n_sequences, dtype=np.int64), n_ctx),
        position=np.tile(np.arange(n_ctx, dtype=np.int64), n_sequences),
        weights=np.full(m, 1.0 / m),
        beliefs=beliefs.reshape(m, process.n_states),
        next_token_probs=probs.reshape(m, process.n_symbols),
        exact=False, bos=bos,
    )


def _prefix_tree(process: Process, n_words: int, max_nodes: int):
    """Levels 0..n_words of the tree of nonzero-probability words and the words of the
    last level (m, n_words), or None past ``max_nodes`` words at a level.

    Each level is ``(beliefs (m, n), probs (m,), parent (m,))`` with its words in
    lexicographic order, so that a node's children are contiguous and ``parent`` is
    sorted.
    """
    T, Tr = process.T, process.Tr
    words = np.zeros((1, 0), np.int64)
    beliefs, probs = process.pi[None, :].copy(), np.ones(1)
    levels = [(beliefs, probs, np.zeros(0, np.int64))]
    for length in range(1, n_words + 1):
        p = beliefs @ Tr  # (m, k): p(x | w) for each parent w
        joint = probs[:, None] * p
        if joint.min() < -NEGATIVE_TOLERANCE:
            raise negative_probability_error(process, float(joint.min()),
                                             f"enumerating prefixes of length {length}")
        parent, symbol = np.nonzero(p > _P_MIN)  # row-major: lexicographic order
        if len(parent) > max_nodes:
            return None
        succ = np.einsum("mi,mij->mj", beliefs[parent], T[symbol])  # eta T[x], (m', n)
        beliefs = succ / p[parent, symbol][:, None]
        probs = joint[parent, symbol]
        words = np.concatenate([words[parent], symbol[:, None]], axis=1)
        levels.append((beliefs, probs, parent))
    return levels, words


def _exact_prefixes(process: Process, levels, words: np.ndarray, n_ctx: int,
                    bos: int | None) -> Prefixes:
    """`Prefixes` from the output of `_prefix_tree`: each node is read from its first
    leaf, the lexicographically first full-length word extending it."""
    first_leaf = [np.arange(len(words), dtype=np.int64)]
    for depth in range(len(levels) - 1, 0, -1):
        parent = levels[depth][2]
        first_child = np.searchsorted(parent, np.arange(len(levels[depth - 1][1])))
        first_leaf.insert(0, first_leaf[0][first_child])
    offset = 0 if bos is not None else 1  # prefix length at position 0
    rows = []
    for length in range(offset, len(levels)):
        beliefs, probs, _ = levels[length]
        rows.append((first_leaf[length], np.full(len(probs), length - offset),
                     probs / probs.sum() / n_ctx, beliefs))
    seq_index, position, weights, beliefs = (np.concatenate(c) for c in zip(*rows,
                                                                               strict=True))
    order = np.lexsort((position, seq_index))
    if bos is not None:
        words = np.concatenate([np.full((len(words), 1), bos, np.int64), words], axis=1)
    beliefs = beliefs[order]
    return Prefixes(sequences=words, seq_index=seq_index[order].astype(np.int64),
                    position=position[order].astype(np.int64), weights=weights[order],
                    beliefs=beliefs, next_token_probs=beliefs @ process.Tr, exact=True,
                    bos=bos)


@dataclass(frozen=True)
class Activations:
    """A model's activations at every row of a `Prefixes`.

    Attributes
    ----------
    by_hook : dict of str to ndarray, each of shape (m, d_hook), float32
        Activations of each hook at the prefix rows (trailing axes flattened).
    hooks : tuple of str
        The hooks in depth order.
    prefixes : Prefixes
        The rows: ``by_hook[name][i]`` is read at ``prefixes`` row ``i``.
    """

    by_hook: dict[str, np.ndarray]
    hooks: tuple[str, ...]
    prefixes: Prefixes

    def __post_init__(self):
        m = len(self.prefixes.weights)
        for name in self.hooks:
            shape = np.shape(self.by_hook.get(name))
            if len(shape) != 2 or shape[0] != m:
                raise InputError(f"activations of hook {name!r} have shape {shape}; expected "
                                 f"({m}, d), one row per prefix")

    def layer(self, name: str) -> np.ndarray:
        """The activations of hook ``name``, shape (m, d); `InputError` naming the
        available hooks when there is none."""
        if name not in self.hooks:
            raise InputError(f"no activations for hook {name!r}; available: "
                             f"{', '.join(self.hooks)}")
        return self.by_hook[name]

    def concat(self, hooks: Sequence[str] | None = None) -> np.ndarray:
        """The activations of ``hooks`` (all, by default) side by side in the given order:
        shape (m, sum of their d), float32, a new array."""
        names = self.hooks if hooks is None else hooks
        return np.concatenate([self.layer(name) for name in names], axis=1)


@dataclass(frozen=True)
class PositionLosses:
    """A model's expected cross-entropy at each input position, in nats.

    Attributes
    ----------
    nats : ndarray, shape (n_ctx,)
        ``sum_w Pr(w) CE(p(. | w), softmax)`` over the prefixes at each position: exact
        for exact prefixes, an unbiased estimate for sampled ones.
    stderr_nats : ndarray, shape (n_ctx,)
        Standard error of ``nats`` (0 when exact; NaN from a single sequence).
    exact : bool
    row_nats : ndarray, shape (m,)
        Each prefix row's cross-entropy, in the row order of the `Prefixes`.
    """

    nats: np.ndarray
    stderr_nats: np.ndarray
    exact: bool
    row_nats: np.ndarray | None = None


def default_hooks(model, tokens) -> list[str]:
    """The residual hooks of ``model``: its ``residual_hooks`` attribute, else every
    ``blocks.{l}.hook_resid_post`` of a cache of ``tokens`` (batch, pos), by layer."""
    hooks = getattr(model, "residual_hooks", None)
    if hooks is not None:
        return list(hooks)
    _, cache = model.run_with_cache(tokens)
    names = list(cache.keys())  # a TransformerLens ActivationCache is no dict
    found = sorted((int(match[1]), name) for name in names
                   if (match := _RESID_POST.fullmatch(name)))
    if not found:
        raise InputError(f"{type(model).__name__} has no residual_hooks attribute and no "
                         "blocks.{l}.hook_resid_post in its cache (it has "
                         f"{', '.join(names)}); pass hooks=[...]")
    return [name for _, name in found]


def _device(model, device):
    """``device`` as a torch device; by default that of the model's parameters (CPU for
    a model without any)."""
    import torch

    if device is not None:
        return torch.device(device)
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


@contextmanager
def _evaluating(model):
    """Eval mode (no dropout) and no autograd while inside; the training flag restored."""
    import torch

    training = getattr(model, "training", False)
    if isinstance(model, torch.nn.Module):
        model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        if isinstance(model, torch.nn.Module):
            model.train(training)


def _batches(model, prefixes: Prefixes, names_filter, batch_size: int, device,
             progress: bool) -> Iterator[tuple[slice, object, object, object, object]]:
    """Run ``model`` on ``batch_size`` sequences at a time; yield ``(rows, seq, pos,
    logits, cache)``: the slice of prefix rows read from this batch, their sequence (in
    the batch) and position as index tensors on the device, and the model's outputs."""
    import torch
    from tqdm import tqdm

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
    device = _device(model, device)
    m_seq = len(prefixes.sequences)
    bounds = np.searchsorted(prefixes.seq_index, np.arange(0, m_seq + batch_size, batch_size))
    bar = tqdm(total=m_seq, unit="seq", desc="activations", leave=False,
               disable=not (progress and sys.stderr.isatty()))
    with bar:
        for b, start in enumerate(range(0, m_seq, batch_size)):
            tokens = torch.tensor(prefixes.sequences[start:start + batch_size], device=device)
            logits, cache = model.run_with_cache(tokens, names_filter=names_filter)
            rows = slice(int(bounds[b]), int(bounds[b + 1]))
            seq = torch.tensor(prefixes.seq_index[rows] - start, device=device)
            pos = torch.tensor(prefixes.position[rows], device=device)
            yield rows, seq, pos, logits, cache
            bar.update(len(tokens))


def collect_activations(model, prefixes: Prefixes, hooks: Sequence[str] | str | None = None,
                        *, batch_size: int = 1024, device=None,
                        progress: bool = False) -> Activations:
    """Activations of ``model`` at every prefix row, streamed batch by batch.

    Only the rows of ``prefixes`` are kept (one per distinct prefix when exact), so
    memory is the output, ``m * sum(d)`` float32, plus one batch's cache.

    Parameters
    ----------
    model : torch.nn.Module
        Anything with ``run_with_cache`` (module docstring); put in eval mode for the run
        and restored after.
    prefixes : Prefixes
    hooks : str or sequence of str, optional
        Cache names to keep, in depth order. Default: ``model.residual_hooks``, else every
        ``blocks.{l}.hook_resid_post`` (`default_hooks`).
    batch_size : int, default=1024
        Sequences per forward pass.
    device : torch.device or str, optional
        Where the tokens go; the device of the model's parameters by default.
    progress : bool, default=False
        A progress bar on stderr, if it is a terminal.

    Returns
    -------
    Activations
    """
    import torch

    with _evaluating(model):
        if hooks is None:
            hooks = default_hooks(model, torch.tensor(prefixes.sequences[:2],
                                                      device=_device(model, device)))
        names = [hooks] if isinstance(hooks, str) else list(hooks)
        if not names:
            raise InputError("hooks is empty; name at least one cache entry")
        m = len(prefixes.weights)
        by_hook: dict[str, np.ndarray] = {}
        for rows, seq, pos, _, cache in _batches(model, prefixes, names, batch_size, device,
                                                 progress):
            missing = [name for name in names if name not in cache.keys()]
            if missing:
                _, full = model.run_with_cache(torch.tensor(prefixes.sequences[:1],
                                                            device=seq.device))
                raise InputError(f"hooks {missing} are not in the model's cache; available: "
                                 f"{', '.join(full.keys())}")
            for name in names:
                act = cache[name]
                act = act.reshape(act.shape[0], act.shape[1], -1)[seq, pos]  # (rows, d)
                if name not in by_hook:
                    by_hook[name] = np.empty((m, act.shape[1]), np.float32)
                by_hook[name][rows] = act.to(torch.float32).cpu().numpy()
    return Activations(by_hook=by_hook, hooks=tuple(names), prefixes=prefixes)


def position_losses(model, prefixes: Prefixes, batch_size: int = 1024, *, device=None,
                    progress: bool = False) -> PositionLosses:
    """Expected cross-entropy (nats) of ``model``'s next-token prediction per input position.

    Each prefix row contributes ``-sum_x p(x | w) log q(x)``, with ``q`` the model's softmax
    (over its whole vocabulary, so mass given to BOS counts as lost) and ``p`` the exact
    next-token distribution: no sampling noise from the next token. Compare position
    ``t`` with the myopic entropy floor (module docstring; `processes.myopic_entropies`
    is in bits, multiply by ``ln 2``).

    Parameters
    ----------
    model : torch.nn.Module
        Anything with ``run_with_cache`` whose logits cover the process's symbols as
        tokens ``0..k-1``.
    prefixes : Prefixes
    batch_size : int, default=1024
    device : torch.device or str, optional
        Where the tokens go; the model's device by default.
    progress : bool, default=False

    Returns
    -------
    PositionLosses
    """
    import torch

    k = prefixes.next_token_probs.shape[1]
    ce = np.empty(len(prefixes.weights))
    with _evaluating(model):
        for rows, seq, pos, logits, _ in _batches(model, prefixes, [], batch_size, device,
                                                  progress):
            if logits.shape[-1] < k:
                raise InputError(f"the model's logits have {logits.shape[-1]} entries; the "
                                 f"process has {k} symbols")
            log_q = torch.log_softmax(logits.to(torch.float64), dim=-1)[seq, pos, :k]
            log_q = log_q.clamp_min(torch.finfo(torch.float64).min)  # 0 * -inf is not 0
            p = torch.tensor(prefixes.next_token_probs[rows], device=log_q.device)
            ce[rows] = -(p * log_q).sum(dim=1).cpu().numpy()
    n_ctx, position, w = prefixes.n_ctx, prefixes.position, prefixes.weights
    nats = np.bincount(position, w * ce, n_ctx) / np.bincount(position, w, n_ctx)
    if prefixes.exact:
        stderr = np.zeros(n_ctx)
    else:  # equal weights: the standard error of a mean over sequences
        count = np.bincount(position, minlength=n_ctx)
        sq = np.bincount(position, (ce - nats[position]) ** 2, n_ctx)
        stderr = np.full(n_ctx, np.nan)
        many = count > 1
        stderr[many] = np.sqrt(sq[many] / (count[many] - 1) / count[many])
    return PositionLosses(nats=nats, stderr_nats=stderr, exact=prefixes.exact, row_nats=ce)
