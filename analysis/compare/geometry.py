"""Fractal dimensions of a network's hidden states beside those of the beliefs they carry.

Three clouds over the same prefixes, each prefix weighted by ``Pr(w)``:

- the **attractor** cloud: the true beliefs ``eta(w)`` in the belief chart
  (`dynamics.belief_coordinates`);
- the **probe** cloud: the beliefs a linear probe reads from the activations, in the same
  chart (the predictions are passed in as an array: this wing does not import
  `analysis.probes`);
- the **activation** cloud: the raw activations, on their top principal components.

A network whose hidden states carry the beliefs, fractal included, gives the probe cloud
the attractor's dimension; the activation cloud may add directions the probe discards.
`compare_dimensions` measures D1 (`InformationDimension`) and D2 (`CorrelationDimension`)
of each, and TwoNN and MLE (`TwoNN`, `MLEDimension`) of the activations, whose
principal components can be too many for a scaling range.

**Weights.** The estimators of `analysis.geometry` take unweighted points (their
``fit(X)`` has no ``sample_weight``), so ``n_points`` rows are drawn by systematic
resampling (each row ``floor`` or ``ceil`` of ``n_points * w_i`` times), the same rows
for all three clouds, and every estimator gets the same seed: identical clouds give
identical numbers, and the gaps compare like with like. Repeated rows are the atoms of
the prefix measure: box counting then measures the weighted measure (D1 is a dimension
of the measure, not of the support), the correlation sum counts their coincident pairs
(pairs of draws of one prefix), and TwoNN and MLE merge them and so see the distinct
prefixes that were drawn.

**Finite depth.** The prefixes of a context of ``n_ctx`` tokens resolve the Blackwell
measure only down to the scale of its depth-``n_ctx`` cylinders, the contraction of
``n_ctx`` maps, about ``exp(lambda_1 n_ctx)`` of its extent with ``lambda_1`` the top
Lyapunov exponent (Mess3(0.15, 0.6): ``lambda_1`` ~ -0.78 nats, so ~0.002 at a context of
8); below it the cloud is a finite set of atoms whose D1 falls to 0, and its heavy short
prefixes (depth 1, 2, ...) are atoms off the attractor. The prefix cloud's dimensions
are therefore those of a finite-depth approximation, fitted over a short range and often
flagged unreliable; `attractor_dimensions` measures the Blackwell measure itself, by the
chaos game.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from analysis.geometry import CorrelationDimension, InformationDimension, MLEDimension, TwoNN
from processes import Process
from processes.errors import InputError

from ._weighting import as_cloud, check_weights, positive_int, resample_rows

__all__ = ["attractor_dimensions", "compare_dimensions", "scatter_matched_dimensions"]

# JSON name of each estimator (after the cloud's name), and whether it fits a scaling
# range (and so has a range and its own reliability test).
_SCALING = ("information_dimension", "correlation_dimension")
_NEIGHBOUR = ("twonn_dimension", "mle_dimension")
# The clouds whose D1 and D2 are compared with the attractor's, in output order.
_COMPARED = ("probe", "activation")
# Rows of float32 activations turned into float64 at a time for the covariance.
_CHUNK = 8192


def _estimator(name: str, seed: int, n_jobs: int | None, min_scale: float | None = None):
    if name == "information_dimension":
        return InformationDimension(random_state=seed, min_scale=min_scale)
    if name == "correlation_dimension":
        return CorrelationDimension(random_state=seed, n_jobs=n_jobs, min_scale=min_scale)
    if name == "twonn_dimension":
        return TwoNN(random_state=seed, n_jobs=n_jobs)
    return MLEDimension(random_state=seed, n_jobs=n_jobs)


def _failed(cloud: str, names, reason: str) -> dict:
    """Nulls, each with ``reason``, for the named fits of ``cloud``."""
    out: dict = {}
    for name in names:
        key = f"{cloud}_{name}"
        out.update({key: None, f"{key}_reason": reason, f"{key}_ci": None,
                    f"{key}_ci_reason": reason, f"{key}_reliable": False})
        if name in _SCALING:
            out.update({f"{key}_range": None, f"{key}_range_reason": reason})
    return out


def _measure(cloud: str, X: np.ndarray, names, seed: int, n_jobs: int | None, *,
             min_scale: float | None = None, fits: dict | None = None) -> dict:
    """Fit each named estimator on ``X`` (n_points, d); a failed fit is a null with its
    error as the reason. Keys ``{cloud}_{name}`` and its ``_ci``, ``_reliable``, ``_reason``
    (and ``_range`` for scaling fits). ``min_scale`` floors the scaling fits' scales;
    ``fits``, when given, receives each fitted estimator under its key."""
    out: dict = {}
    for name in names:
        key = f"{cloud}_{name}"
        scaling = name in _SCALING
        try:
            with warnings.catch_warnings():
                # A fallback scaling fit warns; reliable_ and reason_ carry it instead.
                warnings.simplefilter("ignore", RuntimeWarning)
                fitted = _estimator(name, seed, n_jobs, min_scale).fit(X)
        except (ValueError, ArithmeticError) as error:
            out |= _failed(cloud, [name], f"the fit failed: {error}")
            continue
        if fits is not None:
            fits[key] = fitted
        out[key] = float(fitted.dimension_)
        out[f"{key}_ci"] = [float(v) for v in fitted.ci_]
        if scaling:
            out[f"{key}_range"] = [float(v) for v in fitted.fit_range_]
            out[f"{key}_reliable"] = bool(fitted.reliable_)
            if fitted.reason_:
                out[f"{key}_reason"] = fitted.reason_
        else:
            # Nearest-neighbour fits have no reliability test of their own; the caller
            # marks those the PCA truncation may have capped.
            out[f"{key}_reliable"] = True
    return out


def _weighted_pca(A: np.ndarray, w: np.ndarray, n_components: int | None, variance: float,
                  max_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Weighted principal axes of activations ``A`` (m, D) with weights ``w`` (m,), sum 1.

    Returns the weighted mean (D,), the kept axes (D, k), the cumulative explained
    variance fractions of all axes (D,), and k: ``n_components`` if given, else the
    fewest axes reaching ``variance``, at most ``max_components``.
    """
    mean = np.zeros(A.shape[1])
    for start in range(0, len(A), _CHUNK):
        mean += w[start:start + _CHUNK] @ A[start:start + _CHUNK].astype(np.float64)
    cov = np.zeros((A.shape[1], A.shape[1]))
    for start in range(0, len(A), _CHUNK):
        centred = A[start:start + _CHUNK].astype(np.float64) - mean  # (chunk, D)
        cov += (centred * w[start:start + _CHUNK, None]).T @ centred
    evals, evecs = np.linalg.eigh(cov)
    evals, evecs = np.clip(evals[::-1], 0.0, None), evecs[:, ::-1]  # descending
    total = evals.sum()
    # Constant activations centre to rounding (~1e-16 of their offset), not to zero.
    if total <= 0 or total <= 1e-24 * (mean @ mean):
        raise ValueError("the activations do not vary: every prefix has the same one")
    cumulative = np.cumsum(evals) / total
    if n_components is not None:
        k = n_components
    else:
        # The 1e-12 keeps a variance of exactly 1.0 reachable despite rounding.
        k = min(int(np.argmax(cumulative >= variance - 1e-12)) + 1, max_components)
    return mean, evecs[:, :k], cumulative, k


