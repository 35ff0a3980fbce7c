"""Every null in the JSON output carries a reason.

JSON has no NaN or infinity. The commands write a value that does not exist as ``null``
with a sibling ``<key>_reason`` (a short sentence), and an exponent that is exactly
``-inf`` as the string ``"-inf"`` (README, "JSON output"). `explain_nulls` applies the
rule to a report; `unexplained_nulls` finds violations (the tests walk every command's
output with it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from analysis.io import NEG_INF, json_number

__all__ = ["NEG_INF", "explain_nulls", "json_number", "unexplained_nulls"]



def explain_nulls(info: dict, reasons: Mapping[str, str]) -> dict:
    """Turn non-finite top-level floats of ``info`` (and in its lists: NaN and +inf to
    None, -inf to "-inf") into JSON values and give every None (top level, or inside a
    list) a ``<key>_reason`` from ``reasons`` (in place; returned).

    A key missing from ``reasons`` takes the reason of a shorter key it extends
    (``box_dimension_ci`` that of ``box_dimension``), else a generic one. A ``_reason``
    whose value is None (nothing to explain) is dropped.
    """
    for key in [k for k in info if k.endswith("_reason") and info[k] is None]:
        del info[key]
    for key in list(info):
        if key.endswith("_reason"):
            continue
        value = info[key]
        if isinstance(value, float) and not math.isfinite(value):
            info[key] = value = None
        elif isinstance(value, list) and any(
                isinstance(v, float) and not math.isfinite(v) for v in value):
            info[key] = value = [json_number(v) if isinstance(v, float) else v
                                 for v in value]
        holds_null = value is None or (isinstance(value, list) and None in value)
        if holds_null and f"{key}_reason" not in info:
            info[f"{key}_reason"] = reasons.get(key) or _inherited_reason(info, key)
    return info


def _inherited_reason(info: dict, key: str) -> str:
    parts = key.split("_")
    for end in range(len(parts) - 1, 0, -1):
        reason = info.get("_".join(parts[:end]) + "_reason")
        if isinstance(reason, str):
            return reason
    return "this quantity could not be computed for this input"


def unexplained_nulls(data, path: str = "") -> list[str]:
    """Paths in ``data`` (nested dicts and lists) of a None without a ``_reason`` sibling
    at its key, or of a NaN anywhere; empty when the output follows the rule."""
    found = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            has_reason = f"{key}_reason" in data
            if value is None or (isinstance(value, list) and None in value):
                if not has_reason:
                    found.append(where)
            if isinstance(value, Mapping):
                found += unexplained_nulls(value, where)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, Mapping | list):
                        found += unexplained_nulls(item, f"{where}[{i}]")
                    elif isinstance(item, float) and math.isnan(item):
                        found.append(f"{where}[{i}]")
            elif isinstance(value, float) and math.isnan(value):
                found.append(where)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found += unexplained_nulls(item, f"{path}[{i}]")
    return found
