"""Reports of the network commands: ``train`` (a run folder) and ``probe`` (its beliefs)."""

from __future__ import annotations

from pathlib import Path

from processes import Process
from processes.errors import InputError

from .nulls import explain_nulls

__all__ = ["PROBE_LAYERS", "model_config_for", "probe_report", "train_report"]

# A ratio to a floor of 0 (a process whose next token is certain at some position).
_RATIO_REASON = ("the floor is 0 at some position (a deterministic next token), so the ratio "
                 "is undefined; see excess_nats")
_RATIOS = {"loss_ratio": _RATIO_REASON, "worst_position_ratio": _RATIO_REASON}

PROBE_LAYERS = ("all", "concat")
"""Special ``--layers`` values: every residual hook (``concat`` is always reported too)."""


def model_config_for(kind: str, process: Process, *, n_layers: int | None = None,
                     d_model: int = 64, n_heads: int = 4, n_ctx: int = 10,
                     bos: bool = False) -> dict:
    """The model config dict of ``beliefscope train``'s flags.

    A transformer gets ``d_head = d_model / n_heads`` and ``d_mlp = 4 d_model``; a
    recurrent network ``d_hidden = d_model``. ``n_layers`` defaults to 4 for a transformer
    and 1 for a recurrent network. ``n_ctx`` counts process tokens per window; with
    ``bos`` the model reads one more (the BOS token, after the process's symbols in the
    vocabulary).
    """
    for flag, value in (("--d-model", d_model), ("--n-heads", n_heads), ("--n-ctx", n_ctx)):
        if value < 1:
            raise InputError(f"{flag} {value}: must be >= 1")
    if n_layers is not None and n_layers < 1:
        raise InputError(f"--n-layers {n_layers}: must be >= 1")
    common = {"n_ctx": n_ctx + bos, "d_vocab": process.n_symbols + bos}
    if kind == "transformer":
        if d_model % n_heads:
            raise InputError(f"--d-model {d_model} is not divisible by --n-heads {n_heads}; "
                             "each head gets d_model / n_heads dimensions")
        return {"model": "transformer", "n_layers": n_layers or 4, "d_model": d_model,
                "n_heads": n_heads, "d_head": d_model // n_heads, "d_mlp": 4 * d_model,
                **common}
    if kind in ("rnn", "gru", "lstm"):
        return {"model": kind, "n_layers": n_layers or 1, "d_hidden": d_model, **common}
    raise InputError(f"--model {kind}: expected transformer, rnn, gru or lstm")


def train_report(result) -> dict:
    """The JSON summary of a finished `analysis.networks.train` run."""
    m = result.metrics
    info = {
        "run_dir": str(result.run_dir),
        "steps": m["steps"],
        "resumed_from_step": result.resumed_from,
        "tokens_seen": m["tokens_seen"],
        "train_seconds": m["train_seconds"],
        "loss_ratio": m["loss_ratio"],
        "worst_position_ratio": m["worst_position_ratio"],
        "excess_nats": m["excess_nats"],
        "exact_evaluation": m["exact"],
        "loss_nats": m["loss_nats"],
        "floor_nats": m["floor_nats"],
    }
    for key in ("loss_stderr_nats", "loss_ratio_stderr", "worst_position_ratio_stderr"):
        if key in m:  # sampled evaluation: the estimates' standard errors
            info[key] = m[key]
    return explain_nulls(info, _RATIOS)


def _layers(run, requested: list[str] | None) -> list[str]:
    """Hook names to probe: every residual hook for ``all``/``concat``/nothing, else the
    names given (any hook of the model)."""
    residual = list(getattr(run.model, "residual_hooks", []))
    if not requested or set(requested) <= set(PROBE_LAYERS):
        return residual
    available = list(getattr(run.model, "hook_names", residual))
    names = []
    for name in requested:
        if name in PROBE_LAYERS:
            names.extend(h for h in residual if h not in names)
        elif name not in available:
            raise InputError(f"--layers {name}: no such hook in this model; available: "
                             f"{', '.join(available)} (or all, concat)")
        elif name not in names:
            names.append(name)
    return names


def probe_report(run_dir: str | Path, layers: list[str] | None = None, seed: int = 0,
                 device: str | None = "cpu"):
    """Probe a run's activations for beliefs and next-token distributions.

    Returns ``(info, report, prefixes)``: the JSON-ready dict (`ProbeReport.to_dict` keys
    for both targets, plus the run's ``loss_ratio``, ``worst_position_ratio``,
    ``tokens_seen`` and ``train_seconds``), the belief `ProbeReport` and the probed
    `Prefixes` (for the figure's weights).
    """
    from analysis.networks import collect_activations, load_run, prefix_dataset
    from analysis.networks.train import evaluate, resolve_device
    from analysis.probes import probe

    device = str(resolve_device(device))  # "auto" is no torch device
    run = load_run(run_dir, device=device)
    names = _layers(run, layers)
    prefixes = prefix_dataset(run.process, run.n_ctx, bos=run.bos,
                              seed=int(run.config["train"].get("seed", 0)) + seed + 1)
    activations = collect_activations(run.model, prefixes, hooks=names, device=device)
    belief = probe(activations, "belief", seed=seed)
    next_token = probe(activations, "next_token", seed=seed)
    evaluation = evaluate(run.model, prefixes, device)
    last = run.metrics[-1] if run.metrics else {}
    info = {
        "process": run.process.name,
        "model": run.config["model"]["model"],
        "step": run.step,
        "finished": run.finished,
        "n_prefixes": len(prefixes.weights),
        "exact_prefixes": prefixes.exact,
        "bos": run.bos is not None,
        **belief.to_dict(),
        "next_token_probe_r2": next_token.to_dict()["next_token_probe_r2"],
        "next_token_best_layer": next_token.best_layer,
        "loss_ratio": evaluation["loss_ratio"],
        "worst_position_ratio": evaluation["worst_position_ratio"],
        "tokens_seen": last.get("tokens_seen"),
        "train_seconds": last.get("train_seconds"),
    }
    reasons = {**_RATIOS, "tokens_seen": "the run folder has no metrics yet",
               "train_seconds": "the run folder has no metrics yet",
               "next_token_probe_r2": "the next-token distribution does not vary across "
                                      "prefixes, so R² is undefined"}
    return explain_nulls(info, reasons), belief, prefixes
