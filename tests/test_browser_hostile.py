"""No content script runs in Chromium: raw-HTML payloads (`allow_raw_html: true`), published
attachments and generated Markdown, over http with the generated headers and from file://,
probed with `window.__pwned` (every payload sets it to a number)."""

from __future__ import annotations

import fnmatch
import functools
import http.server
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from test_hostile_attachments import CASES as ATTACHMENTS
from test_hostile_scripts import RAW_HTML
from test_properties import MARKDOWN, budget

from conftest import BASE_SITE, build_site, write_files

PROBE = "() => typeof window.__pwned === 'number'"
PORTAL = textwrap.dedent(BASE_SITE["content/portal.yaml"]) + "allow_raw_html: true\n"
PUBLISHED = [case for case, (_, _, verdict) in ATTACHMENTS.items() if verdict is None]


def _headers(portal: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """`_headers`' rules: a path pattern and the headers it gives, in order."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in (portal / "_headers").read_text().splitlines():
        if line.startswith("/"):
            rules.append((line.strip(), []))
        elif line.startswith("  ") and ": " in line and rules:
            name, value = line.strip().split(": ", 1)
            rules[-1][1].append((name, value))
    return rules


class _WithHeaders(http.server.SimpleHTTPRequestHandler):
    """A static host that honours `_headers` as Netlify and Cloudflare Pages do: each rule
    whose path matches adds its headers, and a Content-Type given there wins."""

    rules: list[tuple[str, list[tuple[str, str]]]] = []

    def _matching(self) -> list[tuple[str, str]]:
        path = self.path.split("?", 1)[0]
        return [header for pattern, headers in self.rules
                if fnmatch.fnmatchcase(path, pattern) for header in headers]

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "content-type" and any(
                name.lower() == "content-type" for name, _ in self._matching()):
            return
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        for name, value in self._matching():
            super().send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serving(portal: Path) -> Iterator[str]:
    handler = type("Handler", (_WithHeaders,), {"rules": _headers(portal)})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(portal)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _hostile_site(root: Path) -> Path:
    files: dict[str, str | bytes | None] = {
        "content/portal.yaml": PORTAL,
        "content/acme/files/evil.js": "window.__pwned = 1;\n",
        "content/acme/scope.md": "---\ntitle: Scope\n---\n" + "\n\n".join(
            p for p, (_, problems) in RAW_HTML.items() if not problems) + "\n",
        "content/acme/updates/2026-11-02-raw.md": "---\ntitle: Raw\ndate: 2026-11-02\n---\n"
            '<a href="files/evil.js">script</a> <img src="files/logo.svg" onerror="x()">\n',
    }
    files.update({f"content/acme/files/{ATTACHMENTS[c][0]}": ATTACHMENTS[c][1] for c in PUBLISHED})
    write_files(root, {**BASE_SITE, **files})
    result = build_site(root)
    assert result.exit_code == 0, result.output
    return root / "output" / "acme"


# Bound by work, not a pause: two rendering frames and a task after `load`, in which a
# payload that waits for the page (SMIL's onbegin, details' ontoggle, a refresh) has run.
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(" \
          "() => setTimeout(done, 0))))"


def _visit_all(page, base: str, portal: Path) -> list[str]:
    """Open every page and every file of the portal; the addresses where a payload ran."""
    ran = []
    for path in sorted(p for p in portal.rglob("*") if p.is_file() and not p.name.startswith("_")):
        relative = path.relative_to(portal).as_posix()
        try:
            page.goto(base + relative, wait_until="load")
        except Exception:  # a download (pdf, zip): nothing is shown, nothing runs
            continue
        page.evaluate(SETTLED)
        if page.evaluate(PROBE):
            ran.append(relative)
    return ran


def test_raw_html_payloads_and_attachments_run_nothing_over_http_with_headers(tmp_path, page):
    portal = _hostile_site(tmp_path)
    with serving(portal) as base:
        assert _visit_all(page, base, portal) == []


def test_raw_html_payloads_and_attachments_run_nothing_from_disk(tmp_path, page):
    portal = _hostile_site(tmp_path)
    assert _visit_all(page, portal.as_uri() + "/", portal) == []


def test_the_probe_sees_a_script_that_runs(tmp_path, page):
    """What the build refuses would run: an HTML attachment, from disk and over http (where
    the CSP stops its inline script but not a script file of the portal's own origin)."""
    portal = _hostile_site(tmp_path)
    (portal / "files" / "evil.html").write_text(
        '<script>window.__pwned = 1</script><script src="evil.js"></script>')
    page.goto((portal / "files" / "evil.html").as_uri())
    assert page.evaluate(PROBE)
    with serving(portal) as base:
        page.goto(base + "files/evil.html", wait_until="load")
        page.evaluate(SETTLED)
        assert page.evaluate(PROBE)


@pytest.mark.slow_property
def test_generated_markdown_runs_nothing_in_chromium(page):
    shown = []  # documents built and opened: a run in which every build failed proves nothing

    @budget(8)
    @given(MARKDOWN)
    def opened_in_chromium(body):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            write_files(root, {**BASE_SITE, "content/portal.yaml": PORTAL,
                               "content/acme/scope.md": f"---\ntitle: Scope\n---\n{body}\n"})
            result = build_site(root)
            if result.exit_code != 0:  # refused, with its reasons: nothing to run
                assert "scope.md" in result.output, result.output
                return
            portal = root / "output" / "acme"
            with serving(portal) as base:
                page.goto(base + "scope.html", wait_until="load")
                assert not page.evaluate(PROBE)
            page.goto((portal / "scope.html").as_uri(), wait_until="load")
            assert not page.evaluate(PROBE)
            shown.append(body)

    opened_in_chromium()
    assert shown, "no generated document was built and opened"
