"""Cross-checks of the exact information quantities (all in bits)."""

import numpy as np
import pytest
import sympy as sp

from processes import (
    block_entropies,
    enumerate_words,
    epsilon_machine,
    exact_entropy_rate,
    get_process,
    myopic_entropies,
    symbolic_entropy_rate,
    symbolic_stationary,
    symbolic_statistical_complexity,
)

CASES = [("mess3", {"x": 0.05, "a": 0.85}), ("rrxor", {}), ("sns", {}), ("even", {}),
         ("post_quantum", {}), ("nemo", {})]


@pytest.mark.parametrize(("name", "params"), CASES)
def test_word_probabilities_sum_to_one(name, params):
    p = get_process(name, **params)
    for L in range(1, 7):
        _, probs = enumerate_words(p, L)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert probs.min() >= 0


@pytest.mark.parametrize(("name", "params"), CASES)
def test_merged_block_entropy_equals_enumeration(name, params):
    p = get_process(name, **params)
    H = block_entropies(p, 7)
    for L in range(1, 8):
        _, probs = enumerate_words(p, L)
        assert H[L] == pytest.approx(-(probs * np.log2(probs)).sum(), abs=1e-10)


def test_mess3_myopic_entropy_starts_at_log2_3_and_decreases():
    h = myopic_entropies(get_process("mess3", x=0.05, a=0.85), 12)
    assert h[0] == pytest.approx(np.log2(3), abs=1e-12)
    assert np.all(np.diff(h) <= 1e-12)


@pytest.mark.parametrize("name", ["golden_mean", "even", "z1r", "nemo", "rrxor"])
def test_symbolic_closed_forms_match_numeric(name):
    rng = np.random.default_rng(1)
    base = get_process(name)
    h_expr = symbolic_entropy_rate(base)
    c_expr = symbolic_statistical_complexity(base)
    pi_expr = symbolic_stationary(base)
    assert h_expr is not None and c_expr is not None and pi_expr is not None
    for _ in range(3):
        values = {q.name: float(rng.uniform(0.1, 0.9)) for q in base.parameters}
        p = base.with_params(**values)
        subs = {q.symbol: values[q.name] for q in base.parameters}
        assert float(h_expr.subs(subs)) == pytest.approx(exact_entropy_rate(p).bits, abs=1e-10)
        assert float(c_expr.subs(subs)) == pytest.approx(
            epsilon_machine(p).statistical_complexity_bits, abs=1e-10)
        np.testing.assert_allclose(np.array(pi_expr.subs(subs), dtype=float)[0], p.pi,
                                   atol=1e-12)


def test_golden_mean_entropy_rate_closed_form():
    p = sp.Symbol("p", real=True)
    expected = (-p * sp.log(p, 2) - (1 - p) * sp.log(1 - p, 2)) / (2 - p)
    got = symbolic_entropy_rate(get_process("golden_mean"))
    for value in (0.2, 0.5, 0.8):
        assert float(got.subs(p, value)) == pytest.approx(float(expected.subs(p, value)))


def test_myopic_entropy_is_an_upper_bound_that_decreases():
    h = myopic_entropies(get_process("sns"), 14)
    assert np.all(np.diff(h) <= 1e-12) and h[-2] - h[-1] < 1e-5