def _check_arguments(n_components, variance, max_components, n_points, n_features) -> None:
    positive_int("n_points", n_points)
    positive_int("max_components", max_components)
    if n_components is not None:
        positive_int("n_components", n_components)
        if n_components > n_features:
            raise InputError(f"n_components={n_components} exceeds the {n_features} "
                             "activation features; use at most that many, or None")
    if isinstance(variance, bool) or not isinstance(variance, Real) or not 0 < variance <= 1:
        raise InputError(f"variance must be a fraction in (0, 1], got {variance!r}")


def _gap(result: dict, cloud: str, name: str, *, other: str = "attractor",
         label: str = "attractor", suffix: str = "") -> dict:
    """``{cloud}`` minus ``other`` for dimension ``name`` (e.g. ``information``), under
    the key ``{cloud}_{label}_{name}_gap{suffix}``."""
    key = f"{cloud}_{label}_{name}_gap{suffix}"
    mine = f"{cloud}_{name}_dimension{suffix}"
    theirs = f"{other}_{name}_dimension{suffix}"
    if result[mine] is None or result[theirs] is None:
        missing = mine if result[mine] is None else theirs
        reason = f"{missing} could not be measured: {result[f'{missing}_reason']}"
        return {key: None, f"{key}_reason": reason, f"{key}_ci": None,
                f"{key}_ci_reason": reason, f"{key}_reliable": False}
    (lo_m, hi_m), (lo_t, hi_t) = result[f"{mine}_ci"], result[f"{theirs}_ci"]
    out = {key: result[mine] - result[theirs], f"{key}_ci": [lo_m - hi_t, hi_m - lo_t]}
    unreliable = [k for k in (mine, theirs) if not result[f"{k}_reliable"]]
    out[f"{key}_reliable"] = not unreliable
    if unreliable:
        out[f"{key}_reason"] = (f"{' and '.join(unreliable)} "
                                f"{'is' if len(unreliable) == 1 else 'are'} unreliable")
    return out


