# Every target bootstraps .venv on first use, so a fresh clone needs only Python 3.11+ and make.
# `make run` installs what freeride needs to run; `make test`, `make lint` and `make bench` add the
# test and lint tools. One stamp per set, so nothing is reinstalled until pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.stamp-run
DEV_STAMP := $(VENV)/.stamp-dev

.PHONY: run test lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "freeride needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# The development set includes the runtime one, so it stamps both.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/freeride run $(ARGS)

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: $(DEV_STAMP)
	@# the suite starts about a hundred freeride processes: each reads compiled bytecode rather
	@# than compiling the package again (only changed files are recompiled here)
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bus.py
	$(BIN)/python benchmarks/storage.py
	$(BIN)/python benchmarks/gateway.py
	$(BIN)/python benchmarks/backtest.py
	$(BIN)/python benchmarks/alerts.py
	$(BIN)/python benchmarks/execution.py
	$(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/research.py
	$(BIN)/python benchmarks/secret_refresh.py
	$(BIN)/python benchmarks/markets.py
	$(BIN)/python benchmarks/service.py
	$(BIN)/python benchmarks/ops.py
	$(BIN)/python benchmarks/abuse.py
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/discord.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist src/*.egg-info
