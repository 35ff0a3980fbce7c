"""`beliefscope reproduce`: the whole pipeline, end to end."""

import json
from dataclasses import replace

import pytest

from analysis.cli import main
from analysis.pipeline import REQUIRED_METRICS, Settings, reproduce
from analysis.reports.nulls import unexplained_nulls
from processes import get_process, list_processes

# Sizes that exercise every stage in a few seconds (not meaningful numbers).
TINY = Settings(steps=20, n_ctx=4, attractor_points=2_000, lyapunov_steps=300,
                emergence_sequences=32, ot_points=100, rnn_steps=100, dimension_points=1_000)


def _check_metrics(metrics: dict) -> None:
    for key in REQUIRED_METRICS:
        assert key in metrics, key
        assert metrics[key] is not None or metrics.get(f"{key}_reason"), key
    assert unexplained_nulls(metrics) == []


@pytest.mark.slow  # about 40 s: the --quick run CI must keep under a minute
def test_quick_reproduction_of_mess3(tmp_path, capsys):
    out = tmp_path / "mess3"
    code = main(["reproduce", "mess3", "--param", "x=0.05", "--param", "a=0.85", "--quick",
                 "--out", str(out), "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    metrics = json.loads((out / "metrics.json").read_text())
    _check_metrics(metrics)
    assert printed["probe_r2"] == metrics["probe_r2"] > 0.95
    assert 1.0 <= metrics["loss_ratio"] < 1.01
    assert metrics["graph_isomorphic"] is None  # Mess3's MSP is infinite
    # The probe's reading against the attractor above its scatter: the sharpest reading
    # (all hooks), fitted from twice its scatter, a fit or a null with its reason.
    assert metrics["scatter_probe"] == "concat"
    assert 0 < metrics["probe_scatter"] < 0.1
    assert metrics["scatter_min_scale"] == pytest.approx(2 * metrics["probe_scatter"])
    for cloud in ("probe", "attractor", "blurred_attractor"):
        key = f"{cloud}_information_dimension_above_scatter"
        assert key in metrics
        if metrics[key] is not None:
            assert metrics[f"{key}_range"][0] >= metrics["scatter_min_scale"]
    # Mess3's prefixes hold ~10^4 mixed states: no k-means graph, and it says why.
    assert metrics["graph_kmeans_homogeneity"] is None
    assert "mixed states" in metrics["graph_kmeans_homogeneity_reason"]
    assert metrics["graph_state_variance_share"] is None
    assert "fewer than two" in metrics["graph_state_variance_share_reason"]
    report = (out / "report.md").read_text()
    for figure in ("attractor.png", "loss_per_position.png", "probe.png",
                   "dimension_scaling.png", "emergence.png"):
        assert (out / figure).stat().st_size > 10_000, figure
        assert f"({figure})" in report, figure
    # A rerun resumes the finished training instead of repeating it.
    assert main(["reproduce", "mess3", "--param", "x=0.05", "--param", "a=0.85",
                 "--quick", "--out", str(out), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["tokens_seen"] == metrics["tokens_seen"]
    assert again["train_seconds"] == pytest.approx(metrics["train_seconds"])
    # The report says this command's time is not the training's.
    assert (metrics["resumed_from_step"], again["resumed_from_step"]) == (0, 300)
    assert "this command resumed at step 300 and took" in (out / "report.md").read_text()
    assert "this command resumed" not in report


@pytest.mark.slow  # about 3 s a process
@pytest.mark.parametrize("name", list_processes())
def test_every_catalogue_process_reproduces_without_a_crash(tmp_path, name):
    metrics = reproduce(get_process(name), tmp_path / name, settings=TINY, progress=False)
    _check_metrics(metrics)
    if name == "rrxor":  # a finite MSP: the k-means graph has one cluster per mixed state
        assert metrics["graph_kmeans_clusters"] == metrics["n_mixed_states"]
        assert 0 <= metrics["graph_kmeans_completeness"] <= 1
        # Four tokens give RRXOR's prefixes fewer than two rows per mixed state, too few
        # for the variance split, which says so (test_compare_graph checks the split).
        assert metrics["n_prefixes"] < 2 * metrics["n_mixed_states"]
        for part in ("state", "position", "history"):
            assert metrics[f"graph_{part}_variance_share"] is None
            assert "fewer than two" in metrics[f"graph_{part}_variance_share_reason"]
    json.dumps(json.loads((tmp_path / name / "metrics.json").read_text()), allow_nan=False)


@pytest.mark.slow  # about 5 s
def test_a_gru_reproduction_compares_lyapunov_dimensions(tmp_path):
    metrics = reproduce(get_process("mess3", x=0.05, a=0.85), tmp_path / "gru", model="gru",
                        settings=TINY, progress=False)
    _check_metrics(metrics)
    assert metrics["rnn_lyapunov_dimension"] is not None
    assert metrics["belief_lyapunov_dimension"] == pytest.approx(0.52, abs=0.1)


@pytest.mark.slow  # about 10 s
def test_reproduce_takes_the_training_recipe(tmp_path, capsys):
    out = tmp_path / "golden"
    assert main(["reproduce", "golden_mean", "--quick", "--steps", "7", "--weight-decay",
                 "0.1", "--bos", "--out", str(out), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert (metrics["steps"], metrics["weight_decay"], metrics["bos"]) == (7, 0.1, True)
    config = json.loads((out / "config.json").read_text())
    train = config["train"]
    assert (train["steps"], train["weight_decay"], train["bos"]) == (7, 0.1, True)
    # BOS is a token of its own and a position of its own, in front of the quick window.
    model = config["model"]
    assert (model["d_vocab"], model["n_ctx"]) == (3, Settings.quick().n_ctx + 1)
    # The probe and the graphs read the window the network was trained on, BOS first.
    assert metrics["graph_homogeneity"] is not None and metrics["emergence"]["probe_r2"]
    assert "7 steps, weight decay 0.1, a BOS token heading each window (" in \
        (out / "report.md").read_text()


@pytest.mark.slow  # about 15 s
def test_the_k_means_graph_is_drawn_when_tolerance_merging_keeps_too_many(tmp_path,
                                                                          monkeypatch):
    from analysis import compare

    drawn = []
    draw = compare.draw_learned_graph

    def recording(learned, **kwargs):
        drawn.append((learned.method, learned.n_clusters))
        return draw(learned, **kwargs)

    monkeypatch.setattr(compare, "draw_learned_graph", recording)
    out = tmp_path / "rrxor"
    metrics = reproduce(get_process("rrxor"), out, settings=replace(TINY, n_ctx=6),
                        progress=False)
    # A barely trained network tells its prefixes apart: far more clusters than can be
    # drawn, so the figure shows k-means with one cluster per mixed state instead.
    assert metrics["n_prefixes"] > 60
    assert drawn == [("kmeans", metrics["n_mixed_states"])]
    assert (out / "graphs.png").stat().st_size > 10_000
