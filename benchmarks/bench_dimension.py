"""Dimension estimators on 10^6 Sierpinski points: wall time and peak memory, with baselines.

Each case runs in a fresh process. Its peak memory is the kernel's resident high-water
mark (``VmHWM``) above the resident size once the cloud is loaded, after resetting the
mark (``/proc/self/clear_refs``): a spawned worker otherwise inherits its parent's
high-water mark, and ``ru_maxrss`` cannot be reset at all. That counts the KD-tree's
C++ allocations, which tracemalloc would miss (and tracemalloc would slow numpy-heavy
code several-fold, spoiling the timings). Baselines, in the same run:

- ``naive KD-tree``: one ``query_ball_point(return_length=True)`` of every reference
  against the full tree per radius, the same references and radii as
  ``CorrelationDimension`` but without its subsampling of large radii; it also checks
  that subsampling leaves log C(r) unchanged.
- ``pdist``: ``scipy.spatial.distance.pdist`` on a subsample small enough to fit, then
  extrapolated (time and memory ~ m^2) to the pair count ``CorrelationDimension`` draws
  on at small radii (n_references x n_points), the size needed to match its reach.

A second table times ``estimate_dimensions`` (all five estimators) on a 10^6-point
Mess3 belief cloud (``mess3(x=0.05, a=0.85)``, chaos game, belief chart), goal under 15
s, against the same estimators on the full cloud (no subsampling to
``MAX_POINTS``), in the same run and each in a fresh process.

A third table, printed with the second, times the same on activation-like data: 20,000
points of a 5-dimensional Gaussian embedded linearly in 64 coordinates, where
``CorrelationDimension`` counts pairs by blocked brute force; baseline: the same D2
fit with ``algorithm="kd_tree"`` (one KD-tree query per radius), in the same run.

Run: ``python -m benchmarks.bench_dimension`` (all tables), ``python -m
benchmarks.bench_dimension mess3`` (the Mess3 and 64-D tables only) or ``python -m
benchmarks``.
"""

import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

N_POINTS = 1_000_000
PDIST_POINTS = 6_000
SEED = 0


def sierpinski(n_points, rng):
    """Chaos-game samples of the Sierpinski gasket, shape (n_points, 2)."""
    vertices = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    points = rng.random((n_points, 2))
    for _ in range(48):
        points = (points + vertices[rng.integers(0, 3, n_points)]) / 2
    return points


def _correlation(X):
    from analysis.geometry import CorrelationDimension

    estimator = CorrelationDimension(random_state=SEED).fit(X)
    extent = float(np.ptp(X, axis=0).max())
    # Compare with the naive loop only where a fit may look: enough pairs, unsaturated.
    usable = (estimator.n_pairs_ >= estimator.min_pairs) & (
        estimator.scales_ <= estimator.max_scale * extent
    )
    return {
        "dimension": estimator.dimension_,
        "log_c": np.where(usable, estimator.values_, np.nan),
        "reach_pairs": estimator.n_references * (len(X) - 1),
    }


def _information(X):
    from analysis.geometry import InformationDimension

    return {"dimension": InformationDimension(random_state=SEED).fit(X).dimension_}


def _box(X):
    from analysis.geometry import BoxCountingDimension

    return {"dimension": BoxCountingDimension(q=0, random_state=SEED).fit(X).dimension_}


def _naive_kdtree(X):
    """CorrelationDimension's references and radii, every radius on the full tree."""
    from scipy.spatial import cKDTree

    from analysis.geometry._scaling import radius_ladder

    # The estimator's first draw from its seed is this permutation: same references.
    references = X[np.random.default_rng(SEED).permutation(len(X))[:10_000]]
    tree = cKDTree(X)
    extent = float(np.ptp(X, axis=0).max())
    radii = radius_ladder(tree, references, extent, 2**0.5, 1000, 1)
    pairs = [tree.query_ball_point(references, r, return_length=True).sum() for r in radii]
    pairs = np.array(pairs, dtype=float) - len(references)
    with np.errstate(divide="ignore"):
        return {"log_c": np.log(pairs / (len(references) * (len(X) - 1)))}


def _pdist(X):
    from scipy.spatial.distance import pdist

    subsample = X[np.random.default_rng(SEED).permutation(len(X))[:PDIST_POINTS]]
    distances = np.sort(pdist(subsample))  # (m (m - 1) / 2,)
    radii = np.geomspace(1e-4, 1.0, 28)
    return {"log_c": np.log(np.searchsorted(distances, radii, side="right") / len(distances))}


