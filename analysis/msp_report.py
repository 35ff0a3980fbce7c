"""``beliefscope msp``: the mixed-state presentation of a process, summarised and saved."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from dynamics.entropy import entropy_rate
from processes import (
    Process,
    epsilon_machine,
    mixed_state_presentation,
    msp_summary,
    msp_to_process,
)

from ._io import atomic_write
from ._nulls import explain_nulls
from .describe import null_reasons

__all__ = ["msp_report", "save_graph"]


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


def save_graph(graph: nx.DiGraph, path: str | Path) -> Path:
    """Write the MSP as GraphML (tuples become JSON strings) or node-link JSON."""
    path = Path(path)
    if path.suffix == ".json":
        data = nx.node_link_data(graph, edges="edges")
        return atomic_write(path, lambda p: p.write_text(json.dumps(data, default=str)))
    if path.suffix != ".graphml":
        raise ValueError(f"--out {path}: use a .graphml or .json file name")
    flat = nx.DiGraph(**{k: v for k, v in graph.graph.items()})
    for v, d in graph.nodes(data=True):
        flat.add_node(v, **{k: json.dumps([str(x) for x in val]) if isinstance(val, tuple)
                            else val for k, val in d.items()})
    for a, b, d in graph.edges(data=True):
        flat.add_edge(a, b, **{k: json.dumps(list(val)) if isinstance(val, tuple) else val
                               for k, val in d.items()})
    return atomic_write(path, lambda p: nx.write_graphml(flat, p))
