"""Commands about processes: ``list``, ``describe`` and ``msp``."""

from __future__ import annotations

import argparse
import json

from processes.errors import InputError

from .common import (
    FIGURE_SUFFIXES,
    add_json_argument,
    add_process_arguments,
    at_least,
    check_output,
    print_report,
    process_from_args,
    save_plot,
)

__all__ = ["MAX_DESCRIBE_DEPTH", "MAX_MSP_STATES", "register"]

# describe's myopic entropies h(1..L): beyond this the belief tree (k**L words before
# merging) cannot be afforded, and h(L) has long converged for every finite process.
MAX_DESCRIBE_DEPTH = 64
# msp holds every mixed state and edge in memory as Python objects.
MAX_MSP_STATES = 1_000_000


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add ``list``, ``describe`` and ``msp`` to the subcommands ``sub``."""
    p = sub.add_parser("list", formatter_class=formatter,
                       help="the catalogue: processes and dynamical systems",
                       description="Every catalogue entry with its summary, parameters "
                                   "(default and domain) and citation.")
    add_json_argument(p)
    p.set_defaults(run=_list)

    p = sub.add_parser("describe", formatter_class=formatter,
                       help="exact quantities of a process",
                       description="Stationary distribution, entropy rate, statistical "
                                   "complexity, excess entropy and myopic entropies (bits), "
                                   "with closed forms where sympy finds them.")
    add_process_arguments(p)
    p.add_argument("--depth", type=int, default=10,
                   help=f"myopic entropies h(1..L) to print, L <= {MAX_DESCRIBE_DEPTH}")
    add_json_argument(p)
    p.set_defaults(run=_describe)

    p = sub.add_parser("msp", formatter_class=formatter,
                       help="mixed-state presentation of a process",
                       description="The mixed-state presentation (beliefs reachable from pi) "
                                   "as a graph: sizes, C_mu and h_mu in bits.")
    add_process_arguments(p)
    p.add_argument("--depth", type=int, default=None,
                   help="explore at most L levels (default: no limit)")
    p.add_argument("--max-states", type=int, default=10_000,
                   help=f"stop after this many mixed states (at most {MAX_MSP_STATES})")
    p.add_argument("--out", metavar="FILE.graphml|.json",
                   help="save the graph (GraphML, or networkx node-link JSON)")
    p.add_argument("--plot", metavar="FILE.png|.svg|.pdf", help="draw the graph")
    add_json_argument(p)
    p.set_defaults(run=_msp)


def _list(args: argparse.Namespace) -> None:
    from dynamics.textbook import CATALOGUE as SYSTEMS
    from processes.catalogue import catalogue_entries

    entries = [e.to_dict() for e in catalogue_entries()]
    entries += [entry.to_dict(name) for name, entry in sorted(SYSTEMS.items())]
    if args.json:
        print(json.dumps(entries))
        return
    groups = {"processes": [e for e in entries if e["kind"] == "process"],
              "dynamical systems": [e for e in entries if e["kind"] != "process"]}
    for title, group in groups.items():
        print(f"{title}:")
        for e in group:
            params = ", ".join(f"{p['name']}={p['default']:g} in {p['domain']}"
                               for p in e["parameters"]) or "no parameters"
            print(f"  {e['name']}: {e['summary']}")
            print(f"      parameters: {params}")
            print(f"      citation: {e['citation']}")


def _describe(args: argparse.Namespace) -> None:
    at_least(args.depth, 1, "--depth", " (myopic entropies h(1..L) start at L = 1)")
    if args.depth > MAX_DESCRIBE_DEPTH:
        raise InputError(f"--depth {args.depth}: at most {MAX_DESCRIBE_DEPTH} (the myopic "
                         "entropies cost up to k**L beliefs); ask for fewer levels")
    from ..reports import describe_process, format_summary

    info = describe_process(process_from_args(args), depth=args.depth)
    print(json.dumps(info, allow_nan=False) if args.json else format_summary(info))


def _msp(args: argparse.Namespace) -> None:
    check_output(args.out, "--out", (".graphml", ".json"))
    check_output(args.plot, "--plot", FIGURE_SUFFIXES)
    if args.depth is not None:
        at_least(args.depth, 1, "--depth", " (levels of the search; omit it for no limit)")
    at_least(args.max_states, 1, "--max-states")
    if args.max_states > MAX_MSP_STATES:
        raise InputError(f"--max-states {args.max_states}: at most {MAX_MSP_STATES} (every "
                         "mixed state is held in memory); ask for fewer")
    from ..io import save_graph
    from ..reports import msp_report

    graph, info = msp_report(process_from_args(args), max_depth=args.depth,
                             max_states=args.max_states)
    if args.out:
        save_graph(graph, args.out)
    print_report(info, args.json)
    if args.plot:
        save_plot(lambda: _msp_figure(graph), args.plot)


def _msp_figure(graph):
    from matplotlib.figure import Figure

    from dynamics import draw_msp

    fig = Figure(figsize=(7, 5.5), layout="constrained")
    draw_msp(graph, ax=fig.add_subplot())
    return fig