def compare_dimensions(beliefs, projected, activations, weights=None, *,
                       process: Process | None = None, n_components: int | None = None,
                       variance: float = 0.99, max_components: int = 16,
                       n_points: int = 20_000, n_jobs: int | None = 1,
                       random_state: int | np.random.Generator | None = 0) -> dict:
    """D1 and D2 of the belief, probe and activation clouds of one set of prefixes.

    See the module docstring for the three clouds, the weighting and the finite-depth
    caveat.

    Parameters
    ----------
    beliefs : array_like, shape (m, n)
        True beliefs of the prefixes: in the belief chart (``n = n_states - 1``), or as
        belief vectors (``n = n_states``) when ``process`` is given.
    projected : array_like, shape (m, n)
        The probe's predicted beliefs (``ProbeReport.predictions[...]``), in the same form
        as ``beliefs``.
    activations : array_like, shape (m, D)
        The network's activations at the prefixes (e.g. ``Activations.concat()``).
    weights : array_like, shape (m,), optional
        ``Pr(w)`` of each prefix (``Prefixes.weights``); equal weights by default.
    process : Process, optional
        When given, ``beliefs`` and ``projected`` are belief vectors and are mapped into
        the chart by `dynamics.belief_coordinates`; otherwise they are taken to be chart
        coordinates already (any isometric coordinates give the same D2; D1's boxes
        depend slightly on the axes).
    n_components : int, optional
        Principal components of the activations kept; by default the fewest whose
        weighted variance reaches ``variance``, at most ``max_components``.
    variance : float, default=0.99
        Fraction of the activations' weighted variance the kept components should hold.
    max_components : int, default=16
        Cap on the components chosen by ``variance``: beyond ~16 coordinates no cloud of
        ~10^4 points has a scaling range, and the nearest-neighbour estimators need none.
    n_points : int, default=20000
        Rows drawn by weight (systematic resampling, the same for every cloud).
    n_jobs : int or None, default=1
        Threads for the neighbour searches (-1: all cores).
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the resampling and of every estimator (one seed shared by all).

    Returns
    -------
    dict
        JSON-ready; every null has a ``_reason``. ``n_prefixes`` (m), ``n_points``,
        ``n_distinct_points`` (rows drawn at least once), ``activation_pca_components``,
        ``activation_pca_variance_explained`` (fraction of the weighted variance on the
        kept components). For ``cloud`` in ``attractor``, ``probe``, ``activation`` and
        ``name`` in ``information_dimension`` (D1), ``correlation_dimension`` (D2):
        ``{cloud}_{name}`` (float), ``_ci`` ([low, high]), ``_range`` ([low, high] scales
        of the fit, in chart units for the beliefs and activation units for the
        activations), ``_reliable`` (bool) and ``_reason`` (why a fit is unreliable or
        failed; absent when reliable). ``activation_twonn_dimension`` and
        ``activation_mle_dimension`` with ``_ci`` and ``_reliable``: false, with a reason,
        when the components were capped before reaching ``variance`` and the estimate
        fills them (within 1), since the discarded components may hold more dimensions.
        The gaps ``probe_attractor_information_gap``,
        ``probe_attractor_correlation_gap``, ``activation_attractor_information_gap``,
        ``activation_attractor_correlation_gap``: the cloud's dimension minus the
        attractor's, with ``_ci`` (difference of the intervals, [lo - hi', hi - lo']) and
        ``_reliable`` (both fits reliable).

    Raises
    ------
    InputError
        For arrays of mismatched rows or columns, non-finite values, bad weights or
        arguments. A failing estimator gives a null with a reason instead.
    """
    A = np.asarray(activations)
    if A.ndim != 2 or A.dtype.kind not in "biuf" or len(A) == 0:
        raise InputError(f"activations must be a non-empty (m, D) array of numbers, got "
                         f"shape {A.shape} of {A.dtype}")
    m = len(A)
    Y = as_cloud(beliefs, "beliefs", m)
    P = as_cloud(projected, "projected", m)
    if P.shape != Y.shape:
        raise InputError(f"projected has shape {P.shape} but beliefs {Y.shape}; the probe "
                         "must predict the same belief coordinates")
    if process is not None:
        if Y.shape[1] != process.n_states:
            raise InputError(f"beliefs have {Y.shape[1]} coordinates but {process.name} has "
                             f"{process.n_states} states; pass belief vectors with process=, "
                             "or chart coordinates without it")
        from dynamics import belief_coordinates

        Y, P = belief_coordinates(process, Y), belief_coordinates(process, P)
    w = check_weights(weights, m)
    _check_arguments(n_components, variance, max_components, n_points, A.shape[1])
    if not all(np.isfinite(A[start:start + _CHUNK]).all() for start in range(0, m, _CHUNK)):
        raise InputError("activations hold NaN or infinite values; drop those rows first")

    rng = np.random.default_rng(random_state)  # a Generator passes through unchanged
    rows = resample_rows(w, n_points, rng)
    seed = int(rng.integers(2**63))
    result: dict = {"n_prefixes": m, "n_points": n_points,
                    "n_distinct_points": int(len(np.unique(rows)))}
    result |= _measure("attractor", Y[rows], _SCALING, seed, n_jobs)
    result |= _measure("probe", P[rows], _SCALING, seed, n_jobs)
    try:
        mean, axes, cumulative, k = _weighted_pca(A, w, n_components, variance,
                                                  max_components)
    except ValueError as error:
        reason = str(error)
        result.update({"activation_pca_components": None,
                       "activation_pca_components_reason": reason,
                       "activation_pca_variance_explained": None,
                       "activation_pca_variance_explained_reason": reason})
        result |= _failed("activation", _SCALING + _NEIGHBOUR, reason)
    else:
        explained = float(cumulative[k - 1])
        result["activation_pca_components"] = k
        result["activation_pca_variance_explained"] = explained
        scores = (A[rows].astype(np.float64) - mean) @ axes  # (n_points, k)
        result |= _measure("activation", scores, _SCALING + _NEIGHBOUR, seed, n_jobs)
        if explained < variance - 1e-12:
            for name in _NEIGHBOUR:
                key = f"activation_{name}"
                if result[key] is not None and result[key] >= k - 1:
                    result[f"{key}_reliable"] = False
                    result[f"{key}_reason"] = (
                        f"the estimate fills the {k} kept principal components, which hold "
                        f"only {explained:.3f} of the variance: the discarded ones may "
                        "hold more dimensions; raise max_components or n_components")
    for cloud in _COMPARED:
        for name in ("information", "correlation"):
            result |= _gap(result, cloud, name)
    return result


