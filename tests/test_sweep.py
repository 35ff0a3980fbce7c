"""`beliefscope sweep`: the results table, resuming, failures, bad specs, and the same
table from a local run, joblib workers and a Dask cluster."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

import analysis.pipeline.sweep as sweep_module
from analysis.cli import main
from analysis.pipeline import load_sweep_spec, run_sweep
from analysis.pipeline.sweep_spec import point_id
from analysis.reports import describe_process, lyapunov_report, resolve_target

ROOT = Path(__file__).resolve().parent.parent

# Two orbits of 200 steps: a Mess3 spectrum in milliseconds (not a converged number).
LYAPUNOV = {"command": "lyapunov", "process": "mess3",
            "options": {"steps": 200, "orbits": 2},
            "grid": {"x": [0.05, 0.15], "a": [0.6, 0.85]}}
# golden_mean(p): h_mu = H(p) / (2 - p) bits (pi_A = 1 / (2 - p), state B emits surely).
GOLDEN = {"command": "describe", "process": "golden_mean", "options": {"depth": 3},
          "points": [{"p": 0.5}, {"p": 0.2}, {"p": 0.9}]}


REAL_RUN_POINT = sweep_module.run_point


def golden_mean_rate(p: float) -> float:
    h = -p * math.log2(p) - (1 - p) * math.log2(1 - p)
    return h / (2 - p)


@pytest.fixture(scope="module", autouse=True)
def _imported():
    """Pay the one-time imports and compilations (numba, matplotlib) in setup, so each
    test's time is its own."""
    import matplotlib.figure  # noqa: F401

    lyapunov_report(resolve_target("mess3", None), n_steps=10, n_orbits=2)


