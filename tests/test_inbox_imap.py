"""`portal inbox` against a real IMAP server (Dovecot on 127.0.0.1, STARTTLS and TLS): the
portal's own messages and the account manager's answer, delivered to the mailbox, become
content and a commit; the mailbox is tidied; a failing mailbox writes nothing."""

from __future__ import annotations

import json

import pytest

from gitrepo import git
from imapserver import ImapServer, imap_server  # noqa: F401  (fixture)
from inboxsite import build, changed_lines, conversation, dns, head, inbox_site, run_inbox
from mailkit import KeyRing
from talk import text_of


@pytest.fixture
def keys(monkeypatch) -> KeyRing:
    ring = KeyRing()
    dns(monkeypatch, ring)
    monkeypatch.delenv("PORTAL_SMTP_HOST", raising=False)
    for name, value in {"GIT_AUTHOR_NAME": "Portal Inbox", "GIT_AUTHOR_EMAIL": "ci@agency.test",
                        "GIT_COMMITTER_NAME": "Portal Inbox",
                        "GIT_COMMITTER_EMAIL": "ci@agency.test"}.items():
        monkeypatch.setenv(name, value)
    return ring


def test_the_mailbox_becomes_content_and_one_commit_over_starttls(
        make_site, keys, monkeypatch, imap_server: ImapServer):  # noqa: F811
    server = imap_server
    root = inbox_site(make_site)
    build(root)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate.cert))
    for name, value in server.settings("starttls").items():
        monkeypatch.setenv(name, value)
    server.deliver(*conversation(root, keys))
    before = head(root)
    result = run_inbox(root, "--commit", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [item["status"] for item in report["items"]] == ["recorded"] * 4
    assert [item["where"] for item in report["items"]] == [
        f"INBOX, message {n}" for n in (1, 2, 3, 4)]
    assert report["written"] == ["acme/questions/milestones-launch.yaml",
                                 "acme/satisfaction.yaml", "acme/scope.md"]
    body = git(root, "log", "-1", "--format=%B")
    assert body.startswith("Record 4 entries from mail\n")
    assert all(f"mail <{i}>" in body for i in ("approval-1@acme.test", "survey-1@acme.test",
                                               "question-1@acme.test",
                                               "answer-1@agency.test"))
    assert "+    by: Ann Manager" in changed_lines(root, before)
    assert len(server.messages("INBOX")) == 4 and server.messages("Rejected") == []

    recorded = head(root)
    again = run_inbox(root, "--commit")  # finds them recorded: to Processed
    assert again.exit_code == 0, again.output
    assert "0 recorded, 4 already recorded" in again.output
    assert head(root) == recorded and server.messages("INBOX") == []
    assert len(server.messages("Processed")) == 4

    build(root)
    assert "Approved by Carl Client" in text_of(root / "output/acme/scope.html")
    overview = text_of(root / "output/acme/index.html")
    assert "How are we doing?" not in overview and "open question" not in overview
    questions = text_of(root / "output/acme/questions.html")
    assert "Answered" in questions and "Yes: the launch moves to January 22." in questions


@pytest.mark.parametrize("problem", ["password", "certificate", "folder"])
def test_a_mailbox_that_fails_stops_the_run_and_writes_nothing(
        make_site, keys, monkeypatch, tmp_path, problem,
        imap_server: ImapServer):  # noqa: F811
    server = imap_server
    from servers import self_signed

    root = inbox_site(make_site)
    build(root)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate.cert))
    for name, value in server.settings("tls").items():
        monkeypatch.setenv(name, value)
    server.deliver(*conversation(root, keys))
    if problem == "password":
        monkeypatch.setenv("PORTAL_IMAP_PASSWORD", "wrong")
    elif problem == "certificate":  # a server whose certificate nobody vouches for
        monkeypatch.setenv("SSL_CERT_FILE", str(self_signed(tmp_path / "other").cert))
    else:
        monkeypatch.setenv("PORTAL_IMAP_FOLDER", "Nowhere")
    before = head(root)
    result = run_inbox(root, "--commit")
    assert result.exit_code == 1, result.output
    assert f"the mailbox portal at 127.0.0.1:{server.tls_port}" in result.output
    assert head(root) == before and git(root, "status", "--porcelain", "content") == ""
    assert len(server.messages("INBOX")) == 4
