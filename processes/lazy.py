"""Lazy package fronts (PEP 562): a public name loads its module on first use.

Each package's ``__init__`` declares ``_EXPORTS`` (public name -> submodule) and calls
`lazy_exports`, so ``import dynamics`` costs nothing until a name is used and a command
that needs one corner of a package does not import all of it (sympy, numba, torch).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for the lazy ``exports``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to str
        Public name -> the submodule (relative to ``package``) that owns it.
    """

    def __getattr__(name: str):
        if name in exports:
            value = getattr(importlib.import_module(f".{exports[name]}", package), name)
            vars(sys.modules[package])[name] = value  # later look-ups skip this function
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
