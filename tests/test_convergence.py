"""Every estimate carries an honest error bar and says whether it converged.

Coverage: from many seeds, the stated 95% interval must cover a known answer in roughly
95% of runs (at least 85% here, so that a 100-run test is not flaky). Slowly converging
flows: the default run either flags itself or agrees with the long-run value.
"""

import json
import math

import numpy as np
import pytest

from analysis.cli import main
from analysis.reports.dynamics import lyapunov_report
from dynamics import chaos_game
from dynamics.lyapunov import lyapunov_spectrum
from dynamics.systems import SymbolicIFS
from dynamics.textbook import get_system
from processes import get_process

N_SEEDS = 100


def _coverage(system, truth, seeds=N_SEEDS, **settings) -> float:
    """Fraction of runs whose 95% interval (``ci95_nats``) covers every exponent."""
    hits = 0
    for seed in range(seeds):
        result = lyapunov_spectrum(system, seed=seed, **settings)
        low, high = result.ci95_nats.T
        hits += bool(np.all((low - 1e-9 <= truth) & (truth <= high + 1e-9)))
    return hits / seeds


def test_logistic_interval_covers_ln2():
    coverage = _coverage(get_system("logistic"), np.array([math.log(2)]),
                         n_steps=200, burn_in=50, n_orbits=16)
    assert coverage >= 0.85


def test_sierpinski_interval_is_exact():
    # Affine with equal contractions: every orbit gives ln(1/2) exactly, stderr 0.
    assert _coverage(get_system("sierpinski"), np.full(2, math.log(0.5)), seeds=5,
                     n_steps=200, burn_in=10, n_orbits=4) == 1.0


def test_random_affine_ifs_interval_covers_exact_value():
    # Contractions 1/2 and 1/4 chosen with probability 1/2: lambda = (ln 1/2 + ln 1/4) / 2
    # exactly, and each orbit's average is random, so the interval is really tested.
    ifs = SymbolicIFS(("x",), (("x/2",), ("x/4 + 3/4",)), ("1/2", "1/2"), initial=(0.5,))
    truth = np.array([0.5 * (math.log(0.5) + math.log(0.25))])
    assert _coverage(ifs, truth, seeds=60, n_steps=60, burn_in=5, n_orbits=16) >= 0.85


@pytest.mark.slow
def test_henon_interval_covers_long_run_value():
    # 0.41922 is the long-run value (Sprott); the exponents sum to ln b exactly.
    truth = np.array([0.41922, math.log(0.3) - 0.41922])
    coverage = _coverage(get_system("henon"), truth, seeds=60,
                         n_steps=500, burn_in=100, n_orbits=16)
    assert coverage >= 0.85


@pytest.mark.parametrize("name", ["golden_mean", "even", "rrxor"])
def test_chaos_game_entropy_rate_interval_covers_exact_rate(name):
    process, hits = get_process(name), 0
    for seed in range(N_SEEDS):
        rate = chaos_game(process, 4_000, seed=seed, n_chains=16).entropy_rate()
        assert rate.effective_samples is not None and rate.effective_samples > 100
        hits += abs(rate.bits - 2 / 3) <= 1.96 * rate.stderr_bits + 1e-12
    assert hits / N_SEEDS >= 0.85


def test_chaos_game_entropy_rate_flags_too_few_chains():
    rate = chaos_game(get_process("mess3"), 2_000, seed=0, n_chains=4).entropy_rate()
    assert not rate.converged and "chains" in rate.converged_reason


def test_drift_between_halves_flags_an_unconverged_run():
    # Two orbits: one jumps from a fixed point to chaos half way (a transient the
    # burn-in did not remove), seen as a drift between the halves.
    result = lyapunov_spectrum(get_system("logistic"), n_steps=2_000, burn_in=0,
                               n_orbits=16, seed=0)
    assert result.converged and result.converged_reason is None
    per_orbit = result.per_orbit_nats.copy()
    halves = np.stack([per_orbit - 0.2, per_orbit + 0.2])
    from dynamics.lyapunov import _convergence

    converged, reason, error, drift, suggested, _ = _convergence(
        per_orbit, halves, result.stderr_nats, 2_000, True, False)
    assert not converged and "drifts" in reason
    assert drift[0] == pytest.approx(0.4) and error[0] >= 0.2 and suggested > 2_000


def test_outlying_orbits_of_a_flow_are_flagged():
    # 3 of 16 orbits on a (false) cycle with exponent 0, the rest chaotic.
    rng = np.random.default_rng(0)
    per_orbit = np.column_stack([0.14 + 0.01 * rng.standard_normal(16), np.zeros(16),
                                 np.full(16, -5.5)])
    per_orbit[:3, 0] = 0.0
    from dynamics.lyapunov import _convergence

    converged, reason, *_, n_odd = _convergence(
        per_orbit, np.stack([per_orbit, per_orbit]), per_orbit.std(axis=0) / 4, 1000,
        True, True)
    assert not converged and n_odd == 3 and "false cycle" in reason


