"""Plain functions that build each command's JSON-ready result.

Every report is a dict of JSON values: units in every field name (``_bits``, ``_nats``),
and every ``null`` beside a ``<key>_reason`` (`explain_nulls`). The command line prints
them; notebooks and pipelines call them directly.
"""

from .describe import describe_process, format_summary, null_reasons
from .dynamics import (
    attractor_report,
    check_attractor_points,
    check_lyapunov_arguments,
    cloud_coordinates,
    lyapunov_report,
)
from .msp import msp_report
from .networks import PROBE_LAYERS, model_config_for, probe_report, train_report
from .nulls import explain_nulls, json_number, unexplained_nulls
from .targets import build_process, resolve_process, resolve_target, target_from_definition

__all__ = [
    "PROBE_LAYERS", "model_config_for", "probe_report", "train_report",
    "attractor_report", "build_process", "check_attractor_points",
    "check_lyapunov_arguments", "cloud_coordinates",
    "describe_process", "explain_nulls", "format_summary", "json_number", "lyapunov_report",
    "msp_report", "null_reasons", "resolve_process", "resolve_target",
    "target_from_definition", "unexplained_nulls",
]
