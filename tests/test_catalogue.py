"""Reference values from docs/conventions.md, one row per catalogue process."""

import math

import numpy as np
import pytest

from dynamics import entropy_rate
from processes import (
    ProcessError,
    epsilon_machine,
    excess_entropy,
    explore_mixed_states,
    get_process,
    list_processes,
    myopic_entropies,
)

LOG2_3 = math.log2(3)

# name, params, h_mu, C_mu, E, MSP states from pi (bits; None = not a table value)
TABLE = [
    ("golden_mean", {"p": 0.5}, 2 / 3, 0.918296, 0.251629, 3),
    ("even", {"p": 0.5}, 2 / 3, 0.918296, 0.918296, 4),
    ("z1r", {"p": 0.5}, 1 / 3, 1.584963, 1.584963, 7),
    ("rrxor", {"p1": 0.5, "p2": 0.5}, 2 / 3, 2.251629, 2.251629, 36),
    ("coin", {"p": 0.5}, 1.0, 0.0, 0.0, 1),
    # nemo(1/2, 1/2): pi = (1/2, 1/4, 1/4), h = pi_A + pi_C = 3/4, C = 1.5
    ("nemo", {"p": 0.5, "q": 0.5}, 0.75, 1.5, None, None),
]


@pytest.mark.parametrize(("name", "params", "h", "c", "e", "msp"), TABLE)
def test_reference_values(name, params, h, c, e, msp):
    process = get_process(name, **params)
    rate = entropy_rate(process)
    assert rate.exact
    assert rate.bits == pytest.approx(h, abs=1e-6)
    assert epsilon_machine(process).statistical_complexity_bits == pytest.approx(c, abs=1e-6)
    if e is not None:
        assert excess_entropy(process, rate.bits).bits == pytest.approx(e, abs=1e-6)
    if msp is not None:
        ms = explore_mixed_states(process)
        assert ms.closed and ms.n_states == msp


# Processes without a finite unifilar presentation: values derived by hand.
# name, params, stationary (pi, scaled to sum 1), h(1) in bits
NONUNIFILAR = [
    ("mess3", {"x": 0.05, "a": 0.85}, [1 / 3, 1 / 3, 1 / 3], LOG2_3),
    ("mess3", {"x": 0.15, "a": 0.6}, [1 / 3, 1 / 3, 1 / 3], LOG2_3),
    # A and B swap mass at rates p and q: pi = (q, p) / (p + q); Pr(1) = pi_B q.
    ("sns", {"p": 0.5, "q": 0.5}, [0.5, 0.5], 0.811278124459133),
    ("sns", {"p": 0.2, "q": 0.6}, [0.75, 0.25], 0.6098403047164005),
    # M = diag(1, 1/2 + 2m, 1/2 + 2m): pi = r = e_0, and every symbol has T[x][0, 0] = 1/4.
    ("tom_quantum", {"alpha": 1.0, "beta": 3.0}, [1.0, 0.0, 0.0], 2.0),
]


@pytest.mark.parametrize(("name", "params", "pi", "h1"), NONUNIFILAR)
def test_nonunifilar_reference_values(name, params, pi, h1):
    process = get_process(name, **params)
    np.testing.assert_allclose(process.pi, pi, atol=1e-12)
    assert myopic_entropies(process, 1)[0] == pytest.approx(h1, abs=1e-12)
    assert epsilon_machine(process, max_states=300).machine is None


def test_tom_quantum_first_belief():
    alpha, beta = 1.0, 3.0
    p = get_process("tom_quantum", alpha=alpha, beta=beta)
    eta = p.pi @ p.T[0] / (p.pi @ p.T[0] @ p.r)
    np.testing.assert_allclose(eta, [1.0, 0.0, 2 * alpha * beta / (alpha**2 + beta**2)],
                               atol=1e-12)


def test_fanizza_is_a_ghmm_with_a_resetting_symbol():
    p = get_process("fanizza")
    assert p.generalized
    np.testing.assert_allclose(p.r, 1.0, atol=1e-12)  # sum_x T[x] is row-stochastic
    assert np.linalg.matrix_rank(p.T[0]) == 1  # symbol 0 resets the belief
    with pytest.raises(ProcessError, match="negative probability"):
        get_process("fanizza", lamb=0.95)


def test_rrxor_stationary():
    pi = get_process("rrxor").pi
    np.testing.assert_allclose(pi, [1 / 3, 1 / 6, 1 / 6, 1 / 6, 1 / 6], atol=1e-12)


@pytest.mark.parametrize(("x", "a"), [(0.05, 0.85), (0.15, 0.6)])
def test_mess3_first_belief(x, a):
    p = get_process("mess3", x=x, a=a)
    eta = p.pi @ p.T[0] / (p.pi @ p.T[0]).sum()
    b = (1 - a) / 2
    np.testing.assert_allclose(eta, [a, b, b], atol=1e-12)
    assert explore_mixed_states(p, max_states=500).closed is False


def test_every_entry_builds_with_defaults_and_citation():
    for name in list_processes():
        process = get_process(name)
        assert process.citation
        assert np.all(np.isfinite(process.T))


def test_post_quantum_is_a_valid_ghmm():
    p = get_process("post_quantum")
    assert p.generalized and p.n_states == 3
    assert np.max(np.abs(np.linalg.eigvals(p.M))) == pytest.approx(1.0)
    np.testing.assert_allclose(p.M @ p.r, p.r, atol=1e-12)
    np.testing.assert_allclose(p.pi @ p.M, p.pi, atol=1e-12)
    assert p.pi @ p.r == pytest.approx(1.0)


def test_sns_is_nonunifilar_with_infinite_msp():
    p = get_process("sns")
    rate = entropy_rate(p, max_length=12, seed=0)
    assert rate.method in ("blackwell", "myopic-extrapolated")
    assert rate.bits <= rate.upper_bound_bits
    assert epsilon_machine(p, max_states=300).machine is None
