"""The layering of the tree, checked on every import statement (including those inside
functions): ``processes`` <- ``dynamics`` <- ``analysis``, and inside ``analysis`` the
wings cli <- pipeline <- reports <- compare/probes <- networks/geometry <- io."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"processes": 0, "dynamics": 1, "analysis": 2}
# A wing may import its own modules and lower-ranked wings only.
# io (atomic writes, point files) is the floor every wing may stand on.
WINGS = {"io": -1, "geometry": 0, "networks": 0, "compare": 1, "probes": 1, "reports": 2,
         "pipeline": 3, "cli": 4}


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield path, parts


def _imports(path: Path, parts: tuple[str, ...]):
    """Absolute dotted names of everything ``path`` imports."""
    tree = ast.parse(path.read_text(), str(path))
    package = parts if path.name == "__init__.py" else parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ((node.module,) if node.module else ()))
            else:
                module = node.module or ""
            yield module, node.lineno
            for alias in node.names:  # `from . import cli` imports analysis.cli
                yield f"{module}.{alias.name}", node.lineno


def _wing(parts) -> str | None:
    if len(parts) < 2 or parts[0] != "analysis":
        return None
    return parts[1].removesuffix(".py")


def _violations():
    found = []
    for path, parts in _modules():
        for name, line in _imports(path, parts):
            target = tuple(name.split("."))
            where = f"{path.relative_to(ROOT)}:{line} imports {name}"
            if target[0] in PACKAGES:
                if PACKAGES[target[0]] > PACKAGES[parts[0]]:
                    found.append(f"{where}: {parts[0]} may not import {target[0]}")
                private = [p for p in target[1:] if p.startswith("_")]
                if target[0] != parts[0] and private:
                    found.append(f"{where}: another package's private module")
            mine, theirs = _wing(parts), _wing(target) if target[0] == "analysis" else None
            if mine in WINGS and theirs in WINGS and theirs != mine \
                    and WINGS[theirs] >= WINGS[mine]:
                found.append(f"{where}: wing {mine} may not import wing {theirs}")
            if mine == "geometry" and target[0] == "torch":
                found.append(f"{where}: the geometry wing never imports torch")
    return found


def test_layers_import_only_downward():
    assert _violations() == []


def test_the_check_sees_a_violation(tmp_path, monkeypatch):
    # The check itself can fail: a processes module importing analysis is caught.
    fake = ROOT / "processes" / "_layering_probe.py"
    fake.write_text("def f():\n    from analysis.cli import main\n    return main\n")
    try:
        assert any("_layering_probe.py:2 imports analysis.cli" in v for v in _violations())
    finally:
        fake.unlink()


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_module_declares_its_public_api(package):
    missing = [str(path.relative_to(ROOT)) for path, parts in _modules()
               if parts[0] == package and path.name != "__main__.py"
               and "__all__" not in path.read_text()]
    assert missing == []