def attractor_dimensions(process: Process, n_points: int = 200_000,
                         seed: int | np.random.Generator | None = 0, *,
                         n_jobs: int | None = 1) -> dict:
    """D1 and D2 of the Blackwell measure, from chaos-game samples in the belief chart.

    The reference for `compare_dimensions`' attractor cloud, which holds only the
    prefixes of a finite context (module docstring): with enough points the chaos game
    resolves the measure at every scale its sample can reach. The samples
    (`dynamics.chaos_game`, 64 chains from ``pi`` with a burn-in) are mapped by
    `dynamics.belief_coordinates`.

    Parameters
    ----------
    process : Process
    n_points : int, default=200000
        Chaos-game samples measured.
    seed : int, numpy.random.Generator or None, default=0
        Seed of the chaos game and of both estimators.
    n_jobs : int or None, default=1
        Threads for the correlation sum's neighbour counts (-1: all cores).

    Returns
    -------
    dict
        ``blackwell_n_points``, and for ``name`` in ``information_dimension`` (D1),
        ``correlation_dimension`` (D2): ``blackwell_{name}`` with ``_ci``, ``_range``,
        ``_reliable`` and ``_reason``, as in `compare_dimensions`.

    Raises
    ------
    InputError
        For a non-positive ``n_points``.
    ProcessError
        When the chaos game fails (a generalized HMM giving a negative probability).
    """
    from dynamics import belief_coordinates, chaos_game

    positive_int("n_points", n_points)
    rng = np.random.default_rng(seed)
    beliefs = chaos_game(process, n_points, seed=rng, track_entropy=False).beliefs
    estimator_seed = int(rng.integers(2**63))
    result: dict = {"blackwell_n_points": int(n_points)}
    result |= _measure("blackwell", belief_coordinates(process, beliefs), _SCALING,
                       estimator_seed, n_jobs)
    return result


