"""How much of the belief geometry a network's activations share, beyond what it outputs.

Every function works on a weighted set of prefixes (rows), each weighted by ``Pr(w)``
(`Prefixes.weights`), and takes the beliefs, activations and next-token distributions as
arrays (a probe's predictions too: this wing does not import `analysis.probes`).

- `rsa_correlation`: representational similarity: the correlation between the pairwise
  distances of beliefs and of activations, over pairs of distinct prefixes weighted by
  ``w_i w_j`` (enumerated when few, else drawn by weight).
- `linear_cka`: weighted linear centred kernel alignment, from the cross-covariance.
- `equal_prediction_pairs`: prefixes whose next-token distributions agree but whose
  beliefs differ; activations that still tell them apart carry the belief beyond the
  network's own output.

Distances are Euclidean. Beliefs may be belief vectors or chart coordinates
(`dynamics.belief_coordinates`): the chart preserves distances, so every number here
is the same in both.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from processes.errors import InputError

from ._weighting import as_cloud, check_weights, positive_int

__all__ = ["equal_prediction_pairs", "linear_cka", "rsa_correlation"]

# Pairs (or rows) whose differences are formed at once: bounds the float64 temporaries
# at _CHUNK * D * 8 bytes.
_CHUNK = 8192
# Variances below this fraction of the mean square are rounding (a relative spread
# under 1e-12): the values are constant, and their correlation undefined.
_CONSTANT = 1e-24
# Fewest pairs a correlation is computed from.
_MIN_PAIRS = 3


def _pairs(w: np.ndarray, n_pairs: int, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Pairs of distinct rows with their weights: ``(i, j, pair_weight, exact)``.

    Exact (every unordered pair ``i < j``, weighted ``w_i w_j``) when there are at most
    ``n_pairs`` of them; otherwise ``n_pairs`` ordered pairs drawn from the same
    distribution, ``Pr(i, j) ∝ w_i w_j`` for ``i != j``, each weighted 1: ``i`` is drawn
    with probability ``∝ w_i (1 - w_i)``, then ``j`` from ``w`` with row ``i`` cut out of
    the cumulative sum (no rejection, however heavy a row).
    """
    m = len(w)
    if 1.0 - (w ** 2).sum() <= 1e-15:
        raise InputError("only one row has positive weight: there are no pairs of distinct "
                         "prefixes to compare")
    if m * (m - 1) // 2 <= n_pairs:
        i, j = np.triu_indices(m, k=1)
        keep = (w[i] > 0) & (w[j] > 0)
        i, j = i[keep], j[keep]
        return i, j, w[i] * w[j], True
    first = w * (1.0 - w)
    i = rng.choice(m, n_pairs, p=first / first.sum())
    edges = np.cumsum(w)
    edges /= edges[-1]
    start = edges[i] - w[i]  # where row i's interval begins
    u = rng.random(n_pairs) * (1.0 - w[i])  # uniform over the other rows' mass
    x = np.where(u < start, u, u + w[i])  # skip row i's interval
    j = np.minimum(np.searchsorted(edges, x, side="right"), m - 1)
    # Rounding can land x on the edge of row i's interval; redraw those few.
    clash = (j == i) | (w[j] == 0)
    while clash.any():
        redraw = rng.choice(m, int(clash.sum()), p=w)
        j[clash] = redraw
        clash = (j == i) | (w[j] == 0)
    return i, j.astype(np.int64), np.ones(n_pairs), False


def _pair_distances(X: np.ndarray, i: np.ndarray, j: np.ndarray, metric: str = "euclidean"
                    ) -> np.ndarray:
    """Distances (n_pairs,) between rows ``i`` and ``j`` of ``X`` (m, d): Euclidean, or
    the largest coordinate difference (``"chebyshev"``)."""
    out = np.empty(len(i))
    for start in range(0, len(i), _CHUNK):
        s = slice(start, start + _CHUNK)
        diff = X[i[s]].astype(np.float64) - X[j[s]]  # (chunk, d)
        out[s] = (np.abs(diff).max(axis=1) if metric == "chebyshev"
                  else np.sqrt((diff ** 2).sum(axis=1)))
    return out


