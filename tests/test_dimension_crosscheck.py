"""Statistical complexity dimension two ways: Lyapunov dimension of the belief IFS against
box-counting information dimension D1 of chaos-game samples (SCIENCE.md)."""

import numpy as np
import pytest

from analysis.dimension import InformationDimension
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
