"""The command line: JSON contracts and one-line errors."""

import json

import pytest

from analysis.cli import main

DESCRIBE_KEYS = {
    "name", "params", "n_states", "n_symbols", "stationary", "unifilar",
    "entropy_rate_bits", "entropy_rate_stderr_bits", "statistical_complexity_bits",
    "excess_entropy_bits", "msp_states", "myopic_entropy_bits", "latex",
}


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_describe_json_golden_mean(capsys):
    code, out, _ = run(capsys, "describe", "golden_mean", "--json")
    info = json.loads(out)
    assert code == 0 and DESCRIBE_KEYS <= set(info)
    assert info["entropy_rate_bits"] == pytest.approx(2 / 3)
    assert info["statistical_complexity_bits"] == pytest.approx(0.918296, abs=1e-6)
    assert info["msp_states"] == 3 and info["unifilar"] is True
    assert len(info["myopic_entropy_bits"]) == 10
    assert "entropy_rate_bits" in info["latex"]


def test_describe_mess3_params_and_depth(capsys):
    code, out, _ = run(capsys, "describe", "mess3", "--param", "x=0.05", "--param", "a=0.85",
                       "--depth", "6", "--json")
    info = json.loads(out)
    assert info["params"] == {"x": 0.05, "a": 0.85}
    assert info["msp_states"] is None and info["statistical_complexity_bits"] is None
    assert len(info["myopic_entropy_bits"]) == 6


def test_describe_readable(capsys):
    code, out, _ = run(capsys, "describe", "even")
    assert code == 0 and "entropy rate" in out and "0.666667 bits" in out


def test_describe_file(capsys, tmp_path):
    spec = tmp_path / "coin.toml"
    spec.write_text('[parameters.p]\ndefault = 0.5\ndomain = "[0, 1]"\n'
                    '[matrices]\n"0" = [["1 - p"]]\n"1" = [["p"]]\n')
    code, out, _ = run(capsys, "describe", "--file", str(spec), "--json")
    assert code == 0 and json.loads(out)["entropy_rate_bits"] == pytest.approx(1.0)


@pytest.mark.parametrize(("argv", "message"), [
    (["describe", "nope"], "unknown process 'nope'"),
    (["describe", "mess3", "--param", "x=2"], "outside its domain"),
    (["describe", "mess3", "--param", "x"], "NAME=VALUE"),
    (["describe", "--file", "missing.toml"], "does not exist"),
    (["describe"], "name a process"),
])
def test_bad_input_is_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
