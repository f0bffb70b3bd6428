# Two entry points for a newcomer: `make portals` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: portals test setup

$(BIN)/portal: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/portal

portals: setup
	$(BIN)/portal build --content content --out output

test: setup
	$(BIN)/python -m pytest -q
