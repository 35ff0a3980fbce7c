"""Pipelines: whole reproductions built from the other wings.

- `reproduce`: describe a process, sample its attractor, train a network to the loss
  floor, probe it and compare its geometry, graph and dynamics with the beliefs, into one
  run folder with ``metrics.json``, figures and ``report.md``.
- `run_sweep`: one command over a grid or a list of parameters and options, locally or
  on a Dask cluster, into ``results.csv`` and a heat map (spec: `load_sweep_spec`).

Names load on first use (PEP 562).
"""

from __future__ import annotations

from processes.lazy import lazy_exports

# Public name -> the module that owns it.
_EXPORTS = {
    "REQUIRED_METRICS": "reproduction",
    "Settings": "reproduction",
    "SweepResult": "sweep",
    "SweepSpec": "sweep_spec",
    "load_sweep_spec": "sweep_spec",
    "run_sweep": "sweep",
    "render_report": "report",
    "reproduce": "reproduction",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
