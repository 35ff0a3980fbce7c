"""Hypothesis strategies shared by the property tests."""

import numpy as np
from hypothesis import strategies as st

from processes import Process


@st.composite
def random_hmm(draw, min_states: int = 1, max_states: int = 4):
    """A random HMM with dense positive matrices: ``Pr(x, j | i)`` from a Dirichlet."""
    n = draw(st.integers(min_states, max_states))
    k = draw(st.integers(2, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    joint = rng.dirichlet(np.ones(k * n), size=n)  # rows sum to 1 over (x, j)
    return Process.from_arrays(joint.reshape(n, k, n).transpose(1, 0, 2), name="random")
