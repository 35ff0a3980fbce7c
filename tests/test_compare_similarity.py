"""The compare wing's geometry and similarity: dimensions of belief, probe and activation
clouds, RSA, linear CKA, equal-prediction pairs and the Wasserstein distance, against
exact answers (similarity transforms, translations, scipy's 1-D distance) and noise."""

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.compare import (
    attractor_dimensions,
    compare_dimensions,
    equal_prediction_pairs,
    linear_cka,
    rsa_correlation,
    scatter_matched_dimensions,
    wasserstein_distance,
)
from analysis.networks import prefix_dataset
from analysis.probes import LinearProbe
from analysis.reports import unexplained_nulls
from dynamics import belief_coordinates, chaos_game
from processes import InputError, Process, get_process

LOG3_LOG2 = math.log(3) / math.log(2)


def _orthogonal(d: int, seed: int) -> np.ndarray:
    return scipy.stats.ortho_group.rvs(d, random_state=seed)


def _similarity_image(Y: np.ndarray, width: int, scale: float = 3.0, seed: int = 1):
    """``Y`` (m, n) padded with zeros to ``width`` columns, rotated, scaled and shifted:
    distances all multiplied by ``scale``."""
    padded = np.c_[Y, np.zeros((len(Y), width - Y.shape[1]))]
    return padded @ _orthogonal(width, seed) * scale + 1.0


@pytest.fixture(scope="module")
def mess3():
    return get_process("mess3")


@pytest.fixture(scope="module")
def mess3_prefixes(mess3):
    return prefix_dataset(mess3, 8)  # exact: 9840 prefixes


@pytest.fixture(scope="module")
def rrxor_prefixes():
    return prefix_dataset(get_process("rrxor"), 8)  # exact: 350 prefixes


# RSA ------------------------------------------------------------------------------------

def test_rsa_is_one_for_a_similarity_image_and_below_for_a_general_linear_map(mess3_prefixes):
    Y, w = mess3_prefixes.beliefs, mess3_prefixes.weights
    assert rsa_correlation(Y, _similarity_image(Y, 16), w) == pytest.approx(1.0, abs=1e-9)
    # A linear map that stretches one direction more than another changes the order of
    # distances: the correlation drops below 1, and a similarity transform on top of it
    # leaves it where it was (RSA sees distances only, up to one scale).
    stretched = belief_coordinates(get_process("mess3"), Y) @ np.diag([1.0, 4.0])
    rsa = rsa_correlation(Y, stretched, w)
    assert 0.5 < rsa < 1.0 - 1e-3
    assert rsa_correlation(Y, _similarity_image(stretched, 8, scale=0.1), w) == \
        pytest.approx(rsa, abs=1e-12)


def test_rsa_of_independent_noise_is_about_zero():
    rng = np.random.default_rng(0)
    Y = rng.dirichlet(np.ones(3), 1500)
    # Exact over all 1.1e6 pairs; the error is ~1/sqrt(m) since pairs share rows.
    assert abs(rsa_correlation(Y, rng.standard_normal((1500, 64)), n_pairs=2 * 10**6)) < 0.05


def test_rsa_drawn_pairs_agree_with_all_pairs_even_with_one_heavy_row():
    rng = np.random.default_rng(1)
    Y = rng.dirichlet(np.ones(3), 400)
    A = Y @ rng.standard_normal((3, 10)) + 0.05 * rng.standard_normal((400, 10))
    w = np.r_[200.0, rng.random(399)]  # one row holds ~half the weight
    exact = rsa_correlation(Y, A, w, n_pairs=10**6)  # 79800 pairs: all of them
    drawn = rsa_correlation(Y, A, w, n_pairs=40_000, random_state=3)
    assert drawn == pytest.approx(exact, abs=0.02)
    assert rsa_correlation(Y, A, 7.0 * w, n_pairs=10**6) == pytest.approx(exact, abs=1e-12)


