"""Cost of the Lyapunov convergence checks: the default ``beliefscope lyapunov`` run of a
flow with its orbits spread over the attractor and checked, against the same run from
one jittered start (the old engine's way, no mixing).

Run: ``python -m benchmarks.bench_lyapunov``. Target: ratio <= 1.2.
"""

from __future__ import annotations

from benchmarks._timing import best_times
from dynamics.lyapunov import lyapunov_spectrum
from dynamics.textbook import get_system

# The CLI's default flow run (20000 steps of 0.01 after 2000 of burn-in, 16 orbits).
SETTINGS = dict(n_steps=20_000, burn_in=2_000, n_orbits=16, dt=0.01, seed=0)


def main() -> dict:
    rows = []
    # Sprott E mixes slowest of the catalogue, Lorenz fast. The checks themselves (the
    # drift between halves, outlying orbits) cost one extra QR; the mixing is the cost.
    for name in ("lorenz", "sprott_e"):
        system = get_system(name)
        checked, plain = best_times([
            lambda s=system: lyapunov_spectrum(s, **SETTINGS),
            lambda s=system: lyapunov_spectrum(s, spread=False, **SETTINGS),
        ], repeat=2)
        rows.append((name, checked, plain, checked / plain))
    print("default lyapunov run (s): spread + checked vs one jittered start")
    print(f"{'system':>9} {'checked':>9} {'plain':>9} {'ratio':>7}")
    for name, checked, plain, ratio in rows:
        print(f"{name:>9} {checked:>9.2f} {plain:>9.2f} {ratio:>6.2f}x")
    return {"lyapunov_check_cost_ratio": max(r[-1] for r in rows)}


if __name__ == "__main__":
    main()