def scatter_matched_dimensions(beliefs, projected, attractor, weights=None, *,
                               floor: float = 2.0, n_points: int = 200_000,
                               random_state: int | np.random.Generator | None = 0,
                               return_fits: bool = False) -> dict | tuple[dict, dict]:
    """D1 of a probe's reading of the beliefs, against the attractor at the same scales.

    A probe reads each belief with some scatter: its residual ``projected - beliefs``.
    Below the scatter every cloud looks as many-dimensional as the scatter itself, so a
    free fit of the probe cloud measures the network's precision, not its fractal. This
    comparison fits D1 (`InformationDimension`) over box sides of at least
    ``floor * scatter`` only, for both the probe cloud and the Blackwell measure, and
    adds a control: the **blurred attractor**, the chaos-game cloud with residuals of
    the probe (drawn at random) added to its points. A network that holds the attractor
    exactly up to its scatter gives the probe cloud the blurred attractor's D1; a gap
    between those two is structure the network lacks (or adds), beyond its precision.

    Parameters
    ----------
    beliefs, projected : array_like, shape (m, n)
        True and probe-read beliefs of the prefixes, in the belief chart
        (`dynamics.belief_coordinates`). Pass prefixes long enough to lie on the
        attractor (e.g. the second half of the context): short ones are transient atoms.
    attractor : array_like, shape (k, n)
        Chaos-game samples of the Blackwell measure in the same chart.
    weights : array_like, shape (m,), optional
        ``Pr(w)`` of each prefix; equal by default.
    floor : float, default=2.0
        Smallest box side fitted, in units of the scatter (> 0).
    n_points : int, default=200000
        Prefix rows drawn by weight for the probe cloud (and residuals for the blur).
    random_state : int, numpy.random.Generator or None, default=0
    return_fits : bool, default=False
        Also return the fitted estimators (for `analysis.geometry.plot_scaling`).

    Returns
    -------
    dict
        JSON-ready. ``probe_information_dimension_free_fit``: the probe cloud's D1 with no
        floor (over scales the scatter may fill), with ``_ci``, ``_range``, ``_reliable``
        and ``_reason``. ``probe_scatter`` (weighted RMS length of the residual, chart units),
        ``scatter_min_scale`` (``floor * probe_scatter``); for ``cloud`` in ``probe``,
        ``attractor`` and ``blurred_attractor``: ``{cloud}_information_dimension_above_
        scatter`` with ``_ci``, ``_range``, ``_reliable`` and ``_reason`` as in
        `compare_dimensions`; the gaps ``probe_attractor_information_gap_above_scatter``
        (probe minus attractor) and ``probe_blurred_information_gap_above_scatter``
        (probe minus blurred attractor), with ``_ci`` and ``_reliable``.
    dict
        Only with ``return_fits``: result key of each fit -> its fitted
        `InformationDimension`.

    Raises
    ------
    InputError
        For mismatched shapes, non-finite values, bad weights or arguments.
    """
    Y = as_cloud(beliefs, "beliefs")
    P = as_cloud(projected, "projected", len(Y))
    C = as_cloud(attractor, "attractor")
    if P.shape != Y.shape or C.shape[1] != Y.shape[1]:
        raise InputError(f"beliefs {Y.shape}, projected {P.shape} and attractor {C.shape} "
                         "must share their coordinates (the belief chart)")
    w = check_weights(weights, len(Y))
    positive_int("n_points", n_points)
    if isinstance(floor, bool) or not isinstance(floor, Real) or not 0 < floor < np.inf:
        raise InputError(f"floor must be a positive number (of scatters), got {floor!r}")
    rng = np.random.default_rng(random_state)
    residual = P - Y  # (m, n)
    scatter = float(np.sqrt(w @ np.einsum("ij,ij->i", residual, residual)))
    min_scale = floor * scatter
    rows = resample_rows(w, n_points, rng)
    seed = int(rng.integers(2**63))
    blurred = C + residual[rows[rng.integers(len(rows), size=len(C))]]
    result: dict = {"probe_scatter": scatter, "scatter_min_scale": min_scale}
    fits: dict = {}
    for cloud, X, floor_at, suffix in (
            ("probe", P[rows], None, "_free_fit"),
            ("probe", P[rows], min_scale, "_above_scatter"),
            ("attractor", C, min_scale, "_above_scatter"),
            ("blurred_attractor", blurred, min_scale, "_above_scatter")):
        found: dict = {}
        measured = _measure(cloud, X, ("information_dimension",), seed, 1,
                            min_scale=floor_at, fits=found)
        plain, named = f"{cloud}_information_dimension", f"{cloud}_information_dimension{suffix}"
        result |= {key.replace(plain, named, 1): v for key, v in measured.items()}
        if plain in found:  # absent when the fit failed (a null with its reason)
            fits[named] = found[plain]
    for other, label in (("attractor", "attractor"), ("blurred_attractor", "blurred")):
        result |= _gap(result, "probe", "information", other=other, label=label,
                       suffix="_above_scatter")
    return (result, fits) if return_fits else result
