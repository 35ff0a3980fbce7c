"""Train a network on a process to its exact loss floor, in a resumable run folder.

Data. Every step draws a fresh batch of ``n_ctx``-token sequences from the process (a
stationary window; `docs/conventions.md`) from its own seed ``(seed, step)``, so a resumed
run sees exactly the batches an uninterrupted one would. The loss at input position ``t``
is the cross-entropy against the *exact* next-token distribution ``p(. | x_1..x_t)``
(``soft_targets``, the default) rather than against the one sampled next token: its
expectation, the quantity trained, is the same, but the variance from the next token is
gone, and that variance is what keeps a small model short of the floor on a CPU budget.
(Exact enumeration of all ``k**(n_ctx + 1)`` windows weighted by probability trains the
same expectation; drawing batches from it by probability is this sampler again, and a
full-enumeration batch costs ``k**n_ctx`` forward passes per step.)

BOS. With ``bos`` every window starts with the token ``k = process.n_symbols`` and holds
``n_ctx - 1`` process tokens (the model's ``n_ctx`` and ``d_vocab`` count BOS): position 0
reads the empty prefix and is trained towards ``pi T[x] r``, position ``t`` reads ``t``
tokens (`prefix_dataset` with ``bos=k``). Attention then has a fixed first token to rest
on; what that does to the geometry is measured, not assumed (README: on RRXOR, little).

Measured against the optimum. Validation uses `prefix_dataset`: exact enumeration of
every prefix when feasible (then the loss per position is exact), sampled otherwise (with
a standard error). The floor at input position ``t`` is ``h(t+1)`` in nats, from the same
prefixes: ``sum_w Pr(w) H[p(. | w)]``.

Run folder (`analysis.networks.checkpoints`): ``config.json``, ``metrics.jsonl``,
log-spaced checkpoints, and a resume state written every ``resume_every`` seconds and at
each checkpoint; rerunning the same command after any interruption (SIGKILL included)
continues from the resume state and ends where an uninterrupted run ends.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from analysis.io import write_json
from processes import Process, generate, process_to_dict
from processes.errors import InputError

from .activations import MAX_EXACT, Prefixes, position_losses, prefix_dataset
from .build import build_model
from .checkpoints import (
    FORMAT,
    RunFolderError,
    checkpoint_steps,
    read_checkpoint,
    read_config,
    read_metrics,
    write_checkpoint,
    write_metrics,
)

__all__ = ["TrainConfig", "TrainResult", "check_weight_decay", "evaluate", "resolve_device",
           "train"]


@dataclass(frozen=True)
class TrainConfig:
    """How a network is trained; saved in ``config.json`` beside the model's config."""

    steps: int = 2000  # optimiser steps (Mess3 reaches R² 0.997 in ~1 min of one CPU core)
    batch_size: int = 64  # sequences per step (each trains n_ctx positions)
    optimizer: str = "adamw"  # "adamw", or "sgd" (the belief-geometry paper's recipe)
    lr: float = 3e-3  # peak learning rate
    warmup_steps: int = 100  # linear warm-up from lr / warmup_steps
    schedule: str = "cosine"  # "cosine" decay to final_lr_ratio * lr, or "constant"
    final_lr_ratio: float = 0.02
    weight_decay: float = 0.0  # AdamW's decoupled decay (SGD: an L2 penalty); 0: none
    grad_clip: float = 1.0  # global gradient-norm clip (0: off)
    soft_targets: bool = True  # train on the exact next-token distribution (see above)
    seed: int = 0  # model initialisation and every batch
    eval_sequences: int = 1024  # validation sequences when prefixes cannot be enumerated
    threads: int = 1  # torch CPU threads (small matrix products run fastest on one)
    bos: bool = False  # each window starts with a BOS token (module docstring)

    def __post_init__(self):
        positive = {"steps": self.steps, "batch_size": self.batch_size,
                    "eval_sequences": self.eval_sequences, "threads": self.threads}
        for name, value in positive.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if self.optimizer not in ("adamw", "sgd"):
            raise InputError(f"optimizer must be 'adamw' or 'sgd', got {self.optimizer!r}")
        if self.schedule not in ("cosine", "constant"):
            raise InputError(f"schedule must be 'cosine' or 'constant', got {self.schedule!r}")
        for name in ("lr", "final_lr_ratio", "weight_decay", "grad_clip"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
        if not isinstance(self.bos, bool):
            raise InputError(f"bos must be true or false, got {self.bos!r}")
        if self.lr <= 0:
            raise InputError(f"lr must be > 0, got {self.lr}")
        if self.warmup_steps < 0:
            raise InputError(f"warmup_steps must be >= 0, got {self.warmup_steps}")

    def bos_token(self, process: Process) -> int | None:
        """The BOS token heading every window, the first after the process's symbols
        (``process.n_symbols``); None without BOS."""
        return process.n_symbols if self.bos else None

    def lr_at(self, step: int) -> float:
        """Learning rate of (1-based) ``step``."""
        if step <= self.warmup_steps:
            return self.lr * step / self.warmup_steps
        if self.schedule == "constant":
            return self.lr
        done = (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps)
        floor = self.final_lr_ratio
        return self.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(done, 1.0))))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputError(f"train config: unknown key(s) {sorted(unknown)}")
        return cls(**d)


