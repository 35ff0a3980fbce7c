"""The package fronts: every public name resolves to what it says, lazily."""

import importlib
import pkgutil
import subprocess
import sys
import types

import pytest

# Every package with a public front, sub-packages included (a wing's own front too).
PACKAGES = ["processes", "dynamics", "analysis", "analysis.compare", "analysis.geometry",
            "analysis.networks", "analysis.pipeline", "analysis.reports"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves_and_is_not_a_submodule(name):
    package = importlib.import_module(name)
    # Import every submodule first: a submodule named like a public function would
    # otherwise shadow the function once imported.
    for info in pkgutil.walk_packages(package.__path__, f"{name}."):
        if not info.name.endswith(".__main__"):  # running a command is not importing it
            importlib.import_module(info.name)
    for public in package.__all__:
        value = getattr(package, public)
        assert not isinstance(value, types.ModuleType), f"{name}.{public} is a module"
    assert set(package.__all__) <= set(dir(package))


def test_importing_the_catalogue_does_not_import_numba_or_torch():
    code = ("import sys, processes.catalogue, dynamics.textbook; "
            "print(sorted(m for m in ('numba', 'torch', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