def test_rsa_of_constant_activations_is_nan_and_bad_input_is_refused():
    Y = np.random.default_rng(0).dirichlet(np.ones(3), 50)
    assert math.isnan(rsa_correlation(Y, np.ones((50, 4))))
    with pytest.raises(InputError, match="rows"):
        rsa_correlation(Y, np.ones((49, 4)))
    with pytest.raises(InputError, match="no pairs"):
        rsa_correlation(Y, np.ones((50, 4)), np.eye(50)[0])
    with pytest.raises(InputError, match="weights"):
        rsa_correlation(Y, np.ones((50, 4)), -np.ones(50))


# Linear CKA -----------------------------------------------------------------------------

def test_cka_is_one_for_an_orthogonal_map_with_scaling(mess3_prefixes):
    Y, w = mess3_prefixes.beliefs, mess3_prefixes.weights
    assert linear_cka(_similarity_image(Y, 16), Y, w) == pytest.approx(1.0, abs=1e-12)
    X = np.random.default_rng(0).standard_normal((300, 20))
    assert linear_cka(X, 5.0 * X @ _orthogonal(20, 2)) == pytest.approx(1.0, abs=1e-12)


def test_cka_of_independent_gaussians_is_sqrt_dn_over_m():
    # E CKA ~ sqrt(D n / ((m + D)(m + n))): 0.0068 here; D n / m (0.096) would be far off.
    m, D, n = 2000, 64, 3
    expected = math.sqrt(D * n / ((m + D) * (m + n)))
    rng = np.random.default_rng(0)
    cka = linear_cka(rng.standard_normal((m, D)), rng.standard_normal((m, n)))
    assert 0.6 * expected < cka < 1.5 * expected


def test_cka_of_noise_against_weighted_beliefs_uses_the_effective_number_of_rows(
        mess3, mess3_prefixes):
    Y = belief_coordinates(mess3, mess3_prefixes.beliefs)
    w = mess3_prefixes.weights
    noise = np.random.default_rng(0).standard_normal((len(w), 64))
    m_eff = 1.0 / np.sum((w / w.sum()) ** 2)  # 127 of 9840 rows
    bound = 2.0 * math.sqrt(64 * 2 / ((m_eff + 64) * (m_eff + 2)))
    assert linear_cka(noise, Y, w) < bound
    assert linear_cka(noise, Y) < 2.0 * math.sqrt(64 * 2 / ((9840 + 64) * (9840 + 2)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-3, 1e3),
       weighted=st.booleans())
def test_cka_is_invariant_to_orthogonal_maps_and_isotropic_scaling(seed, scale, weighted):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 6)) @ rng.standard_normal((6, 6))
    Y = rng.standard_normal((60, 3)) + X[:, :3]
    w = rng.random(60) if weighted else None
    moved = scale * X @ _orthogonal(6, seed % 2**31) + rng.standard_normal(6)
    assert linear_cka(moved, Y, w) == pytest.approx(linear_cka(X, Y, w), abs=1e-9)


def test_weighted_cka_with_integer_weights_equals_repeated_rows():
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((40, 7)), rng.standard_normal((40, 2))
    counts = rng.integers(1, 5, 40)
    repeated = np.repeat(np.arange(40), counts)
    assert linear_cka(X, Y, counts) == pytest.approx(linear_cka(X[repeated], Y[repeated]),
                                                     abs=1e-12)


def test_cka_of_a_constant_cloud_is_nan():
    assert math.isnan(linear_cka(np.ones((20, 3)), np.random.default_rng(0).random((20, 2))))


# Equal-prediction pairs -----------------------------------------------------------------

