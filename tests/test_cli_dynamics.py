"""The dynamics commands: attractor, msp, dimension, lyapunov."""

import json

import networkx as nx
import numpy as np
import pytest

from analysis.cli import main

DIMENSION_KEYS = {f"{kind}_dimension{suffix}" for kind in ("information", "correlation", "box")
                  for suffix in ("", "_ci")}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_attractor_json_and_outputs(capsys, tmp_path):
    out, plot = tmp_path / "a.npz", tmp_path / "a.png"
    code, stdout, _ = run(capsys, "attractor", "mess3", "--param", "x=0.05", "--param",
                          "a=0.85", "--points", 20000, "--seed", 1, "--out", out,
                          "--plot", plot, "--json")
    info = json.loads(stdout)
    assert code == 0
    assert {"n_points", "entropy_rate_bits", "entropy_rate_stderr_bits",
            "lyapunov_spectrum_nats", "lyapunov_spectrum_stderr_nats",
            "lyapunov_dimension"} | DIMENSION_KEYS <= set(info)
    assert info["n_points"] == 20000
    # The physics, not only the keys: Mess3(0.05, 0.85) has h_mu = 1.144717 bits (the
    # extrapolated h(L), far more precise than this small chaos game), exponents about
    # (-1.53, -1.76) nats and Lyapunov dimension 0.52 (long runs in the project notes).
    assert info["entropy_rate_bits"] == pytest.approx(1.1447173, abs=1e-6)
    assert info["entropy_rate_method"] == "myopic-extrapolated"
    spectrum = info["lyapunov_spectrum_nats"]
    assert spectrum == pytest.approx([-1.531, -1.763], abs=0.05)
    assert info["lyapunov_dimension"] == pytest.approx(0.518, abs=0.03)
    with np.load(out) as saved:  # the measured cloud in the belief chart, and the beliefs
        assert saved["points"].shape == (20000, 2) and saved["samples"].shape == (20000, 3)
        np.testing.assert_allclose(saved["samples"].sum(axis=1), 1.0, atol=1e-12)
    assert plot.stat().st_size > 1000


@pytest.mark.slow
def test_attractor_of_a_textbook_system(capsys):
    code, stdout, _ = run(capsys, "attractor", "henon", "--points", 20000, "--json")
    info = json.loads(stdout)
    assert code == 0 and info["lyapunov_dimension"] == pytest.approx(1.258, abs=0.01)
    assert 1.0 < info["correlation_dimension"] < 1.4


def test_msp_json_and_graph_files(capsys, tmp_path):
    code, stdout, _ = run(capsys, "msp", "rrxor", "--json", "--out", tmp_path / "g.graphml",
                          "--plot", tmp_path / "g.png")
    info = json.loads(stdout)
    assert info["n_states"] == 36 and info["finite"] and info["n_recurrent"] == 5
    assert info["statistical_complexity_bits"] == pytest.approx(2.251629, abs=1e-6)
    assert info["entropy_rate_bits"] == pytest.approx(2 / 3)
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() == 36
    code, stdout, _ = run(capsys, "msp", "even", "--json", "--out", tmp_path / "g.json")
    assert json.loads((tmp_path / "g.json").read_text())["directed"] is True


def test_msp_of_infinite_process(capsys):
    code, stdout, _ = run(capsys, "msp", "mess3", "--depth", 4, "--json")
    info = json.loads(stdout)
    assert info["finite"] is False and info["statistical_complexity_bits"] is None
    assert info["n_states"] == 1 + 3 + 9 + 27 + 81


