"""Statistical complexity dimension two ways: Lyapunov dimension of the belief IFS against
box-counting information dimension D1 of chaos-game samples (SCIENCE.md)."""

import numpy as np
import pytest

from analysis.geometry import InformationDimension
from dynamics import BeliefIFS, belief_lyapunov_spectrum, sample_attractor
from processes import Process, get_process


@pytest.mark.slow
@pytest.mark.parametrize(("x", "a"), [(0.05, 0.85), (0.15, 0.6)])
def test_mess3_information_dimension_matches_lyapunov_dimension(x, a):
    process = get_process("mess3", x=x, a=a)
    lyapunov = belief_lyapunov_spectrum(process, n_steps=20_000, n_orbits=16).dimension
    # Tangent-space coordinates: the attractor as a cloud in R^2, not on a plane in R^3.
    cloud = sample_attractor(process, 400_000, seed=0) @ BeliefIFS(process).basis.T
    d1 = InformationDimension(random_state=0).fit(cloud).dimension_
    assert abs(d1 - lyapunov) < 0.06


def test_sierpinski_belief_attractor_box_counting_matches_lyapunov():
    # An affine belief IFS whose attractor is the Sierpinski gasket on the simplex.
    T = np.stack([(0.5 * np.eye(3) + 0.5 * np.outer(np.ones(3), np.eye(3)[x])) / 3
                  for x in range(3)])
    process = Process.from_arrays(T, name="sierpinski_beliefs")
    lyapunov = belief_lyapunov_spectrum(process, n_steps=2_000, n_orbits=4).dimension
    cloud = sample_attractor(process, 200_000, seed=1) @ BeliefIFS(process).basis.T
    d1 = InformationDimension(random_state=0).fit(cloud).dimension_
    assert lyapunov == pytest.approx(np.log(3) / np.log(2), abs=1e-9)
    assert abs(d1 - lyapunov) < 0.05


def test_lyapunov_dimension_is_an_upper_bound_when_maps_overlap():
    # tom_quantum's four maps fold the Bloch circle (pure qubit states) onto itself: the
    # Blackwell measure lives on the circle, D1 = 1, while the entropy-weighted Lyapunov
    # dimension saturates at the tangent dimension 2.
    process = get_process("tom_quantum")
    points = sample_attractor(process, 100_000, seed=0)
    np.testing.assert_allclose(np.hypot(points[:, 1], points[:, 2]), 1.0, atol=1e-9)
    lyapunov = belief_lyapunov_spectrum(process, n_steps=5_000, n_orbits=8).dimension
    d1 = InformationDimension(random_state=0).fit(points @ BeliefIFS(process).basis.T)
    assert lyapunov == 2.0
    assert d1.dimension_ == pytest.approx(1.0, abs=0.03)
