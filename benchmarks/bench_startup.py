"""Start-up of the command line against ``python -c "import numpy"``, in fresh processes.

``beliefscope --help``, ``--version``, ``list`` and a one-line argument error must answer
about as fast as importing numpy (the plain baseline): the parser imports only the
standard library, and each command imports what it computes with.

Run: ``python -m benchmarks.bench_startup``.
"""

from __future__ import annotations

import subprocess
import sys

from benchmarks._timing import best_times

__all__ = ["main"]

# Each command and the exit status it must give (a benchmark of a crash measures nothing).
CASES = {
    "--help": (["--help"], 0),
    "--version": (["--version"], 0),
    "list": (["list"], 0),
    "argument error": (["describe", "--depth", "x"], 2),
}


def _run(args: list[str], status: int = 0) -> None:
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False)
    if done.returncode != status:
        raise RuntimeError(f"{args} exited {done.returncode}, expected {status}")


def main() -> None:
    cli = [sys.executable, "-m", "analysis.cli"]
    baseline = [sys.executable, "-c", "import numpy"]
    print(f"{'command':<16} {'beliefscope':>12} {'import numpy':>13} {'ratio':>7}")
    for name, (argv, status) in CASES.items():
        ours, base = best_times([lambda a=argv, s=status: _run(cli + a, s),
                                 lambda: _run(baseline)])
        print(f"{name:<16} {ours * 1e3:>10.0f}ms {base * 1e3:>11.0f}ms {base / ours:>6.2f}x")


if __name__ == "__main__":
    main()