def check_weight_decay(value: float) -> None:
    """Refuse a ``--weight-decay`` no optimiser can take, naming the flag (``train`` and
    ``reproduce`` both check through it before anything runs)."""
    if not (math.isfinite(value) and value >= 0):
        raise InputError(f"--weight-decay {value}: must be a finite number >= 0 (0: none)")


@dataclass(frozen=True)
class TrainResult:
    """The end of a run.

    Attributes
    ----------
    model : torch.nn.Module
        The trained network, in eval mode.
    metrics : dict
        The final evaluation (`evaluate`'s keys), plus ``tokens_seen``, ``train_seconds``
        (optimisation only, summed over resumed sessions) and ``steps``.
    run_dir : Path
    resumed_from : int
        The step the run resumed from (0 for a fresh run).
    """

    model: torch.nn.Module
    metrics: dict
    run_dir: Path
    resumed_from: int


def resolve_device(device: str | None) -> torch.device:
    """``"cpu"``, ``"cuda"`` (refused with a clear error when CUDA is absent) or ``"auto"``."""
    device = device or "cpu"
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {device}: CUDA is not available on this machine; use "
                         "--device cpu (or auto)")
    try:
        return torch.device(device)
    except RuntimeError:
        raise InputError(f"--device {device}: expected cpu, cuda, cuda:N or auto") from None


def evaluate(model: torch.nn.Module, prefixes: Prefixes, device=None) -> dict:
    """Loss per input position against the floor, in nats.

    Returns ``loss_nats`` and ``floor_nats`` (n_ctx,), ``loss_ratio`` (mean loss over mean
    floor), ``worst_position_ratio`` (the largest per-position ratio), ``excess_nats`` (mean
    loss minus mean floor) and ``exact``. For sampled prefixes also the standard errors
    ``loss_stderr_nats`` (n_ctx,), ``loss_ratio_stderr`` and ``worst_position_ratio_stderr``
    (the delta method on the paired per-prefix losses and floors, whole sequences as the
    independent units, since the positions of one sequence are correlated).
    """
    losses = position_losses(model, prefixes, device=device)
    p, w, pos = prefixes.next_token_probs, prefixes.weights, prefixes.position
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    n = prefixes.n_ctx
    floor = np.bincount(pos, w * h, n) / np.bincount(pos, w, n)
    loss = losses.nats
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(floor > 0, loss / floor, np.where(loss > 1e-9, np.inf, 1.0))
    out = {
        "loss_nats": loss.tolist(),
        "floor_nats": floor.tolist(),
        "loss_ratio": float(loss.mean() / floor.mean()) if floor.mean() > 0 else math.inf,
        "worst_position_ratio": float(ratios.max()),
        "excess_nats": float(loss.mean() - floor.mean()),
        "exact": bool(prefixes.exact),
    }
    if not prefixes.exact:
        out["loss_stderr_nats"] = losses.stderr_nats.tolist()
        ce = losses.row_nats
        worst = int(np.argmax(ratios))
        at = pos == worst
        out["loss_ratio_stderr"] = _ratio_stderr(
            np.bincount(prefixes.group, ce), np.bincount(prefixes.group, h))
        out["worst_position_ratio_stderr"] = _ratio_stderr(ce[at], h[at])
    return out


def _ratio_stderr(a: np.ndarray, b: np.ndarray) -> float:
    """Standard error of ``sum(a) / sum(b)`` over independent pairs ``(a_i, b_i)``."""
    n = len(a)
    if n < 2 or b.sum() <= 0:
        return math.nan
    ratio = a.sum() / b.sum()
    return float(np.sqrt(np.sum((a - ratio * b) ** 2) / (n * (n - 1))) / b.mean())


