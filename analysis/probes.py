"""Linear probes: how much of the belief (or the next-token distribution) a network's
residual stream holds linearly, layer by layer and across all layers at once.

The probe is weighted ridge regression, scored by a weighted R² pooled over the target's
dimensions on prefixes from held-out sequences (``docs/conventions.md``: hold out by
sequence, weigh each distinct prefix by ``Pr(w)``). A shuffled-target control, fitted
the same way, tells how much R² a probe of this size gets from nothing.

Generalized HMMs need no special case: their beliefs are probed as given, normalised by
``r`` (``eta r = 1``); another normalisation is a fixed linear map per process, which a
linear probe with an intercept absorbs (R² unchanged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from processes.errors import InputError

from .io import save_figure
from .networks.activations import Activations

__all__ = ["ALPHAS", "CONCAT", "LayerScore", "LinearProbe", "ProbeReport", "plot_probe", "probe",
           "weighted_r2"]

CONCAT = "concat"
"""The key of the probe on all probed hooks side by side, in `ProbeReport.predictions`."""

# Rows per chunk when accumulating moments and predicting: bounds the float64 copies
# of float32 activations.
_CHUNK = 8192
# Eigenvalues of the standardised covariance below this fraction of the largest are
# rounding, not directions of the data (the float32 activations' precision is ~1e-7,
# squared ~1e-14); they are left out of the solve.
_RANK_TOL = 1e-12


def _check_weights(sample_weight, m: int) -> np.ndarray:
    """Weights (m,) as float64: finite, non-negative, with a positive sum; ones if None."""
    if sample_weight is None:
        return np.ones(m)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (m,) or not np.isfinite(w).all() or w.min() < 0 or w.sum() <= 0:
        raise InputError(f"sample_weight must be {m} finite non-negative numbers with a "
                         f"positive sum (one per row), got shape {w.shape}")
    return w


def _as_2d(y) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y[:, None] if y.ndim == 1 else y


def weighted_r2(y, y_pred, sample_weight=None) -> float:
    """Weighted R², pooled over output dimensions.

    ``1 - sum_i w_i ||y_i - yhat_i||² / sum_i w_i ||y_i - ybar||²`` with ``ybar`` the
    weighted mean of ``y``. Pooling (rather than averaging per-dimension R²) makes it
    the fraction of the cloud's total variance explained, unchanged by a rotation of the
    target space and not inflated by a nearly constant coordinate.

    Parameters
    ----------
    y, y_pred : ndarray, shape (m,) or (m, n_out)
    sample_weight : ndarray, shape (m,), optional

    Returns
    -------
    float
        At most 1; NaN when ``y`` does not vary (R² is undefined).
    """
    y, y_pred = _as_2d(y), _as_2d(y_pred)
    w = _check_weights(sample_weight, len(y))
    if y.shape != y_pred.shape:
        raise InputError(f"y has shape {y.shape} but y_pred {y_pred.shape}; they must match")
    residual = w @ ((y - y_pred) ** 2).sum(axis=1)
    total = w @ ((y - (w @ y) / w.sum()) ** 2).sum(axis=1)
    return float(1.0 - residual / total) if total > 0 else math.nan


def _chunks(m: int):
    return (slice(start, min(start + _CHUNK, m)) for start in range(0, m, _CHUNK))


class _RidgePath:
    """Weighted moments of standardised features, eigendecomposed once, so that ridge
    solutions for many ``alpha`` cost one small matrix product each (cross-validation).

    ``X`` (m, d) any float dtype, ``y`` (m, n_out) float64, ``w`` (m,) non-negative.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, fit_intercept: bool):
        w = w / w.sum()
        d = X.shape[1]
        self.mu = np.zeros(d)
        self.y_mean = w @ y if fit_intercept else np.zeros(y.shape[1])
        if fit_intercept:
            for rows in _chunks(len(X)):
                self.mu += w[rows] @ X[rows].astype(np.float64)
        cov, cross = np.zeros((d, d)), np.zeros((d, y.shape[1]))
        for rows in _chunks(len(X)):
            xc = X[rows].astype(np.float64) - self.mu  # (chunk, d)
            wx = xc * w[rows, None]
            cov += wx.T @ xc
            cross += wx.T @ (y[rows] - self.y_mean)
        scale = np.sqrt(np.diag(cov))
        # A constant feature carries nothing; scaling it by 1 keeps it at 0.
        scale[scale <= _RANK_TOL * max(scale.max(), 0.0)] = 1.0
        evals, evecs = np.linalg.eigh(cov / np.outer(scale, scale))
        keep = evals > _RANK_TOL * max(evals.max(), 0.0)
        self.scale, self.evals, self.evecs = scale, evals[keep], evecs[:, keep]
        self.projected = self.evecs.T @ (cross / scale[:, None])  # (rank, n_out)

    def solve(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients (d, n_out) in the features' units and the intercept (n_out,)."""
        coef = self.evecs @ (self.projected / (self.evals + alpha)[:, None])
        coef /= self.scale[:, None]
        return coef, self.y_mean - self.mu @ coef


class LinearProbe(RegressorMixin, BaseEstimator):
    """Weighted ridge regression on standardised features, solved in float64.

    Minimises ``sum_i w_i ||y_i - x_i B - c||² / sum_i w_i + alpha ||B_s||²`` where
    ``B_s`` are the coefficients on features standardised by their weighted standard
    deviation: ``alpha`` is a fraction of a unit-variance feature's variance, so it means
    the same for every layer, width and weighting. Directions of the standardised
    covariance far below ``alpha`` are suppressed, which keeps the concatenation of
    nearly collinear layers well posed; a signal direction of variance ``lambda`` keeps
    ``lambda / (lambda + alpha)`` of its coefficient, so R² loses about ``alpha²`` on
    unit-variance directions.

    Parameters
    ----------
    alpha : float, default=1e-3
        Ridge strength on the standardised scale, >= 0 (0: least squares, minimum-norm
        when the features are collinear).
    fit_intercept : bool, default=True
        Fit ``c`` (features and targets centred on their weighted means); otherwise
        the features are scaled by their weighted root mean square.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features, n_out), or (n_features,) for a 1-D ``y``
        ``B`` in the units of the features.
    intercept_ : ndarray, shape (n_out,), or float for a 1-D ``y``
    n_features_in_ : int
    """

    def __init__(self, alpha: float = 1e-3, fit_intercept: bool = True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def fit(self, X, y, sample_weight=None) -> LinearProbe:
        """Fit on ``X`` (m, n_features) and ``y`` (m,) or (m, n_out) with optional
        ``sample_weight`` (m,); returns self."""
        if isinstance(self.alpha, bool) or not (isinstance(self.alpha, Real)
                                                and self.alpha >= 0):
            raise InputError(f"alpha must be a number >= 0, got {self.alpha!r}")
        X = self._check_X(X, fitted=False)
        y_1d = np.ndim(y) == 1
        y = _as_2d(y)
        if len(y) != len(X) or y.ndim != 2 or not np.isfinite(y).all():
            raise InputError(f"y must hold {len(X)} finite rows (one per row of X), got "
                             f"shape {y.shape}")
        w = _check_weights(sample_weight, len(X))
        coef, intercept = _RidgePath(X, y, w, self.fit_intercept).solve(self.alpha)
        d = X.shape[1]
        self.coef_, self.intercept_ = (coef[:, 0], intercept[0]) if y_1d else (coef, intercept)
        self.n_features_in_ = d
        return self

    def _check_X(self, X, fitted: bool) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.dtype.kind not in "biuf" or len(X) == 0:
            raise InputError(f"X must be a non-empty (n_rows, n_features) array of numbers, "
                             f"got shape {X.shape} of {X.dtype}")
        if fitted and X.shape[1] != self.n_features_in_:
            raise InputError(f"X has {X.shape[1]} features; the probe was fitted on "
                             f"{self.n_features_in_}")
        if not np.isfinite(X).all():
            raise InputError("X holds NaN or infinite values; drop those rows first")
        return X

    def predict(self, X) -> np.ndarray:
        """Predictions for ``X`` (m, n_features): shape (m, n_out), or (m,) when fitted
        on a 1-D ``y``; float64."""
        check_is_fitted(self)
        X = self._check_X(X, fitted=True)
        out = np.empty((len(X), *self.coef_.shape[1:]))
        for rows in _chunks(len(X)):
            out[rows] = X[rows].astype(np.float64) @ self.coef_ + self.intercept_
        return out

    def score(self, X, y, sample_weight=None) -> float:
        """`weighted_r2` of the predictions for ``X`` against ``y``."""
        return weighted_r2(y, self.predict(X), sample_weight)


@dataclass(frozen=True)
class LayerScore:
    """How well one probe does on the held-out prefixes.

    Attributes
    ----------
    r2 : float
        `weighted_r2` (weights ``Pr(w)``), pooled over the target's dimensions.
    mse : float
        Weighted mean over prefixes of the squared error averaged over the target's
        dimensions: ``sum_i w_i mean_j e_ij² / sum_i w_i``.
    mse_unweighted : float
        Plain mean of ``e_ij²`` over held-out rows and dimensions, as the literature
        quotes it (Shai et al. 2024). With exact prefixes each distinct prefix counts
        once, so deep, rare prefixes dominate it.
    shuffle_r2 : float
        `weighted_r2` on the same held-out rows of a probe fitted with the training
        activations permuted against their (target, weight) pairs: about 0, slightly
        below.
    alpha : float
        The ridge strength used (chosen by cross-validation unless fixed).
    """

    r2: float
    mse: float
    mse_unweighted: float
    shuffle_r2: float
    alpha: float = math.nan


@dataclass(frozen=True)
class ProbeReport:
    """Probes of every hook and of their concatenation, scored on held-out sequences.

    Attributes
    ----------
    target : {"belief", "next_token"}
    per_layer : dict of str to LayerScore
        One probe per hook, in depth order.
    concat : LayerScore
        The probe on all the probed hooks side by side.
    best_layer : str
        The hook whose probe has the highest R².
    test_rows : ndarray, shape (m_test,), int64
        The held-out prefix rows.
    targets : ndarray, shape (m, n_out)
        The probed targets of every row (beliefs or next-token distributions).
    predictions : dict of str to ndarray, each of shape (m, n_out)
        Every row's prediction by the probes of ``best_layer`` and of `CONCAT`.
    """

    target: str
    per_layer: dict[str, LayerScore]
    concat: LayerScore
    best_layer: str
    test_rows: np.ndarray
    targets: np.ndarray
    predictions: dict[str, np.ndarray]

    @property
    def r2(self) -> float:
        """The best single hook's held-out R²."""
        return self.per_layer[self.best_layer].r2

    def to_dict(self) -> dict:
        """JSON-ready summary: ``probe_r2``, ``probe_mse``, ``probe_mse_unweighted`` and
        ``shuffle_r2`` of the best hook, ``best_layer``, ``per_layer`` (hook -> R²) and
        ``concat_r2``. Keys of a next-token report start with ``next_token_`` (e.g.
        ``next_token_probe_r2``), so both reports merge into one dict. An undefined R²
        (targets that do not vary) is ``None`` with a ``_reason``."""
        prefix = "" if self.target == "belief" else f"{self.target}_"
        best = self.per_layer[self.best_layer]
        values = {"probe_r2": best.r2, "probe_mse": best.mse,
                  "probe_mse_unweighted": best.mse_unweighted, "shuffle_r2": best.shuffle_r2,
                  "best_layer": self.best_layer,
                  "per_layer": {name: _finite(s.r2) for name, s in self.per_layer.items()},
                  "concat_r2": self.concat.r2}
        out = {}
        for key, value in values.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[f"{prefix}{key}"] = None
                out[f"{prefix}{key}_reason"] = ("the held-out targets do not vary (a "
                                                "process with a single belief), so R² is "
                                                "undefined")
            else:
                out[f"{prefix}{key}"] = value
        return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


_TARGETS = {"belief": "beliefs", "next_token": "next_token_probs"}


def _test_rows(group: np.ndarray, test_fraction: float, rng: np.random.Generator
               ) -> np.ndarray:
    """A mask of the rows whose group is among ``test_fraction`` of the groups, drawn
    at random (at least one group on each side)."""
    if not 0 < test_fraction < 1:
        raise InputError(f"test_fraction must lie strictly between 0 and 1, got "
                         f"{test_fraction!r}")
    groups = np.unique(group)
    n_test = int(round(test_fraction * len(groups)))
    if not 0 < n_test < len(groups):
        raise InputError(f"{len(groups)} groups (sequences) cannot be split "
                         f"{test_fraction:g} : {1 - test_fraction:g} with at least one on "
                         "each side; use more sequences (a longer n_ctx or more "
                         "n_sequences) or another test_fraction")
    return np.isin(group, rng.choice(groups, n_test, replace=False))


def _score(y, pred, w) -> tuple[float, float, float]:
    """(weighted R², weighted MSE, unweighted MSE) of ``pred`` against ``y`` (m, n_out)."""
    err = ((y - pred) ** 2).mean(axis=1)  # (m,), mean over dimensions
    return weighted_r2(y, pred, w), float(w @ err / w.sum()), float(err.mean())


ALPHAS = tuple(float(a) for a in np.logspace(-4, 4, 9))
"""The ridge strengths cross-validation chooses from (standardised scale)."""
_FOLDS = 4
# Without enough groups to cross-validate: a light ridge that only steadies collinear
# features (R² loses about alpha² on unit-variance directions).
_FEW_GROUPS_ALPHA = 1e-3


def _cv_alpha(X: np.ndarray, y: np.ndarray, w: np.ndarray, group: np.ndarray,
              rng: np.random.Generator) -> float:
    """The `ALPHAS` entry with the least weighted squared error over group folds of the
    training rows: a few thousand distinct prefixes (RRXOR) against 320 concatenated
    features overfit at a small fixed alpha, while Mess3's 88k prefixes want it small."""
    groups = np.unique(group)
    if len(groups) < 2 * _FOLDS:
        return _FEW_GROUPS_ALPHA  # too few sequences to cross-validate
    fold_of = dict(zip(rng.permutation(groups), np.arange(len(groups)) % _FOLDS,
                       strict=True))
    fold = np.array([fold_of[g] for g in group])
    errors = np.zeros(len(ALPHAS))
    for k in range(_FOLDS):
        held = fold == k
        if w[~held].sum() <= 0 or w[held].sum() <= 0:
            continue
        path = _RidgePath(X[~held], y[~held], w[~held], fit_intercept=True)
        X_held = X[held].astype(np.float64)
        for i, alpha in enumerate(ALPHAS):
            coef, intercept = path.solve(alpha)
            errors[i] += w[held] @ ((X_held @ coef + intercept - y[held]) ** 2).sum(axis=1)
    return ALPHAS[int(np.argmin(errors))]


def probe(activations: Activations, target: str = "belief", *, test_fraction: float = 0.2,
          seed: int | np.random.Generator | None = 0, layers=None,
          alpha: float | str = "cv") -> ProbeReport:
    """Fit a `LinearProbe` per hook and on their concatenation; score on held-out groups.

    Parameters
    ----------
    activations : Activations
    target : {"belief", "next_token"}, default="belief"
        Probe the belief ``eta(w)`` (n_states) or the next-token distribution (k).
    test_fraction : float, default=0.2
        Fraction of the groups (sequences, ``Prefixes.group``) held out; a prefix is
        scored only by a probe that never saw its sequence.
    seed : int, numpy.random.Generator or None, default=0
        Seed of the split and of the shuffled control.
    layers : sequence of str, optional
        Hooks to probe, in order (all of ``activations.hooks`` by default).
    alpha : float or "cv", default="cv"
        `LinearProbe` ridge strength, or "cv": chosen per hook from `ALPHAS` by 4-fold
        cross-validation over the training sequences (the shuffled control chooses its
        own, so it shrinks to the mean as it should).

    Returns
    -------
    ProbeReport

    Raises
    ------
    InputError
        For an unknown target or hook (naming the available ones), or too few groups to
        hold any out.
    """
    if target not in _TARGETS:
        raise InputError(f"target must be one of {', '.join(_TARGETS)}, got {target!r}")
    names = tuple(activations.hooks if layers is None else layers)
    if not names:
        raise InputError("layers is empty; name at least one hook, or pass None for all")
    for name in names:
        activations.layer(name)  # an unknown name fails before any fitting
    prefixes = activations.prefixes
    y, w = getattr(prefixes, _TARGETS[target]), prefixes.weights
    rng = np.random.default_rng(seed)  # a Generator passes through unchanged
    test = _test_rows(prefixes.group, test_fraction, rng)
    train = ~test
    # The control breaks the pairing of activations with (target, weight) pairs: each
    # target keeps its own weight, so the control's weighted target distribution is the
    # real one. Permuting targets alone would hand a heavy prefix the extreme belief of a
    # rare one (a GHMM's beliefs leave the simplex far), skewing the control's mean.
    shuffle = rng.permutation(int(train.sum()))

    if not (alpha == "cv" or (isinstance(alpha, Real) and not isinstance(alpha, bool)
                              and alpha >= 0)):
        raise InputError(f"alpha must be a number >= 0 or 'cv', got {alpha!r}")
    groups = prefixes.group[train]

    def fit(X) -> tuple[LayerScore, np.ndarray]:
        X_train = X[train]
        a = _cv_alpha(X_train, y[train], w[train], groups, rng) if alpha == "cv" else alpha
        X_shuffled = X_train[shuffle]
        a_control = (_cv_alpha(X_shuffled, y[train], w[train], groups, rng) if alpha == "cv"
                     else alpha)
        pred = LinearProbe(a).fit(X_train, y[train], w[train]).predict(X)
        control = LinearProbe(a_control).fit(X_shuffled, y[train], w[train]).predict(X[test])
        scores = _score(y[test], pred[test], w[test])
        return LayerScore(*scores, shuffle_r2=weighted_r2(y[test], control, w[test]),
                          alpha=float(a)), pred

    per_layer, best, best_pred = {}, None, None
    for name in names:
        per_layer[name], pred = fit(activations.layer(name))
        if best is None or per_layer[name].r2 > per_layer[best].r2:
            best, best_pred = name, pred
    concat, concat_pred = fit(activations.concat(names))
    return ProbeReport(target=target, per_layer=per_layer, concat=concat, best_layer=best,
                       test_rows=np.flatnonzero(test), targets=y,
                       predictions={best: best_pred, CONCAT: concat_pred})


def _weighted_pca(points: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Weighted mean (n,), top-2 principal axes (n, 2) and their variance fractions (2,)."""
    mean = w @ points / w.sum()
    centred = points - mean
    evals, evecs = np.linalg.eigh((centred * w[:, None]).T @ centred / w.sum())
    order = np.argsort(evals)[::-1][:2]
    return mean, evecs[:, order], evals[order] / max(evals.sum(), np.finfo(float).tiny)


def plot_probe(beliefs_true, beliefs_pred, weights=None, *, axes=None,
               path: str | Path | None = None, title: str | None = None):
    """True beliefs beside the probe's predictions, both coloured by the true belief.

    As in Shai et al. (2024): where the probe is good the right panel repeats the left
    one, colours included. Three or fewer states are drawn in the simplex
    (`dynamics.plots.plot_simplex`); more are projected on the top two principal axes
    of the (weighted) true beliefs, the same axes for both panels.

    Parameters
    ----------
    beliefs_true, beliefs_pred : ndarray, shape (m, n)
    weights : ndarray, shape (m,), optional
        ``Pr(w)`` of each prefix: heavier prefixes are drawn larger and underneath, so
        the fine structure of deep, rare prefixes stays visible on top.
    axes : pair of matplotlib Axes, optional
        Where to draw; a new two-panel ``Figure`` by default.
    path : str or Path, optional
        Save the figure there (`analysis.io.save_figure`, which closes it).
    title : str, optional
        A title over both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from dynamics.plots import belief_colors, plot_simplex

    true = np.asarray(beliefs_true, dtype=np.float64)
    pred = np.asarray(beliefs_pred, dtype=np.float64)
    if true.ndim != 2 or true.shape != pred.shape or len(true) == 0:
        raise InputError(f"beliefs_true {true.shape} and beliefs_pred {pred.shape} must be "
                         "the same non-empty (m, n) shape")
    w = _check_weights(weights, len(true))
    r2 = weighted_r2(true, pred, w)
    if axes is None:
        from matplotlib.figure import Figure

        axes = Figure(figsize=(10, 4.6), layout="constrained").subplots(1, 2)
    # Heaviest first (underneath); area grows like sqrt(weight) relative to the mean.
    order = np.argsort(-w, kind="stable")
    base = float(np.clip(2e4 / len(true), 0.3, 8.0))
    sizes = base * np.clip(np.sqrt(w[order] * len(w) / w.sum()), 0.5, 6.0)
    colors = belief_colors(true)[order]
    panels = ((axes[0], true[order], "ground truth beliefs"),
              (axes[1], pred[order], f"linear probe prediction (R² = {r2:.4f})"))
    if true.shape[1] <= 3:
        from dynamics.plots import simplex_coordinates

        # One frame for both panels, around the simplex and the true beliefs (a GHMM's
        # leave the simplex), so the panels compare point for point.
        xy = np.vstack([simplex_coordinates(np.eye(true.shape[1])),
                        simplex_coordinates(true)])
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        pad = 0.06 * max((hi - lo).max(), 1.0)  # one state: a single point, no extent
        for ax, points, label in panels:
            plot_simplex(points, ax=ax, s=sizes, title=label, colors=colors)
            ax.set_xlim(lo[0] - pad, hi[0] + pad)
            ax.set_ylim(lo[1] - pad, hi[1] + pad)
    else:
        mean, basis, share = _weighted_pca(true, w)
        xy_true = (true[order] - mean) @ basis
        lo, hi = xy_true.min(axis=0), xy_true.max(axis=0)
        pad = 0.08 * (hi - lo).max()
        for ax, points, label in panels:
            xy = (points - mean) @ basis
            ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colors, linewidths=0, rasterized=True)
            ax.set_xlabel(f"PC1 of the true beliefs ({share[0]:.0%} of variance)")
            ax.set_ylabel(f"PC2 of the true beliefs ({share[1]:.0%} of variance)")
            ax.set_xlim(lo[0] - pad, hi[0] + pad)
            ax.set_ylim(lo[1] - pad, hi[1] + pad)
            ax.set_aspect("equal")
            ax.set_title(label)
    fig = axes[0].figure
    if title:
        fig.suptitle(title)
    if path is not None:
        save_figure(fig, path)
    return fig
