"""The language switch works in a browser, from file:// too, and the Swedish filter speaks Swedish."""

from __future__ import annotations

from conftest import build_site

TWO_LANGUAGES = {"content/acme/client.yaml": """
    name: Acme & Co
    locales: [sv, en]
    account_manager: {name: Ann Manager, email: ann@agency.test}
    contacts:
      - {name: Carl Client, role: CTO, email: carl@acme.test, decision_maker: true}
"""}


def test_language_switch_in_the_browser(make_site, page):
    root = make_site(TWO_LANGUAGES)
    assert build_site(root).exit_code == 0
    portal = root / "output" / "acme"
    page.goto((portal / "requirements" / "intake.html").as_uri())
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Client intake"
    page.click(".lang-switch >> text=English")
    assert page.url.endswith("/acme/en/requirements/intake.html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".fallback-note").inner_text() == (  # no intake.en.md: the original
        "This document has not been translated yet; it is shown in the original language "
        "(Swedish).")
    page.click(".lang-switch >> text=Svenska")
    assert page.url.endswith("/acme/requirements/intake.html")
    page.goto((portal / "requirements.html").as_uri())
    page.select_option("#filter-status", "approved")
    assert page.locator("#filter-count").inner_text() == "Visar 0 av 1"
    assert page.console_errors == []
    assert page.failed_requests == []
