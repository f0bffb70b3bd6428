"""Every page of every example portal in a real browser: clean console, only its own host,
accessible (axe), valid (Nu Html Checker), no sideways scrolling on a phone, light pages,
invoices printing on one page. Each check is also shown to fail on a known-bad page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser import static_server
from quality import WEIGHT_LIMIT, axe_violations, horizontal_overflow, page_weight, vnu_errors

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, write_files

ARTIFACTS = REPO / "tests" / "artifacts"
WIDTHS = {"desktop": 1280, "phone": 375}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("quality") / "output"
    subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(EXAMPLE_CONTENT),
                    "--out", str(out), "--as-of", AS_OF], check=True, capture_output=True)
    return out


def pages_of(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if not p.relative_to(site).parts[0].startswith("_"))


@pytest.fixture(scope="module")
def server(site):
    with static_server(site) as base:
        yield base


class Visitor:
    """One browser context; records console errors, failed and foreign requests per page."""

    def __init__(self, browser, width: int = 1280, scheme: str = "light", csp: bool = True):
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           color_scheme=scheme, bypass_csp=not csp)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.hosts = {""}  # file:// has no host; the server's is added when opened
        page = self.page
        page.on("console", lambda m: m.type == "error" and self._note(f"console: {m.text}"))
        page.on("pageerror", lambda e: self._note(f"script error: {e}"))
        # ERR_ABORTED is this test navigating on before a late request (the favicon) finished.
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                and self._note(f"failed: {r.url} {r.failure}"))
        page.on("request", lambda r: urlsplit(r.url).netloc not in self.hosts
                and self._note(f"foreign request: {r.url}"))

    def _note(self, problem: str) -> None:
        self.problems.append(f"{self.page.url}: {problem}")

    def open(self, url: str):
        self.hosts.add(urlsplit(url).netloc)
        self.page.goto(url, wait_until="load")
        return self.page

    def close(self) -> list[str]:
        self.page.wait_for_timeout(200)  # late requests (the favicon) still count
        self.context.close()
        return self.problems


def visit(browser, url: str, width: int = 1280, scheme: str = "light", csp: bool = True):
    visitor = Visitor(browser, width, scheme, csp)
    visitor.open(url)
    return visitor.context, visitor.page, visitor.problems


def test_every_page_loads_cleanly_over_http_and_file(browser, site, server):
    visitor = Visitor(browser)
    for html in pages_of(site):
        visitor.open(server + html.relative_to(site).as_posix())
        visitor.open(html.as_uri())
    assert visitor.close() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_no_serious_accessibility_violations(browser, site, server, width, scheme):
    visitor, found = Visitor(browser, WIDTHS[width], scheme, csp=False), []
    for html in pages_of(site):
        page = visitor.open(server + html.relative_to(site).as_posix())
        found += [f"{html.relative_to(site)}: {v}" for v in axe_violations(page)]
    visitor.close()
    assert found == []


def test_html_is_valid(site):
    assert vnu_errors(pages_of(site)) == []


def test_nothing_overflows_on_a_phone(browser, site, server):
    visitor, found = Visitor(browser, 375), []
    for html in pages_of(site):
        page = visitor.open(server + html.relative_to(site).as_posix())
        found += [f"{html.relative_to(site)}: {e}" for e in horizontal_overflow(page)]
    visitor.close()
    assert found == []


def test_pages_are_light(site):
    heavy = {}
    for html in pages_of(site):
        portal = site / html.relative_to(site).parts[0]
        weight = page_weight(portal, html)
        if weight > WEIGHT_LIMIT:
            heavy[html.relative_to(site).as_posix()] = weight
    assert heavy == {}


def test_no_blocking_scripts(site):
    for html in pages_of(site):
        for tag in re.findall(r"<script[^>]*>", html.read_text(encoding="utf-8")):
            assert "defer" in tag or "async" in tag, (html, tag)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_invoices_print_on_one_page_without_navigation(browser, site, paper):
    context = browser.new_context()
    page = context.new_page()
    for invoice in sorted(site.glob("*/invoices/*.html")):
        page.goto(invoice.as_uri())
        page.emulate_media(media="print")
        assert not page.locator(".site-nav").is_visible()
        pdf = page.pdf(format=paper)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, invoice
    context.close()


def test_fifteen_line_invoice_prints_on_one_a4_page(browser, make_site):
    items = "".join(f"  - {{description: Consulting block {n}, quantity: 1, unit: h, "
                    f"unit_price: 100.00, tax_rate: 23}}\n" for n in range(15))
    root = make_site({"content/acme/invoices/2026-10.yaml":
                      f"number: LONG-15\nissued: 2026-10-01\ndue: 2026-10-15\nitems:\n{items}"
                      "notes: Payment within 14 days.\n"})
    subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(root / "content"),
                    "--out", str(root / "output"), "--as-of", AS_OF], check=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto((root / "output/acme/invoices/2026-10.html").as_uri())
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    context.close()


def test_keyboard_skip_link_and_visible_focus(browser, site, server):
    context, page, _ = visit(browser, server + "kowalski-legal/index.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Tab")  # the brand link
    page.keyboard.press("Tab")  # the first section of the navigation
    assert page.evaluate("!!document.activeElement.closest('.site-nav')")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#cp-main"
    context.close()


def test_screenshots_for_review(browser, site, server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kinds = ["index.html", "scope.html", "requirements.html", "timeline.html", "invoices.html",
             "updates.html", "contact.html"]
    for portal in ("kowalski-legal", "sakura-retail"):
        examples = kinds + [next(site.glob(f"{portal}/invoices/*.html")).relative_to(site / portal).as_posix(),
                            next(site.glob(f"{portal}/requirements/*.html")).relative_to(site / portal).as_posix()]
        for label, width in WIDTHS.items():
            visitor = Visitor(browser, width)
            for name in examples:
                page = visitor.open(f"{server}{portal}/{name}")
                target = ARTIFACTS / f"{portal}-{name.replace('/', '-')[:-5]}-{label}.png"
                page.screenshot(path=str(target), full_page=True)
            visitor.close()
    assert len(list(ARTIFACTS.glob("*.png"))) >= 2 * 9 * 2


# ---------------------------------------------------------------- the checks catch regressions

BAD_PAGE = """<!doctype html>
<html><head><title>Bad</title></head>
<body><div style="width: 900px">wide</div><img src="x.png"><p><div>bad nesting</p>
<a href="#"></a><script src="https://cdn.example.com/x.js"></script></body></html>
"""


@pytest.fixture
def bad_page(tmp_path) -> Path:
    write_files(tmp_path, {"bad/index.html": BAD_PAGE, "bad/x.png": b"\x89PNG\r\n\x1a\n"})
    return tmp_path / "bad" / "index.html"


def test_axe_catches_a_bad_page(browser, bad_page):
    context, page, _ = visit(browser, bad_page.as_uri(), csp=False)
    violations = axe_violations(page)
    context.close()
    assert any("image-alt" in v for v in violations)
    assert any("link-name" in v for v in violations)


def test_vnu_catches_a_bad_page(bad_page):
    assert any("Stray end tag" in e or "No “p” element" in e or "not allowed" in e
               for e in vnu_errors([bad_page]))


def test_overflow_check_catches_a_bad_page(browser, bad_page):
    context, page, _ = visit(browser, bad_page.as_uri(), 375)
    assert horizontal_overflow(page) != []
    context.close()


def test_foreign_requests_are_caught(browser, bad_page):
    context, _, problems = visit(browser, bad_page.as_uri())
    context.close()
    assert any("cdn.example.com" in p for p in problems)


def test_weight_check_catches_a_heavy_page(tmp_path):
    write_files(tmp_path, {"p/index.html": '<link rel="stylesheet" href="big.css">',
                           "p/big.css": "a{}" * 20000})
    assert page_weight(tmp_path / "p", tmp_path / "p" / "index.html") > WEIGHT_LIMIT
