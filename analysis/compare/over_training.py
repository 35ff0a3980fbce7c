"""Architectures and training: when belief geometry appears, and how alike two networks hold it.

- `emergence`: along a run's log-spaced checkpoints, the tokens seen, the loss ratio to
  the floor, how much of the belief a linear probe reads from the residual stream (R² on
  held-out sequences) and how many directions the final residual hook spreads over (the
  participation ratio of its PCA spectrum). `plot_emergence` draws the three against
  tokens seen.
- `architecture_cka`: linear CKA between two networks' activations on the same prefixes,
  for every pair of hooks and for each network's hooks side by side; two networks that
  hold the same belief geometry score high whatever their architectures.

The default probe is the convention's (``docs/conventions.md``): weighted ridge on
standardised features (``alpha = 1e-3``), prefixes weighted by ``Pr(w)``, whole sequences
held out, R² pooled over the belief's coordinates. It is a few lines of numpy here rather
than `analysis.probes.LinearProbe`, which this wing may not import; `emergence` takes any
other probe as ``probe_fn``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from analysis.io import save_figure
from analysis.networks import collect_activations, load_run, prefix_dataset
from analysis.networks.activations import Activations, Prefixes
from analysis.networks.run import Run
from processes.errors import InputError

from .similarity import linear_cka

__all__ = ["architecture_cka", "emergence", "participation_ratio", "plot_emergence",
           "ridge_probe_r2"]

# Ridge strength on standardised features, as `analysis.probes` (docs/conventions.md).
_ALPHA = 1e-3


def _weighted_moments(X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean (d,) and centred rows (m, d) of ``X``, in float64."""
    X = np.asarray(X, dtype=np.float64)
    mean = w @ X / w.sum()
    return mean, X - mean


def ridge_probe_r2(activations: Activations, hooks: Sequence[str] | None = None, *,
                   test_fraction: float = 0.2,
                   seed: int | np.random.Generator | None = 0) -> float:
    """Held-out R² of a weighted ridge probe from activations to beliefs.

    Features (the ``hooks`` side by side, all by default) are standardised by their
    weighted standard deviation on the training rows; ridge ``alpha = 1e-3`` on that
    scale, with an intercept; the target is the belief row (``eta r = 1``). Each output
    column is solved on its own, so a fixed affine change of the target (to the belief
    chart) changes neither predictions' errors nor R². A random ``test_fraction`` of
    the sequences (`Prefixes.group`) is held out whole.

    Parameters
    ----------
    activations : Activations
    hooks : sequence of str, optional
    test_fraction : float, default=0.2
        In (0, 1).
    seed : int, numpy.random.Generator or None, default=0
        Which sequences are held out.

    Returns
    -------
    float
        ``1 - sum_i w_i |y_i - yhat_i|^2 / sum_i w_i |y_i - ybar_w|^2`` over held-out rows;
        NaN when the held-out beliefs do not vary.
    """
    if not 0 < test_fraction < 1:
        raise InputError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    prefixes = activations.prefixes
    groups = np.unique(prefixes.group)
    if len(groups) < 2:
        raise InputError("the prefixes come from one sequence; a held-out split needs two")
    rng = np.random.default_rng(seed)
    n_test = min(max(1, round(test_fraction * len(groups))), len(groups) - 1)
    test = np.isin(prefixes.group, rng.permutation(groups)[:n_test])
    w = prefixes.weights
    X = activations.concat(hooks)
    y = prefixes.beliefs
    mean, Xc = _weighted_moments(X[~test], w[~test])
    scale = np.sqrt(w[~test] @ Xc ** 2 / w[~test].sum())
    scale = np.where(scale > 0, scale, 1.0)  # a constant feature: its coefficient stays 0
    Xs = Xc / scale
    y_mean, yc = _weighted_moments(y[~test], w[~test])
    gram = (Xs * w[~test, None]).T @ Xs / w[~test].sum()
    cross = (Xs * w[~test, None]).T @ yc / w[~test].sum()
    coef = np.linalg.solve(gram + _ALPHA * np.eye(len(gram)), cross)
    pred = ((np.asarray(X[test], np.float64) - mean) / scale) @ coef + y_mean
    wt, yt = w[test], y[test]
    residual = wt @ ((yt - pred) ** 2).sum(axis=1)
    total = wt @ ((yt - wt @ yt / wt.sum()) ** 2).sum(axis=1)
    return float(1.0 - residual / total) if total > 0 else math.nan


def participation_ratio(X, weights=None) -> float:
    """Participation ratio ``(sum_i lambda_i)^2 / sum_i lambda_i^2`` of the weighted PCA
    spectrum of ``X`` (m, d): the number of directions the cloud spreads over, between 1
    (a line) and d (isotropic). A cheap linear dimension, not a fractal one: a curved
    one-dimensional cloud can have a large one."""
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    _, Xc = _weighted_moments(X, w)
    eigenvalues = np.linalg.eigvalsh((Xc * w[:, None]).T @ Xc / w.sum())
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    total = eigenvalues.sum()
    return float(total ** 2 / (eigenvalues ** 2).sum()) if total > 0 else math.nan


