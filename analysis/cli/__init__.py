"""The ``beliefscope`` command line: one module per command group.

- `processes`: ``list``, ``describe``, ``msp``;
- `dynamics`: ``attractor``, ``lyapunov``;
- `geometry`: ``dimension``;
- `networks`: ``train``, ``probe``;
- `pipeline`: ``reproduce``;
- `sweep`: ``sweep``.

Only the standard library is imported to build the parser, so ``--help``, ``--version``
and argument errors answer at once; each command imports what it computes with.
"""

from __future__ import annotations

import argparse
import os
import sys

from processes.errors import BeliefscopeError

from . import dynamics, geometry, networks, pipeline, processes, sweep

__all__ = ["build_parser", "main"]


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows every option's default, where it has one worth printing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        # Identity, not equality: a default of 0 (a seed) is worth printing, False is not.
        if action.default is None or action.default is False or action.default == [] \
                or action.default is argparse.SUPPRESS:
            return action.help  # "(default: None)" says nothing
        return super()._get_help_string(action)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("beliefscope")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="beliefscope", formatter_class=_Formatter,
        description="Computational mechanics of processes, belief dynamics and networks.")
    parser.add_argument("--version", action="version", version=f"beliefscope {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (processes, dynamics, geometry, networks, pipeline, sweep):
        group.register(sub, _Formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0; 1 when a sweep ran but some of its
    points failed; 2 for bad input; 130 if interrupted).

    Every error a user can cause is a `processes.BeliefscopeError` (or an `OSError` from
    the file system): one line on stderr, no traceback. Anything else is a bug and keeps
    its traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        status = args.run(args)
    except BrokenPipeError:
        # `beliefscope ... | head`: the reader left; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (BeliefscopeError, OSError) as exc:
        message = str(exc).strip().replace("\n", " ") or type(exc).__name__
        print(f"beliefscope {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is an answer, not a crash; outputs are atomic, so nothing is half written.
        print(f"beliefscope {args.command}: interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
