"""Plot the scaling curve behind a fitted dimension estimate.

Uses the object-oriented matplotlib API only (a bare ``Figure`` when no axes are
given), so it is safe under the Agg backend and never touches pyplot's global state.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_scaling"]


def plot_scaling(estimator: object, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw a fitted estimator's scaling curve, its fit range and fitted slope.

    Points inside the chosen scaling range are filled and shaded, points outside are
    hollow; the fitted line is drawn over the range and labelled with the dimension
    and its confidence interval. An unreliable fit (``reliable_`` False) is drawn
    dashed and its reason written in red below the x-axis label, wrapped to the width
    of the axes, where it cannot hide data.

    Parameters
    ----------
    estimator : BoxCountingDimension, InformationDimension or CorrelationDimension
        A fitted estimator (any with ``scales_``, ``values_``, ``fit_range_``,
        ``slope_``, ``intercept_``, ``dimension_``, ``ci_`` and ``symbol()``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new ``Figure`` with one axes is made when omitted.
    title : str, optional
        Axes title; defaults to the estimator's symbol.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` to save it).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator has not been fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "dimension_")
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(5.0, 3.6), layout="constrained").add_subplot()
    scales, values = estimator.scales_, estimator.values_
    low, high = estimator.fit_range_
    inside = (scales >= low) & (scales <= high)
    outside = ~inside & np.isfinite(values)
    ax.axvspan(low, high, color="C0", alpha=0.1, lw=0)
    ax.plot(scales[outside], values[outside], "o", mfc="none", color="0.5", label="not fitted")
    ax.plot(scales[inside], values[inside], "o", color="C0", label="fit range")
    ci_low, ci_high = estimator.ci_
    line = estimator.slope_ * np.log(scales[inside]) + estimator.intercept_
    reliable = bool(getattr(estimator, "reliable_", True))
    ax.plot(
        scales[inside],
        line,
        "-" if reliable else "--",
        color="C3",
        label=f"{estimator.symbol()} = {estimator.dimension_:.3f} [{ci_low:.3f}, {ci_high:.3f}]",
    )
    ax.set_xscale("log")
    ax.set_xlabel("scale (units of the cloud)")
    ax.set_ylabel(estimator.values_label)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title or estimator.symbol())
    if not reliable:
        reason = getattr(estimator, "reason_", None) or "see reason_"
        # Anchored to the x label, so it sits below the axes whatever their size.
        width_in = ax.get_position().width * ax.figure.get_figwidth()
        ax.annotate(textwrap.fill(f"unreliable: {reason}", max(30, int(width_in * 16))),
                    xy=(0.5, 0.0), xycoords=ax.xaxis.label, xytext=(0, -3),
                    textcoords="offset points", ha="center", va="top", fontsize="x-small",
                    color="C3")
    return ax
