"""The client's view in Chromium beyond the quality suite's tour: an invoice printed without
its status pill, dark mode's logos and progress track, the header's single row of sections,
and a lock screen a client trusts (names, logos and whom to ask before unlocking; a
show-password toggle; "keep me signed in on this device" as an explicit choice)."""

from __future__ import annotations

import pytest

from browser import static_server
from protected_site import PASSWORDS

OPEN_TIMEOUT = 30_000  # PBKDF2 with 600,000 iterations takes a moment
VERA = PASSWORDS["PORTAL_PASSWORD_VAULT__VERA_VAULT"]
WHITE = "rgb(255, 255, 255)"


def _style(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def test_a_printed_invoice_has_no_status_pill(browser, example):
    context = browser.new_context()
    page = context.new_page()
    page.goto((example / "nordlys-saas/invoices/2026-11.html").as_uri())
    assert page.locator(".invoice__title .badge").is_visible()  # "Obetald" on screen
    page.emulate_media(media="print")
    assert not page.locator(".invoice .badge").first.is_visible()
    context.close()


def test_dark_mode_logos_and_progress_track(browser, example):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto((example / "sakura-retail/invoices/2026-08.html").as_uri())
    assert _style(page, ".invoice__logo", "backgroundColor") == WHITE  # drawn for paper
    page.goto((example / "sakura-retail/index.html").as_uri())
    track = page.eval_on_selector(
        ".progress", "e => getComputedStyle(e, '::-webkit-progress-bar').backgroundColor")
    assert track == "rgb(42, 48, 57)"  # --neutral-bg of the dark theme, not white
    page.goto((example / "_agency/index.html").as_uri())
    search = page.locator("#filter-text")
    assert search.evaluate("e => getComputedStyle(e).borderStyle") == "solid"
    assert search.evaluate("e => getComputedStyle(e).color") != "rgba(16, 16, 16, 0.3)"
    context.close()


@pytest.mark.parametrize("page_path", ["sakura-retail/index.html", "sakura-retail/en/index.html",
                                       "hanbit-logistics/timeline.html"])
def test_a_phone_header_is_one_row_of_sections_with_the_switch_on_top(browser, example,
                                                                       page_path):
    """The sections scroll in one row (not three rows, 200 of 844 px), and the language
    switch sits at the top right in every language."""
    context = browser.new_context(viewport={"width": 375, "height": 844})
    page = context.new_page()
    page.goto((example / page_path).as_uri())
    tops = page.eval_on_selector_all(".site-nav a", "links => [...new Set(links.map("
                                                    "a => Math.round(a.getBoundingClientRect().top)))]")
    assert len(tops) == 1
    header = page.eval_on_selector(".site-header", "e => e.getBoundingClientRect().height")
    assert header < 130
    if "sakura" in page_path:
        switch = page.eval_on_selector(".lang-switch", "e => e.getBoundingClientRect().toJSON()")
        assert switch["top"] < 40 and switch["right"] > 340
    context.close()


def test_the_lock_screen_says_whose_portal_and_whom_to_ask(browser, vault_site):
    context = browser.new_context()
    page = context.new_page()
    with static_server(vault_site / "output") as base:
        page.goto(base + "vault/index.html")
        page.wait_for_selector("#cp-unlock:not([hidden])")
        assert page.inner_text("h1").startswith("Portal for Vault")
        assert "Prepared by Test Agency." in page.inner_text(".lede")
        logo = page.locator(".unlock__brand img").first
        assert logo.get_attribute("alt") == "Test Agency"
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")  # not encrypted
        assert "open that link again" in page.inner_text("#cp-unlock")
        assert page.inner_text(".unlock__help") == (
            "Need the password or a new link?\n\nAsk your account manager, Ann Manager: "
            "ann@agency.test")
        page.click("#cp-show")
        assert page.get_attribute("#cp-password", "type") == "text"
        assert page.inner_text("#cp-show") == "Hide"
        page.click("#cp-show")
        assert page.get_attribute("#cp-password", "type") == "password"
        assert page.evaluate("window.__pwned") is None  # the name's <script> is text
    context.close()


def _open(page, keep: bool) -> None:
    page.wait_for_selector("#cp-unlock:not([hidden])")
    page.fill("#cp-password", VERA)
    if keep:
        page.check("#cp-keep")
    page.click("#cp-unlock button[type=submit]")
    page.wait_for_selector("#cp-logout", state="attached", timeout=OPEN_TIMEOUT)


def test_a_new_tab_asks_again_unless_the_client_chose_to_stay_signed_in(browser, vault_site):
    """The default stays per tab (sessionStorage); "keep me signed in on this device" keeps
    the key in localStorage, so a new tab opens at once; logging out forgets both."""
    context = browser.new_context()
    with static_server(vault_site / "output") as base:
        first = context.new_page()
        first.goto(base + "vault/index.html")
        _open(first, keep=False)
        second = context.new_page()
        second.goto(base + "vault/invoices.html")
        second.wait_for_selector("#cp-unlock:not([hidden])")  # a new tab: the password again
        _open(second, keep=True)
        third = context.new_page()
        third.goto(base + "vault/timeline.html")
        third.wait_for_selector("#cp-logout", state="attached", timeout=OPEN_TIMEOUT)
        assert third.locator("#cp-password").count() == 0  # opened without asking
        third.click("#cp-logout")
        third.wait_for_selector("#cp-unlock:not([hidden])")
        fourth = context.new_page()
        fourth.goto(base + "vault/scope.html")
        fourth.wait_for_selector("#cp-unlock:not([hidden])")  # logged out on this device
    context.close()
