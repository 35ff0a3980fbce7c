"""A hidden Markov process, defined once by symbolic labelled transition matrices.

Conventions (``docs/conventions.md``): ``T[x][i, j] = Pr(emit x, go to state j | state i)``,
beliefs are row vectors, ``r`` is the right eigenvector of ``M = sum_x T[x]`` and ``pi``
the left one, scaled so ``pi . r = 1`` (for an HMM ``r`` is all ones and ``pi`` sums to 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np
import sympy as sp

from ._linalg import eigenvector_for_one
from ._validate import validate
from .compiled import CompiledExpressions
from .errors import ParameterError, ProcessError
from .expressions import check_name, parse_expression
from .parameters import Parameter, Parametrized, bind_parameters

__all__ = ["Process", "SYMBOLIC_MAX_STATES"]

SYMBOLIC_MAX_STATES = 24
"""Beyond this many states, exact symbolic solving (stationary distribution, closed
forms, the row-sum proof) is skipped: sympy's linear solves grow too fast to finish."""


class _Definition:
    """The symbolic part of a process, shared by every parameter binding.

    The numeric function is lambdified here, once, so rebinding parameters is cheap.
    """

    def __init__(self, name, matrices, parameters, citation, generalized, normalize):
        self.name = name
        self.parameters = tuple(parameters)
        self.citation = citation
        self.normalize = normalize
        self.symbols = tuple(p.symbol for p in self.parameters)
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ProcessError(f"{name}: duplicate parameter names {names}")
        for p in self.parameters:
            check_name(p.name, f"{name}: parameter")
        local = {p.name: p.symbol for p in self.parameters}
        self.matrices = tuple(_to_matrix(m, local, name, x) for x, m in enumerate(matrices))
        if not self.matrices:
            raise ProcessError(f"{name}: a process needs at least one symbol matrix")
        n = self.matrices[0].shape[0]
        if n == 0:
            raise ProcessError(f"{name}: T[0] is empty; a process needs at least one state")
        for x, m in enumerate(self.matrices):
            if m.shape != (n, n):
                raise ProcessError(
                    f"{name}: T[{x}] has shape {m.shape}, expected ({n}, {n}) like T[0]; "
                    "every symbol's matrix must be square and of the same size"
                )
        free = set().union(*(m.free_symbols for m in self.matrices))
        unknown = {s.name for s in free} - set(names)
        if unknown:
            raise ProcessError(
                f"{name}: matrix entries use undeclared symbols {sorted(unknown)}; "
                "declare them as parameters"
            )
        if generalized is not None and not isinstance(generalized, bool | np.bool_):
            raise ProcessError(f"{name}: generalized must be True, False or None, got "
                               f"{generalized!r}")
        self.generalized = (
            generalized if generalized is not None else self._may_be_negative()
        )
        self._numeric = CompiledExpressions([e for m in self.matrices for e in m],
                                            self.symbols)

    @property
    def symbolic_ok(self) -> bool:
        """Whether exact symbolic solving is attempted (see `SYMBOLIC_MAX_STATES`)."""
        return self.matrices[0].shape[0] <= SYMBOLIC_MAX_STATES

    def _may_be_negative(self) -> bool:
        return any(e.is_nonnegative is False for m in self.matrices for e in m)

    def numeric(self, values: Sequence[float]) -> np.ndarray:
        """``T`` at parameter ``values`` (in declaration order): (k, n, n) float64."""
        k, n = len(self.matrices), self.matrices[0].shape[0]
        try:
            flat = self._numeric.numpy(*values)
        except ValueError:
            at = {p.name: v for p, v in zip(self.parameters, values, strict=True)}
            raise ParameterError(f"{self.name}: some matrix entry is not real at {at}; "
                                 "matrix entries must be real numbers") from None
        return flat.reshape(k, n, n).copy()


def _to_matrix(m, local, name, x) -> sp.Matrix:
    """``T[x]`` as a sympy matrix. Strings go through the safe expression parser (they
    may come from a file); sympy expressions and plain numbers are taken as they are."""
    if isinstance(m, sp.MatrixBase):
        return sp.Matrix(m)
    if isinstance(m, np.ndarray):
        m = m.tolist()
    if not isinstance(m, list | tuple) or not all(isinstance(row, list | tuple) for row in m):
        raise ProcessError(f"{name}: T[{x}] must be a matrix (a list of rows)")
    rows = [[_entry(e, local, f"{name}: T[{x}][{i}][{j}]") for j, e in enumerate(row)]
            for i, row in enumerate(m)]
    if any(len(row) != len(rows) for row in rows):
        raise ProcessError(f"{name}: T[{x}] is not square: it has {len(rows)} rows of "
                           f"lengths {sorted({len(row) for row in rows})}")
    return sp.Matrix(rows)


def _entry(e, local, where: str) -> sp.Expr:
    if isinstance(e, sp.Basic):
        return e
    if isinstance(e, np.generic):
        e = e.item()
    return parse_expression(e, local, where)


