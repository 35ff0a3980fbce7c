"""Analysis: fractal dimensions of point clouds, reports, and the command line.

Dimensions say which one they are (D0 box-counting, D1 information, D2 correlation).
Names load on first use, so the command line starts without scikit-learn.
"""

import importlib

_EXPORTS = {
    "BoxCountingDimension": "geometry",
    "CorrelationDimension": "geometry",
    "InformationDimension": "geometry",
    "MLEDimension": "geometry",
    "TwoNN": "geometry",
    "estimate_dimensions": "geometry",
    "plot_scaling": "geometry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
