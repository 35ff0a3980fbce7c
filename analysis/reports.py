"""``beliefscope attractor`` and ``beliefscope lyapunov``: one report for processes and
for textbook or user-defined dynamical systems.

A *target* is either a `processes.Process` (whose belief IFS is the system) or a symbolic
map, flow or IFS from `dynamics`. Both go through the same Lyapunov engine and the same
dimension estimators.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np

from dynamics import (
    BeliefIFS,
    SymbolicFlow,
    chaos_game,
    get_system,
    integrate,
    iterate,
    list_systems,
    load_system,
    lyapunov_spectrum,
)
from processes import ParameterError, Process, get_process, list_processes, load_process

from ._cli_common import parse_params
from .dimension import estimate_dimensions

__all__ = ["resolve_target", "attractor_report", "lyapunov_report", "cloud_coordinates"]

# Flows are sampled every FLOW_DT time units; this resolves Lorenz's attractor.
FLOW_DT = 0.01


def resolve_target(name: str | None, file: str | None, params: list[str]):
    """A process or a dynamical system from a catalogue name or a spec file."""
    values = parse_params(params)
    if file:
        path = Path(file)
        if path.is_file() and "kind" in _peek(path):
            system = load_system(path)
            return system.with_params(**values) if values else system
        return load_process(path, **values)
    if not name:
        raise ParameterError("name a process or system (e.g. mess3, henon) or give --file")
    if name in list_processes():
        return get_process(name, **values)
    if name in list_systems():
        return get_system(name, **values)
    raise ParameterError(
        f"unknown process or system {name!r}; processes: {', '.join(list_processes())}; "
        f"systems: {', '.join(list_systems())}"
    )


def _peek(path: Path) -> dict:
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}  # let the real loader report the error with its line
    return data if isinstance(data, dict) else {}


def _finite_list(values) -> list[float | None]:
    """JSON has no infinity: a reset map's exponent -inf is printed as null."""
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def lyapunov_report(target, n_steps: int | None = None, n_orbits: int = 16,
                    seed: int = 0) -> dict:
    """Lyapunov spectrum (nats per step, per unit time for flows) and Lyapunov dimension."""
    if isinstance(target, Process):
        system, x0, dt, entropy_kind = BeliefIFS(target), target.pi, None, "entropy_rate"
    else:
        dt = FLOW_DT if isinstance(target, SymbolicFlow) else None
        system, x0, entropy_kind = target, None, "input_entropy"
    result = lyapunov_spectrum(system, x0, n_steps=n_steps or 20_000, burn_in=_burn_in(target),
                               n_orbits=n_orbits, seed=seed, dt=dt)
    return {
        "lyapunov_spectrum_nats": _finite_list(result.exponents),
        "lyapunov_spectrum_stderr_nats": _finite_list(result.stderr),
        "lyapunov_dimension": float(result.dimension),
        f"{entropy_kind}_nats": result.entropy_nats,
        f"{entropy_kind}_stderr_nats": result.entropy_stderr_nats,
        "n_orbits": n_orbits,
        "n_steps": result.n_steps,
        "time_unit": "time" if result.dt else "step",
    }


def _burn_in(target) -> int:
    """Steps discarded before averaging: beliefs forget ``pi`` fast; flows need more steps
    (of ``FLOW_DT``) than maps to reach their attractor."""
    if isinstance(target, Process):
        return 500
    return 2_000 if isinstance(target, SymbolicFlow) else 1_000


def cloud_coordinates(target, points: np.ndarray) -> np.ndarray:
    """Coordinates in which to measure dimensions: beliefs in an orthonormal basis of the
    simplex's tangent space (n - 1 coordinates), other systems as they are."""
    if isinstance(target, Process):
        return points @ BeliefIFS(target).basis.T
    return points


def sample_points(target, n_points: int, seed: int = 0):
    """Points on the target's attractor, shape (n_points, dim), and for processes the
    `ChaosGame` (for its entropy rate)."""
    if isinstance(target, Process):
        game = chaos_game(target, n_points, seed=seed)
        return game.beliefs, game
    n_orbits = 16
    steps = -(-n_points // n_orbits)
    if isinstance(target, SymbolicFlow):
        traj = integrate(target, _spread(target, n_orbits, seed), steps, FLOW_DT,
                         burn_in=_burn_in(target))
    else:
        traj = iterate(target, _spread(target, n_orbits, seed), steps,
                       burn_in=_burn_in(target), seed=seed)
    return traj.reshape(-1, traj.shape[-1])[:n_points], None


def _spread(system, n_orbits: int, seed: int) -> np.ndarray:
    """``n_orbits`` starts near the system's default initial condition."""
    if system.default_x0 is None:
        raise ValueError("this system has no initial state; add 'initial = [...]' to its spec")
    rng = np.random.default_rng(seed)
    x0 = system.default_x0
    return x0 + 1e-3 * rng.standard_normal((n_orbits, len(x0)))


def attractor_report(target, n_points: int, seed: int = 0,
                     dimension_points: int = 200_000) -> tuple[np.ndarray, dict]:
    """Sample the attractor and measure it: entropy rate (processes), Lyapunov spectrum
    and dimension, and box-counting / information / correlation dimensions.

    Dimensions are estimated on at most ``dimension_points`` points drawn at random.
    """
    points, game = sample_points(target, n_points, seed)
    info: dict = {"n_points": int(len(points))}
    if game is not None:
        rate = game.entropy_rate()
        info["entropy_rate_bits"] = rate.bits
        info["entropy_rate_stderr_bits"] = rate.stderr_bits
    info.update(lyapunov_report(target, seed=seed))
    rng = np.random.default_rng(seed)
    idx = (rng.choice(len(points), dimension_points, replace=False)
           if len(points) > dimension_points else slice(None))
    cloud = cloud_coordinates(target, points[idx])
    info["dimension_points"] = int(len(cloud))
    if cloud.shape[1] == 0 or np.ptp(cloud, axis=0).max() == 0:
        info.update(_single_point_dimensions())
    else:
        info.update(estimate_dimensions(cloud, random_state=seed))
    return points, info


def _single_point_dimensions() -> dict:
    """D0 = D1 = D2 = 0 exactly: the attractor is one point (a one-state process, or a
    map that sends everything to a fixed point), which has no scaling range to fit."""
    out = {}
    for name in ("information_dimension", "correlation_dimension", "box_dimension"):
        out.update({f"{name}_reliable": True, name: 0.0, f"{name}_ci": [0.0, 0.0],
                    f"{name}_range": None})
    return out