def _batch(process: Process, config: TrainConfig, n_ctx: int, step: int, device):
    """Step ``step``'s inputs (batch, n_ctx) and targets: next-token distributions
    (batch, n_ctx, k) float32, or tokens (batch, n_ctx) for hard targets. With BOS the
    inputs start with it and the first target is the first token's distribution."""
    rng = np.random.default_rng([config.seed, step])
    b, soft = config.batch_size, config.soft_targets
    # Process tokens per window; hard targets draw one more, the last position's target.
    words = n_ctx - config.bos + (not soft)
    s = generate(process, b, words, seed=rng, return_next_token_probs=soft)
    tokens = s.tokens
    if config.bos:
        tokens = np.concatenate([np.full((b, 1), config.bos_token(process), np.int64), tokens],
                                axis=1)
    if not soft:
        tokens = torch.from_numpy(tokens)
        return tokens[:, :-1].to(device), tokens[:, 1:].to(device)
    probs = s.next_token_probs
    if config.bos:  # position 0 has read the empty prefix
        first = np.broadcast_to(process.pi @ process.Tr, (b, 1, process.n_symbols))
        probs = np.concatenate([first, probs], axis=1)
    targets = torch.from_numpy(probs.astype(np.float32))
    return torch.from_numpy(tokens).to(device), targets.to(device)


def _loss(logits: torch.Tensor, targets: torch.Tensor, k: int) -> torch.Tensor:
    log_q = torch.log_softmax(logits.float(), dim=-1)
    if targets.dtype == torch.long:
        return torch.nn.functional.nll_loss(log_q.reshape(-1, log_q.shape[-1]),
                                            targets.reshape(-1))
    return -(targets * log_q[..., :k]).sum(dim=-1).mean()


def _optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.lr,
                               weight_decay=config.weight_decay)
    return torch.optim.AdamW(model.parameters(), lr=config.lr,
                             weight_decay=config.weight_decay)


def _flat_optimizer_state(opt: torch.optim.Optimizer) -> tuple[dict, dict]:
    """Optimiser state as tensors (for safetensors) and JSON (step counts, hyperparams)."""
    state = opt.state_dict()
    tensors, meta = {}, {"param_groups": state["param_groups"], "state": {}}
    for index, entries in state["state"].items():
        meta["state"][str(index)] = {}
        for key, value in entries.items():
            if isinstance(value, torch.Tensor) and value.ndim > 0:
                tensors[f"optim.{index}.{key}"] = value
            else:
                meta["state"][str(index)][key] = float(value)
    return tensors, meta


def _load_optimizer_state(opt, tensors: dict, meta: dict) -> None:
    state = {}
    for index, scalars in meta["state"].items():
        entries = {k: torch.tensor(v) for k, v in scalars.items()}
        for name, value in tensors.items():
            _, i, key = name.split(".", 2)
            if i == index:
                entries[key] = value
        state[int(index)] = entries
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def _run_config(process: Process, process_ref: dict, model_config: dict,
                config: TrainConfig) -> dict:
    return {"format": FORMAT, "version": 1,
            "process": {**process_ref, "params": dict(process.params),
                        "definition": process_to_dict(process)},
            "model": model_config, "train": config.to_dict()}


def _check_same_run(saved: dict, wanted: dict, run_dir: Path) -> None:
    """A rerun into an existing folder must ask for the same run (``steps`` may grow)."""
    for section in ("process", "model", "train"):
        a, b = dict(saved.get(section, {})), dict(wanted[section])
        if section == "train":  # a key added since the run was made has its default
            a = {**TrainConfig().to_dict(), **a}
            a.pop("steps", None), b.pop("steps", None)
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            raise RunFolderError(
                f"{run_dir} holds a different run ({section}: {', '.join(keys)} differ from "
                f"this command); rerun with the same settings to resume it, or use a new --out")


