"""What the model families share: config checking, token checking and seeding.

A model config is a frozen dataclass whose every field has a default; the default's type
is the field's type (``int`` fields are positive counts, ``bool`` fields switches, ``str``
fields one of a declared set), so the checks below need no per-field code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import torch

from processes.errors import InputError

__all__ = ["check_config", "check_tokens", "config_from_dict", "torch_generator"]


def check_config(config, choices: Mapping[str, tuple[str, ...]]) -> None:
    """Refuse a config field of the wrong type or value, naming the field.

    Parameters
    ----------
    config : dataclass instance
        The config to check (called from its ``__post_init__``).
    choices : mapping of str to tuple of str
        The allowed values of each ``str`` field.
    """
    name = type(config).__name__
    for field in dataclasses.fields(config):
        value, kind = getattr(config, field.name), type(field.default)
        # bool is an int subclass: True must not pass as a layer count, nor 1 as a switch.
        if type(value) is not kind:
            raise InputError(f"{name}.{field.name} = {value!r}: expected {kind.__name__} "
                             f"(like the default {field.default!r})")
        if kind is int and value < 1:
            raise InputError(f"{name}.{field.name} = {value}: must be a positive integer")
        if kind is str and value not in choices[field.name]:
            raise InputError(f"{name}.{field.name} = {value!r}: choose one of "
                             f"{', '.join(map(repr, choices[field.name]))}")


def config_from_dict(cls, d: Mapping):
    """``cls(**d)`` for a config dataclass, refusing keys it does not have by name.

    Missing keys take their defaults; values are checked by ``cls.__post_init__``.
    """
    if not isinstance(d, Mapping):
        raise InputError(f"{cls.__name__}.from_dict needs a dict of fields, got "
                         f"{type(d).__name__}")
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise InputError(f"{cls.__name__}: unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"the fields are {', '.join(known)}")
    return cls(**d)


def check_tokens(tokens, d_vocab: int, n_ctx: int | None = None) -> torch.Tensor:
    """Tokens as a (batch, pos) int64 tensor, or InputError saying what is wrong.

    Parameters
    ----------
    tokens : torch.Tensor
        (batch, pos) integer token ids.
    d_vocab : int
        Ids must lie in ``[0, d_vocab)``.
    n_ctx : int, optional
        The longest context accepted (``pos <= n_ctx``); None for no limit.
    """
    if not isinstance(tokens, torch.Tensor):
        raise InputError(f"tokens must be a torch.Tensor of ids, got {type(tokens).__name__}; "
                         "wrap an array with torch.as_tensor")
    if tokens.dtype.is_floating_point or tokens.dtype.is_complex or tokens.dtype == torch.bool:
        raise InputError(f"tokens must hold integer ids, got dtype {tokens.dtype}")
    if tokens.ndim != 2 or tokens.shape[1] == 0:
        raise InputError(f"tokens must have shape (batch, pos) with pos >= 1, got "
                         f"{tuple(tokens.shape)}; a single sequence is tokens[None]")
    if n_ctx is not None and tokens.shape[1] > n_ctx:
        raise InputError(f"{tokens.shape[1]} positions exceed the context n_ctx = {n_ctx}; "
                         "pass at most n_ctx tokens per sequence")
    if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= d_vocab):
        raise InputError(f"token ids span [{int(tokens.min())}, {int(tokens.max())}], outside "
                         f"the vocabulary [0, {d_vocab}); check d_vocab against the data")
    return tokens.long()


def torch_generator(seed: int | torch.Generator | None) -> torch.Generator:
    """A CPU ``torch.Generator``: ``seed`` an int, a generator (used as it is) or None
    (fresh entropy)."""
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    elif isinstance(seed, int) and not isinstance(seed, bool):
        generator.manual_seed(seed)
    else:
        raise InputError(f"seed must be an int, a torch.Generator or None, got {seed!r}")
    return generator