def _mess3_cloud():
    """10^6 chaos-game beliefs of mess3(0.05, 0.85) in the belief chart, shape (N, 2)."""
    import dynamics
    from processes import get_process

    process = get_process("mess3", x=0.05, a=0.85)
    beliefs = dynamics.chaos_game(process, N_POINTS, seed=SEED).beliefs
    return dynamics.belief_coordinates(process, beliefs)


def _estimate_dimensions(X):
    from analysis.geometry import estimate_dimensions

    return {"result": estimate_dimensions(X, random_state=SEED)}


def _estimate_dimensions_full(X):
    """Baseline: the same estimators on every point (no subsample to MAX_POINTS)."""
    from analysis.geometry import estimate_dimensions

    return {"result": estimate_dimensions(X, random_state=SEED, max_points=len(X))}


MESS3_CASES = {
    "estimate_dimensions": _estimate_dimensions,
    "same, full cloud": _estimate_dimensions_full,
}


def _activation_cloud():
    """20,000 points of a 5-D Gaussian embedded linearly in 64-D, shape (20000, 64)."""
    rng = np.random.default_rng(SEED)
    return rng.standard_normal((20_000, 5)) @ rng.standard_normal((5, 64))


def _d2_algorithm(X, algorithm):
    from analysis.geometry import CorrelationDimension

    estimator = CorrelationDimension(random_state=SEED, n_jobs=-1, algorithm=algorithm)
    try:
        return {"n_pairs": estimator.fit(X).n_pairs_}
    except ValueError:  # no scaling range in 5-D at 20,000 points: counts still compared
        return {"n_pairs": None}


ACTIVATION_CASES = {
    "estimate_dimensions": _estimate_dimensions,
    "D2 brute force (auto)": lambda X: _d2_algorithm(X, "auto"),
    "D2 KD-tree (baseline)": lambda X: _d2_algorithm(X, "kd_tree"),
}

CASES = {
    "D2 CorrelationDimension": _correlation,
    "D1 InformationDimension": _information,
    "D0 BoxCountingDimension": _box,
    "D2 naive KD-tree loop": _naive_kdtree,
    f"D2 pdist ({PDIST_POINTS} points)": _pdist,
}


def _status_kib(field):
    """A ``kB`` field of ``/proc/self/status`` (Linux), e.g. ``VmRSS`` or ``VmHWM``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}; the benchmark needs Linux")


def _run_case(name, path):
    """Run one case on the cloud stored at ``path``; adds wall time and peak memory (MiB)."""
    # Libraries load before memory is measured: their size is not the estimator's.
    import scipy.spatial.distance  # noqa: F401

    import analysis.geometry  # noqa: F401

    X = np.load(path)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset VmHWM to the current resident size
    before = _status_kib("VmRSS")
    start = time.perf_counter()
    cases = ACTIVATION_CASES if path.endswith("activations.npy") else {**CASES, **MESS3_CASES}
    result = cases[name](X)
    result["seconds"] = time.perf_counter() - start
    result["rss_mib"] = (_status_kib("VmHWM") - before) / 1024
    return result


def _run_in_fresh_processes(names, X, stem):
    """Save ``X`` once and run each named case in its own spawned process."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{stem}.npy")
        np.save(path, X)
        results = {}
        for name in names:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                results[name] = pool.submit(_run_case, name, path).result()
    return results


def main_mess3():
    """Time ``estimate_dimensions`` on 10^6 Mess3 beliefs against the full-cloud path."""
    X = _mess3_cloud()
    results = _run_in_fresh_processes(MESS3_CASES, X, "mess3")
    print(f"Mess3 (x=0.05, a=0.85) beliefs, {len(X):,} points in the belief chart "
          "(goal: estimate_dimensions under 15 s)")
    print(f"{'case':<22} {'wall s':>8} {'peak MiB':>9}  D0 / D1 / D2 / TwoNN / MLE")
    keys = ("box_dimension", "information_dimension", "correlation_dimension",
            "twonn_dimension", "mle_dimension")
    for name, row in results.items():
        values = " / ".join("-" if row["result"][k] is None else f"{row['result'][k]:.3f}"
                            for k in keys)
        print(f"{name:<22} {row['seconds']:>8.2f} {row['rss_mib']:>9.1f}  {values}")
    ratio = results["same, full cloud"]["seconds"] / results["estimate_dimensions"]["seconds"]
    print(f"estimate_dimensions speed-up over the full-cloud path: {ratio:.1f}x")
    print()
    return {
        "mess3_estimate_dimensions_seconds": results["estimate_dimensions"]["seconds"],
        "mess3_full_cloud_seconds": results["same, full cloud"]["seconds"],
        "mess3_speedup_vs_full_cloud": ratio,
        **main_activations(),
    }


