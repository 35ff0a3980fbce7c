"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

import importlib

MODULES = ["bench_generation", "bench_dimension", "bench_chaos_game"]

for name in MODULES:
    try:
        module = importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"benchmarks.{name}":
            raise
        continue
    print(f"== {name}")
    module.main()
    print()
