"""The figures of a reproduction, each drawn on a fresh ``Figure`` (no pyplot state)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["attractor_figure", "loss_figure", "scaling_figure"]


def attractor_figure(beliefs: np.ndarray, title: str) -> Figure:
    """The chaos-game beliefs (m, n) in the simplex, coloured by belief."""
    from dynamics.plots import plot_simplex

    fig = Figure(figsize=(5.2, 4.8), layout="constrained")
    plot_simplex(beliefs, ax=fig.subplots(), s=0.3, title=title)
    return fig


def loss_figure(loss_nats, floor_nats, title: str) -> Figure:
    """Validation loss per context position against the floor ``h(t+1)`` (nats), and
    their ratio."""
    loss, floor = np.asarray(loss_nats, float), np.asarray(floor_nats, float)
    positions = np.arange(1, len(loss) + 1)
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(positions, floor, "k--", marker="o", ms=3, label="floor h(t+1)")
    left.plot(positions, loss, color="C0", marker="o", ms=3, label="network")
    left.set(xlabel="context position t", ylabel="cross-entropy (nats)", title=title)
    left.legend()
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(floor > 0, loss / floor - 1.0, np.nan)
    right.bar(positions, excess, color="C0")
    right.axhline(0.0, color="k", lw=0.8)
    right.set(xlabel="context position t", ylabel="loss / floor - 1",
              title="excess over the floor, per position")
    right.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    return fig


def scaling_figure(estimators: dict[str, object], title: str, *, cols: int = 2,
                   xlim: tuple[float, float] | None = None) -> Figure:
    """Scaling curves of fitted dimension estimators, one panel each (name -> estimator),
    ``cols`` panels to a row; ``xlim`` (scales) is shared by every panel when given, so
    that no panel spends its width on the flat end below a cloud's distinct points."""
    from analysis.geometry import plot_scaling

    n = max(1, len(estimators))
    cols = min(n, cols)
    rows = -(-n // cols)
    fig = Figure(figsize=(5.2 * cols, 4.4 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, (name, estimator) in zip(axes, estimators.items(), strict=False):
        plot_scaling(estimator, ax=ax, title=name)
        if xlim is not None:
            ax.set_xlim(*xlim)
    for ax in axes[len(estimators):]:
        ax.set_axis_off()
    fig.suptitle(title)
    return fig
