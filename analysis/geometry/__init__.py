"""Fractal and intrinsic dimensions of point clouds: attractor samples or activations.

Scaling estimators (box-counting D0, information D1, correlation D2) fit a slope over an
automatically chosen range of scales, with an interval and an honest ``reliable_`` flag;
nearest-neighbour estimators (TwoNN, Levina-Bickel MLE) work on the high-dimensional
clouds where scaling ranges run out. Every estimator is scikit-learn style
(``fit(X) -> self``, fitted attributes end in ``_``, randomness from ``random_state``).
This wing never imports torch.
"""

from .dimension import (
    MAX_POINTS,
    BoxCountingDimension,
    CorrelationDimension,
    InformationDimension,
    estimate_dimensions,
    fit_dimension_estimators,
    subsample,
    summarize_dimensions,
)
from .intrinsic import MLEDimension, TwoNN, neighbour_distances
from .plots import plot_scaling

__all__ = [
    "BoxCountingDimension", "CorrelationDimension", "InformationDimension", "MAX_POINTS",
    "MLEDimension", "TwoNN", "estimate_dimensions", "fit_dimension_estimators",
    "neighbour_distances", "plot_scaling", "subsample", "summarize_dimensions",
]
