"""Training runs: same seed same run, resumption equal to an uninterrupted run (SIGKILL
included), the loss floor, run folders and their errors, and the train/probe commands.

Every model here is tiny (one block, d_model 8, n_ctx 4, batch 16, 20-40 steps): these
tests check bookkeeping and exact identities, not how well a network learns.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from standins import OracleModel

import analysis.cli as cli
import analysis.networks.checkpoints as checkpoints_module
import analysis.networks.train as train_module
from analysis.networks import load_run, prefix_dataset
from analysis.networks.checkpoints import RunFolderError, checkpoint_steps
from analysis.networks.run import run_process
from analysis.networks.train import TrainConfig, evaluate, train
from analysis.reports import model_config_for, unexplained_nulls
from processes import get_process, myopic_entropies, process_to_dict
from processes.errors import InputError

MESS3 = get_process("mess3")
CONFIG = TrainConfig(steps=40, batch_size=16, warmup_steps=5)
TOKENS_PER_STEP = 16 * 4  # batch * n_ctx
# `beliefscope train` flags for the same tiny transformer.
TINY = ["--n-layers", "1", "--d-model", "8", "--n-heads", "2", "--n-ctx", "4",
        "--batch-size", "16"]
REPO = Path(__file__).resolve().parents[1]


def tiny(process=MESS3, **overrides) -> dict:
    return model_config_for("transformer", process, **{
        "n_layers": 1, "d_model": 8, "n_heads": 2, "n_ctx": 4, **overrides})


def fit(run_dir: Path, process=MESS3, model: dict | None = None, config=CONFIG, **kwargs):
    return train(process, model or tiny(process), config, run_dir,
                 process_ref={"catalogue": process.name}, progress=False, **kwargs)


def weights(run_dir: Path, step: int) -> dict[str, torch.Tensor]:
    return load_file(str(run_dir / "checkpoints" / f"step_{step:07d}.safetensors"))


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def without_time(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "train_seconds"}


def metrics_rows(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def assert_same_run(a: Path, b: Path, steps: int) -> None:
    """Two run folders that trained the same steps: the same final evaluation, the same
    evaluations at every checkpoint and bitwise the same final weights."""
    final_a, final_b = (json.loads((d / "final.json").read_text()) for d in (a, b))
    assert final_a["tokens_seen"] == final_b["tokens_seen"] == steps * TOKENS_PER_STEP
    np.testing.assert_allclose(final_a["loss_nats"], final_b["loss_nats"], rtol=0, atol=1e-6)
    assert without_time(final_a) == without_time(final_b)
    assert [without_time(r) for r in metrics_rows(a)] == [without_time(r)
                                                          for r in metrics_rows(b)]
    assert_same_weights(weights(a, steps), weights(b, steps))


@pytest.fixture(autouse=True, scope="module")
def restore_threads():
    threads = torch.get_num_threads()  # train() sets TrainConfig.threads
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted 40-step Mess3 run (read-only: tests that damage it copy it)."""
    return fit(tmp_path_factory.mktemp("reference") / "run")


@pytest.fixture
def copy(reference, tmp_path) -> Path:
    return Path(shutil.copytree(reference.run_dir, tmp_path / "run"))


# -- the checkpoint schedule and the run folder -----------------------------------------------
def test_checkpoints_are_log_spaced_four_per_decade():
    steps = checkpoint_steps(1000)
    assert steps == [1, 2, 3, 6, 10, 18, 32, 56, 100, 178, 316, 562, 1000]
    # round(10**(i/4)): within rounding of a quarter decade apart
    np.testing.assert_allclose(np.log10(steps[4:]), np.arange(4, 13) / 4, atol=0.02)
    assert checkpoint_steps(1) == [1]
    assert checkpoint_steps(56) == [1, 2, 3, 6, 10, 18, 32, 56]


