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


@pytest.mark.slow
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


def test_every_option_has_help_text_and_the_version_is_printed(capsys):
    import argparse

    from analysis.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == {"list", "describe", "msp", "attractor", "lyapunov",
                                "dimension", "train", "probe", "reproduce", "sweep"}
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest}"
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("beliefscope ")


def test_list_json_has_summaries_parameters_and_citations(capsys):
    code, out, _ = run(capsys, "list", "--json")
    entries = {e["name"]: e for e in json.loads(out)}
    assert code == 0 and {"mess3", "rrxor", "henon", "lorenz"} <= set(entries)
    mess3 = entries["mess3"]
    assert mess3["kind"] == "process" and mess3["summary"] and "Marzen" in mess3["citation"]
    assert mess3["parameters"][0] == {"name": "x", "default": 0.15, "domain": "(0, 1/2)",
                                      "description": mess3["parameters"][0]["description"]}
    assert entries["henon"]["kind"] == "map"