def test_mess3_has_no_pairs_with_equal_predictions_and_different_beliefs(mess3):
    prefixes = prefix_dataset(mess3, 6)  # 1092 prefixes, all 595686 pairs examined
    Y = prefixes.beliefs
    out = equal_prediction_pairs(Y, prefixes.next_token_probs, _similarity_image(Y, 8),
                                 prefixes.weights, n_pairs=10**6)
    assert out["pairs_exact"] and out["n_pairs"] == 1092 * 1091 // 2
    assert out["n_hidden_pairs"] == 0 and out["hidden_fraction"] == 0.0
    assert out["equal_prediction_rsa"] is None
    assert "determines the belief" in out["equal_prediction_rsa_reason"]
    assert unexplained_nulls(out) == []


def test_rrxor_activations_that_carry_beliefs_separate_hidden_pairs(rrxor_prefixes):
    Y, p, w = rrxor_prefixes.beliefs, rrxor_prefixes.next_token_probs, rrxor_prefixes.weights
    beliefs_kept = equal_prediction_pairs(Y, p, _similarity_image(Y, 12), w)
    assert beliefs_kept["pairs_exact"] and beliefs_kept["n_hidden_pairs"] > 1000
    assert 0.05 < beliefs_kept["hidden_fraction"] <= beliefs_kept["equal_prediction_fraction"]
    # A similarity image scales every distance alike: the two ratios agree exactly.
    assert beliefs_kept["hidden_activation_ratio"] == pytest.approx(
        beliefs_kept["hidden_belief_ratio"], rel=1e-9)
    assert beliefs_kept["equal_prediction_rsa"] == pytest.approx(1.0, abs=1e-9)
    # A network that keeps only its output maps hidden pairs to one point.
    output_only = p @ np.random.default_rng(0).standard_normal((2, 10))
    forgot = equal_prediction_pairs(Y, p, output_only, w)
    assert forgot["hidden_activation_ratio"] < 1e-9
    assert forgot["hidden_belief_ratio"] == pytest.approx(beliefs_kept["hidden_belief_ratio"])
    assert unexplained_nulls(beliefs_kept) == [] and unexplained_nulls(forgot) == []


# Wasserstein ----------------------------------------------------------------------------

def test_wasserstein_between_two_diracs_is_their_distance():
    assert wasserstein_distance([[0.0, 0.0]], [[3.0, 4.0]]) == pytest.approx(5.0, abs=1e-12)


def test_wasserstein_between_a_cloud_and_its_translate_is_the_shift():
    rng = np.random.default_rng(0)
    a, v = rng.random((200, 3)), np.array([0.3, -0.2, 0.6])
    w = rng.random(200)
    assert wasserstein_distance(a, a + v, w, w) == pytest.approx(np.linalg.norm(v), abs=1e-9)


def test_wasserstein_in_one_dimension_matches_scipy():
    rng = np.random.default_rng(1)
    u, v = rng.normal(0, 1, 120), rng.exponential(1.0, 90)
    wu, wv = rng.random(120), rng.random(90)
    expected = scipy.stats.wasserstein_distance(u, v, wu, wv)
    assert wasserstein_distance(u, v, wu, wv) == pytest.approx(expected, abs=1e-9)


def test_wasserstein_with_integer_weights_equals_repeated_points():
    rng = np.random.default_rng(2)
    a, b = rng.random((30, 2)), rng.random((25, 2))
    ca, cb = rng.integers(1, 4, 30), rng.integers(1, 4, 25)
    repeated = wasserstein_distance(np.repeat(a, ca, axis=0), np.repeat(b, cb, axis=0))
    assert wasserstein_distance(a, b, ca, cb) == pytest.approx(repeated, abs=1e-9)


def test_wasserstein_of_large_clouds_is_estimated_from_a_subsample():
    rng = np.random.default_rng(3)
    u, v = rng.normal(0, 1, 5000), rng.normal(0.5, 1, 5000)
    exact = scipy.stats.wasserstein_distance(u, v)  # about 0.5, a translation
    assert wasserstein_distance(u, v, max_points=800) == pytest.approx(exact, abs=0.08)
    with pytest.raises(InputError, match="coordinates"):
        wasserstein_distance(np.ones((3, 2)), np.ones((3, 3)))


