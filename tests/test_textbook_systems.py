"""The textbook catalogue against its published Lyapunov exponents and dimensions."""

import math

import numpy as np
import pytest

from dynamics.lyapunov import lyapunov_spectrum
from dynamics.textbook import CATALOGUE, get_system, list_systems
from processes import ParameterError

# name -> (engine settings, tolerance on each exponent, tolerance on the dimension)
FAST = {
    "logistic": (dict(n_steps=20_000, burn_in=100, n_orbits=8), 0.01, 0.01),
    "henon": (dict(n_steps=20_000, burn_in=100, n_orbits=8), 0.01, 0.01),
    "sierpinski": (dict(n_steps=2_000, burn_in=10, n_orbits=4), 1e-9, 1e-9),
}


@pytest.mark.parametrize("name", sorted(FAST))
def test_map_reference_values(name):
    settings, tol_exp, tol_dim = FAST[name]
    ref = CATALOGUE[name].reference
    result = lyapunov_spectrum(get_system(name), seed=1, **settings)
    np.testing.assert_allclose(result.exponents_nats, ref["exponents"], atol=tol_exp)
    assert result.dimension == pytest.approx(ref["lyapunov_dimension"], abs=tol_dim)
    assert result.entropy_nats == pytest.approx(ref.get("entropy_nats", 0.0), abs=1e-9)
    assert result.per_orbit_nats.shape == (settings["n_orbits"], len(ref["exponents"]))


def test_sierpinski_dimension_is_log3_over_log2():
    result = lyapunov_spectrum(get_system("sierpinski"), n_steps=500, burn_in=0, n_orbits=2)
    assert result.dimension == pytest.approx(math.log(3) / math.log(2), abs=1e-9)
    np.testing.assert_allclose(result.exponents_nats, [math.log(0.5)] * 2, atol=1e-12)


def test_henon_exponents_sum_to_log_b():
    b = 0.25
    result = lyapunov_spectrum(get_system("henon", b=b), n_steps=2_000, burn_in=100, n_orbits=4)
    # |det J| = b everywhere, so the sum is exact up to rounding on every orbit.
    np.testing.assert_allclose(result.per_orbit_nats.sum(axis=1), math.log(b), atol=1e-10)


@pytest.mark.slow
def test_lorenz_reference_values():
    ref = CATALOGUE["lorenz"].reference
    system = get_system("lorenz")
    result = lyapunov_spectrum(system, n_steps=10_000, burn_in=500, n_orbits=16, dt=0.01,
                               seed=2)
    np.testing.assert_allclose(result.exponents_nats, ref["exponents"], atol=0.05)
    assert result.dimension == pytest.approx(ref["lyapunov_dimension"], abs=0.01)
    sigma, beta = system.params["sigma"], system.params["beta"]
    # The phase-space contraction rate is the constant trace of the Jacobian.
    assert result.exponents_nats.sum() == pytest.approx(-(sigma + 1 + beta), abs=1e-3)
    assert result.dt == 0.01


def test_lorenz_exponent_sum_is_trace_short_run():
    system = get_system("lorenz", sigma=12.0)
    result = lyapunov_spectrum(system, n_steps=500, burn_in=100, n_orbits=2, dt=0.005)
    assert result.exponents_nats.sum() == pytest.approx(-(12.0 + 1 + 8 / 3), abs=1e-3)


def test_catalogue_entries_are_complete():
    assert list_systems() == sorted(["arneodo", "chen_lee", "henon", "logistic", "lorenz",
                                     "sierpinski", "sprott_e"])
    for name in list_systems():
        entry = CATALOGUE[name]
        assert entry.citation
        assert {"exponents", "lyapunov_dimension"} <= set(entry.reference)
        system = get_system(name)
        np.testing.assert_array_equal(system.default_x0, entry.initial)


def test_parameter_override():
    assert get_system("logistic", r=3.5).params == {"r": 3.5}
    assert get_system("logistic").params == {"r": 4.0}


def test_unknown_system_lists_known_ones():
    with pytest.raises(ParameterError, match="henon.*logistic.*lorenz.*sierpinski"):
        get_system("rossler")


def test_unknown_parameter_is_named():
    with pytest.raises(ParameterError, match=r"henon: unknown parameter\(s\) \['c'\].*a, b"):
        get_system("henon", c=1.0)
    with pytest.raises(ParameterError, match=r"logistic: parameter r=5.0 is outside .*\[0, 4\]"):
        get_system("logistic", r=5.0)
