"""Load a trained run folder back: its model (eval mode), process and config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from processes import Process, get_process, process_from_dict
from processes.errors import BeliefscopeError

from .build import build_model
from .checkpoints import (
    RunFolderError,
    list_checkpoints,
    read_checkpoint,
    read_config,
    read_metrics,
)
from .train import TrainConfig, resolve_device

__all__ = ["Run", "load_run", "run_process"]


@dataclass(frozen=True)
class Run:
    """A trained run, as `load_run` returns it.

    Attributes
    ----------
    path : Path
        The run folder.
    model : torch.nn.Module
        The network at ``step``, in eval mode.
    process : Process
        The process it was trained on, at the run's parameters.
    config : dict
        ``config.json``: ``process``, ``model`` and ``train`` sections.
    step : int
        The checkpoint's optimiser step.
    finished : bool
        Whether ``step`` is the run's last (``config["train"]["steps"]``).
    checkpoints : list of int
        Steps with a complete checkpoint, ascending (log-spaced).
    metrics : list of dict
        The rows of ``metrics.jsonl``.
    """

    path: Path
    model: torch.nn.Module
    process: Process
    config: dict
    step: int
    finished: bool
    checkpoints: list[int]
    metrics: list[dict]

    @property
    def n_ctx(self) -> int:
        """Tokens the model reads per window, BOS included."""
        return int(self.config["model"]["n_ctx"])

    @property
    def bos(self) -> int | None:
        """The BOS token heading every window (``process.n_symbols``), or None when the
        run was trained without one; pass it to `prefix_dataset`."""
        return TrainConfig.from_dict(self.config["train"]).bos_token(self.process)


def run_process(config: dict, where: str = "run") -> Process:
    """The process a run config describes, rebuilt from its stored definition.

    A catalogue reference (``{"catalogue": name}``) is rebuilt from the catalogue too and
    must give the same matrices, so a changed catalogue entry is caught rather than probed.
    """
    section = config["process"]
    params = section.get("params", {})
    stored = None
    try:
        stored = process_from_dict(section["definition"], source=f"{where} process")
    except (BeliefscopeError, KeyError) as exc:
        if "catalogue" not in section:
            raise RunFolderError(f"{where}: the stored process cannot be rebuilt ({exc})"
                                 ) from None
    if "catalogue" not in section:
        return stored
    try:
        named = get_process(section["catalogue"], **params)
    except BeliefscopeError as exc:
        raise RunFolderError(f"{where}: process {section['catalogue']!r} with {params} cannot "
                             f"be rebuilt from the catalogue ({exc})") from None
    if stored is not None and (stored.T.shape != named.T.shape
                               or not np.allclose(stored.T, named.T, atol=1e-12)):
        raise RunFolderError(f"{where}: the catalogue's {section['catalogue']} at {params} no "
                             "longer matches the process this run was trained on")
    return named


def load_run(run_dir: str | Path, step: int | None = None, device: str | None = "cpu") -> Run:
    """The model of a run folder at its last checkpoint (or at ``step``), its process and config.

    Raises
    ------
    RunFolderError
        For a missing or corrupt folder, config or checkpoint (a truncated checkpoint is
        detected by its SHA-256), or a ``step`` without a checkpoint.
    """
    path = Path(run_dir)
    config = read_config(path)
    process = run_process(config, str(path))
    found = list_checkpoints(path)
    steps = [int(p.name.removeprefix("step_")) for p in found]
    if not found:
        raise RunFolderError(f"{path}: no checkpoints yet; rerun the training command to "
                             "continue it")
    if step is None:
        chosen = found[-1]
    elif step in steps:
        chosen = found[steps.index(step)]
    else:
        raise RunFolderError(f"{path}: no checkpoint at step {step}; available: {steps}")
    tensors, info = read_checkpoint(chosen)
    try:
        model = build_model(config["model"], seed=0)
        model.load_state_dict(tensors)
    except (BeliefscopeError, RuntimeError) as exc:
        raise RunFolderError(f"{chosen}.safetensors does not fit the model in "
                             f"{path / 'config.json'} ({str(exc).splitlines()[0]})") from None
    model = model.to(resolve_device(device)).eval()
    at = int(info["step"])
    return Run(path=path, model=model, process=process, config=config, step=at,
               finished=at == int(config["train"]["steps"]), checkpoints=steps,
               metrics=read_metrics(path))
