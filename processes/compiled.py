"""Sympy expressions compiled once, evaluated many times: the one helper behind every
symbolic object (process matrices, maps, flows, IFS probabilities).

The expressions are trees built by the project (`processes.expressions` for user text),
never strings, so lambdify only prints trusted sympy objects into code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

if TYPE_CHECKING:
    import torch

__all__ = ["CompiledExpressions"]


class CompiledExpressions:
    """A list of sympy expressions in ``args``, lambdified once for numpy and torch.

    Parameters
    ----------
    exprs : sequence of sympy.Expr
        The expressions, evaluated together.
    args : sequence of sympy.Symbol
        Their arguments, in call order (state variables first, then parameters).
    """

    def __init__(self, exprs: Sequence[sp.Expr], args: Sequence[sp.Symbol]):
        self.exprs = tuple(exprs)
        self.args = tuple(args)
        if any(e.free_symbols for e in self.exprs):
            self._np = sp.lambdify(self.args, list(self.exprs), modules="numpy", cse=True)
        else:
            # Constants: evaluate once. Lambdifying a large constant matrix would generate
            # (and compile) source code for every entry.
            values = [complex(e) for e in self.exprs]
            self._np = lambda *_: values
        self._torch = None  # lambdified on first use: importing torch costs about a second

    def __len__(self) -> int:
        return len(self.exprs)

    def numpy(self, *values) -> np.ndarray:
        """Evaluate at ``values`` (arrays broadcasting to one shape ``s``, or scalars):
        (n_exprs, *s) float64. Overflow gives inf/NaN for the caller to check; an
        expression that is not real raises `ValueError`."""
        with np.errstate(all="ignore"):
            out = [np.asarray(v) for v in self._np(*values)]
        shape = np.broadcast_shapes(*(v.shape for v in out), *(np.shape(v) for v in values))
        stacked = np.stack([np.broadcast_to(v, shape) for v in out])
        if np.iscomplexobj(stacked):
            if np.any(stacked.imag != 0):
                bad = int(np.argwhere(stacked.imag != 0)[0][0])
                raise ValueError(f"expression {bad} ({self.exprs[bad]}) is not real here")
            stacked = stacked.real
        return np.ascontiguousarray(stacked, dtype=np.float64)

    def torch(self, *values: torch.Tensor) -> torch.Tensor:
        """Evaluate at tensors of one shape ``s``: (n_exprs, *s), their dtype and device."""
        import torch

        if self._torch is None:
            # torch functions reject python numbers, so constants such as sqrt(3) become
            # floats.
            floats = [e.evalf(17) for e in self.exprs]
            self._torch = sp.lambdify(self.args, floats, modules="torch", cse=True)
        ref = values[0]
        out = self._torch(*values)
        return torch.stack([torch.broadcast_to(torch.as_tensor(v, dtype=ref.dtype,
                                                               device=ref.device), ref.shape)
                            for v in out])
