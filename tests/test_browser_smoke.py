"""A built portal opens in headless Chromium over http and from file:// without errors."""

from __future__ import annotations

from browser import static_server
from conftest import built


def test_portal_opens_over_http_and_file(make_site, page):
    root = make_site()
    built(root)
    portal = root / "output" / "acme"
    with static_server(root / "output") as base:
        page.goto(base + "acme/index.html")
        assert page.locator("h1").inner_text() == "Welcome, Acme & Co"
        page.click("text=Invoices")
        assert page.url.endswith("/acme/invoices.html")
        page.wait_for_load_state("networkidle")
    page.goto((portal / "requirements.html").as_uri())
    page.select_option("#filter-status", "approved")
    assert page.locator("#filter-count").inner_text() == "0 of 1 shown"
    assert page.console_errors == []
    assert page.failed_requests == []
