"""Linear probes (analysis.probes): exact recovery, the weighted R², the hold-out by
sequence, the shuffled control, the report and the figure."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import r2_score
from standins import OracleModel

from analysis.networks.activations import Activations, collect_activations, prefix_dataset
from analysis.probes import CONCAT, LinearProbe, plot_probe, probe, weighted_r2
from processes import InputError, get_process


@pytest.fixture(scope="module")
def mess3():
    return get_process("mess3")


def _activations(prefixes, seed=0, **extra):
    """Hooks ``linear`` (an affine image of the belief), ``garbage`` (noise) and ``extra``."""
    rng = np.random.default_rng(seed)
    m, n = prefixes.beliefs.shape
    by_hook = {"linear": (prefixes.beliefs @ rng.normal(size=(n, 6)) + 2.0).astype(np.float32),
               "garbage": rng.normal(size=(m, 5)).astype(np.float32), **extra}
    return Activations(by_hook, tuple(by_hook), prefixes)


def _regression(seed, m=200, d=4, n_out=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)) * rng.uniform(0.1, 10, size=d)
    y = X @ rng.normal(size=(d, n_out)) + rng.normal(size=n_out) + rng.normal(size=(m, n_out))
    return X, y, rng.uniform(0.1, 5, size=m)


def test_weighted_r2_is_the_pooled_formula_and_sklearns_variance_weighted():
    rng = np.random.default_rng(0)
    y, pred, w = rng.normal(size=(50, 3)), rng.normal(size=(50, 3)), rng.uniform(size=50)
    ybar = sum(w[i] * y[i] for i in range(50)) / w.sum()
    direct = 1 - sum(w[i] * np.sum((y[i] - pred[i]) ** 2) for i in range(50)) \
        / sum(w[i] * np.sum((y[i] - ybar) ** 2) for i in range(50))
    assert weighted_r2(y, pred, w) == pytest.approx(direct, rel=1e-12)
    assert weighted_r2(y, pred, w) == pytest.approx(
        r2_score(y, pred, sample_weight=w, multioutput="variance_weighted"), rel=1e-12)
    assert np.isnan(weighted_r2(np.ones((4, 2)), np.zeros((4, 2))))


def test_probe_solves_weighted_least_squares():
    X, y, w = _regression(1)
    fitted = LinearProbe(alpha=0).fit(X, y, sample_weight=w)
    design = np.hstack([X, np.ones((len(X), 1))]) * np.sqrt(w)[:, None]
    solution = np.linalg.lstsq(design, y * np.sqrt(w)[:, None], rcond=None)[0]
    np.testing.assert_allclose(fitted.coef_, solution[:-1], rtol=1e-9)
    np.testing.assert_allclose(fitted.intercept_, solution[-1], rtol=1e-9)
    assert fitted.score(X, y, w) == pytest.approx(weighted_r2(y, design @ solution
                                                              / np.sqrt(w)[:, None], w))
    one = LinearProbe(alpha=0).fit(X, y[:, 0], w)  # 1-D targets stay 1-D
    assert one.coef_.shape == (4,) and one.predict(X).shape == (200,)
    assert clone(fitted).get_params() == {"alpha": 0, "fit_intercept": True}


def test_probe_recovers_an_exact_affine_map_with_weights(mess3):
    prefixes = prefix_dataset(mess3, 5)  # exact: weights Pr(w) spread over 1e-4..0.07
    report = probe(_activations(prefixes), alpha=0)
    assert report.per_layer["linear"].r2 == pytest.approx(1.0, abs=1e-8)
    assert report.per_layer["linear"].mse < 1e-12
    assert report.best_layer == "linear" and report.concat.r2 == pytest.approx(1, abs=1e-8)
    np.testing.assert_allclose(report.predictions["linear"], prefixes.beliefs, atol=1e-6)
    # The default ridge costs about alpha² of R².
    assert probe(_activations(prefixes)).r2 == pytest.approx(1.0, abs=1e-5)


def test_noise_and_shuffled_targets_explain_nothing(mess3):
    prefixes = prefix_dataset(mess3, 5, max_exact=1, n_sequences=600, seed=1)
    report = probe(_activations(prefixes), seed=2)
    garbage, linear = report.per_layer["garbage"], report.per_layer["linear"]
    assert -0.05 < garbage.r2 < 0.02
    assert -0.05 < garbage.shuffle_r2 < 0.02 and -0.05 < linear.shuffle_r2 < 0.02
    assert linear.r2 > 0.999999
    # Unweighted MSE: a plain mean over held-out rows and belief coordinates.
    err = (report.predictions[CONCAT] - prefixes.beliefs)[report.test_rows]
    assert report.concat.mse_unweighted == pytest.approx(np.mean(err**2), rel=1e-10)
    assert report.concat.mse == pytest.approx(np.mean(err**2), rel=1e-10)  # equal weights


def test_hold_out_is_by_sequence(mess3):
    prefixes = prefix_dataset(mess3, 6)
    report = probe(_activations(prefixes), test_fraction=0.25, seed=5)
    test = np.zeros(len(prefixes.weights), bool)
    test[report.test_rows] = True
    held_out = set(prefixes.group[test])
    assert held_out.isdisjoint(prefixes.group[~test])
    assert len(held_out) == round(0.25 * len(prefixes.sequences))


def test_bad_requests_name_the_fix(mess3):
    acts = _activations(prefix_dataset(mess3, 3))
    with pytest.raises(InputError, match="'layer9'; available: linear, garbage"):
        probe(acts, layers=["linear", "layer9"])
    with pytest.raises(InputError, match="target must be one of belief, next_token"):
        probe(acts, target="state")
    two = _activations(prefix_dataset(mess3, 3, max_exact=1, n_sequences=2))
    with pytest.raises(InputError, match="2 groups .* cannot be split"):
        probe(two)
    with pytest.raises(InputError, match="test_fraction"):
        probe(acts, test_fraction=1.0)
    with pytest.raises(InputError, match="alpha must be a number >= 0"):
        LinearProbe(alpha=-1).fit(np.ones((3, 1)), np.ones(3))


def test_oracle_activations_and_the_report(mess3):
    prefixes = prefix_dataset(mess3, 5, bos=3)
    acts = collect_activations(OracleModel(mess3, bos=3), prefixes)
    belief = probe(acts)
    next_token = probe(acts, target="next_token")
    assert belief.r2 > 1 - 1e-5 and next_token.r2 > 1 - 1e-5  # p(x | w) = eta T[x] r
    summary = {**belief.to_dict(), **next_token.to_dict()}
    assert summary["probe_r2"] == belief.r2
    assert summary["next_token_probe_r2"] == next_token.r2
    assert summary["best_layer"] == "hook_belief"
    assert summary["per_layer"] == {"hook_belief": belief.r2}
    assert set(summary) >= {"probe_mse", "probe_mse_unweighted", "shuffle_r2", "concat_r2"}
    json.dumps(summary, allow_nan=False)


def test_a_single_belief_gives_an_undefined_r2_with_a_reason():
    prefixes = prefix_dataset(get_process("coin"), 4)  # one state: the belief never moves
    summary = probe(_activations(prefixes)).to_dict()
    assert summary["probe_r2"] is None and "do not vary" in summary["probe_r2_reason"]
    json.dumps(summary, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31), st.floats(1e-4, 1e4), st.floats(1e-6, 1e6),
       st.sampled_from([0.0, 1e-3, 1.0]))
def test_r2_is_invariant_to_feature_and_weight_scales(seed, feature_scale, weight_scale,
                                                      alpha):
    X, y, w = _regression(seed)
    scales = feature_scale * np.random.default_rng(seed).uniform(0.5, 2, size=X.shape[1])
    base = LinearProbe(alpha).fit(X, y, w)
    scaled = LinearProbe(alpha).fit(X * scales, y, w * weight_scale)
    np.testing.assert_allclose(scaled.predict(X * scales), base.predict(X), rtol=1e-7,
                               atol=1e-9)
    assert scaled.score(X * scales, y, w * weight_scale) == pytest.approx(base.score(X, y, w),
                                                                          abs=1e-9)


@pytest.mark.parametrize("n_states", [3, 5])
def test_plot_probe_draws_truth_beside_prediction(tmp_path, n_states):
    rng = np.random.default_rng(0)
    true = rng.dirichlet(np.ones(n_states), size=300)
    pred = true + 0.01 * rng.normal(size=true.shape)
    path = tmp_path / "probe.png"
    fig = plot_probe(true, pred, rng.uniform(size=300), path=path, title="test")
    assert path.stat().st_size > 0
    left, right = fig.axes
    assert left.get_title() == "ground truth beliefs"
    assert right.get_title().startswith("linear probe prediction (R² = 0.99")
    if n_states > 3:
        assert left.get_xlabel().startswith("PC1 of the true beliefs")
    with pytest.raises(InputError, match="same non-empty"):
        plot_probe(true, pred[:, :2])
