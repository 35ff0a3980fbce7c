"""The ``beliefscope`` command line."""

from __future__ import annotations

import argparse
import json
import sys

from ._cli_common import add_process_arguments, process_from_args

__all__ = ["main"]


def _describe(args: argparse.Namespace) -> None:
    from .describe import describe_process, format_summary

    info = describe_process(process_from_args(args), depth=args.depth)
    print(json.dumps(info, allow_nan=False) if args.json else format_summary(info))


def _list(args: argparse.Namespace) -> None:
    from processes import list_processes

    print("\n".join(list_processes()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="beliefscope",
        description="Computational mechanics of processes, belief dynamics and networks.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("describe", help="exact quantities of a process")
    add_process_arguments(p)
    p.add_argument("--depth", type=int, default=10, help="myopic entropies h(1..L)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_describe)

    p = sub.add_parser("list", help="list catalogue processes")
    p.set_defaults(run=_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError, KeyError) as exc:
        # Bad input is the user's to fix: one line, no traceback.
        print(f"beliefscope {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