def test_dimension_command(capsys, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "square.npy"
    np.save(path, rng.random((50_000, 2)))
    code, stdout, _ = run(capsys, "dimension", path, "--json", "--plot", tmp_path / "s.png")
    info = json.loads(stdout)
    assert code == 0 and DIMENSION_KEYS <= set(info)
    # D2 is accurate at this size; box counting runs low from edge effects (documented).
    assert info["correlation_dimension"] == pytest.approx(2.0, abs=0.05)
    assert 1.75 < info["box_dimension"] <= 2.0
    assert (tmp_path / "s.png").exists()


def test_lyapunov_command(capsys):
    code, stdout, _ = run(capsys, "lyapunov", "logistic", "--json")
    info = json.loads(stdout)
    assert info["lyapunov_spectrum_nats"][0] == pytest.approx(np.log(2), abs=0.01)
    code, stdout, _ = run(capsys, "lyapunov", "post_quantum", "--steps", 500, "--json")
    assert json.loads(stdout)["lyapunov_spectrum_nats"] == ["-inf", "-inf"]  # a reset map


def test_lyapunov_user_system_file(capsys, tmp_path):
    spec = tmp_path / "quadratic.toml"
    spec.write_text('kind = "map"\nvariables = ["x"]\nequations = ["r*x*(1 - x)"]\n'
                    'initial = [0.2137]\n[parameters.r]\ndefault = 3.5\n')
    # r = 3.5 is a stable period-4 cycle (negative exponent); r = 4 is chaos with ln 2.
    code, stdout, _ = run(capsys, "lyapunov", "--file", spec, "--steps", 5000, "--json")
    assert json.loads(stdout)["lyapunov_spectrum_nats"][0] < -0.1
    code, stdout, _ = run(capsys, "lyapunov", "--file", spec, "--param", "r=4", "--json")
    assert json.loads(stdout)["lyapunov_spectrum_nats"][0] == pytest.approx(np.log(2), abs=0.01)


@pytest.mark.parametrize(("argv", "message"), [
    (["dimension", "missing.npy"], "does not exist"),
    (["attractor", "mess3", "--points", "0"], "at least 1000 points"),
    (["attractor", "mess3", "--out", "x.csv"], "must end in"),
    (["lyapunov", "nope"], "unknown process or system"),
])
def test_bad_input(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("content", [np.zeros(0), np.arange(10.0), np.full((500, 2), np.nan)])
def test_bad_point_files(capsys, tmp_path, content):
    path = tmp_path / "bad.npy"
    np.save(path, content)
    code, _, err = run(capsys, "dimension", path)
    assert code == 2 and "error" in err


def test_one_state_process_has_a_point_attractor(capsys):
    # coin's beliefs never move: no tangent directions, dimension 0 without any fit.
    code, stdout, _ = run(capsys, "lyapunov", "coin", "--steps", 200, "--json")
    info = json.loads(stdout)
    assert code == 0 and info["lyapunov_spectrum_nats"] == [] and info["lyapunov_dimension"] == 0
    code, stdout, _ = run(capsys, "attractor", "coin", "--points", 1000, "--json")
    info = json.loads(stdout)
    assert code == 0 and info["entropy_rate_bits"] == pytest.approx(1.0, abs=1e-12)
    assert info["box_dimension"] == info["correlation_dimension"] == 0.0


def test_attractor_report_hands_back_the_fits_behind_its_numbers():
    from analysis.geometry import InformationDimension, estimate_dimensions
    from analysis.reports import attractor_report
    from processes import get_process

    process = get_process("mess3", x=0.05, a=0.85)
    points, cloud, info, fits = attractor_report(process, 5000, lyapunov_steps=300,
                                                 return_fits=True)
    d1 = fits["information_dimension"]
    assert isinstance(d1, InformationDimension)
    assert d1.dimension_ == info["information_dimension"]
    # The fits are those of estimate_dimensions on the returned cloud with the same seed.
    again = estimate_dimensions(cloud, random_state=0)
    assert again["information_dimension"] == info["information_dimension"]
    assert again["correlation_dimension"] == info["correlation_dimension"]
    # Without return_fits the report keeps its three parts.
    assert len(attractor_report(process, 2000, lyapunov_steps=300)) == 3
    # A single point has nothing to fit.
    assert attractor_report(get_process("coin"), 1000, lyapunov_steps=300,
                            return_fits=True)[3] == {}