def train(process: Process, model_config: dict, config: TrainConfig, run_dir: str | Path,
          *, process_ref: dict | None = None, device: str | None = "cpu",
          progress: bool = True, resume_every: float = 30.0) -> TrainResult:
    """Train (or resume) a network on ``process`` in ``run_dir``.

    Parameters
    ----------
    process : Process
    model_config : dict
        `build_model`'s input: ``{"model": "transformer" | "rnn" | "gru" | "lstm", ...}``
        with ``n_ctx`` and ``d_vocab`` (at least ``process.n_symbols``, one more with
        ``config.bos``; `analysis.reports.model_config_for` builds it).
    config : TrainConfig
    run_dir : path
        Created if absent; if it holds this run, training resumes from its last state.
    process_ref : dict, optional
        How to rebuild the process by name (``{"catalogue": "mess3"}``), saved beside its
        full definition; `load_run` checks the two agree.
    device : {'cpu', 'cuda', 'auto'} or torch device string
    progress : bool
        A tqdm bar, shown only on a terminal.
    resume_every : float
        Seconds between resume states (besides those at every checkpoint).

    Returns
    -------
    TrainResult

    Raises
    ------
    RunFolderError
        If ``run_dir`` holds another run, or a checkpoint ahead of ``config.steps``.
    """
    run_dir = Path(run_dir)
    device = resolve_device(device)
    n_ctx = int(model_config.get("n_ctx", 0))
    k = process.n_symbols
    bos = config.bos_token(process)
    if int(model_config.get("d_vocab", 0)) < k + config.bos:
        raise InputError(f"the model's d_vocab {model_config.get('d_vocab')} is smaller than "
                         f"{process.name}'s {k} symbols" + (" and BOS" if config.bos else ""))
    if n_ctx < 1 + config.bos:
        raise InputError(f"the model's n_ctx {n_ctx} leaves no process token"
                         + (" after BOS" if config.bos else ""))
    wanted = _run_config(process, process_ref or {}, model_config, config)
    if (run_dir / "config.json").exists():
        _check_same_run(read_config(run_dir), wanted, run_dir)
    elif run_dir.exists() and not run_dir.is_dir():
        raise RunFolderError(f"--out {run_dir}: exists and is not a folder")
    torch.set_num_threads(config.threads)
    model = build_model(model_config, seed=config.seed).to(device)
    opt = _optimizer(model, config)
    step, tokens_seen, seconds, rows = 0, 0, 0.0, []
    if (run_dir / "resume.json").exists():
        tensors, info = read_checkpoint(run_dir / "resume")
        if info["step"] > config.steps:
            raise RunFolderError(
                f"--steps {config.steps} is smaller than the step {info['step']} this run "
                f"has reached in {run_dir}; give --steps >= {info['step']}")
        model.load_state_dict({k[len("model."):]: v for k, v in tensors.items()
                               if k.startswith("model.")})
        _load_optimizer_state(opt, {k: v.to(device) for k, v in tensors.items()
                                    if k.startswith("optim.")}, info["optimizer"])
        step, tokens_seen, seconds = info["step"], info["tokens_seen"], info["train_seconds"]
        rows = [r for r in read_metrics(run_dir) if r["step"] <= step]
    write_json(run_dir / "config.json", wanted)  # records a grown --steps
    resumed_from = step
    schedule = set(checkpoint_steps(config.steps))
    # Checkpoints are evaluated on a fixed sample (cheap, and soft targets keep its error
    # small); the end of the run exactly, over every prefix, when that is feasible.
    validation = prefix_dataset(process, n_ctx, max_exact=1, bos=bos,
                                n_sequences=config.eval_sequences,
                                seed=np.random.default_rng([config.seed, 2**32]))

    def save_state():
        tensors, meta = _flat_optimizer_state(opt)
        tensors.update({f"model.{k}": v for k, v in model.state_dict().items()})
        write_checkpoint(run_dir / "resume", tensors, {
            "step": step, "tokens_seen": tokens_seen, "train_seconds": seconds,
            "optimizer": meta})

    bar = tqdm(total=config.steps, initial=step, disable=not (progress and sys.stderr.isatty()),
               desc=f"train {process.name}", leave=False)
    last_save = time.monotonic()
    model.train()
    while step < config.steps:
        step += 1
        start = time.perf_counter()
        inputs, targets = _batch(process, config, n_ctx, step, device)
        for group in opt.param_groups:
            group["lr"] = config.lr_at(step)
        loss = _loss(model(inputs), targets, k)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        opt.step()
        seconds += time.perf_counter() - start
        tokens_seen += inputs.numel()
        bar.update(1)
        if not math.isfinite(loss.item()):
            raise InputError(f"the training loss became {loss.item()} at step {step}; lower "
                             f"--lr (now {config.lr:g})")
        if step in schedule:
            model.eval()
            metrics = {"step": step, "tokens_seen": tokens_seen, "train_seconds": seconds,
                       "train_loss_nats": float(loss.item()), "lr": config.lr_at(step),
                       **evaluate(model, validation, device)}
            model.train()
            rows.append(metrics)
            write_checkpoint(run_dir / "checkpoints" / f"step_{step:07d}",
                             dict(model.state_dict()),
                             {"step": step, "tokens_seen": tokens_seen, "metrics": metrics})
            write_metrics(run_dir, rows)
            bar.set_postfix(loss_ratio=f"{metrics['loss_ratio']:.4f}")
        if step in schedule or time.monotonic() - last_save > resume_every:
            save_state()
            last_save = time.monotonic()
    bar.close()
    model.eval()
    exact = prefix_dataset(process, n_ctx, max_exact=MAX_EXACT, bos=bos,
                           n_sequences=16 * config.eval_sequences,
                           seed=np.random.default_rng([config.seed, 2**32 + 1]))
    metrics = {"step": step, **evaluate(model, exact, device), "tokens_seen": tokens_seen,
               "train_seconds": seconds, "steps": step}
    write_json(run_dir / "final.json", metrics)
    return TrainResult(model=model, metrics=metrics, run_dir=run_dir,
                       resumed_from=resumed_from)