def _weighted_pearson(a: np.ndarray, b: np.ndarray, pw: np.ndarray) -> float:
    """Pearson correlation of ``a`` and ``b`` (n,) under weights ``pw`` (n,); NaN when
    either is constant or there are too few pairs."""
    if len(a) < _MIN_PAIRS or pw.sum() <= 0:
        return float("nan")
    pw = pw / pw.sum()
    da, db = a - pw @ a, b - pw @ b
    va, vb = pw @ da ** 2, pw @ db ** 2
    if va <= _CONSTANT * (pw @ a ** 2) or vb <= _CONSTANT * (pw @ b ** 2) or va <= 0 or vb <= 0:
        return float("nan")
    return float(np.clip((pw @ (da * db)) / np.sqrt(va * vb), -1.0, 1.0))


def _check_pair_arguments(beliefs, activations, weights, n_pairs):
    A = as_cloud(activations, "activations")
    Y = as_cloud(beliefs, "beliefs", len(A))
    return Y, A, check_weights(weights, len(A)), positive_int("n_pairs", n_pairs)


def rsa_correlation(beliefs, activations, weights=None, *, n_pairs: int = 200_000,
                    random_state: int | np.random.Generator | None = 0) -> float:
    """Weighted Pearson correlation between pairwise belief and activation distances.

    The population is a pair of distinct prefixes drawn independently by weight:
    ``Pr(i, j) ∝ w_i w_j`` for ``i != j``. Every pair is used when there are at most
    ``n_pairs`` (the result is then exact and ``random_state`` unused); otherwise
    ``n_pairs`` pairs are drawn from that distribution, so the cost is O(n_pairs D)
    whatever the number of prefixes, and the sampling error about ``1 / sqrt(m)``.

    The diagonal (a prefix with itself) is left out, as in representational similarity
    analysis: any function of the prefix, noise included, pairs it with itself at
    distance 0. With a sampled `Prefixes` the same short prefix recurs on several rows,
    and those copies pair at distance 0 in both spaces, raising the correlation a
    little; an exact `Prefixes` has each prefix once.

    An activation cloud that is a similarity transform of the beliefs (rotation,
    reflection, uniform scaling, translation) gives exactly 1; a general linear map
    distorts distances and gives less; activations independent of the beliefs give
    about 0.

    Parameters
    ----------
    beliefs : array_like, shape (m, n)
        Beliefs (or chart coordinates) of the prefixes.
    activations : array_like, shape (m, D)
    weights : array_like, shape (m,), optional
        ``Pr(w)``; equal by default.
    n_pairs : int, default=200000
        Most pairs used.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the drawn pairs.

    Returns
    -------
    float
        In [-1, 1]; NaN when the belief or the activation distances do not vary (a
        single belief, constant activations).

    Raises
    ------
    InputError
        For mismatched rows, non-finite values, bad weights, or fewer than two rows of
        positive weight.
    """
    Y, A, w, n_pairs = _check_pair_arguments(beliefs, activations, weights, n_pairs)
    i, j, pw, _ = _pairs(w, n_pairs, np.random.default_rng(random_state))
    return _weighted_pearson(_pair_distances(Y, i, j), _pair_distances(A, i, j), pw)


