"""Fixed points and periodic orbits against closed forms."""

import math

import numpy as np
import pytest
import sympy as sp

from dynamics.belief import BeliefIFS
from dynamics.fixed_point import fixed_points
from dynamics.systems import SymbolicFlow, TorchDrivenMap
from dynamics.textbook import get_system
from processes import get_process


def _points(results):
    return np.array([r.point for r in results])


def test_henon_fixed_points_closed_form():
    a, b = 1.4, 0.3
    root = math.sqrt((1 - b) ** 2 + 4 * a)
    xs = sorted([(-(1 - b) - root) / (2 * a), (-(1 - b) + root) / (2 * a)])
    results = fixed_points(get_system("henon"))
    np.testing.assert_allclose(_points(results), [[x, b * x] for x in xs], atol=1e-12)
    for r, x in zip(results, xs, strict=True):
        assert float(r.exact[0]) == pytest.approx(x, abs=1e-14)
        assert r.stability == "saddle"


@pytest.mark.parametrize("r", [2.5, 3.2, 4.0])
def test_logistic_fixed_points(r):
    results = fixed_points(get_system("logistic", r=r))
    np.testing.assert_allclose(_points(results)[:, 0], [0.0, 1 - 1 / r], atol=1e-12)
    # f'(0) = r > 1; f'(1 - 1/r) = 2 - r, inside the unit circle only for 1 < r < 3.
    assert results[0].stability == "unstable"
    assert results[1].stability == ("stable" if r < 3 else "unstable")
    np.testing.assert_allclose(results[1].eigenvalues, [2 - r], atol=1e-12)


def test_logistic_period_two_orbit():
    r = 3.2
    results = fixed_points(get_system("logistic", r=r), period=2)
    assert len(results) == 1, "one orbit, not one per cyclic shift, and no fixed points"
    orbit = results[0].orbit[:, 0]
    disc = math.sqrt((r - 3) * (r + 1))
    np.testing.assert_allclose(orbit, [(r + 1 - disc) / (2 * r), (r + 1 + disc) / (2 * r)],
                               atol=1e-10)
    # Multiplier of the 2-cycle: f'(x1) f'(x2) = -r^2 + 2r + 4.
    assert results[0].eigenvalues[0].real == pytest.approx(-(r**2) + 2 * r + 4, abs=1e-9)
    assert results[0].stability == "stable"
    assert results[0].period == 2


def test_lorenz_fixed_points():
    rho, beta = 28.0, 8 / 3
    c = math.sqrt(beta * (rho - 1))
    results = fixed_points(get_system("lorenz"), bounds=[[-20, 20], [-20, 20], [0, 40]])
    expected = [[-c, -c, rho - 1], [0, 0, 0], [c, c, rho - 1]]
    np.testing.assert_allclose(_points(results), expected, atol=1e-9)
    origin = results[1]
    assert origin.stability == "saddle"
    assert tuple(origin.exact) == (0, 0, 0)
    assert sp.simplify(results[2].exact[0] - sp.sqrt(72)) == 0


@pytest.mark.parametrize(("name", "period", "kw"), [
    ("henon", 1, {}), ("henon", 2, {}), ("logistic", 3, {}),
    ("lorenz", 1, {"bounds": [[-20, 20], [-20, 20], [0, 40]]}),
])
def test_symbolic_and_newton_agree(name, period, kw):
    system = get_system(name)
    exact = fixed_points(system, period, **kw)
    newton = fixed_points(system, period, symbolic=False, **kw)
    assert all(r.exact is not None for r in exact)
    assert all(r.exact is None for r in newton)
    np.testing.assert_allclose(_points(exact), _points(newton), atol=1e-8)
    for r in exact:
        np.testing.assert_allclose([float(sp.re(sp.N(v))) for v in r.exact], r.point,
                                   atol=1e-12)


def test_sympy_size_limit_falls_back_to_newton():
    results = fixed_points(get_system("henon"), max_ops=0)
    assert len(results) == 2 and all(r.exact is None for r in results)


def test_sympy_time_limit_falls_back_to_newton():
    results = fixed_points(get_system("logistic"), period=3, timeout=0.0)
    assert len(results) == 2 and all(r.exact is None for r in results)


def test_flow_stability_labels():
    # A linear sink and a linear source, by the sign of the real parts.
    sink = SymbolicFlow(["x", "y"], ["-x + y", "-x - y"])
    source = SymbolicFlow(["x", "y"], ["x", "2*y"])
    assert [r.stability for r in fixed_points(sink)] == ["stable"]
    assert [r.stability for r in fixed_points(source)] == ["unstable"]


def test_flow_rejects_period():
    with pytest.raises(ValueError, match="period"):
        fixed_points(get_system("lorenz"), period=2)


@pytest.mark.parametrize("symbol", [0, 1, 2])
def test_belief_map_newton_matches_eigenvectors(symbol):
    # Newton in the simplex's tangent coordinates against the exact route: fixed points
    # of f_x are the left eigenvectors of T[x] (scaled so that eta r = 1).
    ifs = BeliefIFS(get_process("mess3", x=0.05, a=0.85))
    newton = fixed_points(ifs, input=symbol)
    exact = [fp for fp in ifs.fixed_points(symbolic=False) if fp.input == symbol]
    assert len(newton) == len(exact) == 2
    for fp in exact:
        match = [r for r in newton if np.allclose(r.point, fp.point, atol=1e-9)]
        assert len(match) == 1 and match[0].stability == fp.stability
        np.testing.assert_allclose(np.sort_complex(match[0].eigenvalues),
                                   np.sort_complex(fp.eigenvalues), atol=1e-8)


def test_fixed_point_of_an_rnn_token_map():
    import torch

    gen = torch.Generator().manual_seed(1)
    w = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    w = 0.8 * w / torch.linalg.matrix_norm(w, ord=2)
    emb = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    rnn = TorchDrivenMap(lambda h, u: torch.tanh(h @ w.T + emb[u]), 3, 2)
    # A contraction (|tanh'| <= 1, ||W|| = 0.8) has exactly one fixed point, and it attracts.
    (point,) = fixed_points(rnn, input=1, bounds=[[-2, 2]] * 3, n_starts=8)
    np.testing.assert_allclose(rnn.step(point.point[None], np.array([1]))[0], point.point,
                               atol=1e-10)
    assert point.stability == "stable"
    with pytest.raises(ValueError, match="input=0..1"):
        fixed_points(rnn)