def read_table(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_spec(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


class Counting:
    """`run_point` wrapped: the point folders it completed, in order; it can stop (like
    Ctrl-C) when asked to start one point too many."""

    def __init__(self, monkeypatch, stop_at: int | None = None):
        self.done: list[str] = []
        self.stop_at = stop_at
        self.real = REAL_RUN_POINT
        monkeypatch.setattr(sweep_module, "run_point", self)

    def __call__(self, config, point_dir):
        if self.stop_at is not None and len(self.done) == self.stop_at:
            raise KeyboardInterrupt
        outcome = self.real(config, point_dir)
        self.done.append(Path(point_dir).name)
        return outcome


def test_grid_table_columns_values_and_order(tmp_path):
    result = run_sweep(LYAPUNOV, tmp_path / "out", progress=False)
    columns, rows = read_table(tmp_path / "out" / "results.csv")
    # The grid's product in the spec's order: the last name varies fastest.
    grid = [(0.05, 0.6), (0.05, 0.85), (0.15, 0.6), (0.15, 0.85)]
    assert [(float(r["x"]), float(r["a"])) for r in rows] == grid
    direct = [lyapunov_report(resolve_target("mess3", None, {"x": x, "a": a}), n_steps=200,
                              n_orbits=2, seed=0) for x, a in grid]
    # The swept names as written, status, error, then every key of the reports, in the
    # order they first appear (an unconverged run adds its reason and suggested steps).
    keys = list(dict.fromkeys(key for report in direct for key in report))
    assert columns == ["x", "a", "status", "error", *keys]
    assert result.columns == tuple(columns) and result.n_failed == 0
    for row, report in zip(rows, direct, strict=True):
        assert row["status"] == "ok" and row["error"] == ""
        # The same numbers as the report function called directly (same seed).
        assert float(row["lyapunov_dimension"]) == report["lyapunov_dimension"]
        assert json.loads(row["lyapunov_spectrum_nats"]) == report["lyapunov_spectrum_nats"]
        assert row["lyapunov_converged"] == str(report["lyapunov_converged"]).lower()
        assert row["lyapunov_converged_reason"] == report.get("lyapunov_converged_reason", "")
    # The point's folder: config and result, named by the config's hash.
    folders = sorted((tmp_path / "out" / "points").iterdir())
    assert len(folders) == 4 and all(len(f.name) == 16 for f in folders)
    for folder in folders:
        config = json.loads((folder / "config.json").read_text())
        outcome = json.loads((folder / "result.json").read_text())
        assert config["command"] == "lyapunov" and set(config["params"]) == {"x", "a"}
        assert outcome["status"] == "ok" and "lyapunov_dimension" in outcome["report"]


def test_points_form_matches_the_closed_form(tmp_path):
    result = run_sweep(GOLDEN, tmp_path / "out", progress=False)
    columns, rows = read_table(result.table)
    assert columns[:3] == ["p", "status", "error"] and result.heatmap is None
    # Dict values (params, latex) stay in result.json; lists become JSON strings.
    assert "latex" not in columns and "params" not in columns
    for row in rows:
        p = float(row["p"])
        assert float(row["entropy_rate_bits"]) == pytest.approx(golden_mean_rate(p), abs=1e-12)
        assert len(json.loads(row["myopic_entropy_bits"])) == 3
        assert json.loads(row["stationary"]) == pytest.approx([1 / (2 - p), (1 - p) / (2 - p)])


def test_a_file_is_read_relative_to_the_spec_folder(tmp_path, monkeypatch):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "gm.toml").write_text((ROOT / "examples" / "my_process.toml").read_text())
    spec = write_spec(folder, """\
        command = "describe"
        file = "gm.toml"
        [options]
        depth = 2
        [grid]
        p = [0.5, 0.2]
        """)
    monkeypatch.chdir(tmp_path)  # not the spec's folder
    result = run_sweep(spec, tmp_path / "out", progress=False)
    rows = result.rows
    assert [r["name"] for r in rows] == ["my_golden_mean"] * 2
    assert rows[0]["entropy_rate_bits"] == pytest.approx(2 / 3, abs=1e-12)
    # Workers rebuild the process from the definition in the config, not from the file.
    config = json.loads(next((tmp_path / "out" / "points").glob("*/config.json")).read_text())
    assert config["target"]["file"] == "gm.toml" and "matrices" in config["target"]["definition"]


def test_options_are_swept_by_name(tmp_path):
    spec = {**GOLDEN, "options": {}, "points": [{"p": 0.5, "depth": 2}, {"p": 0.5, "depth": 4}]}
    result = run_sweep(spec, tmp_path / "out", progress=False)
    assert result.columns[:4] == ("p", "depth", "status", "error")
    assert [len(json.loads(r["myopic_entropy_bits"])) for r in result.rows] == [2, 4]


def test_a_system_is_swept_like_a_process(tmp_path):
    spec = {"command": "lyapunov", "process": "henon", "options": {"steps": 5000, "orbits": 4},
            "grid": {"a": [1.4]}, "params": {"b": 0.3}}
    (row,) = run_sweep(spec, tmp_path / "out", progress=False).rows
    # Henon (a = 1.4, b = 0.3): exponents (0.419, -1.623), Kaplan-Yorke dimension 1.258.
    assert json.loads(row["lyapunov_spectrum_nats"]) == pytest.approx([0.419, -1.623],
                                                                       abs=0.01)
    assert row["lyapunov_dimension"] == pytest.approx(1.258, abs=0.005)


@pytest.mark.slow  # imports torch for the device check: about 3 s
def test_reproduce_points_get_their_own_run_folder(tmp_path, monkeypatch):
    import analysis.pipeline.reproduction as reproduction

    calls = []

    def fake(process, run_dir, **kwargs):
        calls.append((process.params, Path(run_dir), kwargs))
        return {"probe_r2": 0.5 + process.params["x"], "per_layer_r2": {"blocks.0": 0.1}}

    monkeypatch.setattr(reproduction, "reproduce", fake)
    spec = {"command": "reproduce", "process": "mess3",
            "options": {"quick": True, "steps": 50, "weight_decay": 0.1, "bos": True},
            "grid": {"x": [0.05, 0.1], "model": ["rnn", "gru"]}}
    result = run_sweep(spec, tmp_path / "out", progress=False)
    assert result.heatmap is not None and [r["model"] for r in result.rows][:2] == ["rnn", "gru"]
    params, run_dir, kwargs = calls[0]
    assert params == {"x": 0.05, "a": 0.6} and run_dir.name == "run"
    assert run_dir.parent.parent == tmp_path / "out" / "points"
    # The quick sizes, with the spec's training recipe on top.
    settings = replace(reproduction.Settings.quick(), steps=50, weight_decay=0.1, bos=True)
    assert kwargs == {"model": "rnn", "quick": True, "device": "cpu",
                      "process_ref": {"catalogue": "mess3"}, "seed": 0, "progress": False,
                      "settings": settings}
    assert result.rows[0]["probe_r2"] == pytest.approx(0.55)
    assert result.rows[0]["run_dir"] == str(run_dir) and "per_layer_r2" not in result.columns


@pytest.mark.slow  # one quick reproduction: about 30 s
def test_a_reproduce_sweep_trains_each_point_in_its_own_run_folder(tmp_path):
    spec = {"command": "reproduce", "process": "golden_mean",
            "options": {"quick": True, "steps": 5}, "points": [{"weight_decay": 0.1}]}
    result = run_sweep(spec, tmp_path / "out", progress=False)
    assert (result.n_run, [r["status"] for r in result.rows]) == (1, ["ok"])
    run_dir = Path(result.rows[0]["run_dir"])
    assert run_dir.parent.parent == tmp_path / "out" / "points"
    train = json.loads((run_dir / "config.json").read_text())["train"]
    assert (train["steps"], train["weight_decay"]) == (5, 0.1)
    assert float(result.rows[0]["probe_r2"]) <= 1 and (run_dir / "report.md").exists()


def test_an_interrupted_sweep_resumes_and_runs_each_point_once(tmp_path, monkeypatch):
    spec = {**GOLDEN, "points": [{"p": p} for p in (0.1, 0.3, 0.5, 0.7, 0.9)]}
    first = Counting(monkeypatch, stop_at=2)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "out", progress=False)
    # The table holds what finished before the interruption.
    assert len(read_table(tmp_path / "out" / "results.csv")[1]) == 2
    second = Counting(monkeypatch)
    result = run_sweep(spec, tmp_path / "out", progress=False)
    assert (result.n_skipped, result.n_run) == (2, 3)
    ran = first.done + second.done
    assert len(ran) == len(set(ran)) == 5
    assert [float(r["p"]) for r in read_table(result.table)[1]] == [0.1, 0.3, 0.5, 0.7, 0.9]
    # A finished sweep reruns nothing.
    third = Counting(monkeypatch)
    assert run_sweep(spec, tmp_path / "out", progress=False).n_run == 0 and not third.done


