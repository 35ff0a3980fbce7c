# Every target does its own set-up into .venv, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU wheel first: a bare `torch` requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: the Mess3 headline end to end (QUICK=1 for the one-minute version).
demo: $(STAMP)
	$(BIN)/beliefscope reproduce mess3 --param x=0.05 --param a=0.85 --out runs/mess3 $(if $(QUICK),--quick)

# Everything CI runs: lint, all tests (slow ones included), notebooks in smoke mode.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest
	BELIEFSCOPE_SMOKE=1 MPLBACKEND=Agg $(BIN)/pytest --nbmake notebooks -o addopts="" -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The notebooks in JupyterLab (the `notebooks` extra, installed into .venv on first use).
lab: $(STAMP)
	$(BIN)/pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/ $(LAB_ARGS)

clean:
	rm -rf $(VENV)