def _chosen_steps(available: list[int], steps, max_checkpoints: int) -> list[int]:
    """``steps`` checked against ``available``; by default at most ``max_checkpoints`` of
    them, evenly spaced along the (log-spaced) list, the first and the last kept."""
    if steps is not None:
        missing = sorted(set(steps) - set(available))
        if missing:
            raise InputError(f"no checkpoints at steps {missing}; available: {available}")
        return sorted(set(int(s) for s in steps))
    if len(available) <= max_checkpoints:
        return list(available)
    picks = np.unique(np.round(np.linspace(0, len(available) - 1, max_checkpoints)).astype(int))
    return [available[i] for i in picks]


def emergence(run: str | Path | Run, *, steps: Sequence[int] | None = None,
              probe_fn: Callable[[Activations], float] | None = None,
              max_checkpoints: int = 12, max_exact: int = 4096,
              n_sequences: int = 1024, seed: int | np.random.Generator | None = 0) -> dict:
    """Loss, probe R² and activation dimension along a run's checkpoints.

    Every checkpoint is probed on one fixed set of prefixes (`prefix_dataset` with the
    run's context: exact when at most ``max_exact`` sequences enumerate them, else
    ``n_sequences`` sampled sequences), so the checkpoints differ only by the network's
    parameters. Sampled prefixes repeat short prefixes across sequences, so a held-out
    row may also be a training row: R² then reads a little higher than on exact prefixes
    (0.973 against 0.950 for an untrained GRU on Mess3 at a context of 10).

    Parameters
    ----------
    run : path or Run
        A run folder (`analysis.networks.load_run`) or a loaded run.
    steps : sequence of int, optional
        Checkpoint steps to use; default: the run's log-spaced checkpoints, thinned to
        ``max_checkpoints`` evenly in log step.
    probe_fn : callable, optional
        ``probe_fn(activations) -> R²`` for the residual hooks of one checkpoint; default
        `ridge_probe_r2` on all of them side by side. The probes wing's own, for
        instance: ``lambda a: analysis.probes.probe(a).concat.r2``.
    max_checkpoints : int, default=12
    max_exact : int, default=4096
        Most sequences enumerated exactly (`prefix_dataset`); kept small because every
        checkpoint runs over all of them.
    n_sequences : int, default=1024
        Sequences drawn otherwise.
    seed : int, numpy.random.Generator or None, default=0
        The sampled prefixes and the held-out split of the default probe (the same split
        at every checkpoint).

    Returns
    -------
    dict
        Lists with one entry per checkpoint, in step order: ``step``, ``tokens_seen``,
        ``loss_ratio`` (mean loss over mean floor, from ``metrics.jsonl``), ``probe_r2``
        and ``participation_ratio`` (of the final residual hook, the prefixes weighted by
        ``Pr(w)``); ``final_hook``, the hook measured. A None in a list has a
        ``<key>_reason``.
    """
    if isinstance(max_checkpoints, bool) or not isinstance(max_checkpoints, int) \
            or max_checkpoints < 2:
        raise InputError(f"max_checkpoints must be an integer >= 2, got {max_checkpoints!r}")
    run = run if isinstance(run, Run) else load_run(run)
    rng = np.random.default_rng(seed)
    prefixes = prefix_dataset(run.process, run.n_ctx, bos=run.bos, max_exact=max_exact,
                              n_sequences=n_sequences, seed=rng)
    split_seed = int(rng.integers(2**32))
    if probe_fn is None:
        def probe_fn(activations: Activations) -> float:
            return ridge_probe_r2(activations, seed=split_seed)

    rows = {int(row["step"]): row for row in run.metrics if "step" in row}
    out: dict = {"step": [], "tokens_seen": [], "loss_ratio": [], "probe_r2": [],
                 "participation_ratio": []}
    final_hook = None
    for step in _chosen_steps(run.checkpoints, steps, max_checkpoints):
        model = run.model if step == run.step else load_run(run.path, step=step).model
        activations = collect_activations(model, prefixes)
        final_hook = activations.hooks[-1]
        row = rows.get(step, {})
        out["step"].append(step)
        out["tokens_seen"].append(row.get("tokens_seen"))
        ratio = row.get("loss_ratio")
        out["loss_ratio"].append(float(ratio) if ratio is not None else None)
        out["probe_r2"].append(_finite(probe_fn(activations)))
        out["participation_ratio"].append(_finite(participation_ratio(
            activations.layer(final_hook), prefixes.weights)))
    out["final_hook"] = final_hook
    reasons = {"tokens_seen": "metrics.jsonl has no row for this checkpoint",
               "loss_ratio": "metrics.jsonl has no finite loss ratio for this checkpoint "
                             "(a floor of 0, or no row)",
               "probe_r2": "the held-out beliefs do not vary, so R² is undefined",
               "participation_ratio": "the activations do not vary across prefixes"}
    for key, reason in reasons.items():
        if None in out[key]:
            out[f"{key}_reason"] = reason
    return out


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def plot_emergence(result: dict, path: str | Path | None = None):
    """Probe R², excess loss ratio and participation ratio against tokens seen (log x).

    The first two panels show ``1 - R²`` and ``loss_ratio - 1`` on log axes: near a
    perfect probe and near the floor the quantities themselves flatten onto 1 and hide
    the last decades of progress (a random recurrent network's hidden state already
    gives R² ~ 0.95 on Mess3).

    Parameters
    ----------
    result : dict
        `emergence`'s output.
    path : str or Path, optional
        Save the figure there (`analysis.io.save_figure`, which closes it).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    x = np.array([np.nan if t is None else t for t in result["tokens_seen"]], dtype=float)

    def series(key: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in result[key]], dtype=float)

    fig = Figure(figsize=(10.5, 3.4), layout="constrained")
    axes = fig.subplots(1, 3, sharex=True)
    panels = [(1.0 - series("probe_r2"), "tab:blue", "1 − belief probe R² (held out)"),
              (series("loss_ratio") - 1.0, "tab:red", "loss ratio − 1 (above the floor)")]
    for ax, (values, color, label) in zip(axes, panels, strict=False):
        shown = values > 0  # a log axis: exact fits (0) and NaNs are left out
        ax.plot(x[shown], values[shown], "o-", color=color)
        ax.set_yscale("log")
        ax.set_ylabel(label)
    axes[2].plot(x, series("participation_ratio"), "o-", color="tab:green")
    axes[2].set_ylabel(f"participation ratio\n({result.get('final_hook')})")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("tokens seen")
        ax.grid(True, which="major", alpha=0.3)
    fig.suptitle("Belief geometry during training: lower is better in the first two panels")
    if path is not None:
        save_figure(fig, path)
    return fig


def architecture_cka(model_a, model_b, prefixes: Prefixes,
                     hooks_a: Sequence[str] | None = None,
                     hooks_b: Sequence[str] | None = None) -> dict:
    """Linear CKA between two networks' activations on the same prefixes.

    Weighted linear CKA (`analysis.compare.linear_cka`) for every pair of hooks, and for
    each network's hooks side by side. CKA is in [0, 1]: 1 for representations equal up
    to rotation, isotropic scale and translation, whatever produced them.

    Parameters
    ----------
    model_a, model_b : torch.nn.Module
        Any two networks with ``run_with_cache`` that read the prefixes' tokens (a
        transformer and an RNN, two seeds, two widths).
    prefixes : Prefixes
        The rows compared, weighted by their ``weights`` (``Pr(w)`` when exact).
    hooks_a, hooks_b : sequence of str, optional
        Hooks of each model; default their residual hooks (`collect_activations`).

    Returns
    -------
    dict
        ``hooks_a``, ``hooks_b``; ``cka``, a (len(hooks_a), len(hooks_b)) nested list,
        entry ``[i][j]`` between ``hooks_a[i]`` and ``hooks_b[j]``; ``best_hook_a``,
        ``best_hook_b`` and ``best_cka``, the most similar pair; ``concat_cka``, between
        each model's hooks side by side. A None has a ``<key>_reason``.
    """
    a = collect_activations(model_a, prefixes, hooks_a)
    b = collect_activations(model_b, prefixes, hooks_b)
    w = prefixes.weights
    matrix = np.array([[linear_cka(a.layer(ha), b.layer(hb), w) for hb in b.hooks]
                       for ha in a.hooks])
    out: dict = {"hooks_a": list(a.hooks), "hooks_b": list(b.hooks),
                 "cka": [[_finite(v) for v in row] for row in matrix]}
    if np.isfinite(matrix).any():
        i, j = np.unravel_index(np.argmax(np.where(np.isfinite(matrix), matrix, -1.0)),
                                matrix.shape)
        out.update(best_hook_a=a.hooks[i], best_hook_b=b.hooks[j], best_cka=float(matrix[i, j]))
    else:
        out.update(best_hook_a=None, best_hook_b=None, best_cka=None)
    out["concat_cka"] = _finite(linear_cka(a.concat(), b.concat(), w))
    reason = "an activation is constant across the prefixes, so CKA is undefined"
    for key in ("best_hook_a", "best_hook_b", "best_cka", "concat_cka"):
        if out[key] is None:
            out[f"{key}_reason"] = reason
    if any(None in row for row in out["cka"]):
        out["cka_reason"] = reason
    return out
