"""Chaos-game belief updates per second on Mess3 against a numpy chaos game vectorised
over chains, with the same number of chains and points.

Run: ``python -m benchmarks.bench_chaos_game``. Target (issue 3): ratio >= 10.
"""

from __future__ import annotations

import numpy as np

from benchmarks._timing import best_times
from dynamics.attractor import sample_attractor
from processes import get_process


def numpy_chaos_game(process, n_chains: int, steps: int, rng: np.random.Generator):
    """The straightforward version: one vectorised numpy step per iteration."""
    T, Tr, r = process.T, process.Tr, process.r
    eta = np.repeat(process.pi[None, :], n_chains, axis=0)
    out = np.empty((n_chains, steps, process.n_states))
    for t in range(steps):
        p = eta @ Tr
        x = (rng.random(n_chains)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
        x = np.minimum(x, process.n_symbols - 1)
        v = np.einsum("bi,bij->bj", eta, T[x])
        eta = v / (v @ r)[:, None]
        out[:, t] = eta
    return out


def main() -> dict:
    process = get_process("mess3", x=0.05, a=0.85)
    rows = []
    for n_chains, steps in [(64, 4096), (1024, 512)]:
        n = n_chains * steps
        fast, base = best_times([
            lambda c=n_chains, m=n: sample_attractor(process, m, burn_in=0, seed=0,
                                                     n_chains=c),
            lambda c=n_chains, s=steps: numpy_chaos_game(process, c, s,
                                                         np.random.default_rng(0)),
        ])
        rows.append((n_chains, n / fast, n / base, base / fast))
    print("chaos game on mess3(0.05, 0.85) (belief updates/s)")
    print(f"{'chains':>7} {'beliefscope':>14} {'numpy loop':>14} {'ratio':>7}")
    for chains, fast, base, ratio in rows:
        print(f"{chains:>7} {fast:>14,.0f} {base:>14,.0f} {ratio:>6.1f}x")
    return {"chaos_game_ratio_default_chains": rows[0][-1]}


if __name__ == "__main__":
    main()
