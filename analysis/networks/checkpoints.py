"""A run folder on disk: its config, metrics and checkpoints, written atomically.

Layout of ``RUN_DIR``::

    config.json                 everything needed to rebuild the process, model and run
    metrics.jsonl               one JSON object per evaluation (rewritten atomically)
    checkpoints/step_NNNNNNN.safetensors  model weights at a log-spaced step
    checkpoints/step_NNNNNNN.json         its step, tokens seen, metrics, sha256
    resume.safetensors, resume.json       the latest weights and optimiser state

A checkpoint's JSON is written after its tensors and records their SHA-256, so a
checkpoint whose JSON exists is complete, and a truncated or altered one is detected.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from analysis.io import atomic_write, write_json
from processes.errors import InputError

__all__ = ["RunFolderError", "checkpoint_steps", "list_checkpoints", "read_checkpoint",
           "read_config", "read_metrics", "write_checkpoint", "write_metrics"]

FORMAT = "beliefscope-run"


class RunFolderError(InputError):
    """A run folder is missing, incomplete or corrupt; the message says which file."""


def checkpoint_steps(total: int, per_decade: int = 4) -> list[int]:
    """Log-spaced steps ``1, 2, 3, 6, 10, 18, ...`` up to ``total`` (always included)."""
    steps = {total}
    i = 0
    while (s := round(10 ** (i / per_decade))) < total:
        steps.add(s)
        i += 1
    return sorted(steps)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checkpoint(path: Path, tensors: dict[str, torch.Tensor], info: dict) -> None:
    """Tensors to ``path.safetensors``, then ``info`` (+ their sha256) to ``path.json``."""
    weights = path.with_suffix(".safetensors")
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    # An old JSON beside new tensors would read as a corrupt checkpoint after a kill here.
    path.with_suffix(".json").unlink(missing_ok=True)
    atomic_write(weights, lambda p: save_file(tensors, str(p)))
    write_json(path.with_suffix(".json"), {**info, "sha256": _sha256(weights)})


def read_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Tensors and info of the checkpoint ``path`` (either suffix, or none)."""
    path = Path(path).with_suffix("")
    meta, weights = path.with_suffix(".json"), path.with_suffix(".safetensors")
    info = _read_json(meta, "checkpoint info")
    if not weights.is_file():
        raise RunFolderError(f"{weights}: missing (the checkpoint's weights); delete "
                             f"{meta.name} or rerun the training")
    if info.get("sha256") != _sha256(weights):
        raise RunFolderError(f"{weights}: truncated or altered (its SHA-256 does not match "
                             f"{meta.name}); delete both files to fall back to an earlier "
                             "checkpoint, or rerun the training")
    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise RunFolderError(f"{weights}: not a readable safetensors file ({exc})") from None
    return tensors, info


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Complete checkpoints (JSON present) in step order, without suffix."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(p.with_suffix("") for p in folder.glob("step_*.json"))


def _read_json(path: Path, what: str) -> dict:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise RunFolderError(f"{path}: missing ({what})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFolderError(f"{path}: unreadable {what} ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"{path}: corrupt {what} (not JSON: {exc.msg} at line "
                             f"{exc.lineno}); rerun the training into a new folder") from None
    if not isinstance(data, dict):
        raise RunFolderError(f"{path}: corrupt {what} (expected a JSON object)")
    return data


def read_config(run_dir: Path) -> dict:
    """``RUN_DIR/config.json``, checked to be a beliefscope run."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise RunFolderError(f"{run_dir}: no such run folder; train one with "
                             f"`beliefscope train PROCESS --out {run_dir}`")
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir}: not a folder (a run folder holds config.json and "
                             "checkpoints/)")
    config = _read_json(run_dir / "config.json", "run config")
    if config.get("format") != FORMAT or not all(k in config for k in
                                                  ("process", "model", "train")):
        raise RunFolderError(f"{run_dir / 'config.json'}: not a beliefscope run config "
                             "(needs format, process, model and train)")
    return config


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_metrics(run_dir: Path, rows: list[dict]) -> None:
    """Rewrite ``metrics.jsonl`` atomically (the whole list, so no half line survives)."""
    text = "".join(json.dumps({k: _finite(v) for k, v in row.items()}) + "\n" for row in rows)
    atomic_write(Path(run_dir) / "metrics.jsonl", lambda p: p.write_text(text))


def read_metrics(run_dir: Path) -> list[dict]:
    """The rows of ``metrics.jsonl`` ([] when absent)."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.exists():
        return []
    rows = []
    for i, line in enumerate(path.read_text().splitlines()):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            raise RunFolderError(f"{path}: line {i + 1} is not JSON; rerun the training "
                                 "into a new folder") from None
    return rows
