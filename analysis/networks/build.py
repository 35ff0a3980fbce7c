"""Models from plain dicts, as saved beside every run: ``{"model": kind, **config fields}``.

``kind`` is ``"transformer"`` (fields of `TransformerConfig`) or a recurrent cell,
``"rnn"``, ``"gru"`` or ``"lstm"`` (fields of `RNNConfig` other than ``cell``).
`model_config` is the inverse of `build_model`.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from analysis.networks.recurrent import RecurrentNetwork, RNNConfig
from analysis.networks.transformer import Transformer, TransformerConfig
from processes.errors import InputError

__all__ = ["MODEL_KINDS", "build_model", "model_config"]

MODEL_KINDS = ("transformer", "rnn", "gru", "lstm")


def build_model(config: Mapping, seed: int | torch.Generator | None = 0
                ) -> Transformer | RecurrentNetwork:
    """A freshly initialised network from its config dict.

    Parameters
    ----------
    config : mapping
        ``{"model": kind, **fields}``, e.g. ``{"model": "gru", "d_hidden": 32}``; missing
        fields take their defaults.
    seed : int, torch.Generator or None
        The initialisation's randomness (same seed, same weights).

    Raises
    ------
    InputError
        For a missing or unknown ``model``, an unknown field or a bad value.
    """
    if not isinstance(config, Mapping) or config.get("model") not in MODEL_KINDS:
        got = config.get("model") if isinstance(config, Mapping) else config
        raise InputError(f"model config needs a 'model' key, one of {', '.join(MODEL_KINDS)}; "
                         f"got {got!r}")
    fields = {key: value for key, value in config.items() if key != "model"}
    kind = config["model"]
    if kind == "transformer":
        return Transformer(TransformerConfig.from_dict(fields), seed=seed)
    if fields.setdefault("cell", kind) != kind:  # a saved cell must agree with the model
        raise InputError(f"model {kind!r} with cell {fields['cell']!r}: drop 'cell' or make "
                         "them agree")
    return RecurrentNetwork(RNNConfig.from_dict(fields), seed=seed)


def model_config(model: Transformer | RecurrentNetwork) -> dict:
    """The JSON-safe dict `build_model` builds ``model``'s architecture from."""
    if isinstance(model, Transformer):
        return {"model": "transformer", **model.config.to_dict()}
    if isinstance(model, RecurrentNetwork):
        fields = model.config.to_dict()
        return {"model": fields.pop("cell"), **fields}
    raise InputError(f"model_config takes a Transformer or RecurrentNetwork, got "
                     f"{type(model).__name__}")