def test_a_deleted_point_folder_is_the_only_one_rerun(tmp_path, monkeypatch):
    run_sweep(GOLDEN, tmp_path / "out", progress=False)
    before = (tmp_path / "out" / "results.csv").read_text()
    victim = sorted((tmp_path / "out" / "points").iterdir())[0]
    for file in victim.iterdir():
        file.unlink()
    victim.rmdir()
    again = Counting(monkeypatch)
    run_sweep(GOLDEN, tmp_path / "out", progress=False)
    assert again.done == [victim.name]
    assert (tmp_path / "out" / "results.csv").read_text() == before


@pytest.mark.slow  # a fresh interpreter importing numba and sympy: about 4 s
def test_a_sweep_killed_with_sigkill_resumes(tmp_path):
    log = tmp_path / "finished.log"
    spec = tmp_path / "sweep.json"
    spec.write_text(json.dumps({**GOLDEN, "points": [{"p": p} for p in (0.2, 0.4, 0.6, 0.8)]}))
    # The child logs each point it completes and hangs when it starts the third.
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        import analysis.pipeline.sweep as sweep
        real = sweep.run_point
        def logged(config, point_dir):
            log = Path({str(log)!r})
            if log.exists() and len(log.read_text().split()) == 2:
                time.sleep(600)
            outcome = real(config, point_dir)
            with log.open("a") as handle:
                handle.write(Path(point_dir).name + "\\n")
            return outcome
        sweep.run_point = logged
        sweep.run_sweep({str(spec)!r}, {str(tmp_path / "out")!r}, progress=False)
        """)
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and len(log.read_text().split()) == 2):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)  # let it record the second point and start the third
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    first = log.read_text().split()
    result = run_sweep(spec, tmp_path / "out", progress=False)
    assert result.n_skipped == 2 and result.n_run == 2
    finished = {f.parent.name for f in (tmp_path / "out" / "points").glob("*/result.json")}
    assert len(finished) == 4 and set(first) <= finished
    assert [float(r["p"]) for r in result.rows] == [0.2, 0.4, 0.6, 0.8]


def test_a_failing_point_is_recorded_and_the_others_finish(tmp_path, capsys):
    spec = write_spec(tmp_path, """\
        command = "lyapunov"
        process = "mess3"
        [options]
        steps = 200
        orbits = 2
        [grid]
        x = [0.1, 2, 0.2]
        """)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert out.strip().splitlines() == [out.strip()] and "2 ok, 1 failed" in out
    _, rows = read_table(tmp_path / "out" / "results.csv")
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert "x=2.0 is outside its domain" in rows[1]["error"]
    assert rows[1]["lyapunov_dimension"] == "" and rows[0]["lyapunov_dimension"] != ""


def test_a_clean_sweep_exits_0_with_a_one_line_summary(tmp_path, capsys):
    spec = tmp_path / "golden.json"
    spec.write_text(json.dumps(GOLDEN))
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("sweep: 3 points (3 run now, 0 finished before)")


BAD_SPECS = [
    ("unknown-key", 'command = "describe"\nprocess = "even"\ngird = {p = [0.5]}\n',
     "unknown key(s) ['gird']"),
    ("command-not-a-string", 'command = ["lyapunov"]\nprocess = "even"\n[grid]\np = [0.5]\n',
     "use one of describe"),
    ("unknown-command", 'command = "train"\nprocess = "even"\n[grid]\np = [0.5]\n',
     "command = 'train'; use one of describe, attractor, lyapunov, reproduce"),
    ("empty-grid", 'command = "describe"\nprocess = "even"\n[grid]\n', "[grid] is empty"),
    ("grid-not-a-list", 'command = "describe"\nprocess = "even"\n[grid]\np = 0.5\n',
     "[grid] p must be a non-empty list"),
    ("grid-empty-list", 'command = "describe"\nprocess = "even"\n[grid]\np = []\n',
     "[grid] p must be a non-empty list"),
    ("unknown-name", 'command = "lyapunov"\nprocess = "mess3"\n[grid]\nz = [1, 2]\n',
     "swept name 'z' is neither a parameter of mess3 (x, a) nor an option of lyapunov"),
    ("missing-file", 'command = "describe"\nfile = "nope.toml"\n[grid]\np = [0.5]\n',
     "relative path is taken from the spec's folder"),
    ("process-and-file", 'command = "describe"\nprocess = "even"\nfile = "x.toml"\n'
     '[grid]\np = [0.5]\n', "give exactly one of process"),
    ("unknown-process", 'command = "describe"\nprocess = "mess4"\n[grid]\nx = [0.5]\n',
     "unknown process or system 'mess4'"),
    ("no-grid", 'command = "describe"\nprocess = "even"\n', "give exactly one of [grid]"),
    ("grid-and-points", 'command = "describe"\nprocess = "even"\n[grid]\np = [0.5]\n'
     '[[points]]\np = 0.2\n', "give exactly one of [grid]"),
    ("points-differ", 'command = "describe"\nprocess = "sns"\n[[points]]\np = 0.5\n'
     '[[points]]\nq = 0.2\n', "every point names the same keys"),
    ("point-twice", 'command = "describe"\nprocess = "even"\n[grid]\np = [0.5, 0.5]\n',
     "repeats point 1"),
    ("unknown-option", 'command = "lyapunov"\nprocess = "mess3"\n[options]\npoints = 5\n'
     '[grid]\nx = [0.1]\n', "'points' is not an option of lyapunov"),
    ("option-type", 'command = "lyapunov"\nprocess = "mess3"\n[options]\nsteps = 1.5\n'
     '[grid]\nx = [0.1]\n', "[options] steps: 1.5 is not an integer"),
    ("option-range", 'command = "lyapunov"\nprocess = "mess3"\n[options]\nsteps = 0\n'
     '[grid]\nx = [0.1]\n', "[options]: --steps 0: must be >= 1"),
    ("swept-option-range", 'command = "lyapunov"\nprocess = "mess3"\n[grid]\n'
     'seed = [0, -1]\n', "point 2 (seed=-1): seed -1: must be >= 0"),
    ("option-choice", 'command = "reproduce"\nprocess = "mess3"\n[grid]\n'
     'model = ["rnn", "mamba"]\n', "'mamba'; use one of transformer, rnn, gru, lstm"),
    ("reproduce-weight-decay", 'command = "reproduce"\nprocess = "mess3"\n[options]\n'
     'weight_decay = -0.1\n[grid]\nx = [0.1]\n',
     "[options]: --weight-decay -0.1: must be a finite number >= 0"),
    ("reproduce-steps", 'command = "reproduce"\nprocess = "mess3"\n[grid]\n'
     'steps = [100, 0]\n', "point 2 (steps=0): --steps 0: must be >= 1"),
    ("parameter-not-a-number", 'command = "describe"\nprocess = "even"\n[grid]\n'
     'p = [0.5, "half"]\n', "point 2 p: 'half' is not a finite number"),
    ("fixed-and-swept", 'command = "describe"\nprocess = "even"\n[options]\ndepth = 3\n'
     '[grid]\ndepth = [2]\n', "'depth' is both fixed"),
    ("heatmap-one-name", 'command = "describe"\nprocess = "even"\nheatmap = "n_states"\n'
     '[grid]\np = [0.5]\n', "needs exactly two swept names"),
    ("describe-a-system", 'command = "describe"\nprocess = "henon"\n[grid]\na = [1.4]\n',
     "describe needs a process"),
    ("grid-too-large", 'command = "describe"\nprocess = "sns"\n[grid]\n'
     f"p = {list(range(400))}\nq = {list(range(400))}\n", "the limit is 100000"),
    ("not-toml", 'command = "describe"\nprocess = \n', "invalid TOML"),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in BAD_SPECS],
                         ids=[c[0] for c in BAD_SPECS])
def test_a_bad_spec_is_one_clear_line(tmp_path, capsys, text, fragment):
    spec = write_spec(tmp_path, text)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err, err
    assert not (tmp_path / "out").exists()  # checked before anything runs


@pytest.mark.parametrize(("args", "fragment"), [
    (["missing.toml"], "sweep spec 'missing.toml' does not exist"),
    (["{spec}", "--jobs", "0"], "--jobs 0: must be >= 1"),
    (["{spec}", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:1"],
     "--jobs applies to local runs"),
    (["{spec}", "--scheduler", "127.0.0.1:8786"], "give the scheduler's address"),
])
def test_bad_arguments_are_one_clear_line(tmp_path, capsys, args, fragment):
    spec = tmp_path / "golden.json"
    spec.write_text(json.dumps(GOLDEN))
    argv = [a.replace("{spec}", str(spec)) for a in args]
    code = main(["sweep", *argv, "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and fragment in err
    assert len(err.strip().splitlines()) == 1


def test_missing_dask_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ValueError, match=r"pip install 'beliefscope\[dask\]'"):
        run_sweep(GOLDEN, tmp_path / "out", scheduler="tcp://127.0.0.1:8786",
                  progress=False)


def test_a_two_name_grid_draws_a_heat_map(tmp_path):
    result = run_sweep(LYAPUNOV, tmp_path / "out", progress=False)
    assert result.heatmap == tmp_path / "out" / "heatmap.png"
    assert result.heatmap.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.heatmap.stat().st_size > 10_000


def test_the_heat_map_column_is_chosen_and_checked(tmp_path):
    spec = {**LYAPUNOV, "heatmap": "entropy_rate_bits"}
    assert load_sweep_spec(spec).heatmap == "entropy_rate_bits"
    assert load_sweep_spec(LYAPUNOV).heatmap == "lyapunov_dimension"
    with pytest.raises(ValueError, match="no such numeric column.*results are complete"):
        run_sweep({**LYAPUNOV, "heatmap": "time_unit"}, tmp_path / "out", progress=False)
    assert len(read_table(tmp_path / "out" / "results.csv")[1]) == 4


def test_the_config_hash_covers_defaults_and_names_the_folder():
    spec = load_sweep_spec(LYAPUNOV)
    explicit = load_sweep_spec({**LYAPUNOV, "options": {"steps": 200, "orbits": 2, "seed": 0}})
    assert [spec.config(i) for i in range(4)] == [explicit.config(i) for i in range(4)]
    config = spec.config(0)
    assert config["params"] == {"x": 0.05, "a": 0.6}
    fixed = load_sweep_spec({**LYAPUNOV, "grid": {"x": [0.05]}, "params": {"a": 0.85}})
    assert fixed.config(0)["params"] == {"x": 0.05, "a": 0.85}
    assert point_id(fixed.config(0)) != point_id(config)
    assert config["options"]["method"] == "dop853" and "dt" not in config["options"]


@pytest.mark.slow  # two joblib worker processes import the library: about 6 s
def test_joblib_workers_give_the_same_table(tmp_path):
    run_sweep(LYAPUNOV, tmp_path / "one", progress=False)
    run_sweep(LYAPUNOV, tmp_path / "two", jobs=2, progress=False)
    assert (tmp_path / "two" / "results.csv").read_text() == \
        (tmp_path / "one" / "results.csv").read_text()


@pytest.mark.slow  # a two-process Dask cluster starting and importing: about 10 s
def test_a_dask_cluster_gives_the_same_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    run_sweep(LYAPUNOV, tmp_path / "local", progress=False)
    # Worker processes, not threads: tasks are pickled and run in fresh interpreters.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            pids = set(client.run(os.getpid).values())
        result = run_sweep(LYAPUNOV, tmp_path / "dask", scheduler=cluster.scheduler_address,
                           progress=False)
    assert len(pids) == 2 and os.getpid() not in pids and result.n_run == 4
    assert (tmp_path / "dask" / "results.csv").read_text() == \
        (tmp_path / "local" / "results.csv").read_text()


def test_describe_matches_the_report_function(tmp_path):
    result = run_sweep({**GOLDEN, "points": [{"p": 0.3}]}, tmp_path / "out", progress=False)
    direct = describe_process(resolve_target("golden_mean", None, {"p": 0.3}), depth=3)
    report = json.loads(next((tmp_path / "out" / "points").glob("*/result.json"))
                        .read_text())["report"]
    assert report == json.loads(json.dumps(direct))
    assert result.rows[0]["excess_entropy_bits"] == direct["excess_entropy_bits"]


@pytest.mark.parametrize("spec", sorted((ROOT / "examples").glob("sweep_*.toml")),
                         ids=lambda p: p.name)
def test_the_example_sweeps_are_valid_specs(spec):
    sweep = load_sweep_spec(spec)
    assert len(sweep.points) >= 2 and sweep.heatmap is not None


def test_an_option_added_later_leaves_older_reproduce_points_where_they_were():
    # `bos` came after `weight_decay`: a spec that does not set it must give the point
    # config (and so the folder) it gave before, so a rerun resumes an older sweep.
    spec = load_sweep_spec({"command": "reproduce", "process": "rrxor",
                            "options": {"steps": 4000}, "grid": {"seed": [0]}})
    assert spec.config(0)["options"] == {"quick": False, "steps": 4000, "weight_decay": 0.0,
                                         "model": "transformer", "device": "cpu", "seed": 0}
    with_bos = load_sweep_spec({"command": "reproduce", "process": "rrxor",
                                "options": {"steps": 4000, "bos": True}, "grid": {"seed": [0]}})
    assert with_bos.config(0)["options"]["bos"] is True
    assert point_id(with_bos.config(0)) != point_id(spec.config(0))
