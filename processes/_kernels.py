"""Compiled inner loops for sampling (numba).

Random numbers are drawn by the caller's `numpy.random.Generator` and passed in as
uniforms, so results depend only on the seed, not on numba's global generator.
Every kernel is parallel over the batch (independent chains) and returns the number of
updates whose normaliser was zero or not finite, so callers can report a broken run
without scanning the outputs again. `belief_kernel` also returns how many steps met a
negative next-symbol probability (below ``-NEG_TOL``) and the most negative one: a
generalized HMM may pass the finite-depth word check and still give some longer word a
negative probability, which must be an error, never a silently clipped number.
"""

from __future__ import annotations

import numba
import numpy as np

from .errors import NEGATIVE_TOLERANCE

__all__ = ["hmm_kernel", "belief_kernel", "NEG_TOL"]

# A next-symbol probability below -NEG_TOL is negative, not rounding (a module constant:
# numba freezes it into the compiled kernels).
NEG_TOL = NEGATIVE_TOLERANCE


@numba.njit(parallel=True, cache=True)
def hmm_kernel(cum, T, Tr, s0, eta0, u, tokens, states, beliefs, next_probs, track_states,
               track_beliefs):
    """Sample hidden states and symbols jointly; optionally filter beliefs.

    cum (n, k*n): cumulative ``Pr(x, j | i)`` over the flattened (x, j), each row ending
    in exactly 1.0; T (k, n, n); Tr (n, k); s0 (batch,); eta0 (n,); u (batch, L) uniforms
    in [0, 1). Writes tokens (batch, L); if ``track_states``, states (batch, L+1); if
    ``track_beliefs``, beliefs (batch, L, n) and the exact next-token probabilities
    ``eta @ Tr`` after each token, next_probs (batch, L, k).
    """
    batch, length = u.shape
    k, n = T.shape[0], T.shape[1]
    kn = cum.shape[1]
    broken = 0
    for b in numba.prange(batch):
        s = s0[b]
        if track_states:
            states[b, 0] = s
        eta = eta0.copy()
        new = np.empty(n)
        for t in range(length):
            v = u[b, t]
            c = 0
            # Rows end in exactly 1.0 > v, so the scan stops on a possible transition.
            while c < kn - 1 and cum[s, c] <= v:
                c += 1
            x = c // n
            s = c - x * n
            tokens[b, t] = x
            if track_states:
                states[b, t + 1] = s
            if track_beliefs:
                norm = 0.0
                for i in range(n):
                    norm += eta[i] * Tr[i, x]
                inv = 1.0 / norm
                if not np.isfinite(inv):
                    broken += 1
                for j in range(n):
                    acc = 0.0
                    for i in range(n):
                        acc += eta[i] * T[x, i, j]
                    new[j] = acc * inv
                for j in range(n):
                    eta[j] = new[j]
                    beliefs[b, t, j] = new[j]
                for y in range(k):
                    acc = 0.0
                    for i in range(n):
                        acc += eta[i] * Tr[i, y]
                    next_probs[b, t, y] = acc
    return broken


@numba.njit(parallel=True, cache=True)
def belief_kernel(T, Tr, eta0, u, record_from, tokens, beliefs, entropy, track_tokens,
                  track_entropy):
    """Run the belief IFS: draw ``x ~ p_x(eta)``, then ``eta <- f_x(eta)``.

    T (k, n, n); Tr (n, k); eta0 (batch, n); u (batch, L) uniforms in [0, 1). Steps
    before ``record_from`` are burn-in. Writes beliefs (batch, L - record_from, n) after
    each recorded step; tokens (batch, L - record_from) if ``track_tokens``; and entropy
    (batch,): the sum of ``H[p(eta)]`` in nats over the recorded steps (the entropy-rate
    estimator) if ``track_entropy``, else 0 (its logarithms dominate the cost of a step).
    ``eta0`` is overwritten with the final beliefs, so a chunked caller can continue.

    Returns ``(broken, negative, worst)``: updates with a zero or non-finite normaliser,
    steps with some ``p_y(eta) < -NEG_TOL``, and the smallest ``p_y(eta)`` met (<= 0).
    """
    batch, length = u.shape
    k, n = T.shape[0], T.shape[1]
    broken = 0
    negative = 0
    worst = 0.0
    for b in numba.prange(batch):
        eta = eta0[b].copy()
        new = np.empty(n)
        p = np.empty(k)
        h = 0.0
        for t in range(length):
            total = 0.0
            for y in range(k):
                acc = 0.0
                for i in range(n):
                    acc += eta[i] * Tr[i, y]
                p[y] = acc
                total += acc
            low = p[0]
            for y in range(1, k):
                low = min(low, p[y])
            if low < -NEG_TOL:
                negative += 1
                worst = min(worst, low)
            # Scaling the uniform by the rounded total (not comparing with 1) means a
            # symbol of probability zero is never drawn.
            v = u[b, t] * total
            x = 0
            acc = p[0]
            while x < k - 1 and acc <= v:
                x += 1
                acc += p[x]
            recorded = t >= record_from
            if track_entropy and recorded:
                for y in range(k):
                    if p[y] > 0.0:
                        h -= p[y] * np.log(p[y])
            inv = 1.0 / p[x]
            if not np.isfinite(inv):
                broken += 1
            for j in range(n):
                acc = 0.0
                for i in range(n):
                    acc += eta[i] * T[x, i, j]
                new[j] = acc * inv
            for j in range(n):
                eta[j] = new[j]
            if recorded:
                for j in range(n):
                    beliefs[b, t - record_from, j] = new[j]
                if track_tokens:
                    tokens[b, t - record_from] = x
        entropy[b] = h
        for j in range(n):
            eta0[b, j] = eta[j]
    return broken, negative, worst
