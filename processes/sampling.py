"""Seeded, vectorised sampling of sequences, and exact enumeration of words.

Time-index convention for everything returned here (0-based ``t``): ``tokens[:, t]`` is
the t-th symbol; ``beliefs[:, t]`` is the belief after seeing ``tokens[:, :t+1]``; and
``next_token_probs[:, t] = Pr(X_{t+1} | tokens[:, :t+1])``, the optimal predictor's
output at position t - what a network's softmax at that position should match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._kernels import belief_kernel, hmm_kernel
from .errors import InputError, ProcessError, negative_probability_error
from .process import Process

__all__ = ["Samples", "advance_beliefs", "enumerate_words", "generate"]


@dataclass(frozen=True)
class Samples:
    """Sampled sequences and, on request, what an observer could know about them.

    Attributes
    ----------
    tokens : ndarray, shape (batch, length), int64
    states : ndarray or None, shape (batch, length + 1), int64
        Hidden state before each token, and the final one (HMMs only).
    beliefs : ndarray or None, shape (batch, length, n)
        Belief after each token.
    next_token_probs : ndarray or None, shape (batch, length, k)
        Exact next-token distribution after each token.
    """

    tokens: np.ndarray
    states: np.ndarray | None = None
    beliefs: np.ndarray | None = None
    next_token_probs: np.ndarray | None = None




def _start_belief(process: Process, start) -> np.ndarray:
    """``start`` checked as a belief of ``process`` (``pi`` when None): shape (n,)."""
    if start is None:
        return process.pi
    eta = np.asarray(start, dtype=np.float64)
    if eta.shape != (process.n_states,) or not np.isclose(eta @ process.r, 1.0) \
            or (not process.generalized and eta.min() < 0):
        raise InputError(f"{process.name}: start must be a belief of shape "
                         f"({process.n_states},) with start . r = 1 (a distribution over "
                         "the states for an HMM)")
    return eta


def generate(process: Process, batch_size: int, length: int, *,
             seed: int | np.random.Generator | None = 0,
             return_states: bool = False, return_beliefs: bool = False,
             return_next_token_probs: bool = False,
             start: np.ndarray | None = None) -> Samples:
    """Sample ``batch_size`` independent sequences of ``length`` tokens.

    Parameters
    ----------
    process : Process
    batch_size, length : int
    seed : int, numpy.random.Generator or None
        Same seed, same sequences.
    return_states, return_beliefs, return_next_token_probs : bool
        Also return hidden states (HMMs only), beliefs and exact next-token probabilities.
    start : ndarray, shape (n,), optional
        The belief the sequences start from (``start . r = 1``); the stationary ``pi``
        by default. For example the start state of a `processes.combine.with_bos`
        process, whose sequences then begin with the BOS token.
    """
    if batch_size < 1 or length < 1:
        raise InputError(f"batch_size and length must be >= 1, got {batch_size}, {length}")
    start = _start_belief(process, start)
    rng = np.random.default_rng(seed)  # a Generator passes through unchanged
    T, Tr = np.ascontiguousarray(process.T), np.ascontiguousarray(process.Tr)
    k, n = process.n_symbols, process.n_states
    # A GHMM is sampled through its beliefs, so it always tracks them.
    track = return_beliefs or return_next_token_probs or process.generalized
    tokens = np.empty((batch_size, length), dtype=np.int64)
    beliefs = np.empty((batch_size, length, n) if track else (1, 1, n))
    states = None
    if process.generalized:
        if return_states:
            raise ProcessError(
                f"{process.name} is a generalized HMM: it has no hidden-state sequence to "
                "return; drop return_states"
            )
        eta = np.repeat(start[None, :], batch_size, axis=0)
        u = rng.random((batch_size, length))
        broken, negative, worst = belief_kernel(T, Tr, eta, u, 0, tokens, beliefs,
                                                np.empty(batch_size), True, False)
        if negative:
            raise negative_probability_error(process, worst, "sampling")
        next_probs = beliefs @ Tr if return_next_token_probs else None
    else:
        joint = T.transpose(1, 0, 2).reshape(n, k * n)  # Pr(x, j | i), flattened (x, j)
        cum = np.cumsum(joint, axis=1)
        cum /= cum[:, -1:]  # rows end in exactly 1.0, above every uniform
        s0 = rng.choice(n, size=batch_size, p=np.clip(start, 0, None) / start.sum())
        u = rng.random((batch_size, length))
        states = np.empty((batch_size, length + 1) if return_states else (1, 1), np.int64)
        next_probs = np.empty((batch_size, length, k) if track else (1, 1, k))
        broken = hmm_kernel(cum, T, Tr, s0.astype(np.int64), start.copy(), u, tokens,
                            states, beliefs, next_probs, return_states, track)
    if broken:
        raise ProcessError(
            f"{process.name}: {broken} belief updates divided by a zero or non-finite "
            "probability; check the matrices (a GHMM may give words negative probability)"
        )
    return Samples(
        tokens=tokens,
        states=states if return_states else None,
        beliefs=beliefs if return_beliefs else None,
        next_token_probs=next_probs if return_next_token_probs else None,
    )


def enumerate_words(process: Process, length: int, drop_zero: bool = True,
                    max_words: int = 1 << 22) -> tuple[np.ndarray, np.ndarray]:
    """All words of ``length`` symbols with their exact probabilities.

    Returns
    -------
    words : ndarray, shape (m, length), int64
        In lexicographic order (zero-probability words removed if ``drop_zero``).
    probs : ndarray, shape (m,)
        ``pi T[w1] ... T[wL] r``; sums to 1.
    """
    k = process.n_symbols
    if k**length > max_words:
        raise InputError(
            f"{process.name}: {k}**{length} words exceed max_words={max_words}; use "
            "processes.information (merged beliefs) for entropies at this length"
        )
    words = np.zeros((1, 0), dtype=np.int64)
    vecs = process.pi[None, :]
    for _ in range(length):
        vecs = np.einsum("mi,xij->mxj", vecs, process.T).reshape(-1, process.n_states)
        words = np.concatenate([np.repeat(words, k, axis=0),
                                np.tile(np.arange(k), len(words))[:, None]], axis=1)
        if drop_zero:
            alive = np.abs(vecs).sum(axis=1) > 0
            words, vecs = words[alive], vecs[alive]
    probs = vecs @ process.r
    if drop_zero:
        keep = probs > 1e-15
        words, probs = words[keep], probs[keep]
    return words, probs


def advance_beliefs(process: Process, eta: np.ndarray, uniforms: np.ndarray,
                    out: np.ndarray | None = None, *, track_entropy: bool = False
                    ) -> tuple[np.ndarray, int, int, float]:
    """Run the belief IFS of ``process`` on a batch of chains, in the compiled kernel.

    The hot loop of the chaos game and of belief sampling: each step draws ``x ~ p_x(eta)``
    from one uniform and moves ``eta <- f_x(eta)``.

    Parameters
    ----------
    process : Process
    eta : ndarray, shape (batch, n), float64
        Starting beliefs; overwritten with the final ones, so chunks can follow each other.
    uniforms : ndarray, shape (batch, L)
        Uniforms in [0, 1), one per step.
    out : ndarray, shape (batch, L, n), optional
        Receives the belief after every step; None runs the steps without recording
        (burn-in).
    track_entropy : bool
        Also sum ``H[p(eta)]`` (nats) over the steps: the entropy-rate estimator.

    Returns
    -------
    entropy_nats : ndarray, shape (batch,)
        Per chain, the summed ``H[p(eta)]`` in nats (zeros unless ``track_entropy``).
    broken : int
        Updates whose normaliser was zero or not finite.
    negative : int
        Steps that met a ``p_x(eta) < -NEGATIVE_TOLERANCE`` (a GHMM failing there).
    worst : float
        The smallest ``p_x(eta)`` met (<= 0).
    """
    batch, length = uniforms.shape
    record = out is not None
    if not record:
        out = np.empty((batch, 0, process.n_states))
    entropy = np.zeros(batch)
    broken, negative, worst = belief_kernel(
        np.ascontiguousarray(process.T), np.ascontiguousarray(process.Tr), eta, uniforms,
        0 if record else length, np.empty((batch, 0), np.int64), out, entropy, False,
        track_entropy and record)
    return entropy, int(broken), int(negative), float(worst)
