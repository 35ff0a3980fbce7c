"""Generation with beliefs (tokens per second) against a batch-vectorised numpy loop.

Run: ``python -m benchmarks.bench_generation``. Target (issue 2): ratio >= 5.
"""

from __future__ import annotations

import numpy as np

from benchmarks._timing import best_times
from processes import generate, get_process


def numpy_baseline(process, batch: int, length: int, rng: np.random.Generator):
    """The straightforward version: one vectorised numpy step per time index, producing
    the same outputs (tokens, beliefs, next-token probabilities)."""
    T, n, k = process.T, process.n_states, process.n_symbols
    joint = T.transpose(1, 0, 2).reshape(n, k * n)
    cum = np.cumsum(joint, axis=1)
    s = rng.choice(n, size=batch, p=process.pi)
    eta = np.repeat(process.pi[None, :], batch, axis=0)
    tokens = np.empty((batch, length), dtype=np.int64)
    beliefs = np.empty((batch, length, n))
    next_probs = np.empty((batch, length, k))
    for t in range(length):
        u = rng.random(batch)[:, None]
        c = np.minimum((u >= cum[s]).sum(axis=1), k * n - 1)
        x, s = c // n, c % n
        v = np.einsum("bi,bij->bj", eta, T[x])
        eta = v / v.sum(axis=1, keepdims=True)
        tokens[:, t], beliefs[:, t], next_probs[:, t] = x, eta, eta @ process.Tr
    return tokens, beliefs, next_probs


def main() -> dict:
    process = get_process("mess3", x=0.05, a=0.85)
    rows = []
    for batch, length in [(64, 512), (256, 64), (1024, 256)]:
        n_tokens = batch * length
        fast, base = best_times([
            lambda b=batch, n=length: generate(process, b, n, seed=0, return_beliefs=True,
                                               return_next_token_probs=True),
            lambda b=batch, n=length: numpy_baseline(process, b, n, np.random.default_rng(0)),
        ])
        rows.append((batch, length, n_tokens / fast, n_tokens / base, base / fast))
    print("generation with beliefs, mess3 (tokens/s)")
    print(f"{'batch':>6} {'length':>6} {'beliefscope':>14} {'numpy loop':>14} {'ratio':>7}")
    for batch, length, fast, base, ratio in rows:
        print(f"{batch:>6} {length:>6} {fast:>14,.0f} {base:>14,.0f} {ratio:>6.1f}x")
    return {"generation_ratio_min": min(r[-1] for r in rows)}


if __name__ == "__main__":
    main()