class Process(Parametrized):
    """A (generalized) hidden Markov process with symbolic matrices and bound parameters.

    Parameters
    ----------
    name : str
        Name used in messages and output.
    matrices : sequence of k (n, n) matrices
        ``T[x]`` as sympy matrices, nested lists of expressions or strings, or arrays.
    parameters : sequence of Parameter
        The named symbols appearing in the matrices, with defaults and domains.
    citation : str
        Where the definition comes from.
    generalized : bool, optional
        True for a GHMM (entries may be negative; normalised by ``r``). Inferred from
        the signs of the entries when omitted.
    normalize : bool
        Divide all matrices by the spectral radius of their sum (as ``post_quantum``).
    params : mapping, optional
        Parameter values overriding the defaults. Each is checked against its domain.
    check_depth : int
        GHMMs: word probabilities are checked non-negative for all words up to this length.

    Attributes
    ----------
    T : ndarray, shape (k, n, n)
        Numeric float64 matrices at the bound parameters (read-only).
    """

    def __init__(self, name: str, matrices, parameters: Sequence[Parameter] = (), *,
                 citation: str = "", generalized: bool | None = None,
                 normalize: bool = False, params: Mapping[str, float] | None = None,
                 check_depth: int = 8):
        self._definition = _Definition(name, matrices, parameters, citation, generalized,
                                       normalize)
        self._check_depth = check_depth
        self._bind(params or {})

    @classmethod
    def from_arrays(cls, T, name: str = "custom", **kwargs) -> Process:
        """Build a process from a numeric ``(k, n, n)`` array (no parameters)."""
        T = np.asarray(T, dtype=np.float64)
        if T.ndim != 3 or T.shape[1] != T.shape[2]:
            raise ProcessError(
                f"{name}: expected an array of shape (k, n, n), got {T.shape}"
            )
        return cls(name, [T[x] for x in range(T.shape[0])], **kwargs)

    # -- binding and validation ------------------------------------------------------
    def _bind(self, params: Mapping[str, float]) -> None:
        d = self._definition
        values = bind_parameters(d.parameters, params, d.name)
        self.params: dict[str, float] = values
        T = d.numeric([values[p.name] for p in d.parameters])
        if not np.all(np.isfinite(T)):
            raise ParameterError(f"{d.name}: matrices are not finite at {values}")
        if d.normalize:
            rho = np.max(np.abs(np.linalg.eigvals(T.sum(axis=0))))
            T = T / rho
        T.setflags(write=False)
        self.T = T
        validate(self, self._check_depth)

    # -- basic structure -------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._definition.name

    @property
    def citation(self) -> str:
        return self._definition.citation

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return self._definition.parameters

    @property
    def matrices(self) -> tuple[sp.Matrix, ...]:
        """Symbolic ``T[x]`` (before spectral normalisation, see `normalized`)."""
        return self._definition.matrices

    @property
    def normalized(self) -> bool:
        return self._definition.normalize

    @property
    def generalized(self) -> bool:
        return self._definition.generalized

    @property
    def symbolic_ok(self) -> bool:
        """Whether exact symbolic solving is attempted: at most `SYMBOLIC_MAX_STATES`
        states (closed forms, LaTeX and the row-sum proof are skipped beyond)."""
        return self._definition.symbolic_ok

    @property
    def n_states(self) -> int:
        return self.T.shape[1]

    @property
    def n_symbols(self) -> int:
        return self.T.shape[0]

    @property
    def symbol_values(self) -> dict[sp.Symbol, float]:
        return {p.symbol: self.params[p.name] for p in self.parameters}

    @cached_property
    def M(self) -> np.ndarray:
        """``sum_x T[x]``, shape (n, n)."""
        return self.T.sum(axis=0)

    @cached_property
    def r(self) -> np.ndarray:
        """Right eigenvector of ``M`` for eigenvalue 1, shape (n,); all ones for an HMM."""
        if not self.generalized:
            return np.ones(self.n_states)
        r = eigenvector_for_one(self.M, self.name, side="right")
        return r / (self.pi @ r)

    @cached_property
    def pi(self) -> np.ndarray:
        """Stationary (left) eigenvector, shape (n,), summing to 1; ``r`` is scaled so that
        ``pi . r = 1``."""
        pi = eigenvector_for_one(self.M.T, self.name, side="left")
        return pi / pi.sum()

    @cached_property
    def Tr(self) -> np.ndarray:
        """``T[x] r`` stacked as columns, shape (n, k): ``p_x(eta) = (eta @ Tr)[x]``."""
        return np.einsum("xij,j->ix", self.T, self.r)

    def T_torch(self, device=None, dtype=None):
        """``T`` as a torch tensor of shape (k, n, n) (float64 unless ``dtype`` says)."""
        import torch

        return torch.tensor(self.T, dtype=dtype or torch.float64, device=device)

    # -- symbolic views --------------------------------------------------------------
    def symbolic_matrices(self) -> tuple[sp.Matrix, ...]:
        """``T[x]`` as sympy matrices; normalised processes are shown divided by ``rho``."""
        if not self.normalized:
            return self.matrices
        rho = sp.Symbol("rho", positive=True)
        return tuple(m / rho for m in self.matrices)

    def latex(self) -> dict[str, str]:
        """LaTeX for each ``T[x]`` (keys ``"T_0"``, ...)."""
        return {f"T_{x}": f"T^{{({x})}} = {sp.latex(m)}"
                for x, m in enumerate(self.symbolic_matrices())}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"Process({self.name!r}{', ' if params else ''}{params})"
