"""The belief IFS through the shared Lyapunov engine."""

import numpy as np
import pytest

from dynamics import belief_lyapunov_spectrum, lyapunov_spectrum
from dynamics.belief import BeliefIFS
from processes import Process, exact_entropy_rate, get_process


def affine_process(contractions):
    """Each symbol x (probability 1/3 from every belief) maps eta -> s_x eta + (1-s_x) e_x,
    so the maps are affine and the exponents are E[ln s_x] = mean(ln s)."""
    k = len(contractions)
    T = np.stack([(s * np.eye(k) + (1 - s) * np.outer(np.ones(k), np.eye(k)[x])) / k
                  for x, s in enumerate(contractions)])
    return Process.from_arrays(T, name="affine")


def test_affine_exponents_are_log_contractions():
    s = np.array([0.3, 0.5, 0.7])
    result = belief_lyapunov_spectrum(affine_process(s), n_steps=10_000, n_orbits=8)
    expected = np.log(s).mean()
    np.testing.assert_allclose(result.exponents_nats, expected,
                               atol=4 * result.stderr_nats.max() + 1e-4)
    assert result.entropy_nats == pytest.approx(np.log(3), abs=1e-12)


def test_sierpinski_process_has_dimension_log3_over_log2():
    result = belief_lyapunov_spectrum(affine_process([0.5, 0.5, 0.5]), n_steps=2_000,
                                      n_orbits=4)
    np.testing.assert_allclose(result.exponents_nats, np.log(0.5), atol=1e-10)
    assert result.dimension == pytest.approx(np.log(3) / np.log(2), abs=1e-9)


def _direct_belief_spectrum(process, eta, symbols):
    """An independent, plain implementation for the cross-check below: the tangent map
    ``Df_x(v) = (v T[x] - (v T[x] r) f_x(eta)) / p_x(eta)`` (docs/conventions.md) applied
    to an orthonormal frame of {v : v r = 0}, re-orthonormalised by QR every step."""
    T, r = process.T, process.r
    frame = np.linalg.svd(r[None, :])[2][1:]  # (n - 1, n) rows orthogonal to r
    logs = np.zeros(len(frame))
    for x in symbols:
        p = eta @ T[x] @ r
        new_eta = eta @ T[x] / p
        moved = (frame @ T[x] - np.outer(frame @ T[x] @ r, new_eta)) / p  # rows: Df(v)
        q, upper = np.linalg.qr(moved.T)
        logs += np.log(np.abs(np.diag(upper)))
        frame, eta = q.T, new_eta
    return np.sort(logs / len(symbols))[::-1]


def test_engine_matches_a_direct_computation_along_the_same_symbols():
    # The shared QR engine against the formula written out, on one driven orbit of Mess3:
    # the same symbols, so the two must agree to rounding, not to a statistical error.
    p = get_process("mess3", x=0.05, a=0.85)
    symbols = np.random.default_rng(3).integers(0, 3, 3000)
    engine = lyapunov_spectrum(BeliefIFS(p), p.pi[None, :], n_steps=3000, burn_in=0,
                               n_orbits=1, inputs=symbols[None, :])
    direct = _direct_belief_spectrum(p, p.pi, symbols)
    np.testing.assert_allclose(engine.exponents_nats, direct, rtol=1e-9, atol=1e-12)
    # And the engine's own sampling route agrees with the long-run values
    # (-1.53, -1.76) nats within its error bars.
    sampled = belief_lyapunov_spectrum(p, n_steps=5_000, n_orbits=8, seed=3)
    assert sampled.exponents_nats == pytest.approx([-1.531, -1.763], abs=0.05)


def test_entropy_from_lyapunov_orbits_matches_exact_rate():
    p = get_process("rrxor")
    result = belief_lyapunov_spectrum(p, n_steps=5_000, n_orbits=8)
    exact_nats = exact_entropy_rate(p).bits * np.log(2)
    assert abs(result.entropy_nats - exact_nats) < 4 * result.entropy_stderr_nats + 1e-9


def test_ghmm_tangent_space_uses_r():
    p = get_process("post_quantum")
    ifs = BeliefIFS(p)
    np.testing.assert_allclose(ifs.basis @ p.r, 0.0, atol=1e-12)
    eta = np.array([[0.5, 0.3, 0.2]]) / (np.array([0.5, 0.3, 0.2]) @ p.r)
    for x in (1, 2):
        J = ifs.ambient_jacobian(eta, np.array([x]))[0]
        np.testing.assert_allclose(J @ p.r, 0.0, atol=1e-12)  # tangent vectors stay tangent


def test_rank_one_map_resets_beliefs_and_gives_minus_infinity():
    # post_quantum's T[0] has rank 1: symbol 0 sends every belief to one point, so the
    # tangent map collapses and the Blackwell measure is atomic (dimension 0).
    result = belief_lyapunov_spectrum(get_process("post_quantum"), n_steps=2_000, n_orbits=4)
    assert np.all(np.isneginf(result.exponents_nats))
    assert result.dimension == 0.0


def test_numerically_rank_one_map_also_gives_minus_infinity():
    # fanizza's T[0] = outer(w, pi0) is rank one only up to rounding: its tangent map
    # leaves stretch factors ~1e-16, not 0, which must not pass for finite exponents.
    process = get_process("fanizza")
    assert BeliefIFS(process).singular_tolerance > 0
    assert BeliefIFS(get_process("mess3")).singular_tolerance == 0
    result = belief_lyapunov_spectrum(process, n_steps=2_000, n_orbits=4)
    assert np.all(np.isneginf(result.exponents_nats))
    assert result.dimension == 0.0
