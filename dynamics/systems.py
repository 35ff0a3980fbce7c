"""Dynamical systems: the driven-map and flow protocols and their symbolic and torch builders.

A *driven map* is a family of maps ``x_{t+1} = F_u(x_t)``, ``u in {0..n_inputs-1}``; the input
is drawn by the system itself (:meth:`DrivenMap.choose`, possibly place-dependent, as in the
belief IFS) or supplied by the caller (a token sequence driving an RNN). An autonomous map is
the one-input case. A *flow* is ``dx/dt = f(x)``. Orbits of both, and their Lyapunov
spectra, are computed in :mod:`dynamics.lyapunov`.

Symbolic systems are built from sympy expressions; their numpy and torch versions are
lambdified once, at construction, and evaluate a whole batch of states per call.
Parameters are declared with defaults in the constructor (``params={"a": 1.4}``) and
overridden with :meth:`with_params`, which returns a new system sharing the compiled code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import sympy as sp

from processes.compiled import CompiledExpressions
from processes.errors import SpecError
from processes.expressions import check_name, parse_domain, parse_expression
from processes.parameters import Parameter, Parametrized, bind_parameters

if TYPE_CHECKING:
    import torch

__all__ = [
    "DrivenMap",
    "Flow",
    "SymbolicFlow",
    "SymbolicIFS",
    "SymbolicMap",
    "TorchDrivenMap",
]

@runtime_checkable
class DrivenMap(Protocol):
    """A family of maps ``x_{t+1} = F_u(x_t)`` driven by an input ``u``.

    Attributes
    ----------
    dim : int
        Ambient state dimension.
    tangent_dim : int
        Dimension of the tangent space the Lyapunov spectrum lives in (``<= dim``).
    n_inputs : int
        Number of maps; 1 for an autonomous map.
    """

    dim: int
    tangent_dim: int
    n_inputs: int

    def step(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Apply ``F_u``: ``x`` (batch, dim) float64, ``u`` (batch,) int -> (batch, dim)."""

    def tangent(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Jacobian of ``F_u`` at ``x`` in tangent coordinates, (batch, tangent_dim, tangent_dim).

        Column convention: ``dx_{t+1} = J @ dx_t``.
        """

    def choose(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``u`` (batch,) from the input law at ``x``; also its entropy (batch,) in nats."""


@runtime_checkable
class Flow(Protocol):
    """An autonomous ODE ``dx/dt = f(x)``; ``rhs`` and ``jacobian`` act on (batch, dim)."""

    dim: int

    def rhs(self, x: np.ndarray) -> np.ndarray:
        """Vector field, (batch, dim) -> (batch, dim)."""

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Jacobian ``df/dx``, (batch, dim) -> (batch, dim, dim)."""


def _parse(text: str | float | sp.Expr, names: Mapping[str, sp.Symbol], where: str) -> sp.Expr:
    """One expression: sympy objects as they are, text through the safe parser.

    Text never reaches ``sympify``: it may come from a shared file (see
    `processes.expressions`).
    """
    if isinstance(text, sp.Basic):
        unknown = {str(s) for s in text.free_symbols} - set(names)
        if unknown:
            raise SpecError(f"key '{where}': unknown symbol(s) {sorted(unknown)}; "
                            f"known: {sorted(names)}")
        return text
    return parse_expression(text, names, f"key '{where}'")


def _domain(domain, name: str) -> sp.Set:
    if domain is None:
        return "(-oo, oo)"
    if isinstance(domain, sp.Set):
        return domain
    return parse_domain(list(domain) if isinstance(domain, tuple) else domain,
                        f"key 'parameters.{name}.domain'")


class _Symbolic(Parametrized):
    """Shared machinery: named state symbols, parameters with defaults, default initial state."""

    def __init__(self, variables: Sequence[str],
                 params: Mapping[str, float] | Sequence[Parameter] | None,
                 initial: Sequence[float] | None, domains: Mapping[str, object] | None,
                 name: str | None = None):
        self.name = name or type(self).__name__
        if isinstance(params, Mapping) or params is None:
            # One domain syntax with processes: an interval string, [lo, hi] or an Interval.
            domains = domains or {}
            params = [Parameter(check_name(name, "parameter"), float(value),
                                _domain(domains.get(name), name))
                      for name, value in (params or {}).items()]
        self.parameters: tuple[Parameter, ...] = tuple(params)
        names = [p.name for p in self.parameters]
        for name in (*variables, *names):
            check_name(name, "variable or parameter")
        if len(set(variables)) != len(variables) or set(variables) & set(names) \
                or len(set(names)) != len(names):
            raise SpecError(f"variable and parameter names must be distinct: {variables}, "
                            f"{sorted(names)}")
        self.variables = tuple(variables)
        self.dim = len(variables)
        self.tangent_dim = self.dim
        self.state_symbols = tuple(sp.Symbol(v, real=True) for v in variables)
        self.param_symbols = tuple(p.symbol for p in self.parameters)
        self.names = {str(s): s for s in self.state_symbols + self.param_symbols}
        self._bind({})
        self.default_x0 = None if initial is None else np.asarray(initial, dtype=float)
        if self.default_x0 is not None and self.default_x0.shape != (self.dim,):
            raise SpecError(f"initial state must have {self.dim} entries, got {initial}")

    @property
    def domains(self) -> dict[str, sp.Set]:
        """Each parameter's domain (a sympy set)."""
        return {p.name: p.interval for p in self.parameters}

    def _bind(self, values: Mapping[str, float]) -> None:
        # The one binding rule, shared with processes: known names, finite, in domain.
        self.params = bind_parameters(self.parameters, values, self.name)
        self._param_values = np.array([self.params[p.name] for p in self.parameters])

    def _compile(self, exprs: Sequence[sp.Expr]) -> CompiledExpressions:
        return CompiledExpressions(exprs, self.state_symbols + self.param_symbols)

    def _eval(self, compiled: CompiledExpressions, x, backend: str):
        """``compiled`` at states ``x`` (batch, dim) -> (batch, n_exprs), numpy or torch."""
        if backend == "numpy":
            return compiled.numpy(*x.T, *self._param_values).T
        import torch

        params = torch.as_tensor(self._param_values, dtype=x.dtype, device=x.device)
        return compiled.torch(*x.T, *params).T

    def _jacobian_exprs(self, exprs: Sequence[sp.Expr]) -> sp.Matrix:
        return sp.Matrix(exprs).jacobian(sp.Matrix(self.state_symbols))

    def substituted(self, exprs: Sequence[sp.Expr]) -> list[sp.Expr]:
        """``exprs`` with the current parameter values substituted as exact rationals."""
        values = {s: sp.nsimplify(v, rational=True)
                  for s, v in zip(self.param_symbols, self._param_values, strict=True)}
        return [_parse(e, self.names, "expression").subs(values) for e in exprs]

    def _matrix(self, compiled: CompiledExpressions, x, backend: str):
        return self._eval(compiled, x, backend).reshape(x.shape[0], self.dim, self.dim)


class _SymbolicField(_Symbolic):
    """One expression per state variable, with its Jacobian; base of maps and flows."""

    def __init__(self, variables, equations, params=None, initial=None, domains=None,
                 name=None):
        super().__init__(variables, params, initial, domains, name)
        if len(equations) != self.dim:
            raise SpecError(f"{len(equations)} equations for {self.dim} variables")
        self.expressions = [_parse(e, self.names, f"equations[{i}]")
                            for i, e in enumerate(equations)]
        self.jacobian_matrix = self._jacobian_exprs(self.expressions)
        self._f = self._compile(self.expressions)
        self._j = self._compile(list(self.jacobian_matrix))

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Jacobian at ``x`` (batch, dim) -> (batch, dim, dim), column convention."""
        return self._matrix(self._j, x, "numpy")

    def jacobian_torch(self, x: torch.Tensor) -> torch.Tensor:
        """Torch version of :meth:`jacobian`, ``x`` (batch, dim) float64."""
        return self._matrix(self._j, x, "torch")

    def _latex(self, lhs: str) -> str:
        lines = [lhs.format(sp.latex(v)) + f" = {sp.latex(e)}"
                 for v, e in zip(self.state_symbols, self.expressions, strict=True)]
        return r" \\ ".join(lines) + rf" \\ J = {sp.latex(self.jacobian_matrix)}"


class SymbolicMap(_SymbolicField):
    """An autonomous map ``x_{t+1} = F(x; params)`` from sympy expressions (a 1-input DrivenMap).

    Parameters
    ----------
    variables : sequence of str
        State variable names, length ``dim``.
    equations : sequence of str or sympy.Expr
        ``F``, one expression per variable, in the variables and parameters.
    params : mapping of str to float, optional
        Parameter names and default values.
    initial : sequence of float, optional
        Default initial state (dim,), used by the Lyapunov engine when no ``x0`` is given.
    domains : mapping of str to (float, float), optional
        Allowed closed interval per parameter, checked by :meth:`with_params`.
    """

    n_inputs = 1

    def step(self, x: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """``F(x)`` for ``x`` (batch, dim); ``u`` is ignored (autonomous)."""
        return self._eval(self._f, x, "numpy")

    def tangent(self, x: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """Same as :meth:`jacobian` (tangent coordinates are the state coordinates)."""
        return self.jacobian(x)

    def choose(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The single input 0 with zero entropy (nats), (batch,) each."""
        return np.zeros(len(x), dtype=np.int64), np.zeros(len(x))

    def step_torch(self, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        """Torch version of :meth:`step`, ``x`` (batch, dim) float64."""
        return self._eval(self._f, x, "torch")

    def latex(self) -> str:
        """LaTeX for the map and its Jacobian."""
        return self._latex("{}_{{t+1}}")


class SymbolicFlow(_SymbolicField):
    """An autonomous ODE ``dx/dt = f(x; params)`` from sympy expressions.

    Parameters are those of :class:`SymbolicMap`, with ``equations`` the vector field ``f``.
    """

    def rhs(self, x: np.ndarray) -> np.ndarray:
        """``f(x)`` for ``x`` (batch, dim) -> (batch, dim)."""
        return self._eval(self._f, x, "numpy")

    def rhs_torch(self, x: torch.Tensor) -> torch.Tensor:
        """Torch version of :meth:`rhs`, ``x`` (batch, dim) float64."""
        return self._eval(self._f, x, "torch")

    def latex(self) -> str:
        """LaTeX for the vector field and its Jacobian."""
        return self._latex(r"\dot{{{}}}")


class SymbolicIFS(_Symbolic):
    """An IFS: maps ``F_u`` chosen with constant or place-dependent probabilities.

    Parameters
    ----------
    variables : sequence of str
        State variable names, length ``dim``.
    maps : sequence of sequence of str or sympy.Expr
        ``maps[u]`` is ``F_u``, one expression per variable.
    probabilities : sequence of str or sympy.Expr or float
        ``probabilities[u]`` is ``Pr(u | x)``: a constant or an expression of the state;
        they must sum to 1 wherever the system is evaluated (checked in :meth:`choose`).
    params, initial, domains
        As in :class:`SymbolicMap`.
    """

    def __init__(self, variables, maps, probabilities, params=None, initial=None, domains=None,
                 name=None):
        super().__init__(variables, params, initial, domains, name)
        if len(maps) != len(probabilities) or not maps:
            raise SpecError(f"{len(maps)} maps but {len(probabilities)} probabilities")
        self.n_inputs = len(maps)
        self.map_expressions = []
        for u, eqs in enumerate(maps):
            if len(eqs) != self.dim:
                raise SpecError(f"maps[{u}] has {len(eqs)} equations for {self.dim} variables")
            self.map_expressions.append(
                [_parse(e, self.names, f"maps[{u}][{i}]") for i, e in enumerate(eqs)])
        self.probability_expressions = [_parse(p, self.names, f"probabilities[{u}]")
                                        for u, p in enumerate(probabilities)]
        self.jacobian_matrices = [self._jacobian_exprs(e) for e in self.map_expressions]
        self._f = [self._compile(e) for e in self.map_expressions]
        self._j = [self._compile(list(m)) for m in self.jacobian_matrices]
        self._p = self._compile(self.probability_expressions)

    def _per_input(self, compiled, x, u, out_shape, backend):
        if backend == "numpy":
            out = np.empty(out_shape, dtype=x.dtype)
        else:
            import torch

            out = torch.empty(out_shape, dtype=x.dtype, device=x.device)
        for k in range(self.n_inputs):
            mask = u == k
            if mask.any():
                values = self._eval(compiled[k], x[mask], backend)
                out[mask] = values.reshape((-1, *out_shape[1:]))
        return out

    def step(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``F_u(x)``: ``x`` (batch, dim), ``u`` (batch,) int -> (batch, dim)."""
        return self._per_input(self._f, x, np.asarray(u), x.shape, "numpy")

    def tangent(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Jacobian of ``F_u`` at ``x``, (batch, dim, dim)."""
        return self._per_input(self._j, x, np.asarray(u), (len(x), self.dim, self.dim), "numpy")

    def step_torch(self, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """Torch version of :meth:`step`, ``x`` (batch, dim) float64, ``u`` (batch,) long."""
        return self._per_input(self._f, x, u, x.shape, "torch")

    def tangent_torch(self, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """Torch version of :meth:`tangent`."""
        return self._per_input(self._j, x, u, (len(x), self.dim, self.dim), "torch")

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Input law ``Pr(u | x)`` at ``x`` (batch, dim) -> (batch, n_inputs)."""
        return self._eval(self._p, x, "numpy")

    def choose(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``u`` (batch,) from ``Pr(u | x)``; also its Shannon entropy (batch,) in nats."""
        p = self.probabilities(x)
        if (p < -1e-12).any() or not np.allclose(p.sum(1), 1.0, atol=1e-9):
            raise SpecError("input probabilities are negative or do not sum to 1 at some state")
        p = np.clip(p, 0.0, None)
        u = (rng.random((len(x), 1)) > np.cumsum(p, 1)[:, :-1]).sum(1)
        logp = np.log(np.where(p > 0, p, 1.0))
        return u.astype(np.int64), -(p * logp).sum(1)

    def latex(self) -> str:
        """LaTeX for each map with its probability and Jacobian."""
        parts = []
        for u, (eqs, p, jac) in enumerate(zip(self.map_expressions, self.probability_expressions,
                                              self.jacobian_matrices, strict=True)):
            body = ", ".join(sp.latex(e) for e in eqs)
            parts.append(rf"F_{{{u}}}(x) = ({body}),\ p_{{{u}}}(x) = {sp.latex(p)},\ "
                         rf"J_{{{u}}} = {sp.latex(jac)}")
        return r" \\ ".join(parts)


class TorchDrivenMap:
    """A DrivenMap from a torch step function, e.g. an RNN cell fed token embeddings.

    Parameters
    ----------
    step_fn : callable
        ``step_fn(h, u) -> h_next`` with ``h`` a (batch, dim) float64 tensor and ``u`` a
        (batch,) long tensor, both on ``device``. Any module inside must be in float64
        (``module.double()``), because tangents are computed in float64.
    dim : int
        State dimension.
    n_inputs : int
        Number of input symbols (vocabulary size).
    choose : callable, optional
        ``choose(x, rng) -> (u, entropy_nats)`` with numpy (batch,) outputs. Without it the
        inputs must be supplied by the caller (``inputs=`` in :func:`iterate` and the
        Lyapunov engine), which is the usual case for a network driven by a token sequence.
    device : str or torch.device, optional
        Where ``step_fn`` runs (e.g. ``"cuda"`` for a network on a GPU); default the CPU.
        States and Jacobians come back as numpy arrays either way.
    """

    def __init__(self, step_fn: Callable, dim: int, n_inputs: int, choose: Callable | None = None,
                 device=None):
        import torch

        self.step_fn = step_fn
        self.dim = self.tangent_dim = int(dim)
        self.n_inputs = int(n_inputs)
        self.device = torch.device(device or "cpu")
        self._choose = choose

        def one(h, u):  # jacrev differentiates a single state (dim,) with its input ()
            return step_fn(h[None], u[None])[0]

        self._tangent = torch.func.vmap(torch.func.jacrev(one, argnums=0))

    def _tensors(self, x: np.ndarray, u: np.ndarray):
        import torch

        return (torch.as_tensor(x, dtype=torch.float64, device=self.device),
                torch.as_tensor(u, dtype=torch.long, device=self.device))

    def step(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``F_u(x)``: ``x`` (batch, dim), ``u`` (batch,) int -> (batch, dim)."""
        import torch

        with torch.no_grad():
            out = self.step_fn(*self._tensors(x, u))
        return out.cpu().numpy()

    def tangent(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Jacobian of ``F_u`` at ``x`` by ``vmap(jacrev)``, (batch, dim, dim) float64."""
        return self._tangent(*self._tensors(x, u)).detach().cpu().numpy()

    def choose(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Delegate to the ``choose`` given at construction."""
        if self._choose is None:
            raise SpecError("this TorchDrivenMap has no input law: pass the driving sequence "
                             "explicitly with inputs=(n_orbits, n_steps) int array")
        return self._choose(x, rng)