# Dimensions -----------------------------------------------------------------------------

@pytest.mark.slow
def test_a_perfect_probe_has_the_attractor_dimensions_of_the_mess3_prefixes(
        mess3, mess3_prefixes):
    Y, w = mess3_prefixes.beliefs, mess3_prefixes.weights
    activations = _similarity_image(Y, 16).astype(np.float32)
    out = compare_dimensions(Y, Y, activations, w, process=mess3, n_points=5000)
    for name in ("information", "correlation"):
        key = f"{name}_dimension"
        assert out[f"probe_{key}"] == out[f"attractor_{key}"]
        assert out[f"probe_{key}_ci"] == out[f"attractor_{key}_ci"]
        assert out[f"probe_attractor_{name}_gap"] == 0.0
        assert 1.0 < out[f"attractor_{key}"] < 1.6  # the Blackwell measure's is ~1.3
    # The activations are the beliefs' plane rotated and scaled: two components hold all
    # their variance, and D2 (distances only) matches up to the scale ladder's placement.
    assert out["activation_pca_components"] == 2
    assert out["activation_pca_variance_explained"] == pytest.approx(1.0, abs=1e-9)
    assert out["activation_correlation_dimension"] == pytest.approx(
        out["attractor_correlation_dimension"], abs=0.05)
    assert 1.0 < out["activation_twonn_dimension"] < 2.3
    assert unexplained_nulls(out) == []


@pytest.mark.slow
def test_a_linear_probe_of_linear_activations_recovers_the_belief_dimension(
        mess3, mess3_prefixes):
    Y, w = mess3_prefixes.beliefs, mess3_prefixes.weights
    activations = _similarity_image(Y, 12, scale=0.5)  # float64: the fit is exact
    projected = LinearProbe(alpha=0.0).fit(activations, Y, w).predict(activations)
    np.testing.assert_allclose(projected, Y, atol=1e-10)
    out = compare_dimensions(Y, projected, activations, w, process=mess3, n_points=5000)
    assert out["attractor_information_dimension"] is not None
    assert out["probe_information_dimension"] == pytest.approx(
        out["attractor_information_dimension"], abs=1e-6)
    assert out["probe_attractor_information_gap"] == pytest.approx(0.0, abs=1e-6)


def test_compare_dimensions_gives_nulls_with_reasons_instead_of_raising():
    rng = np.random.default_rng(0)
    Y = rng.random((60, 2))
    out = compare_dimensions(Y, Y, np.ones((60, 5)), n_points=60)
    # 60 points are too few for any estimator, and constant activations have no PCs.
    assert out["attractor_information_dimension"] is None
    assert "at least 100" in out["attractor_information_dimension_reason"]
    assert out["activation_pca_components"] is None
    assert "do not vary" in out["activation_twonn_dimension_reason"]
    assert out["probe_attractor_information_gap"] is None
    assert unexplained_nulls(out) == []


def test_nearest_neighbour_estimates_that_fill_capped_components_are_unreliable():
    rng = np.random.default_rng(1)
    activations = rng.standard_normal((1500, 6))  # isotropic: 2 PCs hold only a third
    Y = rng.random((1500, 2))
    out = compare_dimensions(Y, Y, activations, max_components=2, n_points=1500)
    assert out["activation_pca_components"] == 2
    assert out["activation_pca_variance_explained"] < 0.5
    assert out["activation_twonn_dimension"] > 1.0
    assert out["activation_twonn_dimension_reliable"] is False
    assert "max_components" in out["activation_twonn_dimension_reason"]
    assert unexplained_nulls(out) == []


