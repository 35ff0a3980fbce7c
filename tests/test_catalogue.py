"""Reference values from docs/conventions.md, one row per catalogue process."""

import math

import numpy as np
import pytest

from dynamics import entropy_rate
from processes import (
    ProcessError,
    enumerate_words,
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
    # eps = 0 is rrxor; eps = 1/2 makes the XOR bit a fair coin: i.i.d. fair bits.
    ("leaky_rrxor", {"eps": 0.0}, 2 / 3, 2.251629, 2.251629, 36),
    ("leaky_rrxor", {"eps": 0.5}, 1.0, 0.0, 0.0, 3),
    # A first-order Markov chain on its tokens, pi = (q, 1/2, 1/2, q) / (1 + 2q):
    # h = (q + H(q, p, 1-p-q)) / (1 + 2q), C = H[pi], E = H(1) - h = C - h; the MSP is
    # pi and the four tokens.
    ("mr_name", {"p": 0.2, "q": 0.3}, 1.1159220607670841, 1.9544340029249647,
     1.9544340029249647 - 1.1159220607670841, 5),
    # Depth D = 4, p = 1/2: pi = (1,2,2,2,1)/8, h = (D-1)/D, C = 1/D + log2 D. From pi the
    # MSP does not close for D >= 3 (see test_matching_parens_any_depth).
    ("matching_parens", {"p": 0.5}, 0.75, 2.25, None, None),
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


def _h(*p: float) -> float:
    q = np.array([v for v in p if v > 0])
    return float(-(q * np.log2(q)).sum())


@pytest.mark.parametrize("name", ["leaky_rrxor", "days_of_week", "mr_name",
                                  "matching_parens"])
def test_new_entries_word_probabilities_sum_to_one(name):
    process = get_process(name)
    for length in (1, 2, 3):
        _, probs = enumerate_words(process, length)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert probs.min() > 0


def test_leaky_rrxor_at_eps_zero_is_rrxor():
    np.testing.assert_array_equal(get_process("leaky_rrxor", p1=0.3, p2=0.8, eps=0.0).T,
                                  get_process("rrxor", p1=0.3, p2=0.8).T)


@pytest.mark.parametrize(("p1", "p2", "eps"), [(0.5, 0.5, 0.1), (0.3, 0.6, 0.2)])
def test_leaky_rrxor_entropy_rate(p1, p2, eps):
    # Given the phase, the process is i.i.d. triples (b, c, b xor c xor flip); the phase
    # is one finite variable, so h_mu = (H(p1) + H(p2) + H(eps)) / 3 per symbol.
    process = get_process("leaky_rrxor", p1=p1, p2=p2, eps=eps)
    # S, then the A states (1/3 together), then the B states (1/3 together).
    np.testing.assert_allclose(process.pi[:3], [1 / 3, (1 - p1) / 3, p1 / 3], atol=1e-12)
    assert process.pi[3:].sum() == pytest.approx(1 / 3, abs=1e-12)
    rate = entropy_rate(process, seed=0)
    assert not rate.exact
    exact = (_h(p1, 1 - p1) + _h(p2, 1 - p2) + _h(eps, 1 - eps)) / 3
    assert rate.bits == pytest.approx(exact, abs=4 * rate.stderr_bits + 1e-6)
    assert rate.bits <= rate.upper_bound_bits


def test_days_of_week():
    process = get_process("days_of_week")
    assert (process.n_states, process.n_symbols) == (7, 11)
    # Every row of every state puts 11/15 on day tokens, 1/15 on each of Tmrw, Yest,
    # Wknd, Wkdy: the token types are i.i.d., so the last day/Wkdy/Wknd token (11:1:1)
    # fixes the causal state's type; a day leaves a point belief, Wkdy (Wknd) the uniform
    # belief on the weekdays (weekend), then Tmrw/Yest rotate it. The next-token
    # entropy of each type does not depend on the rotation.
    h_day = _h(5 / 15, *[1 / 15] * 10)
    h_wkdy = _h(*[9 / 75] * 5, *[5 / 75] * 6)
    h_wknd = _h(*[3 / 15] * 2, *[1 / 15] * 9)
    rate = entropy_rate(process)
    assert rate.exact
    assert rate.bits == pytest.approx((11 * h_day + h_wkdy + h_wknd) / 13, abs=1e-12)
    # pi M = pi with M = J/15 + (5 S + S^-1)/15 + 1 c (S the day shift, c the Wkdy/Wknd
    # columns): pi = a (I - A)^-1 with a = 1/15 + c, A = (5 S + S^-1) / 15.
    shift = np.roll(np.eye(7), 1, axis=1)
    c = np.array([1 / 75] * 5 + [1 / 30] * 2)
    expected = (1 / 15 + c) @ np.linalg.inv(np.eye(7) - (5 * shift + shift.T) / 15)
    np.testing.assert_allclose(process.pi, expected, atol=1e-12)
    # MSP from pi: 7 rotations each of pi (transient), the point beliefs, the weekday
    # and the weekend beliefs; the last 21 are recurrent.
    ms = explore_mixed_states(process)
    assert ms.closed and ms.n_states == 28 and ms.recurrent.sum() == 21
    # C_mu over those 21 causal states: computed (regression value), not derived.
    c = epsilon_machine(process, mixed_states=ms).statistical_complexity_bits
    assert c == pytest.approx(3.2587814974936866, abs=1e-9)


@pytest.mark.parametrize("depth", [1, 2, 3, 6])
def test_matching_parens_any_depth(depth):
    from processes import matching_parens

    process = matching_parens(depth)
    assert (process.n_states, process.n_symbols) == (depth + 1, 2)
    np.testing.assert_allclose(process.pi, np.r_[1, [2] * (depth - 1), 1] / (2 * depth),
                               atol=1e-12)
    assert entropy_rate(process).bits == pytest.approx((depth - 1) / depth, abs=1e-12)
    c = epsilon_machine(process).statistical_complexity_bits
    assert c == pytest.approx(1 / depth + math.log2(depth), abs=1e-12)
    # MSP from pi, derived by hand for depth <= 2 (pi, the partial beliefs it leads to and
    # the point beliefs); from depth 3 on the transient beliefs never repeat exactly.
    ms = explore_mixed_states(process, max_states=500)
    if depth <= 2:
        assert ms.closed and ms.n_states == {1: 3, 2: 8}[depth]
        assert ms.recurrent.sum() == depth + 1
    else:
        assert not ms.closed
    # p is an ordinary parameter: at p = 0.3 detailed balance gives pi_d ~ (p/(1-p))^d
    # in the interior, with the forced ends.
    p = 0.3
    skewed = process.with_params(p=p)
    if depth >= 2:
        ratio = skewed.pi[2:depth] / skewed.pi[1:depth - 1]
        np.testing.assert_allclose(ratio, p / (1 - p), rtol=1e-10)


def test_matching_parens_bad_depth():
    from processes import ParameterError, matching_parens

    for depth in (0, 2.5, True):
        with pytest.raises(ParameterError, match="depth must be an integer"):
            matching_parens(depth)
    assert get_process("matching_parens").n_states == 5


def test_mr_name_needs_p_plus_q_at_most_one():
    with pytest.raises(ProcessError, match="negative"):
        get_process("mr_name", p=0.7, q=0.6)
