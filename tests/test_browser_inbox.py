"""What the client did, back in the portal, as Chromium shows it: the portal's own messages
(the approval from the scope page's link, the survey answer, a question with markup in it)
and the account manager's answer are delivered to a real IMAP server, `portal inbox --commit`
records them, and the rebuilt portal shows the approval, no survey, and the answered thread,
the client's words as text (no markup runs), passing axe and the Nu Html Checker."""

from __future__ import annotations

import pytest

from browser import static_server
from imapserver import ImapServer, imap_server  # noqa: F401  (fixture)
from inboxsite import build, conversation, dns, inbox_site, run_inbox
from mailkit import KeyRing


@pytest.fixture
def recorded(make_site, monkeypatch, imap_server: ImapServer):  # noqa: F811
    """The site after `portal inbox --commit` read the conversation from Dovecot, rebuilt."""
    keys = KeyRing()
    dns(monkeypatch, keys)
    monkeypatch.delenv("PORTAL_SMTP_HOST", raising=False)
    for name, value in {"GIT_AUTHOR_NAME": "Portal Inbox", "GIT_AUTHOR_EMAIL": "ci@agency.test",
                        "GIT_COMMITTER_NAME": "Portal Inbox",
                        "GIT_COMMITTER_EMAIL": "ci@agency.test"}.items():
        monkeypatch.setenv(name, value)
    root = inbox_site(make_site)
    build(root)
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.certificate.cert))
    for name, value in imap_server.settings("tls").items():
        monkeypatch.setenv(name, value)
    imap_server.deliver(*conversation(root, keys))
    result = run_inbox(root, "--commit")
    assert result.exit_code == 0, result.output
    assert "4 recorded" in result.output
    build(root)
    return root


def test_the_rebuilt_portal_shows_the_approval_the_answered_survey_and_the_thread(
        recorded, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with static_server(recorded / "output") as base:
        page.goto(base + "acme/scope.html")
        state = page.locator(".signoff__state")
        assert state.inner_text().replace("\u00a0", " ") == \
            "Approved Approved by Carl Client on November 20, 2026 · Version 1.0"
        assert page.locator("#approve").count() == 0

        page.goto(base + "acme/index.html")
        assert page.locator("#survey").count() == 0  # answered
        assert page.locator(".badge--open").filter(has_text="open question").count() == 0
        page.click("text=See your questions and our answers")
        page.wait_for_url(base + "acme/questions.html")
        assert page.locator('nav a[aria-current="page"]').inner_text() == "Questions"

        thread = page.locator("#thread-milestones-launch")
        assert thread.locator("h2").inner_text() == "Milestone: Launch"
        assert thread.locator(".badge").inner_text() == "Answered"
        messages = thread.locator("li")
        assert messages.count() == 2
        assert messages.nth(0).locator(".pre").inner_text() == (
            "Can we move the launch by a week?\n<img src=x onerror=alert(1)>")
        assert messages.nth(0).locator("img").count() == 0  # text, never markup
        assert "Carl Client" in messages.nth(0).locator(".small").inner_text()
        assert messages.nth(1).get_attribute("class") == "card reply"  # the agency's answer
        assert messages.nth(1).locator(".pre").inner_text() == \
            "Yes: the launch moves to January 22."
        thread.locator("text=Go to the page").click()
        page.wait_for_url(base + "acme/timeline.html#launch")
    assert dialogs == [] and page.console_errors == []


def test_the_questions_page_passes_axe_and_the_nu_html_checker(recorded, browser):
    from quality import axe_source, missing_tools, run_axe, serious, vnu_messages, vnu_problems

    if missing_tools():
        pytest.fail(f"missing {', '.join(missing_tools())}: run `make test` (npm ci, apt)")
    pages = ["acme/questions.html", "acme/index.html"]
    assert vnu_problems(vnu_messages([recorded / "output" / p for p in pages]),
                        recorded / "output") == ([], [])
    found = []
    for width, scheme in [(1280, "light"), (375, "dark")]:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme)
        context.add_init_script(script=axe_source())
        page = context.new_page()
        with static_server(recorded / "output") as base:
            for path in pages:
                page.goto(base + path)
                found += [f"{path} @ {width} {scheme}: {v}" for v in serious(run_axe(page))]
        context.close()
    assert found == []
