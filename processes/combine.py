"""Processes built from processes: independent products, non-ergodic mixtures, a
beginning-of-sequence (BOS) token, and matching brackets of any depth.

Every result is a `Process`, so every quantity of the package applies to it. Symbol and
state orders (all 0-based):

- `product`: symbol ``(x_1, ..., x_m)`` is ``x = (...(x_1 k_2 + x_2) k_3 + ...) + x_m``
  (mixed radix, the first component most significant); states likewise, so
  ``T[x] = kron(T_1[x_1], ..., T_m[x_m])``.
- `mixture`: the components' states one block after another (block-diagonal ``T[x]``).
- `with_bos`: the original states, then the start state; the original symbols, then BOS.

Parameters of the components are kept symbolically, renamed ``p{i}_{name}`` for the i-th
component (``p0_x``), defaults at the component's bound values, except for spectrally
normalised components (``post_quantum``): their normalisation is numeric, so they enter
with their bound numeric matrices and no parameters. `with_bos` binds numerically too
(its start row is ``pi``, a numeric function of the parameters).

Products of periodic processes and mixtures are not ergodic: ``sum_x T[x]`` has a
degenerate eigenvalue 1, which `Process.pi` refuses. The processes built here know their
stationary vector (the product of the components' ``pi``, the weighted blocks, ``(pi, 0)``)
and their ``r``, and carry them in a small `Process` subclass instead of solving for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, reduce

import numpy as np
import sympy as sp

from .catalogue import _matching_parens_matrices
from .errors import InputError, ProcessError
from .parameters import Parameter, bind_parameters
from .process import Process

__all__ = ["CombinedProcess", "matching_parens", "mixture", "product",
           "start_belief", "with_bos"]


class CombinedProcess(Process):
    """A `Process` built from parts whose stationary vectors give its own.

    Built by `product`, `mixture` and `with_bos`, never directly. ``parts`` are the
    components, rebound whenever this process's parameters change; ``pi`` and ``r`` are
    assembled from theirs, so a non-ergodic combination still has the right ones.

    Attributes
    ----------
    kind : str
        ``"product"``, ``"mixture"`` or ``"bos"``.
    parts : tuple of Process
        The components at the current parameter values.
    weights : ndarray or None, shape (m,)
        Mixture weights (summing to 1); None for the other kinds.
    """

    def __init__(self, name: str, matrices, parameters: Sequence[Parameter], *,
                 kind: str, parts: Sequence[Process], prefixes: Sequence[str | None],
                 weights: np.ndarray | None = None, citation: str = "",
                 generalized: bool = False):
        # Set before Process.__init__, whose binding (validation) already needs pi and r.
        self.kind = kind
        self.weights = weights
        self._prefixes = tuple(prefixes)
        self.parts = tuple(parts)
        super().__init__(name, matrices, parameters, citation=citation,
                         generalized=generalized)

    def _bind(self, params) -> None:
        # The parts are rebound too: pi and r are assembled from them.
        values = bind_parameters(self._definition.parameters, params, self._definition.name)
        parts = []
        for part, prefix in zip(self.parts, self._prefixes, strict=True):
            if prefix is not None and part.parameters:
                part = part.with_params(**{p.name: values[prefix + p.name]
                                           for p in part.parameters})
            parts.append(part)
        self.parts = tuple(parts)
        super()._bind(values)

    @cached_property
    def pi(self) -> np.ndarray:
        """Stationary vector, shape (n,), assembled from the parts' (see `kind`)."""
        if self.kind == "product":
            return reduce(np.kron, [p.pi for p in self.parts])
        if self.kind == "mixture":
            return np.concatenate([w * p.pi for w, p in zip(self.weights, self.parts,
                                                             strict=True)])
        return np.append(self.parts[0].pi, 0.0)  # bos: the start state is transient

    @cached_property
    def r(self) -> np.ndarray:
        """Right eigenvector of ``M``, shape (n,), with ``pi . r = 1``; all ones for an
        HMM."""
        if not self.generalized:
            return np.ones(self.n_states)
        if self.kind == "product":
            return reduce(np.kron, [p.r for p in self.parts])
        if self.kind == "mixture":
            return np.concatenate([p.r for p in self.parts])
        # bos: M r = r on the start row reads pi . r_original = r_start, which is 1.
        return np.append(self.parts[0].r, 1.0)


