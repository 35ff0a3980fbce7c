"""Argument helpers shared by the CLI's subcommands."""

from __future__ import annotations

import argparse

from processes import ParameterError, Process, get_process, load_process

__all__ = ["add_process_arguments", "parse_params", "process_from_args"]


def add_process_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("process", nargs="?", help="catalogue name (see `beliefscope list`)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter; repeatable")
    parser.add_argument("--file", metavar="SPEC", help="a TOML or JSON process definition")


def parse_params(items: list[str]) -> dict[str, float]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ParameterError(f"--param {item!r} is not NAME=VALUE (e.g. --param x=0.05)")
        try:
            params[name.strip()] = float(value)
        except ValueError:
            raise ParameterError(f"--param {item!r}: {value!r} is not a number") from None
    return params


def process_from_args(args: argparse.Namespace) -> Process:
    params = parse_params(args.param)
    if args.file:
        return load_process(args.file, **params)
    if not args.process:
        raise ParameterError("name a process (e.g. mess3) or give --file SPEC")
    return get_process(args.process, **params)