def test_compare_dimensions_refuses_mismatched_input(mess3):
    Y = np.random.default_rng(0).dirichlet(np.ones(3), 200)
    with pytest.raises(InputError, match="rows"):
        compare_dimensions(Y, Y, np.ones((199, 4)))
    with pytest.raises(InputError, match="same belief coordinates"):
        compare_dimensions(Y, Y[:, :2], np.ones((200, 4)))
    with pytest.raises(InputError, match="states"):
        compare_dimensions(Y[:, :2], Y[:, :2], np.ones((200, 4)), process=mess3)
    with pytest.raises(InputError, match="variance"):
        compare_dimensions(Y, Y, np.ones((200, 4)), variance=1.5)
    with pytest.raises(InputError, match="n_components"):
        compare_dimensions(Y, Y, np.ones((200, 4)), n_components=5)


@pytest.mark.slow
def test_attractor_dimensions_of_the_sierpinski_belief_ifs():
    # Three equiprobable affine maps halving the simplex: the uniform measure on the
    # Sierpinski gasket, D1 = D2 = log 3 / log 2.
    T = np.stack([(0.5 * np.eye(3) + 0.5 * np.outer(np.ones(3), np.eye(3)[x])) / 3
                  for x in range(3)])
    out = attractor_dimensions(Process.from_arrays(T, name="sierpinski_beliefs"), 50_000)
    for key in ("blackwell_information_dimension", "blackwell_correlation_dimension"):
        assert out[key] == pytest.approx(LOG3_LOG2, abs=0.05)
        low, high = out[f"{key}_ci"]
        assert low <= LOG3_LOG2 <= high


def _gasket_process() -> Process:
    """Three equiprobable maps halving the simplex: beliefs on the Sierpinski gasket."""
    T = np.stack([(0.5 * np.eye(3) + 0.5 * np.outer(np.ones(3), np.eye(3)[x])) / 3
                  for x in range(3)])
    return Process.from_arrays(T, name="sierpinski_beliefs")


def test_above_its_scatter_a_noisy_reading_has_the_attractor_dimension():
    # A reading of the gasket with Gaussian scatter fills the plane below the scatter;
    # above it, it has the gasket's D1 = log 3 / log 2, as the attractor has at those
    # scales and as the attractor blurred by the same scatter has.
    gasket = _gasket_process()
    attractor = belief_coordinates(gasket, chaos_game(gasket, 100_000, seed=0).beliefs)
    beliefs = belief_coordinates(gasket, chaos_game(gasket, 100_000, seed=1).beliefs)
    sigma = 0.002  # per coordinate: the RMS length of the residual is sigma * sqrt(2)
    noisy = beliefs + sigma * np.random.default_rng(2).standard_normal(beliefs.shape)
    out, fits = scatter_matched_dimensions(beliefs, noisy, attractor, n_points=100_000,
                                           return_fits=True)
    assert {key: fit.dimension_ for key, fit in fits.items()} == {
        key: out[key] for key in ("probe_information_dimension_free_fit",
                                  "probe_information_dimension_above_scatter",
                                  "attractor_information_dimension_above_scatter",
                                  "blurred_attractor_information_dimension_above_scatter")}
    assert out["probe_scatter"] == pytest.approx(sigma * math.sqrt(2), rel=0.02)
    assert out["scatter_min_scale"] == pytest.approx(2 * out["probe_scatter"])
    for cloud in ("probe", "attractor", "blurred_attractor"):
        key = f"{cloud}_information_dimension_above_scatter"
        assert out[key] == pytest.approx(LOG3_LOG2, abs=0.08), cloud
        assert out[f"{key}_range"][0] >= out["scatter_min_scale"]
    assert abs(out["probe_attractor_information_gap_above_scatter"]) < 0.08
    assert abs(out["probe_blurred_information_gap_above_scatter"]) < 0.05
    assert not unexplained_nulls(out)


def test_scatter_matching_refuses_bad_input():
    Y = np.random.default_rng(0).random((300, 2))
    with pytest.raises(InputError, match="floor must be a positive number"):
        scatter_matched_dimensions(Y, Y, Y, floor=0)
    with pytest.raises(InputError, match="share their coordinates"):
        scatter_matched_dimensions(Y, Y, np.ones((300, 3)))
