# `make demo` and `make test` set everything up themselves: a local virtual environment in .venv,
# re-installed only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= demo_output

.PHONY: demo test test-all lint bench notebooks docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,demo]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/micrograd-like demo --out $(OUT)

# `make test` runs the suite on every core, leaving out the tests marked slow (a few minutes' worth);
# CI, which sets CI=true, runs them all, as does `make test-all`.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto $(if $(CI),,-m "not slow")

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/run.py

notebooks: $(STAMP)
	$(BIN)/python notebooks/execute.py

# The documentation site (MkDocs + Material, API reference from the docstrings, the stored notebooks) in site/.
docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis site .cache
