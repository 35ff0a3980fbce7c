"""``beliefscope msp``: the mixed-state presentation of a process, summarised."""

from __future__ import annotations

import networkx as nx

from dynamics.entropy import entropy_rate
from processes import (
    Process,
    epsilon_machine,
    mixed_state_presentation,
    msp_summary,
    msp_to_process,
)

from .describe import null_reasons
from .nulls import explain_nulls

__all__ = ["msp_report"]


def msp_report(process: Process, max_depth: int | None = None,
               max_states: int = 10_000) -> tuple[nx.DiGraph, dict]:
    """Build the MSP and the JSON summary: sizes, ``C_mu`` and ``h_mu`` in bits.

    For a finite MSP both come exactly from its recurrent part (minimised); otherwise
    ``statistical_complexity_bits`` is None and the entropy rate is exact for a unifilar
    presentation, else the Blackwell estimate with its standard error.
    """
    graph = mixed_state_presentation(process, max_depth=max_depth, max_states=max_states)
    info = {"process": process.name, "params": dict(process.params), **msp_summary(graph)}
    if graph.graph["finite"]:
        machine = msp_to_process(graph)
        info["statistical_complexity_bits"] = epsilon_machine(machine).statistical_complexity_bits
        rate = entropy_rate(machine)
    else:
        info["statistical_complexity_bits"] = None
        # A depth limit can cut a finite MSP short; the policy still finds an exact rate
        # for a unifilar presentation.
        rate = entropy_rate(process, seed=0)
    info["entropy_rate_bits"] = rate.bits
    info["entropy_rate_stderr_bits"] = rate.stderr_bits
    info["entropy_rate_method"] = rate.method
    info["entropy_rate_upper_bound_bits"] = rate.upper_bound_bits
    return graph, explain_nulls(info, null_reasons(max_states, max_depth))
