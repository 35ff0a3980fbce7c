"""Analysis: fractal dimensions of point clouds, reports, and the command line.

Dimensions say which one they are (D0 box-counting, D1 information, D2 correlation).
"""

from .dimension import (
    BoxCountingDimension,
    CorrelationDimension,
    InformationDimension,
    estimate_dimensions,
)
from .dimension_plot import plot_scaling

__all__ = [
    "BoxCountingDimension", "CorrelationDimension", "InformationDimension",
    "estimate_dimensions", "plot_scaling",
]
