# Two entry points for a newcomer: `make portals` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: portals test setup chromium

$(BIN)/portal: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/portal

$(CHROMIUM):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium fonts-noto-cjk

chromium: $(CHROMIUM)

portals: setup
	$(BIN)/portal build --content content --out output

test: setup chromium
	$(BIN)/python -m pytest -q