def _centred_moments(X: np.ndarray, Y: np.ndarray, w: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted covariances ``X'WX`` (D, D), ``Y'WY`` (n, n) and ``X'WY`` (D, n) of the
    centred rows, ``w`` summing to 1, accumulated in chunks of rows, and the weighted
    means (D,) and (n,)."""
    mx, my = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    for start in range(0, len(X), _CHUNK):
        s = slice(start, start + _CHUNK)
        mx += w[s] @ X[s].astype(np.float64)
        my += w[s] @ Y[s].astype(np.float64)
    xx = np.zeros((X.shape[1], X.shape[1]))
    yy = np.zeros((Y.shape[1], Y.shape[1]))
    xy = np.zeros((X.shape[1], Y.shape[1]))
    for start in range(0, len(X), _CHUNK):
        s = slice(start, start + _CHUNK)
        xc = X[s].astype(np.float64) - mx  # (chunk, D)
        yc = Y[s].astype(np.float64) - my  # (chunk, n)
        wx = xc * w[s, None]
        xx += wx.T @ xc
        xy += wx.T @ yc
        yy += (yc * w[s, None]).T @ yc
    return xx, yy, xy, mx, my


def linear_cka(X, Y, weights=None) -> float:
    """Weighted linear CKA (Kornblith, Norouzi, Lee and Hinton 2019) between two clouds.

    With rows centred on their weighted means and ``W = diag(w)`` (``w`` summing to 1),

        CKA = ||X'WY||_F² / (||X'WX||_F ||Y'WY||_F),

    the weighted form of ``HSIC(XX', YY') / sqrt(HSIC(XX', XX') HSIC(YY', YY'))``.
    It is computed from the (D, n), (D, D) and (n, n) covariances, never an (m, m)
    Gram matrix, so memory is independent of the number of prefixes. Equal weights give
    the unweighted CKA; integer weights give the CKA of the rows repeated that often.

    CKA is 1 when ``Y = X A`` for an orthogonal ``A`` times a scalar (and any
    translation), and invariant to orthogonal transforms and isotropic scaling of
    either cloud, but not to general linear maps. For independent clouds it is small
    but positive: about ``sqrt(r_X r_Y / ((m + r_X) (m + r_Y)))``, with ``r = (tr C)² /
    ||C||_F²`` each cloud's effective rank (``D`` and ``n`` for isotropic Gaussians) and
    ``m`` the effective number of rows ``1 / sum w_i²`` (the row count for equal
    weights), so ~``sqrt(D n) / m`` for ``m`` much more than ``D``: 0.007 for 2000 rows of
    64 and 3 independent Gaussian coordinates. Prefix weights concentrate on short
    prefixes (Mess3 at a context of 8: 9840 rows, ``m`` = 127), which raises it.

    Parameters
    ----------
    X : array_like, shape (m, D)
        Activations.
    Y : array_like, shape (m, n)
        Beliefs, or other activations.
    weights : array_like, shape (m,), optional
        ``Pr(w)``; equal by default.

    Returns
    -------
    float
        In [0, 1]; NaN when either cloud does not vary.

    Raises
    ------
    InputError
        For mismatched rows, non-finite values or bad weights.
    """
    X = as_cloud(X, "X")
    Y = as_cloud(Y, "Y", len(X))
    w = check_weights(weights, len(X))
    xx, yy, xy, mx, my = _centred_moments(X, Y, w)
    for cov, mean in ((xx, mx), (yy, my)):
        # A constant cloud centres to rounding (~1e-16 of its offset), not to zero.
        if np.trace(cov) <= _CONSTANT * (mean @ mean) or np.trace(cov) <= 0:
            return float("nan")
    denominator = np.linalg.norm(xx) * np.linalg.norm(yy)
    return float(np.clip(np.linalg.norm(xy) ** 2 / denominator, 0.0, 1.0))


def equal_prediction_pairs(beliefs, next_token_probs, activations, weights=None, *,
                           tol: float = 1e-3, belief_tol: float = 1e-2,
                           n_pairs: int = 200_000,
                           random_state: int | np.random.Generator | None = 0) -> dict:
    """Prefixes the next-token distribution cannot tell apart but the belief can.

    A pair of distinct prefixes has **equal predictions** when their next-token
    distributions differ by at most ``tol`` in every symbol, and is **hidden** when,
    besides, their beliefs lie more than ``belief_tol`` apart (Euclidean). A network
    that only tracks what it outputs maps hidden pairs to nearly the same activations;
    one that carries the belief keeps them apart, about as far as their belief distance
    says. Pairs are those of `rsa_correlation` (distinct prefixes, ``Pr(i, j) ∝ w_i
    w_j``; all of them when at most ``n_pairs``, else drawn by weight).

    When ``p = eta Tr`` is injective on the beliefs (Mess3: three states, ``Tr``
    invertible) there are no hidden pairs; RRXOR has many (after ``0, 0`` and after
    ``1, 1`` the next bit is a fair coin either way, but the hidden state differs).

    Parameters
    ----------
    beliefs : array_like, shape (m, n)
        Beliefs (or chart coordinates) of the prefixes.
    next_token_probs : array_like, shape (m, k)
        The exact next-token distributions ``p(x | w)`` (`Prefixes.next_token_probs`).
    activations : array_like, shape (m, D)
    weights : array_like, shape (m,), optional
        ``Pr(w)``; equal by default.
    tol : float, default=1e-3
        Largest difference of any next-token probability for equal predictions.
    belief_tol : float, default=1e-2
        Belief distance above which two beliefs differ (and at or below which they are
        equal).
    n_pairs : int, default=200000
        Most pairs examined.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the drawn pairs.

    Returns
    -------
    dict
        JSON-ready; every null has a ``_reason``.

        - ``n_pairs`` (pairs examined) and ``pairs_exact`` (all pairs, or a draw);
        - ``n_equal_prediction_pairs``, ``equal_prediction_fraction``: examined pairs
          with equal predictions, and their weighted share of all pairs;
        - ``n_hidden_pairs``, ``hidden_fraction``: the same for hidden pairs;
        - ``mean_belief_distance``, ``mean_activation_distance``: weighted means over
          all pairs;
        - ``hidden_belief_distance``, ``hidden_activation_distance``: weighted means over
          hidden pairs, and ``hidden_belief_ratio``, ``hidden_activation_ratio``: each
          over its all-pairs mean. Activations that are a similarity image of the beliefs
          give equal ratios; activations that are a function of the next-token
          distribution give an activation ratio of about 0;
        - ``equal_belief_activation_distance``: weighted mean activation distance over
          pairs with equal beliefs (the spread of one belief's activations);
        - ``equal_prediction_rsa``: `rsa_correlation`'s statistic over the equal-
          prediction pairs: do activation distances follow belief distances where the
          output does not?

    Raises
    ------
    InputError
        For mismatched rows, non-finite values, bad weights or tolerances, or fewer than
        two rows of positive weight.
    """
    Y, A, w, n_pairs = _check_pair_arguments(beliefs, activations, weights, n_pairs)
    probs = as_cloud(next_token_probs, "next_token_probs", len(A))
    for name, value in (("tol", tol), ("belief_tol", belief_tol)):
        if isinstance(value, bool) or not isinstance(value, Real) or not value >= 0:
            raise InputError(f"{name} must be a number >= 0, got {value!r}")
    i, j, pw, exact = _pairs(w, n_pairs, np.random.default_rng(random_state))
    d_pred = _pair_distances(probs, i, j, "chebyshev")
    d_belief = _pair_distances(Y, i, j)
    d_act = _pair_distances(A, i, j)
    equal = d_pred <= tol
    hidden = equal & (d_belief > belief_tol)
    same = d_belief <= belief_tol
    total = pw.sum()

    def mean(values, mask):
        return float(pw[mask] @ values[mask] / pw[mask].sum()) if mask.any() else None

    out: dict = {
        "n_pairs": int(len(i)), "pairs_exact": exact,
        "n_equal_prediction_pairs": int(equal.sum()),
        "equal_prediction_fraction": float(pw[equal].sum() / total),
        "n_hidden_pairs": int(hidden.sum()),
        "hidden_fraction": float(pw[hidden].sum() / total),
        "mean_belief_distance": mean(d_belief, np.ones_like(equal)),
        "mean_activation_distance": mean(d_act, np.ones_like(equal)),
    }
    no_hidden = (f"no pair of prefixes has next-token distributions within tol={tol:g} "
                 f"and beliefs more than belief_tol={belief_tol:g} apart (among "
                 f"{'all' if exact else 'the drawn'} {len(i)} pairs): the next-token "
                 "distribution determines the belief here, as for Mess3, whose p = eta Tr "
                 "is an invertible linear image of eta")
    for key, values in (("hidden_belief_distance", d_belief),
                        ("hidden_activation_distance", d_act)):
        out[key] = mean(values, hidden)
    for key, numerator, denominator in (
            ("hidden_belief_ratio", "hidden_belief_distance", "mean_belief_distance"),
            ("hidden_activation_ratio", "hidden_activation_distance",
             "mean_activation_distance")):
        if out[numerator] is None:
            out[key] = None
        elif out[denominator] > 0:
            out[key] = out[numerator] / out[denominator]
        else:
            out[key] = None
            out[f"{key}_reason"] = "every pair is at distance 0: the points do not vary"
    for key in ("hidden_belief_distance", "hidden_activation_distance", "hidden_belief_ratio",
                "hidden_activation_ratio"):
        if out[key] is None and f"{key}_reason" not in out:
            out[f"{key}_reason"] = no_hidden
    out["equal_belief_activation_distance"] = mean(d_act, same)
    if out["equal_belief_activation_distance"] is None:
        out["equal_belief_activation_distance_reason"] = (
            f"no pair of prefixes has beliefs within belief_tol={belief_tol:g}")
    if not hidden.any():
        out["equal_prediction_rsa"] = None
        out["equal_prediction_rsa_reason"] = no_hidden
    else:
        rsa = _weighted_pearson(d_belief[equal], d_act[equal], pw[equal])
        out["equal_prediction_rsa"] = rsa if np.isfinite(rsa) else None
        if out["equal_prediction_rsa"] is None:
            out["equal_prediction_rsa_reason"] = (
                "the belief or activation distances of the equal-prediction pairs do not "
                f"vary, or there are fewer than {_MIN_PAIRS} such pairs")
    return out
