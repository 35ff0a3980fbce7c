"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

import importlib

MODULES = ["bench_startup", "bench_generation", "bench_chaos_game", "bench_dimension",
           "bench_lyapunov", "bench_training"]


def main() -> None:
    for name in MODULES:
        print(f"== {name}")
        importlib.import_module(f"benchmarks.{name}").main()
        print()


# The guard matters: bench_dimension spawns worker processes, which re-import this
# module under another name and must not rerun every benchmark.
if __name__ == "__main__":
    main()