def main_activations():
    """Time the estimators on a 20,000 x 64 activation-like cloud; D2 against a KD-tree."""
    X = _activation_cloud()
    results = _run_in_fresh_processes(ACTIVATION_CASES, X, "activations")
    print(f"5-D Gaussian in 64 coordinates, {len(X):,} points (activation-like)")
    print(f"{'case':<22} {'wall s':>8} {'peak MiB':>9}")
    for name, row in results.items():
        print(f"{name:<22} {row['seconds']:>8.2f} {row['rss_mib']:>9.1f}")
    brute, tree = results["D2 brute force (auto)"], results["D2 KD-tree (baseline)"]
    same = (brute["n_pairs"] is None) == (tree["n_pairs"] is None) and (
        brute["n_pairs"] is None or np.array_equal(brute["n_pairs"], tree["n_pairs"])
    )
    ratio = tree["seconds"] / brute["seconds"]
    print(f"D2 brute-force speed-up over the KD-tree: {ratio:.1f}x (same pair counts: {same})")
    return {
        "activations_estimate_dimensions_seconds": results["estimate_dimensions"]["seconds"],
        "activations_d2_speedup_vs_kdtree": ratio,
    }


def main():
    """Time every case in its own process, print tables and the ratios; return them."""
    X = sierpinski(N_POINTS, np.random.default_rng(SEED))
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sierpinski.npy")
        np.save(path, X)
        results = {}
        for name in CASES:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                results[name] = pool.submit(_run_case, name, path).result()

    ours = results["D2 CorrelationDimension"]
    naive = results["D2 naive KD-tree loop"]
    pdist_row = results[f"D2 pdist ({PDIST_POINTS} points)"]
    drift = np.nanmax(np.abs(naive["log_c"] - ours["log_c"]))
    pdist_pairs = PDIST_POINTS * (PDIST_POINTS - 1) / 2
    print(f"Sierpinski gasket, {N_POINTS:,} points in 2-D (reference dimension 1.585)")
    print(f"{'case':<26} {'wall s':>8} {'peak MiB':>9}  result")
    for name, row in results.items():
        if "naive" in name:
            note = f"max |log C - estimator's| = {drift:.4f} nats"
        elif "pdist" in name:
            note = f"{pdist_pairs:,.0f} pairs"
        else:
            note = f"dimension {row['dimension']:.4f}"
        print(f"{name:<26} {row['seconds']:>8.2f} {row['rss_mib']:>9.1f}  {note}")

    # A pdist reaching the same small radii needs m with m^2 / 2 = n_references * N.
    growth = ours["reach_pairs"] / pdist_pairs
    pdist_seconds = pdist_row["seconds"] * growth
    pdist_gib = pdist_row["rss_mib"] * growth / 1024
    ratios = {
        "d2_seconds": ours["seconds"],
        "d2_peak_rss_mib": ours["rss_mib"],
        "d1_seconds": results["D1 InformationDimension"]["seconds"],
        "d1_peak_rss_mib": results["D1 InformationDimension"]["rss_mib"],
        "d2_speedup_vs_naive_kdtree": naive["seconds"] / ours["seconds"],
        "d2_speedup_vs_pdist_extrapolated": pdist_seconds / ours["seconds"],
    }
    print(f"D2 speed-up over the naive KD-tree loop: {ratios['d2_speedup_vs_naive_kdtree']:.1f}x")
    print(
        f"pdist at the same reach ({ours['reach_pairs']:.1e} pairs), extrapolated: "
        f"{pdist_seconds:,.0f} s and {pdist_gib:,.0f} GiB, i.e. "
        f"{ratios['d2_speedup_vs_pdist_extrapolated']:,.0f}x slower and "
        f"{pdist_gib * 1024 / max(ours['rss_mib'], 1.0):,.0f}x more memory"
    )
    print()
    ratios.update(main_mess3())
    return ratios


if __name__ == "__main__":
    main_mess3() if sys.argv[1:] == ["mess3"] else main()
