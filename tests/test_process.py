"""Process construction, validation errors and user specification files."""

import json

import numpy as np
import pytest
import sympy as sp

from dynamics import get_system
from processes import (
    Parameter,
    ParameterError,
    Process,
    ProcessError,
    SpecError,
    get_process,
    load_process,
)


def test_unknown_name_lists_known_ones():
    with pytest.raises(ParameterError, match="known processes: .*mess3"):
        get_process("mess4")


def test_parameter_out_of_domain_names_it():
    with pytest.raises(ParameterError, match=r"mess3: parameter x=0.6 .*\(0, 1/2\)"):
        get_process("mess3", x=0.6)


def test_unknown_parameter():
    with pytest.raises(ParameterError, match="unknown parameter"):
        get_process("golden_mean", q=0.1)


def test_non_stochastic_names_row_and_sum():
    T = np.array([[[0.5, 0.0], [0.2, 0.0]], [[0.0, 0.5], [0.0, 0.7]]])
    with pytest.raises(ProcessError, match=r"row 1 of sum_x T\[x\] sums to 0.9"):
        Process.from_arrays(T, name="bad")


def test_negative_entry_of_hmm():
    T = np.array([[[1.2, 0.0], [0.5, 0.0]], [[0.0, -0.2], [0.0, 0.5]]])
    with pytest.raises(ProcessError, match=r"T\[1\]\[0,1\] .* negative"):
        Process.from_arrays(T, name="neg", generalized=False)


def test_shape_mismatch():
    with pytest.raises(ProcessError, match="shape"):
        Process("x", [np.eye(2), np.eye(3)])


def test_undeclared_symbol():
    with pytest.raises(ProcessError, match="unknown name 'q'"):
        Process("u", [[["q", "0"], ["1", "0"]]])


def test_ghmm_with_negative_word_probability_rejected():
    # A signed matrix pair whose words can have negative probability.
    T = np.array([[[0.9, -0.4], [0.1, 0.0]], [[0.0, 0.5], [0.4, 0.5]]])
    with pytest.raises(ProcessError, match="negative probability"):
        Process.from_arrays(T, name="signed", generalized=True)


def test_symbolic_row_sums_proven_for_catalogue():
    from processes._validate import rows_sum_to_one_symbolically

    assert rows_sum_to_one_symbolically(get_process("mess3")) is True


def test_with_params_rebinds_without_changing_the_original():
    p = get_process("mess3")
    q = p.with_params(x=0.05, a=0.85)
    assert q.params == {"x": 0.05, "a": 0.85} and p.params == {"x": 0.15, "a": 0.6}
    np.testing.assert_array_equal(q.T, get_process("mess3", x=0.05, a=0.85).T)
    assert q.T[0, 0, 0] == pytest.approx(0.85 * 0.9)  # a * (1 - 2x), by hand


def test_numeric_matches_symbolic_substitution():
    rng = np.random.default_rng(0)
    p = get_process("mess3")
    for _ in range(5):
        x, a = rng.uniform(0.01, 0.49), rng.uniform(0.01, 0.99)
        q = p.with_params(x=x, a=a)
        subs = {sp.Symbol("x", real=True): x, sp.Symbol("a", real=True): a}
        for k, m in enumerate(q.matrices):
            np.testing.assert_allclose(np.array(m.subs(subs), dtype=float), q.T[k], atol=1e-14)


def test_T_torch():
    import torch

    t = get_process("even").T_torch()
    assert t.dtype == torch.float64 and tuple(t.shape) == (2, 2, 2)


SPEC_TOML = """
name = "my_golden"
citation = "test"
[parameters.p]
default = 0.5
domain = "(0, 1]"
[matrices]
"0" = [["p", "0"], ["1", "0"]]
"1" = [["0", "1 - p"], ["0", "0"]]
"""


def test_toml_spec_matches_catalogue(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text(SPEC_TOML)
    user = load_process(path, p=0.3)
    np.testing.assert_allclose(user.T, get_process("golden_mean", p=0.3).T)
    with pytest.raises(ParameterError, match="outside its domain"):
        load_process(path, p=1.5)


def test_json_spec(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"matrices": [[["1 - p"]], [["p"]]],
                                "parameters": {"p": {"default": 0.25, "domain": "[0, 1]"}}}))
    assert load_process(path).T[1, 0, 0] == 0.25


@pytest.mark.parametrize(("text", "suffix", "match"), [
    ("name = [", ".toml", "invalid TOML"),
    ('{"matrices": [', ".json", "line 1"),
    ("name = 'x'", ".toml", "missing key 'matrices'"),
    ("[parameters.p]\ndomain='(0,1)'\n[matrices]\n'0'=[['p']]", ".toml",
     "parameters.p needs a 'default'"),
    ("[parameters.p]\ndefault=0.5\ndomain='0..1'\n[matrices]\n'0'=[['1']]", ".toml",
     "parameters.p.domain"),
    ('{"matrices": [[["1", {}]]]}', ".json", r"matrices\[0\]\[0\]\[1\]"),
])
def test_malformed_specs(tmp_path, text, suffix, match):
    path = tmp_path / f"bad{suffix}"
    path.write_text(text)
    with pytest.raises(SpecError, match=match):
        load_process(path)


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_process(tmp_path / "nope.toml")


def test_parameter_check_rejects_non_numbers():
    with pytest.raises(ParameterError, match="not a number"):
        Parameter("p", 0.5, sp.Interval(0, 1)).check("abc")


def test_partition_refinement_merges_duplicate_states():
    from processes import epsilon_machine, minimize

    # Golden mean with state A split into two copies A1, A2 that behave identically:
    # A1 -0-> A2, A2 -0-> A1, both -1-> B, B -0-> A1. Causal states: {A1, A2}, {B}.
    p = 0.3
    T = np.zeros((2, 3, 3))
    T[0, 0, 1] = T[0, 1, 0] = p
    T[1, 0, 2] = T[1, 1, 2] = 1 - p
    T[0, 2, 0] = 1.0
    process = Process.from_arrays(T, name="split_golden_mean")
    labels = minimize(process)
    assert labels[0] == labels[1] != labels[2]
    em = epsilon_machine(process)
    assert em.machine.n_states == 2
    golden = get_process("golden_mean", p=p)
    assert em.statistical_complexity_bits == pytest.approx(
        epsilon_machine(golden).statistical_complexity_bits, abs=1e-12)


def test_with_params_never_keeps_a_stale_cached_value():
    # pi, r, M and Tr are cached on first use; a rebinding must recompute them.
    p = get_process("golden_mean", p=0.5)
    assert p.pi == pytest.approx([2 / 3, 1 / 3])
    q = p.with_params(p=0.2)
    assert q.pi == pytest.approx([1 / 1.8, 0.8 / 1.8])  # pi_A = 1 / (2 - p)
    assert p.pi == pytest.approx([2 / 3, 1 / 3])
    system = get_system("henon")
    moved = system.with_params(a=1.2)
    assert moved.params == {"a": 1.2, "b": 0.3} and system.params["a"] == 1.4
