"""Wall-clock timing shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["best_times"]


def best_times(fns: list[Callable[[], object]], repeat: int = 5) -> list[float]:
    """Smallest wall time of each function, the calls interleaved round by round.

    Interleaving matters on a shared machine: a slow spell then slows every contender
    alike instead of skewing the ratio between them. Each function is called once to
    warm up (compilation, caches) before timing.
    """
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best