def test_json_reports_converged_and_reason(capsys):
    assert main(["lyapunov", "henon", "--steps", "2000", "--json"]) == 0
    out = capsys.readouterr()
    info = json.loads(out.out)
    assert info["lyapunov_converged"] is True
    assert "lyapunov_converged_reason" not in info
    assert len(info["lyapunov_spectrum_error_nats"]) == 2
    assert out.err == ""


def test_unconverged_run_says_so_on_stderr(capsys, monkeypatch):
    from dynamics import lyapunov as engine

    real = engine._convergence

    def failing(*args):
        converged, _, error, drift, _, n_odd = real(*args)
        return False, "a test says so", error, drift, 40_000, n_odd

    monkeypatch.setattr(engine, "_convergence", failing)
    assert main(["lyapunov", "logistic", "--steps", "500", "--json"]) == 0
    out = capsys.readouterr()
    info = json.loads(out.out)
    assert info["lyapunov_converged"] is False
    assert info["lyapunov_converged_reason"] == "a test says so"
    assert info["lyapunov_suggested_steps"] == 40_000
    assert len(out.err.strip().splitlines()) == 1 and "--steps 40000" in out.err


def test_until_converged_extends_the_run(monkeypatch):
    from dynamics import lyapunov as engine

    real, calls = engine._convergence, []

    def failing_once(per_orbit, halves, stderr, n_steps, *rest):
        calls.append(n_steps)
        checks = real(per_orbit, halves, stderr, n_steps, *rest)
        if len(calls) == 1:
            return (False, "first run", *checks[2:4], 3 * n_steps, 0)
        return checks

    monkeypatch.setattr(engine, "_convergence", failing_once)
    info = lyapunov_report(get_system("logistic"), n_steps=500, until_converged=True)
    assert calls == [500, 1500] and info["lyapunov_converged"] and info["n_steps"] == 1500


@pytest.mark.slow  # two flow runs with their 2000-step burn-in: about 3 s
def test_dt_is_used_and_checked():
    info = lyapunov_report(get_system("lorenz"), n_steps=300, n_orbits=4, dt=0.005,
                           check_dt=True)
    assert info["dt"] == 0.0025 and info["n_steps"] == 600
    assert isinstance(info["lyapunov_converged"], bool)


@pytest.mark.slow  # about 10 s a run
@pytest.mark.parametrize("name, long_run, tol, seed", [("arneodo", 0.2035, 0.0013, 0),
                                                       ("sprott_e", 0.0776, 0.001, 0),
                                                       ("sprott_e", 0.0776, 0.001, 1),
                                                       ("sprott_e", 0.0776, 0.001, 3)])
def test_slow_flow_default_run_is_honest(name, long_run, tol, seed):
    # Sprott E mixes slowest: with orbits that had only just spread apart, runs from seeds
    # 0-5 scattered by 1.9 times the stated error (now by about 1.0 times).
    info = lyapunov_report(get_system(name), seed=seed)  # the CLI's default run
    estimate = info["lyapunov_spectrum_nats"][0]
    error = info["lyapunov_spectrum_error_nats"][0]
    assert (not info["lyapunov_converged"]
            or abs(estimate - long_run) <= 1.96 * error + tol)


def test_adaptive_and_fixed_step_tangent_propagation_agree():
    # The same stretch of Lorenz with its tangent frame: RK4 at a fine step against
    # DOP853 taking its own steps inside 0.1-long intervals.
    from dynamics._stepping import FlowStepper

    lorenz = get_system("lorenz")
    x = FlowStepper(lorenz, 0.01, "rk4").states(lorenz.default_x0[None], 500)[-1]
    q = np.eye(3)[None]
    fine = FlowStepper(lorenz, 0.0005, "rk4").tangent(x, q, 2000)
    adaptive = FlowStepper(lorenz, 0.1, "dop853", rtol=1e-11, atol=1e-12).tangent(x, q, 10)
    np.testing.assert_allclose(adaptive[0], fine[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(adaptive[1], fine[1], rtol=1e-5, atol=1e-4 * abs(fine[1]).max())


@pytest.mark.slow  # about 40 s
def test_chen_lee_has_no_false_cycle_at_the_default_step():
    # RK4 at dt 0.01 traps 2-4 of 16 orbits on a false cycle (exponent near 0); the
    # default adaptive integration keeps every orbit chaotic, and the interval covers the
    # long-run value (0.1422 +- 0.0007, see the textbook entry).
    result = lyapunov_spectrum(get_system("chen_lee"), n_steps=100_000, burn_in=2_000,
                               n_orbits=16, dt=0.01)
    assert result.n_outlying_orbits == 0 and result.per_orbit_nats[:, 0].min() > 0.1
    assert result.converged
    assert abs(result.exponents_nats[0] - 0.1422) <= 1.96 * result.error_nats[0] + 0.0007
