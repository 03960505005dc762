# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv and install the project into it on first use (only python3 and make needed);
# `make test` first installs the Debian packages its tests need (`make deps`, scripts/system-deps).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= auto

.PHONY: demo deps test test-nosystem lint typecheck imports unit screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever the project metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing exsync and its dependencies into $(VENV) (first run: about a minute)…"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/exsync demo

lint: $(STAMP)
	$(BIN)/ruff check exsync_tui tests bench
	$(BIN)/ruff format --check exsync_tui tests bench

typecheck: $(STAMP)
	$(BIN)/mypy exsync_tui bench

imports: $(STAMP)
	$(BIN)/lint-imports

# worksteal: a worker that runs out takes queued tests from the other, so no slow module
# is left running alone at the end.
unit: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Installs missing Debian packages (apt-get as root or via `sudo -n`), or stops naming the command.
deps:
	@sh scripts/system-deps

# deps first and alone: nothing else starts (not even under -j) when a package is missing.
test: deps
	@$(MAKE) --no-print-directory lint typecheck imports unit

# For a machine where packages cannot be installed: everything but the tests marked `system`.
test-nosystem:
	@$(MAKE) --no-print-directory lint typecheck imports unit PYTEST_ARGS='-m "not system" $(PYTEST_ARGS)'
	@echo 'test-nosystem: NOT a full pass: the tests marked `system` (they need Debian packages) were deselected; `make test` runs everything.'

screenshots: $(STAMP)
	$(BIN)/python -m exsync_tui.ui.screenshots screenshots

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