def test_run_folder_holds_exactly_the_schedule(reference):
    run_dir, schedule = reference.run_dir, checkpoint_steps(40)
    assert schedule == [1, 2, 3, 6, 10, 18, 32, 40]
    names = {p.name for p in (run_dir / "checkpoints").iterdir()}
    assert names == {f"step_{s:07d}.{ext}" for s in schedule for ext in ("json", "safetensors")}
    rows = metrics_rows(run_dir)
    assert [r["step"] for r in rows] == schedule
    assert [r["tokens_seen"] for r in rows] == [s * TOKENS_PER_STEP for s in schedule]
    assert [r["lr"] for r in rows] == [CONFIG.lr_at(s) for s in schedule]
    assert all(np.diff([r["train_seconds"] for r in rows]) > 0)
    config = json.loads((run_dir / "config.json").read_text())
    assert config["train"] == CONFIG.to_dict() and config["model"] == tiny()
    assert config["process"]["definition"] == process_to_dict(MESS3)
    assert json.loads((run_dir / "final.json").read_text()) == reference.metrics


def test_trained_loss_is_above_the_floor_at_every_position(reference):
    m = reference.metrics
    assert m["exact"] and reference.resumed_from == 0 and m["steps"] == 40
    assert all(loss >= floor for loss, floor in zip(m["loss_nats"], m["floor_nats"],
                                                    strict=True))
    assert m["loss_ratio"] == pytest.approx(np.mean(m["loss_nats"]) / np.mean(m["floor_nats"]),
                                            rel=1e-12)
    assert m["excess_nats"] == pytest.approx(np.mean(m["loss_nats"]) - np.mean(m["floor_nats"]),
                                             abs=1e-12)
    assert m["worst_position_ratio"] == max(a / b for a, b in zip(
        m["loss_nats"], m["floor_nats"], strict=True))


# -- determinism --------------------------------------------------------------------------------
def test_same_seed_same_run_other_seed_other_weights(reference, tmp_path):
    again = fit(tmp_path / "again")
    assert without_time(again.metrics) == without_time(reference.metrics)
    for step in checkpoint_steps(40):
        assert_same_weights(weights(tmp_path / "again", step), weights(reference.run_dir, step))
    other = fit(tmp_path / "other", config=TrainConfig(**{**CONFIG.to_dict(), "seed": 1}))
    differ = [not torch.equal(a, b) for a, b in zip(
        weights(tmp_path / "other", 40).values(), weights(reference.run_dir, 40).values(),
        strict=True)]
    assert all(differ)
    assert other.metrics["loss_nats"] != reference.metrics["loss_nats"]


# -- resumption -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("resume_every", "resumed_from"), [
    (1e9, 18),  # only at checkpoints: the last one before step 25
    (0.0, 24),  # after every step
])
def test_interrupted_run_resumes_to_the_uninterrupted_end(reference, tmp_path, monkeypatch,
                                                          resume_every, resumed_from):
    real_batch, interrupted = train_module._batch, []

    def batch(process, config, n_ctx, step, device):
        if step == 25 and not interrupted:
            interrupted.append(step)
            raise KeyboardInterrupt
        return real_batch(process, config, n_ctx, step, device)

    monkeypatch.setattr(train_module, "_batch", batch)
    run_dir = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        fit(run_dir, resume_every=resume_every)
    assert not (run_dir / "final.json").exists()
    assert json.loads((run_dir / "resume.json").read_text())["step"] == resumed_from
    result = fit(run_dir, resume_every=resume_every)
    assert result.resumed_from == resumed_from
    assert result.metrics["tokens_seen"] == reference.metrics["tokens_seen"] == 40 * 16 * 4
    np.testing.assert_allclose(result.metrics["loss_nats"], reference.metrics["loss_nats"],
                               rtol=0, atol=1e-6)
    assert_same_run(run_dir, reference.run_dir, 40)


