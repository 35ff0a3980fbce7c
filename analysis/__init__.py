"""Analysis: dimensions of point clouds, reports, file I/O and the command line.

The wings, each importing only those below it (enforced by ``tests/test_layering.py``):

- `analysis.cli`: the argparse front, one module per command group;
- `analysis.reports`: plain functions building each command's JSON-ready result;
- `analysis.probes`: linear probes from activations to beliefs, with controls and figures;
- `analysis.networks`: transformers and RNNs with TransformerLens hooks, training to the
  loss floor in resumable run folders, activations paired with their beliefs;
- `analysis.geometry`: fractal and intrinsic dimension estimators (never imports torch);
- `analysis.io`: point clouds, figures and graphs, written atomically.

Names load on first use (PEP 562), so the command line starts without scikit-learn.
"""

from __future__ import annotations

from processes.lazy import lazy_exports

# Public name -> the module that owns it.
_EXPORTS = {
    "BoxCountingDimension": "geometry",
    "CorrelationDimension": "geometry",
    "InformationDimension": "geometry",
    "LinearProbe": "probes",
    "MLEDimension": "geometry",
    "TwoNN": "geometry",
    "attractor_report": "reports",
    "atomic_write": "io",
    "describe_process": "reports",
    "estimate_dimensions": "geometry",
    "explain_nulls": "reports",
    "load_points": "io",
    "lyapunov_report": "reports",
    "msp_report": "reports",
    "plot_probe": "probes",
    "plot_scaling": "geometry",
    "probe": "probes",
    "resolve_process": "reports",
    "resolve_target": "reports",
    "save_figure": "io",
    "save_graph": "io",
    "save_points": "io",
    "write_json": "io",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
