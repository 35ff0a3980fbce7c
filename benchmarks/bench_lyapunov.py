"""Cost of the Lyapunov engine's honesty: the convergence checks (orbits spread over the
attractor and checked, against one jittered start, the old engine's way) and the
adaptive DOP853 integrator (against fixed-step RK4 at dt 0.01, which finds false cycles
on Chen-Lee), for the default ``beliefscope lyapunov`` run of a flow.

Run: ``python -m benchmarks.bench_lyapunov``. Target: checks ratio <= 1.2.
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
        checked, plain, rk4 = best_times([
            lambda s=system: lyapunov_spectrum(s, **SETTINGS),
            lambda s=system: lyapunov_spectrum(s, spread=False, **SETTINGS),
            lambda s=system: lyapunov_spectrum(s, method="rk4", **SETTINGS),
        ], repeat=2)
        rows.append((name, checked, plain, rk4))
    print("default lyapunov run (s): DOP853, spread + checked; the same from one jittered "
          "start; RK4 at dt 0.01, spread + checked")
    print(f"{'system':>9} {'checked':>9} {'plain':>9} {'checks':>7} {'rk4':>9} {'dop853/rk4':>11}")
    for name, checked, plain, rk4 in rows:
        print(f"{name:>9} {checked:>9.2f} {plain:>9.2f} {checked / plain:>6.2f}x "
              f"{rk4:>9.2f} {checked / rk4:>10.2f}x")
    return {"lyapunov_check_cost_ratio": max(r[1] / r[2] for r in rows),
            "dop853_over_rk4": max(r[1] / r[3] for r in rows)}


if __name__ == "__main__":
    main()