def test_killed_between_resume_tensors_and_their_json(reference, tmp_path, monkeypatch):
    """A kill after resume.safetensors is replaced but before resume.json is: the rerun
    must still end where an uninterrupted run ends (not refuse a 'truncated' state)."""
    real_write_json = checkpoints_module.write_json

    def write_json(path, data):
        if Path(path).name == "resume.json" and data["step"] == 18:
            raise KeyboardInterrupt
        return real_write_json(path, data)

    monkeypatch.setattr(checkpoints_module, "write_json", write_json)
    run_dir = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        fit(run_dir)
    monkeypatch.setattr(checkpoints_module, "write_json", real_write_json)
    result = fit(run_dir)
    assert result.resumed_from in (0, 10)  # the state of step 10, or none
    assert_same_run(run_dir, reference.run_dir, 40)


def test_rerun_of_a_finished_run_changes_nothing(reference, copy):
    result = fit(copy)
    assert result.resumed_from == 40
    assert result.metrics == reference.metrics  # train_seconds too: no step was taken


def test_more_steps_continue_from_the_reached_step(copy):
    result = fit(copy, config=TrainConfig(**{**CONFIG.to_dict(), "steps": 60}))
    assert result.resumed_from == 40
    assert result.metrics["steps"] == 60 and result.metrics["tokens_seen"] == 60 * 16 * 4
    assert [r["step"] for r in metrics_rows(copy)] == [1, 2, 3, 6, 10, 18, 32, 40, 56, 60]
    run = load_run(copy)
    assert run.step == 60 and run.finished
    assert run.config["train"]["steps"] == 60


def test_fewer_steps_than_reached_are_refused(copy):
    with pytest.raises(RunFolderError, match=r"--steps 20 is smaller than the step 40 .*"
                                             r"give --steps >= 40"):
        fit(copy, config=TrainConfig(**{**CONFIG.to_dict(), "steps": 20}))


@pytest.mark.parametrize(("change", "section"), [
    ({"process": get_process("mess3", x=0.05)}, "process: definition, params differ"),
    ({"model": tiny(d_model=16)}, "model: d_head, d_mlp, d_model differ"),
    ({"model": model_config_for("gru", MESS3, d_model=8, n_ctx=4)}, "model: "),
    ({"config": TrainConfig(**{**CONFIG.to_dict(), "lr": 1e-3})}, "train: lr differ"),
    ({"config": TrainConfig(**{**CONFIG.to_dict(), "seed": 3, "steps": 50})},
     "train: seed differ"),
    ({"config": TrainConfig(**{**CONFIG.to_dict(), "batch_size": 8})},
     "train: batch_size differ"),
], ids=["process-param", "model-width", "model-kind", "train-lr", "train-seed", "train-batch"])
def test_another_run_into_the_folder_is_refused(copy, change, section):
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    with pytest.raises(RunFolderError, match=rf"holds a different run \({section}"):
        fit(copy, **change)
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


# -- the loss floor -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mess3", "golden_mean", "rrxor"])
def test_floor_is_the_myopic_entropy_and_the_oracle_reaches_it(name):
    process, n_ctx = get_process(name), 4
    prefixes = prefix_dataset(process, n_ctx)
    assert prefixes.exact
    result = evaluate(OracleModel(process), prefixes)
    floor = myopic_entropies(process, n_ctx + 1)[1:] * math.log(2)  # h(t + 2), nats
    np.testing.assert_allclose(result["floor_nats"], floor, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result["loss_nats"], floor, rtol=0, atol=1e-9)
    assert result["loss_ratio"] == pytest.approx(1, abs=1e-9)
    assert result["worst_position_ratio"] == pytest.approx(1, abs=1e-9)
    assert result["excess_nats"] == pytest.approx(0, abs=1e-9)
    assert result["exact"] and "loss_stderr_nats" not in result


