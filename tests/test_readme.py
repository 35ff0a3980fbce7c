"""Every README block runs as written: the shell commands through the CLI (in a scratch
folder holding a copy of ``examples/``), the Python snippets each on its own."""

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from analysis.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.DOTALL)


def _commands(block: str) -> list[list[str]]:
    """``beliefscope`` lines (continuations joined, comments dropped) as argv lists."""
    text = block.replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "beliefscope":
            commands.append(words[1:])
    return commands


SHELL = [argv for lang, block in BLOCKS if lang == "bash" for argv in _commands(block)]
PYTHON = [block for lang, block in BLOCKS if lang == "python"]


def test_the_readme_has_blocks():
    assert len(SHELL) >= 8 and len(PYTHON) >= 6


@pytest.mark.slow
def test_readme_shell_commands_run_in_order(tmp_path, monkeypatch):
    # In order: `dimension mess3.npz` reads what `attractor` wrote.
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for argv in SHELL:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(argv)
        assert code == 0, argv
        assert out.getvalue().strip(), argv
    for made in ("rrxor.graphml", "rrxor.png", "mess3.npz", "mess3.png", "scaling.png",
                 "runs/mess3/config.json", "runs/mess3/probe.png",
                 "runs/mess3-quick/metrics.json", "runs/mess3-quick/report.md"):
        assert (tmp_path / made).stat().st_size > 0, made


def _python_params():
    """One param per Python block; those that train a network are marked slow."""
    return [pytest.param(index, marks=[pytest.mark.slow] if "train(" in block else [])
            for index, block in enumerate(PYTHON)]


@pytest.mark.parametrize("index", _python_params())
def test_readme_python_snippet_runs_on_its_own(index, tmp_path, monkeypatch):
    # In a scratch folder: a snippet may write a run folder (the tour's runs/tour).
    monkeypatch.chdir(tmp_path)
    exec(compile(PYTHON[index], f"README python block {index}", "exec"), {})
