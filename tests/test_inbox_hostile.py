"""The hostile corpus (hostilemail.py), from saved files and from a real IMAP server: every
message is rejected with its reason, nothing of it is written, nothing raises; the one good
message beside them is recorded (so the rejections are the rules at work, not a broken
pipeline). Then the same cases from a form service's export."""

from __future__ import annotations

import json

import pytest

from gitrepo import git
from hostilemail import corpus, good_approval
from imapserver import ImapServer, imap_server  # noqa: F401  (fixture)
from inboxsite import build, dns, head, inbox_site, run_inbox, save
from mailkit import KeyRing


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


def test_the_hostile_corpus_from_saved_files_is_rejected_with_reasons(make_site, keys):
    root = inbox_site(make_site)
    build(root)
    cases = corpus(root, keys)
    files = [save(root, f"hostile-{number:02d}.eml", case.raw)
             for number, case in enumerate(cases)]
    before = head(root)
    result = run_inbox(root, "--from", save(root, "good.eml", good_approval(root, keys)),
                       *[arg for path in files for arg in ("--from", path)], "--commit",
                       "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert items[0]["status"] == "recorded"
    found = {item["where"].rsplit("/", 1)[-1]: item for item in items[1:]}
    for number, case in enumerate(cases):
        item = found[f"hostile-{number:02d}.eml"]
        assert item["status"] == "rejected", case.name
        assert case.reason in item["reason"], (case.name, item["reason"])
    # one commit, of the good approval alone
    assert git(root, "log", "--format=%s", f"{before}..HEAD").splitlines() == [
        "Record 1 entry from mail"]
    assert git(root, "diff", "--name-only", before, "HEAD").split() == ["content/acme/scope.md"]
    assert git(root, "status", "--porcelain", "content") == ""


def test_an_exact_replay_is_already_recorded_and_writes_nothing(make_site, keys):
    root = inbox_site(make_site)
    build(root)
    original = save(root, "original.eml", good_approval(root, keys))
    assert run_inbox(root, "--from", original, "--commit").exit_code == 0
    recorded = head(root)
    replay = save(root, "replay.eml", original.read_bytes())
    result = run_inbox(root, "--from", replay, "--commit")
    assert result.exit_code == 0, result.output
    assert "already recorded:" in result.output and "0 recorded" in result.output
    assert head(root) == recorded


def test_the_hostile_corpus_in_an_imap_mailbox_goes_to_the_rejected_folder(
        make_site, keys, monkeypatch, imap_server: ImapServer):  # noqa: F811
    server = imap_server
    root = inbox_site(make_site)
    build(root)
    cases = corpus(root, keys)
    good = good_approval(root, keys)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate.cert))
    for name, value in server.settings("tls").items():
        monkeypatch.setenv(name, value)
    server.deliver(good, *[case.raw for case in cases])
    before = head(root)

    result = run_inbox(root, "--commit", "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert [item["status"] for item in items] == ["recorded"] + ["rejected"] * len(cases)
    for case, item in zip(cases, items[1:], strict=True):
        assert case.reason in item["reason"], (case.name, item["reason"])
    assert git(root, "diff", "--name-only", before, "HEAD").split() == [
        "content/acme/scope.md"]
    rejected = server.messages("Rejected")
    assert len(rejected) == len(cases)
    assert any(len(raw) > 50_000_000 for raw in rejected)  # moved, never downloaded
    assert server.messages("INBOX") == [good]  # recorded now: it leaves on the next run

    again = run_inbox(root, "--commit")
    assert again.exit_code == 0, again.output
    assert "0 recorded, 1 already recorded, 0 rejected" in again.output
    assert server.messages("INBOX") == [] and len(server.messages("Processed")) == 1
