"""Every bad input gets one clear error line, never a traceback or a wrong number.

`CASES` is the table: ``(id, setup, fragment)``. ``setup(tmp_path)`` returns the argv for
`analysis.cli.main` (making any files the case needs in ``tmp_path``); an `OnTrainedRun`
setup gets a copy of a small trained run folder too. The command must return 2 with
nothing on stdout and one stderr line containing ``fragment``. Append rows for new classes
of bad input.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import analysis.cli as cli
from analysis.io import write_json
from analysis.reports import (
    attractor_report,
    describe_process,
    lyapunov_report,
    msp_report,
    unexplained_nulls,
)
from processes import get_process, list_processes

Setup = Callable[[Path], list[str]]


def argv(*args: str) -> Setup:
    """A case that needs no files."""
    return lambda tmp_path: list(args)


def points_file(array: np.ndarray, name: str = "cloud.npy") -> Setup:
    """A case running ``dimension`` on ``array`` saved as ``name``."""

    def setup(tmp_path: Path) -> list[str]:
        path = tmp_path / name
        np.save(path, array) if name.endswith(".npy") else np.savez(path, points=array)
        return ["dimension", str(path)]

    return setup


def lying_header(tmp_path: Path) -> list[str]:
    """A .npy whose header claims shape (10**12, 3) but which holds 24 bytes of data."""
    path = tmp_path / "huge.npy"
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 3)})
        handle.write(np.zeros(3).tobytes())
    return ["dimension", str(path)]


def lying_npz_member(tmp_path: Path) -> list[str]:
    """The same lie inside an .npz member."""
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("points.npy", "w") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 3)})
        handle.write(np.zeros(3).tobytes())
    return ["dimension", str(path)]


# Two symbols; symbol 0 stretches the second belief coordinate by 1.4 per step while its
# probability 0.5 - 0.5 x falls: every word up to length 8 has positive probability
# (so the finite-depth check passes), but 1 0^10 0 has negative probability.
LATE_NEGATIVE_GHMM = """\
name = "late_negative"
generalized = true
[matrices]
"0" = [["0.5", "0"], ["-0.5", "0.7"]]
"1" = [["0.5", "0.002"], ["0.5", "0.1"]]
"""


def late_negative(*args: str) -> Setup:
    def setup(tmp_path: Path) -> list[str]:
        spec = tmp_path / "late.toml"
        spec.write_text(LATE_NEGATIVE_GHMM)
        return [args[0], "--file", str(spec), *args[1:]]

    return setup


def spec_directory(command: str) -> Setup:
    def setup(tmp_path: Path) -> list[str]:
        (tmp_path / "spec.toml").mkdir()
        return [command, "--file", str(tmp_path / "spec.toml")]

    return setup


def spec_fifo(command: str) -> Setup:
    def setup(tmp_path: Path) -> list[str]:
        os.mkfifo(tmp_path / "spec.toml")  # opening it for reading would block for ever
        return [command, "--file", str(tmp_path / "spec.toml")]

    return setup


def spec_binary(command: str) -> Setup:
    def setup(tmp_path: Path) -> list[str]:
        (tmp_path / "spec.toml").write_bytes(bytes(range(256)) * 4)
        return [command, "--file", str(tmp_path / "spec.toml")]

    return setup


def missing_folder(*args: str) -> Setup:
    """``args`` with ``{missing}`` replaced by a path in a folder that does not exist."""
    return lambda tmp_path: [a.format(missing=tmp_path / "nope") for a in args]


def with_cloud(*args: str) -> Setup:
    """``dimension`` on a valid cloud, with extra ``args`` (``{missing}`` as above)."""

    def setup(tmp_path: Path) -> list[str]:
        path = tmp_path / "ok.npy"
        np.save(path, np.random.default_rng(0).random((2000, 2)))
        return ["dimension", str(path), *missing_folder(*args)(tmp_path)]

    return setup


def text_as_npy(tmp_path: Path) -> list[str]:
    (tmp_path / "x.npy").write_text("hello")
    return ["dimension", str(tmp_path / "x.npy")]


def out_is_a_directory(tmp_path: Path) -> list[str]:
    (tmp_path / "g.json").mkdir()
    return ["msp", "even", "--out", str(tmp_path / "g.json")]


def spec_json(data, command: str = "describe") -> Setup:
    """A process spec file holding ``data`` (JSON), run through ``command``."""

    def setup(tmp_path: Path) -> list[str]:
        path = tmp_path / "spec.json"
        path.write_text(json.dumps(data) if not isinstance(data, str) else data)
        return [command, "--file", str(path)]

    return setup


def spec_toml(text: str, command: str = "describe") -> Setup:
    def setup(tmp_path: Path) -> list[str]:
        path = tmp_path / "spec.toml"
        path.write_text(text)
        return [command, "--file", str(path)]

    return setup


def coin(entry) -> dict:
    """A one-state, two-symbol spec with ``entry`` as T[0][0][0]."""
    return {"matrices": [[[entry]], [["1/2"]]]}


def sparse_huge_spec(tmp_path: Path) -> list[str]:
    # A 3 GB file that takes no disk: it is refused by its size, never read.
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(3 * 2**30)
    return ["describe", "--file", str(path)]


def many_states(n: int) -> Setup:
    rows = [["1" if j == (i + 1) % n else "0" for j in range(n)] for i in range(n)]
    return spec_json({"matrices": [rows]})


# `beliefscope train` flags of a tiny transformer; `tiny_run` trains Mess3 with them.
TINY_NET = ["--n-layers", "1", "--d-model", "8", "--n-heads", "2", "--n-ctx", "4",
            "--batch-size", "16"]


class OnTrainedRun:
    """A case on a copy (in ``tmp_path``) of the run folder `tiny_run` (20 steps of Mess3
    with `TINY_NET`): ``make(run_dir)`` may damage the copy, and returns the argv."""

    def __init__(self, make: Callable[[Path], list[str]]):
        self.make = make

    def __call__(self, tmp_path: Path, trained: Path) -> list[str]:
        return self.make(Path(shutil.copytree(trained, tmp_path / "run")))


def probe_damaged(damage: Callable[[Path], object]) -> OnTrainedRun:
    def make(run_dir: Path) -> list[str]:
        damage(run_dir)
        return ["probe", str(run_dir)]

    return OnTrainedRun(make)


def truncate_last_checkpoint(run_dir: Path) -> None:
    last = sorted((run_dir / "checkpoints").glob("step_*.safetensors"))[-1]
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])


def train_into(*args: str) -> Setup:
    """``train mess3`` of the tiny transformer (``args`` override its flags) into a new
    folder."""
    return lambda tmp_path: ["train", "mess3", *TINY_NET, *args, "--out", str(tmp_path / "run")]


def probe_empty_folder(tmp_path: Path) -> list[str]:
    (tmp_path / "run").mkdir()
    return ["probe", str(tmp_path / "run")]


def train_into_a_file(tmp_path: Path) -> list[str]:
    (tmp_path / "run").write_text("not a folder")
    return train_into()(tmp_path)


STRUCTURED = np.zeros(100, dtype=[("x", "f8"), ("y", "f8")])

CASES: list[tuple[str, Setup, str]] = [
    # Tracebacks
    ("param-overflow", argv("describe", "tom_quantum", "--param", "alpha=1e200"),
     "cannot be evaluated at alpha=1e+200"),
    ("points-empty", points_file(np.zeros((0, 3))), "0 points"),
    ("points-empty-1d", points_file(np.zeros(0)), "shape (0,)"),
    ("points-structured", points_file(STRUCTURED), "structured array"),
    ("points-complex", points_file(np.ones((100, 2)) * 1j), "complex values"),
    ("points-object", points_file(np.array(["a", "b"] * 60).reshape(-1, 2)), "not numbers"),
    ("points-nan", points_file(np.full((500, 2), np.nan)), "NaN or infinite"),
    ("points-inf", points_file(np.r_[np.zeros((99, 2)), [[np.inf, 0]]]), "NaN or infinite"),
    ("points-huge", points_file(np.random.default_rng(0).random((200, 2)) * 1e300),
     "overflows distance"),
    ("points-lying-header", lying_header, "header claims shape (1000000000000, 3)"),
    ("points-lying-npz", lying_npz_member, "header claims shape (1000000000000, 3)"),
    ("points-too-few", points_file(np.random.default_rng(0).random((5, 2))),
     "need at least 50"),
    ("points-npz-too-few", points_file(np.zeros((5, 2)), "cloud.npz"), "need at least 50"),
    ("points-not-numpy", text_as_npy, "not a readable .npy array"),
    ("attractor-points-huge", argv("attractor", "mess3", "--points", "1000000000000"),
     "lower --points"),
    # Wrong numbers
    ("lyapunov-steps-negative", argv("lyapunov", "mess3", "--steps", "-1"),
     "--steps -1: must be >= 1"),
    ("lyapunov-steps-minus-5", argv("lyapunov", "mess3", "--steps", "-5"),
     "--steps -5: must be >= 1"),
    ("lyapunov-steps-zero", argv("lyapunov", "henon", "--steps", "0"), "--steps 0"),
    ("lyapunov-one-orbit", argv("lyapunov", "mess3", "--orbits", "1"),
     "--orbits 1: must be >= 2"),
    ("attractor-one-point", argv("attractor", "mess3", "--points", "1"),
     "at least 1000 points"),
    ("late-negative-describe", late_negative("describe"), "does not define a process there"),
    ("late-negative-msp", late_negative("msp"), "does not define a process there"),
    ("late-negative-attractor", late_negative("attractor", "--points", "20000"),
     "does not define a process there"),
    ("late-negative-lyapunov", late_negative("lyapunov", "--steps", "2000"),
     "does not define a process there"),
    # Silent acceptance
    ("describe-depth-zero", argv("describe", "mess3", "--depth", "0"), "--depth 0"),
    ("describe-depth-negative", argv("describe", "mess3", "--depth", "-3"), "--depth -3"),
    ("msp-depth-zero", argv("msp", "mess3", "--depth", "0"), "--depth 0"),
    ("msp-max-states-zero", argv("msp", "mess3", "--max-states", "0"), "--max-states 0"),
    ("msp-max-states-negative", argv("msp", "even", "--max-states", "-1"),
     "--max-states -1"),
    ("param-twice", argv("describe", "mess3", "--param", "x=0.1", "--param", "x=0.2"),
     "given twice"),
    ("param-nan", argv("describe", "mess3", "--param", "x=nan"), "finite number"),
    # Hangs
    ("describe-depth-huge", argv("describe", "mess3", "--depth", "1000000"), "at most 64"),
    ("msp-max-states-huge", argv("msp", "mess3", "--max-states", "1000000000"),
     "at most 1000000"),
    # Poor messages
    ("describe-spec-directory", spec_directory("describe"), "is a directory"),
    ("lyapunov-spec-directory", spec_directory("lyapunov"), "is a directory"),
    ("describe-spec-fifo", spec_fifo("describe"), "not a regular file"),
    ("lyapunov-spec-fifo", spec_fifo("lyapunov"), "not a regular file"),
    ("describe-spec-binary", spec_binary("describe"), "not UTF-8"),
    ("lyapunov-spec-binary", spec_binary("lyapunov"), "not UTF-8"),
    ("attractor-seed-negative", argv("attractor", "mess3", "--seed", "-1"),
     "--seed -1: must be >= 0"),
    ("lyapunov-seed-negative", argv("lyapunov", "henon", "--seed", "-1"), "--seed -1"),
    ("dimension-seed-negative", with_cloud("--seed", "-1"), "--seed -1"),
    ("attractor-out-missing-folder",
     missing_folder("attractor", "mess3", "--out", "{missing}/a.npz"), "does not exist"),
    ("msp-out-missing-folder", missing_folder("msp", "even", "--out", "{missing}/g.json"),
     "create it first"),
    ("attractor-plot-missing-folder",
     missing_folder("attractor", "mess3", "--plot", "{missing}/a.png"), "does not exist"),
    ("dimension-plot-missing-folder", with_cloud("--plot", "{missing}/s.png"),
     "does not exist"),
    ("out-is-a-directory", out_is_a_directory, "is a directory"),
    # Spec files (the safe-expression payloads have their own file, test_safe_specs.py)
    ("spec-entry-complex", spec_json(coin("1j")), "complex literals"),
    ("spec-entry-complex-math", spec_json(coin("sqrt(-1)/2")), "not real"),
    ("spec-entry-boolean", spec_json(coin(True)), "got bool"),
    ("spec-entry-huge-integer", spec_json('{"matrices": [[[1' + "0" * 400 + ']], [["1"]]]}'),
     "too large"),
    ("spec-entry-nested", spec_json(coin([["0.5"]])), "expected a number"),
    ("spec-zero-states", spec_json({"matrices": [[], []]}), "non-empty list of rows"),
    ("spec-zero-symbols", spec_json({"matrices": []}), "non-empty list of matrices"),
    ("spec-domain-nan", spec_json({"parameters": {"p": {"default": 0.5,
                                                        "domain": "(nan, 1)"}},
                                   "matrices": [[["p"]], [["1 - p"]]]}), "unknown name 'nan'"),
    ("spec-domain-list-nan", spec_toml('[parameters.p]\ndefault = 0.5\ndomain = [0, nan]\n'
                                       '[matrices]\n"0" = [["p"]]\n"1" = [["1 - p"]]\n'),
     "not a finite number"),
    ("spec-domain-reversed", spec_json({"parameters": {"p": {"default": 0.5,
                                                             "domain": [1, 0]}},
                                        "matrices": [[["p"]], [["1 - p"]]]}), "above the upper"),
    ("spec-huge-sum", spec_json(coin("+".join(["1/2"] * 5000))), "characters; the limit"),
    ("spec-deep-unary", spec_json(coin("-" * 300 + "1")), "nested too deeply"),
    ("spec-generalized-string", spec_json({"generalized": "no", **coin("1/2")}),
     "must be true or false"),
    ("spec-too-many-states", many_states(300), "limited to 256 states"),
    ("spec-3gb-file", sparse_huge_spec, "process files are limited"),
    ("spec-unknown-key", spec_json({"matrix": []}), "unknown key(s) ['matrix']"),
    ("spec-bad-param-name", spec_json({"parameters": {"__class__": 0.5}, **coin("1/2")}),
     "not a valid name"),
    ("spec-not-stochastic", spec_json(coin("0.7")), "sums to 1.2"),
    ("system-no-kind-payload", spec_toml('kind = "map"\nvariables = ["x"]\n'
                                         'equations = ["x.__class__"]\n', "lyapunov"),
     "attribute access"),
    # Run folders
    ("probe-missing-folder", missing_folder("probe", "{missing}/run"),
     "no such run folder; train one with `beliefscope train PROCESS --out"),
    ("probe-folder-without-config", probe_empty_folder, "config.json: missing (run config)"),
    ("probe-corrupt-config", probe_damaged(lambda d: (d / "config.json").write_text('{"form')),
     "config.json: corrupt run config (not JSON"),
    ("probe-not-a-run-config",
     probe_damaged(lambda d: (d / "config.json").write_text('{"steps": 3}')),
     "not a beliefscope run config"),
    ("probe-truncated-checkpoint", probe_damaged(truncate_last_checkpoint),
     "step_0000020.safetensors: truncated or altered"),
    ("probe-no-checkpoints", probe_damaged(lambda d: shutil.rmtree(d / "checkpoints")),
     "no checkpoints yet; rerun the training command"),
    ("probe-no-such-hook",
     OnTrainedRun(lambda d: ["probe", str(d), "--layers", "blocks.9.hook_resid_post"]),
     "--layers blocks.9.hook_resid_post: no such hook in this model; available: hook_embed, "
     "hook_pos_embed, blocks.0.hook_resid_pre"),
    ("probe-unknown-device", OnTrainedRun(lambda d: ["probe", str(d), "--device", "tpu"]),
     "--device tpu: expected cpu, cuda, cuda:N or auto"),
    ("train-fewer-steps-than-reached",
     OnTrainedRun(lambda d: ["train", "mess3", *TINY_NET, "--steps", "5", "--out", str(d)]),
     "--steps 5 is smaller than the step 20 this run has reached"),
    ("train-other-param-into-run",
     OnTrainedRun(lambda d: ["train", "mess3", "--param", "x=0.05", *TINY_NET, "--steps", "20",
                             "--out", str(d)]),
     "holds a different run (process: definition, params differ from this command)"),
    ("train-other-width-into-run",
     OnTrainedRun(lambda d: ["train", "mess3", *TINY_NET, "--d-model", "16", "--steps", "20",
                             "--out", str(d)]),
     "holds a different run (model: d_head, d_mlp, d_model differ"),
    ("train-out-is-a-file", train_into_a_file, "exists and is not a folder"),
    # Training settings
    ("train-heads-do-not-divide", train_into("--d-model", "10", "--n-heads", "4"),
     "--d-model 10 is not divisible by --n-heads 4"),
    ("train-steps-zero", train_into("--steps", "0"), "--steps 0: must be >= 1"),
    ("train-batch-zero", train_into("--batch-size", "0"), "--batch-size 0: must be >= 1"),
    ("train-lr-negative", train_into("--lr", "-1"),
     "--lr -1.0: the learning rate must be a positive number"),
    ("train-lr-nan", train_into("--lr", "nan"), "--lr nan: the learning rate must be"),
    ("train-lr-inf", train_into("--lr", "inf"), "lr must be a finite number >= 0, got inf"),
    ("train-weight-decay-negative", train_into("--weight-decay", "-0.1"),
     "--weight-decay -0.1: must be a finite number >= 0"),
    ("train-warmup-negative", train_into("--warmup-steps", "-1"),
     "--warmup-steps -1: must be >= 0"),
    ("reproduce-steps-zero", lambda tmp_path: ["reproduce", "mess3", "--steps", "0",
                                               "--out", str(tmp_path / "run")],
     "--steps 0: must be >= 1"),
    ("reproduce-weight-decay-nan", lambda tmp_path: ["reproduce", "mess3", "--weight-decay",
                                                     "nan", "--out", str(tmp_path / "run")],
     "--weight-decay nan: must be a finite number >= 0"),
    ("train-unknown-device", train_into("--device", "tpu"),
     "--device tpu: expected cpu, cuda, cuda:N or auto"),
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """What `beliefscope train mess3 TINY_NET --steps 20 --out RUN` writes."""
    import torch

    run_dir = tmp_path_factory.mktemp("tiny") / "run"
    threads = torch.get_num_threads()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["train", "mess3", *TINY_NET, "--steps", "20", "--out", str(run_dir)])
    torch.set_num_threads(threads)
    assert code == 0
    return run_dir


def one_clear_line(capsys, argv: list[str], fragment: str) -> None:
    code = cli.main(argv)
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("beliefscope ")
    assert ": error: " in lines[0] and fragment in lines[0]
    assert "Traceback" not in out.err


def rows(on_trained_run: bool) -> dict:
    chosen = [c for c in CASES if isinstance(c[1], OnTrainedRun) == on_trained_run]
    return {"argvalues": [c[1:] for c in chosen], "ids": [c[0] for c in chosen]}


@pytest.mark.parametrize(("setup", "fragment"), **rows(on_trained_run=False))
def test_bad_input_is_one_clear_line(capsys, tmp_path, setup, fragment):
    one_clear_line(capsys, setup(tmp_path), fragment)


@pytest.mark.parametrize(("setup", "fragment"), **rows(on_trained_run=True))
def test_bad_run_folder_is_one_clear_line(capsys, tmp_path, tiny_run, setup, fragment):
    one_clear_line(capsys, setup(tmp_path, tiny_run), fragment)


def test_the_table_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


# -- valid input that used to be refused ---------------------------------------------------
def test_slowly_mixing_mess3_has_the_uniform_stationary_distribution():
    """x = 1e-12: M - I is of size 1e-12 everywhere, yet has one clear null direction."""
    np.testing.assert_allclose(get_process("mess3", x=1e-12).pi, [1 / 3] * 3, atol=1e-4)


@pytest.mark.slow
def test_describe_slowly_mixing_mess3():
    # `beliefscope describe mess3 --param x=1e-12`, with a smaller search and chaos game.
    info = describe_process(get_process("mess3", x=1e-12), depth=3, max_states=300,
                            blackwell_points=5000)
    np.testing.assert_allclose(info["stationary"], [1 / 3] * 3, atol=1e-4)
    assert 0 < info["entropy_rate_bits"] <= np.log2(3)


def test_non_ergodic_process_is_still_refused():
    from processes import Process, ProcessError

    T = np.zeros((2, 4, 4))
    T[0, :2, :2] = [[0.5, 0.5], [0.3, 0.7]]
    T[1, 2:, 2:] = [[0.1, 0.9], [0.4, 0.6]]
    with pytest.raises(ProcessError, match="not ergodic"):
        _ = Process.from_arrays(T).pi


# -- results survive a failing plot; Ctrl-C is one line --------------------------------------
def test_failing_plot_keeps_the_results(capsys, tmp_path, monkeypatch):
    def broken_figure(*args):
        raise RuntimeError("no display")

    monkeypatch.setattr(cli.geometry, "_scaling_figure", broken_figure)
    path = tmp_path / "ok.npy"
    np.save(path, np.random.default_rng(0).random((2000, 2)))
    code = cli.main(["dimension", str(path), "--json", "--plot", str(tmp_path / "s.png")])
    out = capsys.readouterr()
    assert code == 2
    assert json.loads(out.out)["n_points"] == 2000  # the results are out first
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "drawing failed (no display)" in lines[0]
    assert not (tmp_path / "s.png").exists()


def test_interrupt_is_one_line(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.processes, "_list", interrupted)
    assert cli.main(["list"]) == 130
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "beliefscope list: interrupted"


# -- leftovers --------------------------------------------------------------------------------
def test_atomic_write_removes_temporaries_of_dead_runs(tmp_path):
    dead = 2**22 + 12345  # above Linux's pid_max: no such process
    stale = tmp_path / f".out.json.{dead}.abc123.tmp.json"
    alive = tmp_path / f".out.json.{os.getppid()}.def456.tmp.json"  # a live writer's
    other = tmp_path / f".other.json.{dead}.x.tmp.json"  # another target's
    for path in (stale, alive, other):
        path.write_text("half")
    write_json(tmp_path / "out.json", {"a": 1})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([alive.name, other.name, "out.json"])


# -- every null has a reason, no NaN, in every command's JSON ------------------------------
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.slow) if name in ("tom_quantum", "mess3") else name
    for name in list_processes()
])
def test_every_null_has_a_reason(name):
    process = get_process(name)
    reports = {
        "describe": describe_process(process, depth=4, max_states=300, blackwell_points=5000),
        "msp": msp_report(process, max_states=300)[1],
        "lyapunov": lyapunov_report(process, n_steps=200, n_orbits=4),
        "attractor": attractor_report(process, 1000, lyapunov_steps=200)[2],
    }
    for command, info in reports.items():
        data = json.loads(json.dumps(info, allow_nan=False))
        assert unexplained_nulls(data) == [], command
    exponents = reports["lyapunov"]["lyapunov_spectrum_nats"]
    assert all(isinstance(v, float) or v == "-inf" for v in exponents)


def test_text_output_never_prints_nan(capsys):
    assert cli.main(["lyapunov", "post_quantum", "--steps", "300"]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower() and "None" not in out
    assert "lyapunov_spectrum_nats: [-inf, -inf]" in out
    assert cli.main(["msp", "mess3", "--depth", "3"]) == 0
    out = capsys.readouterr().out
    assert "statistical_complexity_bits: not available (the mixed-state presentation" in out
    assert "None" not in out and "_reason" not in out