def _lift(process: Process, prefix: str) -> tuple[list[sp.Matrix], list[Parameter],
                                                   str | None]:
    """``process``'s matrices with its parameters renamed ``prefix + name``, the renamed
    parameters (defaults at the bound values) and the prefix; normalised processes come
    as numeric matrices with no parameters (prefix None)."""
    if process.normalized or not process.parameters:
        return [sp.Matrix(process.T[x]) for x in range(process.n_symbols)], [], None
    rename = {p.symbol: sp.Symbol(prefix + p.name, real=True) for p in process.parameters}
    params = [Parameter(prefix + p.name, process.params[p.name], p.domain,
                        f"{process.name}: {p.description}".rstrip(": "))
              for p in process.parameters]
    return [m.xreplace(rename) for m in process.matrices], params, prefix


def _kron(a: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    """Kronecker product of two sympy matrices (rows of ``a`` most significant)."""
    n, m = b.shape
    return sp.Matrix(a.shape[0] * n, a.shape[1] * m,
                     lambda i, j: a[i // n, j // m] * b[i % n, j % m])


def _check_parts(processes: Sequence[Process], what: str) -> list[Process]:
    parts = list(processes)
    if not parts:
        raise InputError(f"{what} needs at least one process")
    for p in parts:
        if not isinstance(p, Process):
            raise InputError(f"{what}: expected Process objects, got {type(p).__name__}")
    return parts


def product(*processes: Process, name: str | None = None) -> CombinedProcess:
    """The joint process of independent ``processes``, over the product vocabulary.

    Parameters
    ----------
    *processes : Process
        ``m >= 1`` components with ``k_i`` symbols and ``n_i`` states.
    name : str, optional
        Defaults to ``"a x b x ..."``.

    Returns
    -------
    CombinedProcess
        ``prod k_i`` symbols and ``prod n_i`` states; ``T[x] = kron(T_1[x_1], ...)``
        with ``x`` the mixed-radix index of ``(x_1, ..., x_m)`` (first most
        significant); ``pi = kron(pi_1, ...)``. Parameters ``p{i}_{name}``.

    Notes
    -----
    Entropy rates add (``h_mu = sum h_i``); for unifilar components so do statistical
    complexities, since the product of their causal states is unifilar and minimal.
    """
    parts = _check_parts(processes, "product")
    lifted = [_lift(p, f"p{i}_") for i, p in enumerate(parts)]
    index = np.indices([p.n_symbols for p in parts]).reshape(len(parts), -1).T
    matrices = [reduce(_kron, [lifted[i][0][x] for i, x in enumerate(word)])
                for word in index]
    return CombinedProcess(
        name or " x ".join(p.name for p in parts), matrices,
        [q for _, params, _ in lifted for q in params], kind="product", parts=parts,
        prefixes=[prefix for _, _, prefix in lifted],
        citation="independent product of: " + "; ".join(p.name for p in parts),
        generalized=any(p.generalized for p in parts))


def mixture(processes: Sequence[Process], weights: Sequence[float],
            name: str | None = None) -> CombinedProcess:
    """A non-ergodic mixture: pick component ``i`` w.p. ``weights[i]``, then run it.

    Parameters
    ----------
    processes : sequence of Process
        Components over the same ``k`` symbols.
    weights : sequence of float, shape (m,)
        Positive; divided by their sum.
    name : str, optional
        Defaults to ``"mixture(a, b, ...)"``.

    Returns
    -------
    CombinedProcess
        States: the components' states in blocks; ``T[x]`` block-diagonal;
        ``pi = (w_1 pi_1, ..., w_m pi_m)``. Parameters ``p{i}_{name}``; the weights are
        numbers, not parameters. ``h_mu = sum_i w_i h_i``.

    Raises
    ------
    ProcessError
        When the vocabularies differ.
    InputError
        For weights that are not positive finite numbers, one per component.
    """
    parts = _check_parts(processes, "mixture")
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(parts),) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise InputError(f"mixture: weights must be {len(parts)} positive finite numbers, "
                         f"one per process; got {list(np.atleast_1d(weights))}")
    sizes = [(p.name, p.n_symbols) for p in parts]
    if len({k for _, k in sizes}) > 1:
        raise ProcessError(f"mixture: the processes must share one vocabulary, but their "
                           f"symbol counts differ: {sizes}; map them to common symbols first")
    lifted = [_lift(p, f"p{i}_") for i, p in enumerate(parts)]
    k = parts[0].n_symbols
    matrices = [sp.diag(*[mats[x] for mats, _, _ in lifted]) for x in range(k)]
    return CombinedProcess(
        name or f"mixture({', '.join(p.name for p in parts)})", matrices,
        [q for _, params, _ in lifted for q in params], kind="mixture", parts=parts,
        prefixes=[prefix for _, _, prefix in lifted], weights=w / w.sum(),
        citation="non-ergodic mixture of: " + "; ".join(p.name for p in parts),
        generalized=any(p.generalized for p in parts))


def with_bos(process: Process, name: str | None = None) -> CombinedProcess:
    """``process`` with a beginning-of-sequence token and a transient start state.

    A new symbol ``k`` (BOS, the last) and a new state ``n`` (start, the last): the start
    state emits BOS with probability 1 and moves to the original states distributed as
    ``pi``; the original states behave as before and never emit BOS nor return to start.
    A sequence drawn from the start state (``generate(q, ..., start=start_belief(q))``) is
    BOS followed by a stationary sequence of ``process``, so the loss floor at position
    ``t`` (BOS at 1) is the original ``h(t)``. The process's own stationary ``pi`` is
    ``(pi, 0)``: sampled from stationarity it never emits BOS.

    Returns
    -------
    CombinedProcess
        ``k + 1`` symbols, ``n + 1`` states, parameters bound numerically (none).
    """
    (part,) = _check_parts([process], "with_bos")
    k, n = part.n_symbols, part.n_states
    T = np.zeros((k + 1, n + 1, n + 1))
    T[:k, :n, :n] = part.T
    T[k, n, :n] = part.pi
    return CombinedProcess(name or f"{part.name} + BOS", [T[x] for x in range(k + 1)], (),
                           kind="bos", parts=[part], prefixes=[None],
                           citation=f"{part.name} with a beginning-of-sequence token",
                           generalized=part.generalized)


def start_belief(process: CombinedProcess) -> np.ndarray:
    """The start state of a `with_bos` process as a belief, shape (n,)."""
    if getattr(process, "kind", None) != "bos":
        raise InputError(f"{process.name}: start_belief needs a process made by with_bos")
    return np.eye(process.n_states)[-1]


def matching_parens(depth: int, p: float = 0.5) -> Process:
    """Balanced brackets ``(`` = 0 and ``)`` = 1 nested at most ``depth`` deep.

    Parameters
    ----------
    depth : int
        Maximum depth, ``>= 1``; the states are the depths ``0..depth``.
    p : float
        Pr(open) at depths strictly between 0 and ``depth`` (a symbolic parameter ``p``
        with this default); depth 0 always opens and ``depth`` always closes.

    Returns
    -------
    Process
        ``depth + 1`` states, 2 symbols; unifilar. At ``p = 1/2``:
        ``pi = (1, 2, ..., 2, 1) / (2 depth)``, ``h_mu = (depth - 1) / depth`` bits and
        ``C_mu = 1 / depth + log2(depth)`` bits. ``get_process("matching_parens")`` is
        depth 4.
    """
    param = Parameter("p", p, "(0, 1)", "Pr(open) at depths strictly between 0 and the "
                      "maximum")
    from .catalogue import _CATALOGUE

    return Process(f"matching_parens_depth{depth}",
                   _matching_parens_matrices(depth, param.symbol), [param],
                   citation=_CATALOGUE["matching_parens"].citation)
