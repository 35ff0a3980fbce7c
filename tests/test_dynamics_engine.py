"""The driven-map engine: symbolic and torch systems, orbits, the Lyapunov engine, specs."""

import json
import math

import numpy as np
import pytest
import torch

from dynamics.lyapunov import (
    DivergenceError,
    integrate,
    iterate,
    lyapunov_dimension,
    lyapunov_spectrum,
)
from dynamics.system_spec import SpecError, load_system
from dynamics.systems import SymbolicFlow, SymbolicIFS, SymbolicMap, TorchDrivenMap
from dynamics.textbook import get_system


def _finite_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of f: (batch, d) -> (batch, m), as (batch, m, d)."""
    cols = []
    for i in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[i] = eps
        cols.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.stack(cols, axis=-1)


def _place_dependent_ifs() -> SymbolicIFS:
    # Two contractions of [0, 1]; the left one is likelier on the left.
    return SymbolicIFS(["x"], [["s*x"], ["s*x + 1 - s"]], ["1 - x/2 - 1/4", "x/2 + 1/4"],
                       params={"s": 0.4}, initial=[0.5])


def _rnn(dim: int = 4, n_inputs: int = 3, seed: int = 0, gain: float = 0.9):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    w = gain * w / torch.linalg.matrix_norm(w, ord=2)
    emb = torch.randn(n_inputs, dim, generator=gen, dtype=torch.float64)

    def cell(h, u):
        return torch.tanh(h @ w.T + emb[u])

    return TorchDrivenMap(cell, dim, n_inputs), w


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(0)


class _Doubling:
    """A hand-written driven map that only follows the `DrivenMap` protocol (no base
    class): x -> 2x mod 1, whose Lyapunov exponent is ln 2 exactly."""

    dim = tangent_dim = n_inputs = 1

    def step(self, x, u):
        return (2.0 * x) % 1.0

    def tangent(self, x, u):
        return np.full((len(x), 1, 1), 2.0)

    def choose(self, x, rng):
        return np.zeros(len(x), dtype=np.int64), np.zeros(len(x))


def test_engine_accepts_any_object_with_the_protocol():
    # What the protocol promises is that the engine runs on it, so run it.
    result = lyapunov_spectrum(_Doubling(), np.array([[0.1], [0.3]]), n_steps=50,
                               burn_in=0, n_orbits=2)
    np.testing.assert_allclose(result.exponents_nats, [math.log(2)], atol=1e-12)


@pytest.mark.parametrize("name", ["henon", "logistic", "lorenz"])
def test_symbolic_jacobian_matches_finite_differences(name, rng):
    system = get_system(name)
    x = system.default_x0 + rng.normal(size=(5, system.dim)) * 0.1
    f = system.rhs if hasattr(system, "rhs") else system.step
    np.testing.assert_allclose(system.jacobian(x), _finite_difference(f, x), atol=1e-6)


def test_ifs_tangent_matches_finite_differences(rng):
    ifs = get_system("sierpinski")
    x = rng.random((6, 2))
    u = np.arange(6) % 3
    fd = _finite_difference(lambda y: ifs.step(y, u), x)
    np.testing.assert_allclose(ifs.tangent(x, u), fd, atol=1e-8)


@pytest.mark.parametrize("name", ["henon", "lorenz", "sierpinski"])
def test_torch_and_numpy_paths_agree(name, rng):
    system = get_system(name)
    x = system.default_x0 + rng.normal(size=(7, system.dim))
    xt = torch.as_tensor(x)
    if hasattr(system, "rhs"):
        pairs = [(system.rhs(x), system.rhs_torch(xt)),
                 (system.jacobian(x), system.jacobian_torch(xt))]
    elif system.n_inputs > 1:
        u = np.arange(7) % system.n_inputs
        ut = torch.as_tensor(u)
        pairs = [(system.step(x, u), system.step_torch(xt, ut)),
                 (system.tangent(x, u), system.tangent_torch(xt, ut))]
    else:
        pairs = [(system.step(x), system.step_torch(xt)),
                 (system.jacobian(x), system.jacobian_torch(xt))]
    for np_value, torch_value in pairs:
        np.testing.assert_allclose(np_value, torch_value.numpy(), rtol=1e-12, atol=1e-12)


def test_torch_driven_map_tangent_matches_finite_differences(rng):
    rnn, _ = _rnn()
    x = rng.normal(size=(5, 4))
    u = np.array([0, 1, 2, 1, 0])
    fd = _finite_difference(lambda y: rnn.step(y, u), x)
    np.testing.assert_allclose(rnn.tangent(x, u), fd, atol=1e-8)


def test_external_inputs_drive_the_rnn():
    rnn, w = _rnn()
    inputs = np.random.default_rng(3).integers(0, 3, size=(4, 600))
    result = lyapunov_spectrum(rnn, np.zeros(4), n_steps=500, burn_in=100, n_orbits=4,
                               inputs=inputs)
    # |tanh'| <= 1, so no direction stretches faster than the largest singular value of W.
    assert result.exponents_nats[0] <= math.log(0.9) + 1e-9
    assert result.entropy_nats == 0.0
    traj, used = iterate(rnn, np.zeros((4, 4)), 500, burn_in=100, inputs=inputs,
                         return_inputs=True)
    np.testing.assert_array_equal(used, inputs)
    assert traj.shape == (4, 500, 4)


def test_rnn_without_input_law_asks_for_inputs():
    with pytest.raises(ValueError, match="inputs="):
        lyapunov_spectrum(_rnn()[0], np.zeros(4), n_steps=10, burn_in=0, n_orbits=2)


def test_external_inputs_must_have_the_right_shape():
    with pytest.raises(ValueError, match=r"\(2, 15\)"):
        lyapunov_spectrum(_rnn()[0], np.zeros(4), n_steps=10, burn_in=5, n_orbits=2,
                          inputs=np.zeros((2, 10), dtype=int))


def test_place_dependent_ifs_entropy_and_exponent():
    ifs = _place_dependent_ifs()
    result = lyapunov_spectrum(ifs, n_steps=4_000, burn_in=50, n_orbits=8, seed=4,
                               progress=True)
    np.testing.assert_allclose(result.exponents_nats, [math.log(0.4)], atol=1e-12)
    # The entropy is an average of H(p(x)) over the orbit: below ln 2, above H at x = 0 or 1.
    h_edge = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert h_edge < result.entropy_nats < math.log(2)
    assert 0 < result.entropy_stderr_nats < 0.01
    # h + lambda_1 < 0 here, so the dimension is h / |lambda_1| (k = 0).
    assert result.dimension == pytest.approx(result.entropy_nats / abs(math.log(0.4)))


def test_ifs_choose_follows_the_probabilities():
    ifs = _place_dependent_ifs()
    x = np.full((20_000, 1), 0.8)
    u, h = ifs.choose(x, np.random.default_rng(5))
    assert u.mean() == pytest.approx(0.65, abs=0.02)
    np.testing.assert_allclose(h, -(0.35 * math.log(0.35) + 0.65 * math.log(0.65)))


def test_same_seed_same_numbers():
    ifs = get_system("sierpinski")
    a = iterate(ifs, np.zeros((3, 2)), 50, seed=7)
    b = iterate(ifs, np.zeros((3, 2)), 50, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, iterate(ifs, np.zeros((3, 2)), 50, seed=8))


def test_iterate_burn_in_and_layout():
    logistic = get_system("logistic", r=3.2)
    traj = iterate(logistic, [0.3], 5, burn_in=2)
    x = 0.3
    for _ in range(3):
        x = 3.2 * x * (1 - x)
    assert traj.shape == (1, 5, 1)
    assert traj[0, 0, 0] == pytest.approx(x)


@pytest.mark.parametrize(
    ("exponents", "entropy", "expected"),
    [
        ([0.5, -1.0], 0.0, 1.5),
        ([-1.0, -2.0], 0.0, 0.0),
        ([1.0, 0.5], 0.0, 2.0),
        ([-2.0, -1.0], 0.5, 0.5),  # k = 0: h / |lambda_1|, after sorting
        ([-0.5, -0.5], 0.75, 1.5),  # h + l1 = 0.25 >= 0, h + l1 + l2 < 0
        ([math.log(0.5)] * 2, math.log(3), math.log(3) / math.log(2)),
        ([0.9056, 0.0, -14.5723], 0.0, 2 + 0.9056 / 14.5723),
    ],
)
def test_lyapunov_dimension_hand_cases(exponents, entropy, expected):
    assert lyapunov_dimension(exponents, entropy) == pytest.approx(expected, abs=1e-12)


def test_rk4_torch_numpy_and_solve_ivp_agree():
    lorenz = get_system("lorenz")
    x0 = lorenz.default_x0
    rk4 = integrate(lorenz, x0, 100, 0.005)
    adaptive = integrate(lorenz, x0, 100, 0.005, method="solve_ivp", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rk4, adaptive, atol=1e-5)

    class NumpyOnly:  # the numpy RK4 path, for a flow without a torch version
        dim = 3
        rhs = staticmethod(lorenz.rhs)
        jacobian = staticmethod(lorenz.jacobian)

    np.testing.assert_allclose(integrate(NumpyOnly(), x0, 100, 0.005), rk4, atol=1e-12)


def test_divergent_map_raises():
    with pytest.raises(DivergenceError, match=r"step \d+.*initial condition or parameters"):
        iterate(get_system("henon", a=3.0), [1.0, 1.0], 200)
    with pytest.raises(DivergenceError, match="step 3 "):
        iterate(SymbolicMap(["x"], ["x**2"]), [1e20], 20)  # 1e20 ** 8 > 1e150 at step 3
    with pytest.raises(DivergenceError):
        # r = 4.5 is outside the catalogue's domain [0, 4]: orbits leave [0, 1] and blow up.
        unbounded = SymbolicMap(["x"], ["r*x*(1 - x)"], params={"r": 4.5}, initial=[0.3])
        lyapunov_spectrum(unbounded, n_steps=500, burn_in=0, n_orbits=2)


def test_divergent_flow_raises():
    lorenz = get_system("lorenz")
    with pytest.raises(DivergenceError, match="smaller dt"):
        integrate(lorenz, lorenz.default_x0, 1_000, 0.5)
    with pytest.raises(DivergenceError, match="smaller dt"):
        lyapunov_spectrum(lorenz, n_steps=1_000, burn_in=0, n_orbits=2, dt=0.5, method="rk4")


def test_adaptive_solver_reports_a_blow_up():
    # x' = x^2 from x = 1 reaches infinity at t = 1: DOP853's step collapses there.
    blow_up = SymbolicFlow(["x"], ["x**2"], initial=[1.0])
    with pytest.raises(DivergenceError, match="blew up.*initial condition"):
        lyapunov_spectrum(blow_up, n_steps=200, burn_in=0, n_orbits=2, dt=0.01, spread=False)


def test_latex_and_with_params():
    henon = get_system("henon")
    assert "x_{t+1}" in henon.latex() and "J =" in henon.latex()
    assert r"\dot{x}" in get_system("lorenz").latex()
    assert "p_{2}" in get_system("sierpinski").latex()
    changed = henon.with_params(a=1.2)
    assert changed.params == {"a": 1.2, "b": 0.3} and henon.params["a"] == 1.4
    np.testing.assert_allclose(changed.step(np.zeros((1, 2))), [[1.0, 0.0]])


def test_load_system_toml_and_json(tmp_path):
    toml = tmp_path / "henon.toml"
    toml.write_text('kind = "map"\nvariables = ["x", "y"]\nequations = ["1 - a*x**2 + y", '
                    '"b*x"]\ninitial = [0.1, 0.1]\n[parameters.a]\ndefault = 1.4\n'
                    'domain = [0, 2]\n[parameters.b]\ndefault = 0.3\n')
    from_toml = load_system(toml)
    x = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_allclose(from_toml.step(x), get_system("henon").step(x))
    with pytest.raises(ValueError, match=r"henon.toml: parameter a=3.0 is outside .*\[0, 2\]"):
        from_toml.with_params(a=3.0)
    spec = {"kind": "ifs", "variables": ["x"], "maps": [["x/3"], ["x/3 + 2/3"]],
            "probabilities": ["1/2", "1/2"]}
    (tmp_path / "cantor.json").write_text(json.dumps(spec))
    cantor = load_system(tmp_path / "cantor.json")
    result = lyapunov_spectrum(cantor, np.array([0.5]), n_steps=100, burn_in=0, n_orbits=2)
    assert result.dimension == pytest.approx(math.log(2) / math.log(3), abs=1e-9)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('kind = "map"\nvariables = ["x"]\nequations = ["r*x*(1-x)"]\n', "equations[0]"),
        ('kind = "map"\nvariables = ["x"]\nequations = ["x", "x"]\n', "equations"),
        ('kind = "spiral"\nvariables = ["x"]\nequations = ["x"]\n', "kind"),
        ('kind = "flow"\nvariables = ["x"]\n', "equations"),
        ('kind = "ifs"\nvariables = ["x"]\nmaps = [["x/2"]]\n', "probabilities"),
        ('kind = "map"\nvariables = ["x"]\nequations = ["a*x"]\n[parameters.a]\nvalue = 1\n',
         "parameters.a"),
        ('kind = "map"\nvariables = ["x"]\nequations = ["x"]\ninitial = [1, 2]\n', "initial"),
        ('kind = "map"\nvariables = ["x"]\nequation = ["x"]\n', "equation"),
    ],
)
def test_bad_spec_names_file_and_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as err:
        load_system(path)
    assert str(path) in str(err.value) and key in str(err.value)


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_torch_paths_stay_on_the_device(device):
    sierpinski = get_system("sierpinski")
    x = torch.rand(6, 2, dtype=torch.float64, device=device)
    u = torch.arange(6, device=device) % 3
    assert sierpinski.step_torch(x, u).device.type == device
    np.testing.assert_allclose(sierpinski.step_torch(x, u).cpu().numpy(),
                               sierpinski.step(x.cpu().numpy(), u.cpu().numpy()), atol=1e-14)
    w = torch.eye(2, dtype=torch.float64, device=device) * 0.5
    rnn = TorchDrivenMap(lambda h, v: torch.tanh(h @ w.T + v[:, None]), 2, 2, device=device)
    h = np.zeros((3, 2))
    np.testing.assert_allclose(rnn.step(h, np.array([0, 1, 1])),
                               np.tanh([[0, 0], [1, 1], [1, 1]]), atol=1e-14)
    assert rnn.tangent(h, np.array([0, 1, 1])).shape == (3, 2, 2)
