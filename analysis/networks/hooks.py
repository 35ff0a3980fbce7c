"""Named activations, recorded on request, as TransformerLens does.

A `HookPoint` is an identity module placed where an activation is worth reading; its name
is its path in the module tree (``blocks.0.hook_resid_post``), so names are stable and
match TransformerLens for the same architecture. `HookedModule.run_with_cache` switches
the chosen hook points on for one forward pass and returns what they saw.

Models register their hook points in the order the forward pass reaches them, so
`HookedModule.hook_names` is in forward order (the tests check it against a run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from processes.errors import InputError

__all__ = ["ActivationCache", "HookPoint", "HookedModule", "NamesFilter"]

NamesFilter = str | Iterable[str] | Callable[[str], bool] | None
"""Which hooks to record: None (all), one name, a list of names, or a predicate on names."""


class ActivationCache(dict):
    """Hook name -> the activation it recorded, a detached tensor (batch, pos, ...).

    Keys are in the order the forward pass reached them.
    """


class HookPoint(nn.Module):
    """Identity module that records its input into a cache while one is attached."""

    def __init__(self):
        super().__init__()
        self.name: str | None = None  # set by the owning HookedModule when it records
        self.cache: ActivationCache | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cache is not None:
            self.cache[self.name] = x.detach()
        return x


class HookedModule(nn.Module):
    """A model whose `HookPoint` submodules can be recorded by name.

    Subclasses define ``forward(tokens (batch, pos) int64) -> logits (batch, pos, d_vocab)``
    and ``residual_hooks``.
    """

    def hook_points(self) -> dict[str, HookPoint]:
        """Name -> hook point, in forward order."""
        return {name: module for name, module in self.named_modules()
                if isinstance(module, HookPoint)}

    @property
    def hook_names(self) -> list[str]:
        """Every hook name, in forward order."""
        return list(self.hook_points())

    def _select(self, names_filter: NamesFilter, available: list[str]) -> list[str]:
        if names_filter is None:
            return available
        if callable(names_filter):
            return [name for name in available if names_filter(name)]
        names = [names_filter] if isinstance(names_filter, str) else list(names_filter)
        if not all(isinstance(name, str) for name in names):
            raise InputError("names_filter must be None, a hook name, a list of hook names or "
                             f"a callable name -> bool, got {names_filter!r}")
        unknown = [name for name in names if name not in available]
        if unknown:
            raise InputError(f"unknown hook name(s) {', '.join(map(repr, unknown))}; this "
                             f"{type(self).__name__} has {', '.join(available)}")
        return names

    def run_with_cache(self, tokens: torch.Tensor, names_filter: NamesFilter = None
                       ) -> tuple[torch.Tensor, ActivationCache]:
        """Run the model without gradients and record the chosen hooks.

        Parameters
        ----------
        tokens : torch.Tensor
            (batch, pos) int64 token ids.
        names_filter : None, str, list of str or callable
            Which hooks to record: all (None), one name, a list of names, or those for
            which ``names_filter(name)`` is true.

        Returns
        -------
        logits : torch.Tensor
            (batch, pos, d_vocab) next-token logits.
        cache : ActivationCache
            Hook name -> detached activation (batch, pos, ...), in forward order.

        Raises
        ------
        InputError
            If ``names_filter`` names a hook the model does not have.
        """
        points = self.hook_points()
        selected = self._select(names_filter, list(points))
        cache = ActivationCache()
        try:
            for name in selected:
                points[name].name, points[name].cache = name, cache
            with torch.no_grad():
                logits = self(tokens)
        finally:  # an error mid-run must not leave hooks recording into a stale cache
            for point in points.values():
                point.cache = None
        return logits, cache