def test_oracle_ratio_is_one_on_sampled_prefixes():
    prefixes = prefix_dataset(MESS3, 6, max_exact=1, n_sequences=200, seed=0)
    assert not prefixes.exact
    result = evaluate(OracleModel(MESS3), prefixes)
    assert result["loss_ratio"] == pytest.approx(1, abs=1e-9)
    np.testing.assert_allclose(result["loss_nats"], result["floor_nats"], rtol=0, atol=1e-9)
    assert len(result["loss_stderr_nats"]) == 6 and not result["exact"]


def test_uniform_predictor_loses_log_k():
    """Logits all zero: ln 3 nats at every position, whatever the process."""

    class Uniform(torch.nn.Module):
        def run_with_cache(self, tokens, names_filter=None):
            return torch.zeros(*tokens.shape, 3), {}

    result = evaluate(Uniform(), prefix_dataset(MESS3, 4))
    np.testing.assert_allclose(result["loss_nats"], [math.log(3)] * 4, rtol=0, atol=1e-12)


# -- load_run -------------------------------------------------------------------------------------
def test_load_run_gives_the_trained_model(reference):
    run = load_run(reference.run_dir)
    assert not run.model.training
    assert run.process.name == "mess3" and np.array_equal(run.process.T, MESS3.T)
    assert run.config == json.loads((reference.run_dir / "config.json").read_text())
    assert (run.step, run.finished, run.n_ctx) == (40, True, 4)
    assert run.checkpoints == checkpoint_steps(40)
    assert run.metrics == metrics_rows(reference.run_dir)
    tokens = torch.tensor(prefix_dataset(MESS3, 4).sequences)
    with torch.no_grad():
        assert torch.equal(run.model(tokens), reference.model(tokens))


def test_load_run_at_a_checkpoint_step(reference):
    run = load_run(reference.run_dir, step=18)
    assert (run.step, run.finished) == (18, False)
    assert_same_weights(dict(run.model.state_dict()), weights(reference.run_dir, 18))
    with pytest.raises(RunFolderError, match=r"no checkpoint at step 19; available: "
                                             r"\[1, 2, 3, 6, 10, 18, 32, 40\]"):
        load_run(reference.run_dir, step=19)


def truncate_last(run_dir: Path) -> None:
    last = sorted((run_dir / "checkpoints").glob("step_*.safetensors"))[-1]
    last.write_bytes(last.read_bytes()[:100])


