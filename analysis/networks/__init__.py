"""Networks: a TransformerLens-shaped GPT, recurrent networks, and their hooks.

- `Transformer` / `TransformerConfig`: a small GPT whose parameters and hook names are
  TransformerLens's; `to_transformer_lens` converts it (optional ``tl`` extra);
- `RecurrentNetwork` / `RNNConfig`: RNN, GRU or LSTM stacks, whose token-driven
  hidden-state update is a `dynamics.TorchDrivenMap` (``token_map``);
- `build_model` / `model_config`: models from and to the plain dicts saved beside runs;
- `HookPoint`, `ActivationCache`, `HookedModule`: ``run_with_cache(tokens,
  names_filter)`` as in TransformerLens, on both model kinds and on any model of your own
  built on `HookedModule`.

Names load on first use (PEP 562): importing the package imports neither torch nor
transformer_lens.
"""

from __future__ import annotations

from processes.lazy import lazy_exports

# Public name -> the module that owns it.
_EXPORTS = {
    "ActivationCache": "hooks",
    "HookPoint": "hooks",
    "HookedModule": "hooks",
    "RNNConfig": "recurrent",
    "RecurrentNetwork": "recurrent",
    "Transformer": "transformer",
    "TransformerConfig": "transformer",
    "Run": "run",
    "TrainConfig": "train",
    "build_model": "build",
    "collect_activations": "activations",
    "from_transformer_lens": "convert",
    "load_run": "run",
    "position_losses": "activations",
    "prefix_dataset": "activations",
    "model_config": "build",
    "to_transformer_lens": "convert",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
