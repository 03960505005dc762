# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv and install the project into it on first use (only python3 and make needed).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= auto

.PHONY: demo test lint typecheck imports unit screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever the project metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/exsync demo

lint: $(STAMP)
	$(BIN)/ruff check exsync_tui tests bench
	$(BIN)/ruff format --check exsync_tui tests bench

typecheck: $(STAMP)
	$(BIN)/mypy exsync_tui

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck imports unit

screenshots: $(STAMP)
	$(BIN)/python -m exsync_tui.ui.screenshots screenshots

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