def set_model_width(run_dir: Path) -> None:
    config = json.loads((run_dir / "config.json").read_text())
    config["model"] = tiny(d_model=16)
    (run_dir / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize(("damage", "fragment"), [
    (truncate_last, "step_0000040.safetensors: truncated or altered"),
    (lambda d: shutil.rmtree(d), "no such run folder; train one with `beliefscope train"),
    (lambda d: (d / "config.json").unlink(), "config.json: missing (run config)"),
    (lambda d: (d / "config.json").write_text("{"), "corrupt run config (not JSON"),
    (lambda d: (d / "config.json").write_text("[1]"), "corrupt run config (expected a JSON"),
    (lambda d: (d / "config.json").write_text('{"a": 1}'), "not a beliefscope run config"),
    (lambda d: shutil.rmtree(d / "checkpoints"), "no checkpoints yet"),
    (lambda d: (d / "checkpoints" / "step_0000040.safetensors").unlink(),
     "missing (the checkpoint's weights)"),
    (set_model_width, "does not fit the model in"),
    (lambda d: (d / "metrics.jsonl").write_text('{"step": 1}\n{"st'), "line 2 is not JSON"),
], ids=["truncated", "no-folder", "no-config", "config-not-json", "config-not-object",
        "config-not-a-run", "no-checkpoints", "no-weights", "other-width", "metrics-torn"])
def test_damaged_run_folder_is_one_clear_error(copy, damage, fragment):
    damage(copy)
    with pytest.raises(RunFolderError) as info:
        load_run(copy)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_a_changed_catalogue_entry_is_caught():
    config = {"process": {"catalogue": "mess3", "params": {"x": 0.05},
                          "definition": process_to_dict(MESS3)}}
    with pytest.raises(RunFolderError, match="no longer matches the process this run"):
        run_process(config)
    config["process"]["params"] = dict(MESS3.params)
    assert np.array_equal(run_process(config).T, MESS3.T)
    del config["process"]["catalogue"]  # a process file: rebuilt from its definition alone
    assert np.array_equal(run_process(config).T, MESS3.T)


# -- the commands -------------------------------------------------------------------------------
PROBE_KEYS = {"probe_r2", "probe_mse", "probe_mse_unweighted", "shuffle_r2", "best_layer",
              "per_layer", "concat_r2", "next_token_probe_r2", "loss_ratio",
              "worst_position_ratio", "tokens_seen", "train_seconds"}


def run_cli(capsys, *argv) -> dict:
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.mark.slow
def test_train_then_probe_golden_mean(capsys, tmp_path):
    run_dir, process = tmp_path / "run", get_process("golden_mean")
    trained = run_cli(capsys, "train", "golden_mean", "--steps", "20", *TINY,
                      "--out", run_dir, "--json")
    assert trained["tokens_seen"] == 20 * 16 * 4 and trained["train_seconds"] > 0
    assert trained["resumed_from_step"] == 0 and trained["exact_evaluation"]
    floor = myopic_entropies(process, 5)[1:] * math.log(2)  # h = ln 2 / 3 ... exact
    np.testing.assert_allclose(trained["floor_nats"], floor, rtol=0, atol=1e-9)
    assert trained["loss_ratio"] == pytest.approx(np.mean(trained["loss_nats"]) / np.mean(floor),
                                                  rel=1e-9)
    assert trained["worst_position_ratio"] >= trained["loss_ratio"] >= 1

    plot = tmp_path / "probe.png"
    probed = run_cli(capsys, "probe", run_dir, "--json", "--plot", plot)
    assert PROBE_KEYS <= probed.keys()
    assert unexplained_nulls(json.loads(json.dumps(probed, allow_nan=False))) == []
    assert (probed["step"], probed["finished"], probed["n_prefixes"]) == (20, True, 18)
    assert probed["tokens_seen"] == trained["tokens_seen"]
    assert probed["train_seconds"] == trained["train_seconds"]
    # the same model on the same exact prefixes
    assert probed["loss_ratio"] == pytest.approx(trained["loss_ratio"], rel=1e-12)
    assert probed["worst_position_ratio"] == pytest.approx(trained["worst_position_ratio"],
                                                           rel=1e-12)
    # The golden mean's belief is the last token's indicator: linear in the embeddings
    # of any model, trained or not.
    assert set(probed["per_layer"]) == {"blocks.0.hook_resid_pre", "blocks.0.hook_resid_post"}
    assert probed["per_layer"]["blocks.0.hook_resid_pre"] > 0.999
    assert probed["probe_r2"] == max(probed["per_layer"].values())
    assert probed["shuffle_r2"] < probed["probe_r2"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    auto = run_cli(capsys, "probe", run_dir, "--json", "--device", "auto")
    if not torch.cuda.is_available():
        assert auto == probed


@pytest.mark.slow
def test_gru_run_probes_its_hidden_state(capsys, tmp_path):
    run_dir = tmp_path / "gru"
    trained = run_cli(capsys, "train", "mess3", "--model", "gru", "--d-model", "8",
                      "--n-ctx", "4", "--batch-size", "16", "--steps", "20",
                      "--out", run_dir, "--json")
    assert trained["tokens_seen"] == 20 * 16 * 4
    assert json.loads((run_dir / "config.json").read_text())["model"] == {
        "model": "gru", "n_layers": 1, "d_hidden": 8, "n_ctx": 4, "d_vocab": 3}
    probed = run_cli(capsys, "probe", run_dir, "--json", "--layers", "rnn.0.hook_hidden")
    assert PROBE_KEYS <= probed.keys()
    assert unexplained_nulls(json.loads(json.dumps(probed, allow_nan=False))) == []
    assert probed["n_prefixes"] == 3 + 9 + 27 + 81  # every Mess3 word of length 1 to 4
    assert list(probed["per_layer"]) == ["rnn.0.hook_hidden"]
    assert probed["best_layer"] == "rnn.0.hook_hidden"
    assert probed["probe_r2"] == probed["per_layer"]["rnn.0.hook_hidden"]
    assert probed["loss_ratio"] == pytest.approx(trained["loss_ratio"], rel=1e-12)


def test_interrupted_train_command_says_one_line(capsys, tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "_batch", interrupted)
    assert cli.main(["train", "mess3", *TINY, "--steps", "5", "--out",
                     str(tmp_path / "run")]) == 130
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "beliefscope train: interrupted"


@pytest.mark.parametrize("command", ["train", "probe"])
def test_cuda_is_refused_where_absent(capsys, reference, tmp_path, monkeypatch, command):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out_dir = tmp_path / "run"
    argv = {"train": ["train", "mess3", *TINY, "--device", "cuda", "--out", str(out_dir)],
            "probe": ["probe", str(reference.run_dir), "--device", "cuda"]}[command]
    code = cli.main(argv)
    out = capsys.readouterr()
    assert code == 2 and out.out == "" and "Traceback" not in out.err
    lines = out.err.strip().splitlines()
    assert len(lines) == 1
    assert "--device cuda: CUDA is not available on this machine; use --device cpu" in lines[0]
    assert not out_dir.exists()  # refused before anything is written


# -- a real SIGKILL ---------------------------------------------------------------------------
def wait_for_step(path: Path, step: int, proc: subprocess.Popen, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        try:
            reached = json.loads(path.read_text())["step"]
        except (FileNotFoundError, json.JSONDecodeError):
            reached = 0
        if reached >= step:
            return reached
        time.sleep(0.01)
    raise AssertionError(f"{path} did not reach step {step} in {timeout} s")


@pytest.mark.slow
def test_sigkill_then_rerun_ends_where_an_uninterrupted_run_ends(capsys, tmp_path):
    steps = 400  # checkpoints ... 56, 100, 178, 316, 400: killed after 100
    args = ["train", "mess3", *TINY, "--steps", str(steps), "--json"]
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "analysis.cli", *args, "--out", str(killed)]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_step(killed / "resume.json", 100, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "final.json").exists()

    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300,
                           check=False)
    assert rerun.returncode == 0, rerun.stderr
    resumed = json.loads(rerun.stdout)
    assert 100 <= resumed["resumed_from_step"] < steps

    whole = run_cli(capsys, *args, "--out", tmp_path / "whole")
    assert resumed["tokens_seen"] == whole["tokens_seen"] == steps * TOKENS_PER_STEP
    np.testing.assert_allclose(resumed["loss_nats"], whole["loss_nats"], rtol=0, atol=1e-6)
    assert_same_run(killed, tmp_path / "whole", steps)


def test_train_flags_set_the_recipe(capsys, tmp_path):
    run_dir = tmp_path / "run"
    run_cli(capsys, "train", "mess3", *TINY, "--steps", "6", "--weight-decay", "0.5",
            "--schedule", "constant", "--warmup-steps", "2", "--optimizer", "sgd",
            "--lr", "0.01", "--targets", "sampled", "--out", run_dir, "--json")
    saved = TrainConfig.from_dict(json.loads((run_dir / "config.json").read_text())["train"])
    assert (saved.weight_decay, saved.schedule, saved.warmup_steps) == (0.5, "constant", 2)
    assert saved.soft_targets is False  # --targets sampled: the sampled next token
    assert [saved.lr_at(s) for s in (1, 2, 3, 6)] == pytest.approx([0.005, 0.01, 0.01, 0.01])
    # SGD takes the decay as an L2 penalty: the optimiser is built with it.
    model = torch.nn.Linear(2, 2)
    assert train_module._optimizer(model, saved).param_groups[0]["weight_decay"] == 0.5


# --- a BOS token heading every window -------------------------------------------------

def _exact_next(process, words: np.ndarray) -> np.ndarray:
    """p(. | w) for one word by plain belief updates from pi, shape (k,)."""
    eta = process.pi.copy()
    for x in words:
        eta = eta @ process.T[x]
        eta = eta / eta.sum()
    return eta @ process.Tr


@pytest.mark.parametrize("soft", [True, False])
def test_bos_batches_start_with_bos_and_train_the_first_token(soft):
    config = TrainConfig(bos=True, batch_size=6, soft_targets=soft, seed=3)
    inputs, targets = train_module._batch(MESS3, config, 5, 1, "cpu")
    inputs = inputs.numpy()
    assert inputs.shape == (6, 5) and (inputs[:, 0] == 3).all() and inputs[:, 1:].max() < 3
    if not soft:  # the next token itself: the window shifted by one, BOS dropped
        assert targets.shape == (6, 5) and targets.numpy()[:, :-1].tolist() == \
            inputs[:, 1:].tolist()
        return
    assert targets.shape == (6, 5, 3)
    for row, target in zip(inputs, targets.numpy(), strict=True):
        for t in range(5):  # position t has read BOS and t process tokens
            np.testing.assert_allclose(target[t], _exact_next(MESS3, row[1:t + 1]),
                                       atol=1e-6)


def test_training_with_bos_is_probed_and_evaluated_with_bos(capsys, tmp_path):
    run_dir = tmp_path / "bos"
    report = run_cli(capsys, "train", "mess3", *TINY, "--bos", "--steps", "30", "--out",
                     run_dir, "--json")
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["model"]["n_ctx"], config["model"]["d_vocab"]) == (5, 4)
    assert config["train"]["bos"] is True and load_run(run_dir).bos == 3
    # Position 0 reads the empty prefix: its floor is H[pi T r] = ln 3 (Mess3's symbols
    # are uniform); position t reads t tokens, the floor of position t - 1 without BOS.
    plain = prefix_dataset(MESS3, 4)
    floor = [math.log(3)] + [
        float(np.average(-(plain.next_token_probs * np.log(plain.next_token_probs)).sum(1)[at],
                         weights=plain.weights[at]))
        for at in (plain.position == t for t in range(4))]
    np.testing.assert_allclose(report["floor_nats"], floor, rtol=1e-12)
    probed = run_cli(capsys, "probe", run_dir, "--json")
    assert probed["bos"] is True
    assert probed["n_prefixes"] == len(prefix_dataset(MESS3, 5, bos=3).weights)


def test_a_bos_run_needs_the_bos_token_in_its_vocabulary(tmp_path):
    with pytest.raises(InputError, match="smaller than mess3's 3 symbols and BOS"):
        train(MESS3, tiny(), TrainConfig(steps=2, bos=True), tmp_path / "run",
              progress=False)
    with pytest.raises(InputError, match="bos must be true or false"):
        TrainConfig(bos=1)


def test_a_run_from_before_bos_resumes(capsys, tmp_path):
    run_dir = tmp_path / "old"
    args = ["train", "mess3", *TINY, "--out", run_dir, "--json"]
    run_cli(capsys, *args, "--steps", "4")
    config = json.loads((run_dir / "config.json").read_text())
    del config["train"]["bos"]  # as a run folder written before the flag existed
    (run_dir / "config.json").write_text(json.dumps(config))
    assert run_cli(capsys, *args, "--steps", "6")["resumed_from_step"] == 4
    assert load_run(run_dir).bos is None
