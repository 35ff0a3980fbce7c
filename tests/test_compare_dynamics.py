"""RNN dynamics against belief dynamics, and the emergence of belief geometry in training.

Exact checks: the RNN's exponents sum to the mean log|det J| of its token maps along the
same tokens (computed here by torch.autograd on the network's own cell); the fixed points
of a hand-set tanh RNN solve ``h = tanh(a_u + h / 2)`` componentwise, and a probe built
to send them onto the belief maps' stable points (found by eigenvectors, not Newton)
gives distance 0; CKA of a network with itself is 1; the participation ratio of a cloud
with variances (4, 1) is 25/17.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from analysis.compare.dynamics import NOT_RECURRENT, rnn_fixed_points, rnn_lyapunov
from analysis.compare.over_training import (
    architecture_cka,
    emergence,
    participation_ratio,
    plot_emergence,
    ridge_probe_r2,
)
from analysis.networks import build_model, load_run, prefix_dataset
from analysis.networks.activations import Activations
from analysis.networks.train import TrainConfig, train
from analysis.reports import unexplained_nulls
from dynamics import BeliefIFS, belief_coordinates, lyapunov_dimension
from processes import generate, get_process
from processes.errors import InputError

pytestmark = pytest.mark.usefixtures("one_thread")

MESS3 = get_process("mess3")
GRU = {"model": "gru", "d_hidden": 8, "d_vocab": 3, "n_ctx": 10}
TINY = {"model": "transformer", "n_layers": 1, "d_model": 8, "n_heads": 2, "d_head": 4,
        "d_mlp": 32, "n_ctx": 4, "d_vocab": 3}




def json_ready(info: dict) -> None:
    json.dumps(info, allow_nan=False)
    assert unexplained_nulls(info) == []


def mean_log_det(model, tokens: np.ndarray, burn_in: int) -> float:
    """Mean over orbits of ``sum_t log|det dF/dh|`` per token after the burn-in, from the
    network's own GRU cell differentiated by torch.autograd (not the token map's jacrev)."""
    cell = model.rnn[0].cell.double()
    eye = torch.eye(model.config.d_vocab, dtype=torch.float64)
    totals = []
    for sequence in tokens:
        h, total = torch.zeros(model.config.d_hidden, dtype=torch.float64), 0.0
        for t, u in enumerate(sequence):
            def step(state, u=int(u)):
                return cell(eye[u][None, None], state[None, None])[1][0, 0]
            if t >= burn_in:
                total += torch.linalg.slogdet(torch.autograd.functional.jacobian(step, h))[1]
            h = step(h).detach()
        totals.append(float(total) / (len(sequence) - burn_in))
    return float(np.mean(totals))


def test_rnn_exponents_sum_to_the_mean_log_det_of_the_token_maps():
    model = build_model(GRU, seed=3)
    n_orbits, n_steps, burn_in = 2, 80, 10
    tokens = generate(MESS3, n_orbits, burn_in + n_steps, seed=1).tokens
    info = rnn_lyapunov(model, MESS3, n_orbits=n_orbits, n_steps=n_steps, burn_in=burn_in,
                        belief_steps=500, tokens=tokens)
    json_ready(info)
    assert info["rnn_lyapunov_n_exponents"] == 8
    top = info["rnn_lyapunov_spectrum_nats"]
    assert len(top) == 4 and all(math.isfinite(v) for v in top) and top == sorted(top)[::-1]
    expected = mean_log_det(model, tokens, burn_in)
    assert info["rnn_lyapunov_sum_nats"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # An untrained GRU contracts every direction, but Mess3's inputs bring h = 1.09 nats
    # per token: Kaplan-Yorke stops within the reported top four exponents.
    h = info["entropy_rate_nats"]
    assert h + sum(top) < 0 < h + top[0]
    assert info["rnn_lyapunov_dimension"] == pytest.approx(lyapunov_dimension(top, h))
    assert 1 < info["rnn_lyapunov_dimension"] < 4
    belief = info["belief_lyapunov_spectrum_nats"]
    assert info["belief_lyapunov_dimension"] == pytest.approx(lyapunov_dimension(belief, h))


def test_a_transformer_has_no_token_map():
    model = build_model(TINY)
    info = rnn_lyapunov(model, MESS3, belief_steps=500)
    json_ready(info)
    for key in ("spectrum_nats", "sum_nats", "dimension", "converged"):
        assert info[f"rnn_lyapunov_{key}"] is None
        assert info[f"rnn_lyapunov_{key}_reason"] == NOT_RECURRENT
    assert "Lyapunov spectra" in NOT_RECURRENT
    assert math.isfinite(info["belief_lyapunov_dimension"])
    points = rnn_fixed_points(model, MESS3, np.zeros((8, 3)), np.zeros(3))
    assert points == {"tokens": None, "tokens_reason": NOT_RECURRENT}


def test_bad_arguments_say_what_to_fix():
    model = build_model(GRU)
    with pytest.raises(InputError, match="n_steps must be a positive integer"):
        rnn_lyapunov(model, MESS3, n_steps=0)
    with pytest.raises(InputError, match="tokens must lie in 0..2"):
        rnn_lyapunov(model, MESS3, n_orbits=1, n_steps=2, burn_in=0, belief_steps=10,
                     tokens=np.array([[0, 3]]))
    with pytest.raises(InputError, match="emits 11 symbols but the network reads only 3"):
        rnn_fixed_points(model, get_process("days_of_week"), np.zeros((8, 7)), np.zeros(7))
    with pytest.raises(InputError, match=r"probe_coef must be \(n_features, 3\)"):
        rnn_fixed_points(model, MESS3, np.zeros((8, 5)), np.zeros(5))
    with pytest.raises(InputError, match="probe_coef has 5 rows"):
        rnn_fixed_points(model, MESS3, np.zeros((5, 3)), np.zeros(3))


def hand_set_rnn():
    """A tanh RNN with 4 units: ``h' = tanh(A[:, u] + h / 2)``, so each token map is a
    contraction (Lipschitz 1/2) with one stable fixed point, found componentwise."""
    model = build_model({"model": "rnn", "d_hidden": 4, "d_vocab": 3, "n_ctx": 10})
    A = np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0], [-0.7, 0.1, 0.6], [0.4, -0.9, -0.2]])
    cell = model.rnn[0].cell
    with torch.no_grad():
        cell.weight_ih_l0.copy_(torch.tensor(A))
        cell.weight_hh_l0.copy_(0.5 * torch.eye(4))
        cell.bias_ih_l0.zero_()
        cell.bias_hh_l0.zero_()
    A = cell.weight_ih_l0.detach().double().numpy()  # as float32 parameters hold it
    h = np.zeros((4, 3))
    for _ in range(200):  # the contraction converges to rounding
        h = np.tanh(A + 0.5 * h)
    return model, h.T  # (token, unit)


def test_fixed_points_of_a_hand_set_rnn_meet_the_belief_maps_through_the_probe():
    model, fixed = hand_set_rnn()
    # The belief maps' stable points by eigenvectors, independently of Newton.
    stable = {p.input: p.point for p in BeliefIFS(MESS3).fixed_points(symbolic=False)
              if p.stability == "stable"}
    targets = np.array([stable[u] for u in range(3)])
    # A probe that sends each RNN fixed point exactly onto its token's belief point.
    design = np.hstack([fixed, np.ones((3, 1))])
    solution = np.linalg.lstsq(design, targets, rcond=None)[0]
    coef, intercept = solution[:4], solution[4]
    info = rnn_fixed_points(model, MESS3, coef, intercept, n_starts=6)
    json_ready(info)
    assert info["probe_space"] == "belief"
    for u, entry in enumerate(info["tokens"]):
        (point,) = entry["rnn_fixed_points"]
        assert point["stability"] == "stable"
        np.testing.assert_allclose(point["probe_image"], targets[u], atol=1e-8)
        radius = 0.5 * np.max(1.0 - fixed[u] ** 2)  # Jacobian diag(1 - h^2) / 2
        assert point["spectral_radius"] == pytest.approx(radius, rel=1e-8)
        assert entry["both_stable"] and entry["distance"] < 1e-8
    # A probe into the belief chart, shifted off by a known vector: distance its length.
    chart = belief_coordinates(MESS3, targets)
    offset = np.array([0.03, -0.04])
    solution = np.linalg.lstsq(design, chart + offset, rcond=None)[0]
    info = rnn_fixed_points(model, MESS3, solution[:4], solution[4], n_starts=6)
    assert info["probe_space"] == "belief_chart"
    assert [e["distance"] for e in info["tokens"]] == pytest.approx([0.05] * 3, abs=1e-8)


def test_participation_ratio_and_probe_on_known_clouds():
    rng = np.random.default_rng(0)
    X = np.zeros((4, 3))
    X[:, 0], X[:, 1] = [2, -2, 2, -2], [1, 1, -1, -1]  # variances 4 and 1, uncorrelated
    assert participation_ratio(X) == pytest.approx(25 / 17)
    # A probe on activations that are an affine image of the beliefs reads them exactly.
    prefixes = prefix_dataset(MESS3, 4)
    mix = rng.standard_normal((3, 6))
    activations = Activations(by_hook={"a": (prefixes.beliefs @ mix + 1.0).astype(np.float32)},
                              hooks=("a",), prefixes=prefixes)
    assert ridge_probe_r2(activations) == pytest.approx(1.0, abs=1e-4)
    noise = Activations(by_hook={"a": rng.standard_normal((len(prefixes.weights), 6))},
                        hooks=("a",), prefixes=prefixes)
    assert ridge_probe_r2(noise) < 0.2


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("emergence") / "run"
    config = TrainConfig(steps=40, batch_size=16, warmup_steps=5)
    train(MESS3, TINY, config, run_dir, process_ref={"catalogue": "mess3"}, progress=False)
    return run_dir


def test_emergence_follows_the_checkpoints(tiny_run, tmp_path):
    result = emergence(tiny_run)
    json_ready(result)
    run = load_run(tiny_run)
    assert result["step"] == run.checkpoints == [1, 2, 3, 6, 10, 18, 32, 40]
    assert result["tokens_seen"] == [16 * 4 * s for s in result["step"]]
    ratios = {row["step"]: row["loss_ratio"] for row in run.metrics}
    assert result["loss_ratio"] == [ratios[s] for s in result["step"]]
    r2 = result["probe_r2"]
    assert all(-1 < v <= 1 for v in r2) and r2[-1] >= r2[0]
    assert all(1 <= v <= 8 for v in result["participation_ratio"])
    assert result["final_hook"] == "blocks.0.hook_resid_post"
    picked = emergence(tiny_run, steps=[40, 1], probe_fn=lambda activations: 0.5)
    assert picked["step"] == [1, 40] and picked["probe_r2"] == [0.5, 0.5]
    assert emergence(tiny_run, max_checkpoints=3)["step"] == [1, 10, 40]
    with pytest.raises(InputError, match=r"no checkpoints at steps \[7\]"):
        emergence(tiny_run, steps=[7])
    plot_emergence(result, tmp_path / "emergence.png")
    assert (tmp_path / "emergence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_network_is_fully_similar_to_itself(tiny_run):
    run = load_run(tiny_run)
    prefixes = prefix_dataset(MESS3, 4)
    same = architecture_cka(run.model, run.model, prefixes)
    json_ready(same)
    assert same["hooks_a"] == same["hooks_b"] == run.model.residual_hooks
    assert np.diag(same["cka"]) == pytest.approx([1.0, 1.0])
    assert same["best_cka"] == pytest.approx(1.0) and same["concat_cka"] == pytest.approx(1.0)
    gru = build_model({**GRU, "n_ctx": 4})
    across = architecture_cka(run.model, gru, prefixes)
    json_ready(across)
    assert np.shape(across["cka"]) == (2, 1)
    assert 0 < across["best_cka"] < 1 and 0 < across["concat_cka"] < 1
