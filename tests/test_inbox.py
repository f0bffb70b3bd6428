"""`portal inbox` from saved messages: the portal's own prefilled e-mails (taken from the built
pages' mailto: links), DKIM-signed, become an approval, a survey answer and a question thread;
the account manager's reply becomes the answer; the rebuilt portal shows them; `git diff`
shows only the lines that record them; a second run changes nothing; the approval's receipt
goes out through SMTP."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import datetime, timezone

import pytest
import yaml

from gitrepo import git
from inboxsite import (
    build,
    changed_lines,
    dns,
    head,
    inbox_site,
    run_inbox,
    save,
)
from mailkit import KeyRing, answered, mailto_in, message, page
from servers import self_signed, smtp_server
from talk import INTAKE, SCOPE, asking, fingerprint_of, text_of

CARL = "Carl Client <carl@acme.test>"
ANN = "Ann Manager <ann@agency.test>"


@pytest.fixture
def keys(monkeypatch) -> KeyRing:
    ring = KeyRing()
    dns(monkeypatch, ring)
    for name, value in {"GIT_AUTHOR_NAME": "Portal Inbox", "GIT_AUTHOR_EMAIL": "ci@agency.test",
                        "GIT_COMMITTER_NAME": "Portal Inbox",
                        "GIT_COMMITTER_EMAIL": "ci@agency.test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTAL_SMTP_HOST", raising=False)
    return ring


def client_messages(root, keys: KeyRing) -> list[bytes]:
    """What Carl sends from the built portal: the approval of the scope, the survey, a
    question about the launch; each from its mailto: link, DKIM-signed by acme.test."""
    approval = mailto_in(page(root, "acme/scope.html"), "approve")
    survey = mailto_in(page(root, "acme/index.html"), "survey-send")
    question = mailto_in(page(root, "acme/timeline.html"),
                         about="Ref: acme/milestones/launch")
    assert approval.to == "ann@agency.test" and approval.cc == "portal@agency.test"
    assert survey.cc == question.cc == "portal@agency.test"
    return [
        keys.sign(answered(approval, CARL, "<approve-1@mail.acme.test>"), "acme.test"),
        keys.sign(answered(survey, CARL, "<survey-1@mail.acme.test>",
                           fill={"Answer: ": "9", "(1 = very dissatisfied, 5 = very satisfied)"
                                 "\nAnswer: ": "4", "What could we do better?\n":
                                 "Answer the phone faster.\nAnd send <b>fewer</b> PDFs."}),
                  "acme.test"),
        keys.sign(answered(question, CARL, "<question-1@mail.acme.test>",
                           fill={"Hello,\n\n": "Can we move the launch by a week?\n"
                                 "<script>alert(1)</script> is what our CMS shows."}),
                  "acme.test"),
    ]


def test_the_portals_own_messages_are_recorded_once_and_shown(make_site, keys, tmp_path):
    root = inbox_site(make_site)
    build(root)
    before = head(root)
    mbox = save(root, "inbox.mbox", *client_messages(root, keys))

    result = run_inbox(root, "--from", mbox, "--commit")
    assert result.exit_code == 0, result.output
    assert "3 recorded, 0 already recorded, 0 rejected, 0 to confirm; wrote 3 files" in \
        result.output
    assert "version 1.0 committed 2026-11-01" in result.output  # the version it matched
    assert head(root) != before
    message_of_commit = git(root, "log", "-1", "--format=%B")
    for message_id in ("<approve-1@mail.acme.test>", "<survey-1@mail.acme.test>",
                        "<question-1@mail.acme.test>"):
        assert f"mail {message_id}:" in message_of_commit

    # only the lines that record the answers changed; the person's comments and order stay
    fingerprint = fingerprint_of(asking(SCOPE))
    assert changed_lines(root, before) == [
        '+about: "milestones/launch"', "+messages:", "+  - on: 2026-11-20",
        "+    by: Carl Client", "+    text: |", "+      Can we move the launch by a week?",
        "+      <script>alert(1)</script> is what our CMS shows.",
        "+    message_id: <question-1@mail.acme.test>",
        "+  - on: 2026-11-20", "+    by: Carl Client", "+    nps: 9", "+    csat: 4",
        "+    comment: |", "+      Answer the phone faster.",
        "+      And send <b>fewer</b> PDFs.", "+    round: 2026-Q4",
        "+    message_id: <survey-1@mail.acme.test>",
        "+approvals:", "+  - by: Carl Client", "+    on: 2026-11-20", "+    version: '1.0'",
        f"+    fingerprint: {fingerprint}", "+    message_id: <approve-1@mail.acme.test>"]
    satisfaction = (root / "content/acme/satisfaction.yaml").read_text()
    assert satisfaction.startswith("# Answers to the satisfaction survey (kept by Ann).\n"
                                   "answers:\n  # the first one, from the kickoff call\n"
                                   "  - {on: 2026-09-05, by: Dana Doe, nps: 8, csat: 4, "
                                   "round: after-kickoff}\n")

    # the same mailbox again: nothing changes
    again = run_inbox(root, "--from", mbox, "--commit", "--format", "json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert [item["status"] for item in report["items"]] == ["already recorded"] * 3
    assert report["written"] == [] and report["commit"] is None
    assert git(root, "status", "--porcelain", "content") == ""

    # the rebuilt portal shows it
    build(root)
    scope = text_of(root / "output/acme/scope.html")
    assert "Approved by Carl Client on November 20, 2026 · Version 1.0" in scope
    overview = text_of(root / "output/acme/index.html")
    assert "How are we doing?" not in overview  # the survey is answered
    assert "1 open question" in overview
    questions = (root / "output/acme/questions.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is what our CMS shows." in questions
    assert "<script>alert" not in questions
    assert "Awaiting our answer" in text_of(root / "output/acme/questions.html")


def test_the_account_managers_reply_answers_the_thread_and_the_client_writes_back(
        make_site, keys):
    root = inbox_site(make_site)
    build(root)
    question = mailto_in(page(root, "acme/requirements/intake.html"),
                         about="Ref: acme/requirements/intake")
    asked = keys.sign(answered(question, CARL, "<q-7@mail.acme.test>",
                               fill={"Hello,\n\n": "Is the phone field required?"}), "acme.test")
    reply = keys.sign(message(
        sender=ANN, to=CARL, cc="portal@agency.test", subject="Re: question",
        message_id="<a-7@agency.test>", in_reply_to="<q-7@mail.acme.test>",
        date=datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc),
        body="Yes, it is required.\n\nAnn\n\nOn Fri, Nov 20, 2026 Carl Client wrote:\n"
             "> Is the phone field required?\n>\n> Ref: acme/"
             "requirements/intake\n"), "agency.test")
    back = keys.sign(message(
        sender=CARL, subject="Re: Re: question", message_id="<q-8@mail.acme.test>",
        in_reply_to="<a-7@agency.test>", date=datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc),
        body="Thanks! And the e-mail field?\n\n-----Original Message-----\nFrom: Ann\n"
             "Yes, it is required.\n"), "acme.test")
    result = run_inbox(root, "--from", save(root, "q.eml", asked), "--commit")
    assert result.exit_code == 0, result.output
    result = run_inbox(root, "--from", save(root, "replies.mbox", reply, back), "--commit")
    assert result.exit_code == 0, result.output
    assert "recorded: replies.mbox, message 1 [mail <a-7@agency.test>]: answer by Ann Manager" \
        in result.output.replace(str(root) + "/", "")
    thread = yaml.safe_load((root / "content/acme/questions/requirements-intake.yaml")
                            .read_text())
    assert thread["about"] == "requirements/intake"
    assert [(m["by"], m["text"]) for m in thread["messages"]] == [
        ("Carl Client", "Is the phone field required?"),
        ("Ann Manager", "Yes, it is required.\n\nAnn\n"),
        ("Carl Client", "Thanks! And the e-mail field?")]
    build(root)
    text = text_of(root / "output/acme/questions.html")
    assert text.index("Is the phone field required?") < text.index("Yes, it is required.") \
        < text.index("Thanks! And the e-mail field?")
    assert "Awaiting our answer" in text  # the client wrote last


def test_an_approval_gets_a_receipt_through_smtp(make_site, keys, monkeypatch, tmp_path):
    certificate = self_signed(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    root = inbox_site(make_site)
    build(root)
    approval = mailto_in(page(root, "acme/requirements/intake.html"), "approve")
    raw = keys.sign(answered(approval, CARL, "<approve-9@mail.acme.test>"), "acme.test")
    with smtp_server(certificate) as mailbox:
        monkeypatch.setenv("PORTAL_SMTP_HOST", mailbox.host)
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(mailbox.port))
        result = run_inbox(root, "--from", save(root, "a.eml", raw))
        assert result.exit_code == 0, result.output
        assert "receipt sent to carl@acme.test (acme)" in result.output
        (sender, recipients, receipt), = mailbox.messages
        assert recipients == ["carl@acme.test"]
        assert receipt["In-Reply-To"] == "<approve-9@mail.acme.test>"
        assert receipt["Subject"] == "Acme & Co: your approval of Client intake is recorded"
        text = receipt.get_body(("plain",)).get_content().replace("\xa0", " ")
        assert "We recorded your approval of “Client intake”, version 0.3, given on " \
               "November 20, 2026." in text
        assert f"Fingerprint: {fingerprint_of(INTAKE)}" in text
        assert "If you did not send this approval, reply to this message at once." in text
        # recorded once: a second run sends no second receipt
        assert run_inbox(root, "--from", root / "a.eml").exit_code == 0
        assert len(mailbox.messages) == 1


def test_without_smtp_settings_the_run_says_no_receipt_was_sent(make_site, keys):
    root = inbox_site(make_site)
    build(root)
    approval = mailto_in(page(root, "acme/scope.html"), "approve")
    raw = keys.sign(answered(approval, CARL, "<approve-2@mail.acme.test>"), "acme.test")
    result = run_inbox(root, "--from", save(root, "a.eml", raw))
    assert result.exit_code == 0, result.output
    assert "warning: no receipt sent (PORTAL_SMTP_HOST is not set)" in result.output


def test_a_trusted_servers_authentication_results_stand_in_for_dkim(make_site, keys):
    """Unsigned as it reaches the mailbox (a forwarder dropped the signature): the agency's
    own server mx.agency.test checked it; a header of any other server, or one below the
    trusted server's, counts for nothing."""
    root = inbox_site(make_site)
    build(root)
    link = mailto_in(page(root, "acme/scope.html"), "approve")

    def with_results(*headers: str, message_id: str) -> bytes:
        raw = answered(link, CARL, message_id)
        return "".join(f"Authentication-Results: {h}\r\n" for h in headers).encode() + raw

    trusted = with_results("mx.agency.test; dkim=pass (2048-bit key) header.d=acme.test "
                           "header.s=s1; spf=pass smtp.mailfrom=acme.test",
                           message_id="<ar-1@mail.acme.test>")
    other = with_results("mx.evil.test; dkim=pass header.d=acme.test",
                         message_id="<ar-2@mail.acme.test>")
    below = with_results("mx.evil.test; none", "mx.agency.test; dkim=pass header.d=acme.test",
                         message_id="<ar-3@mail.acme.test>")
    failed = with_results("mx.agency.test; dkim=fail header.d=acme.test",
                          message_id="<ar-4@mail.acme.test>")
    result = run_inbox(root, "--from", save(root, "ar.mbox", trusted, other, below, failed),
                       "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert [item["status"] for item in items] == ["recorded", "rejected", "rejected",
                                                  "rejected"]
    assert all("is not authenticated" in item["reason"] for item in items[1:])


def test_messages_in_other_charsets_are_read_as_written(make_site, keys):
    """A Japanese mail program's ISO-2022-JP, Windows' Central European: decoded from what
    they declare, recorded as the client wrote."""
    root = inbox_site(make_site)
    japanese = keys.sign(message(
        sender=CARL, message_id="<jp-1@mail.acme.test>", charset="iso-2022-jp",
        body="お世話になっております。\n\n納期について質問です。\n\n"
             "Ref: acme/scope\n"), "acme.test")
    polish = keys.sign(message(
        sender="Dana Doe <dana@acme.test>", message_id="<pl-1@mail.acme.test>",
        charset="cp1250", body="Dzień dobry,\n\nCzy zażółć gęślą jaźń działa?\n\n"
                               "Ref: acme/scope\n"), "acme.test")
    result = run_inbox(root, "--from", save(root, "cs.mbox", japanese, polish))
    assert result.exit_code == 0, result.output
    thread = yaml.safe_load((root / "content/acme/questions/scope.yaml").read_text())
    assert [m["text"] for m in thread["messages"]] == [
        "お世話になっております。\n\n納期について質問です。\n",
        "Dzień dobry,\n\nCzy zażółć gęślą jaźń działa?\n"]


def test_content_with_errors_stops_the_inbox_before_anything_is_read(make_site, keys):
    root = inbox_site(make_site, {"content/acme/deadlines.yaml": "milestones: [{id: 1}]\n"})
    raw = keys.sign(message(sender=CARL, message_id="<x-1@mail.acme.test>",
                            body="Hello\n\nRef: acme/scope\n"), "acme.test")
    result = run_inbox(root, "--from", save(root, "x.eml", raw))
    assert result.exit_code == 1
    assert "acme/deadlines.yaml:1: 'due' is required in milestone 1 (1)" in result.output
    assert "nothing was written" in result.output
    assert not (root / "content/acme/questions").exists()


def test_usage_errors(make_site, keys, monkeypatch):
    root = inbox_site(make_site)
    for name in ("HOST", "USER", "PASSWORD"):
        monkeypatch.delenv(f"PORTAL_IMAP_{name}", raising=False)
    result = run_inbox(root)
    assert result.exit_code == 2 and "set PORTAL_IMAP_HOST" in result.output
    monkeypatch.setenv("PORTAL_IMAP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_IMAP_USER", "u")
    monkeypatch.setenv("PORTAL_IMAP_PASSWORD", "p")
    monkeypatch.setenv("PORTAL_IMAP_SECURITY", "none")
    result = run_inbox(root)
    assert result.exit_code == 2 and "use tls or starttls" in result.output
    (root / "notes.txt").write_text("just some notes\n")
    result = run_inbox(root, "--from", root / "notes.txt")
    assert result.exit_code == 1 and "neither a saved e-mail" in result.output
    result = run_inbox(root, "--from", save(root, "y.eml", b"From: a@b.c\r\n\r\nx"),
                       "--accept", "form:formspree-9")
    assert result.exit_code == 2 and "--accept form:formspree-9" in result.output


def test_the_thread_file_name_comes_from_the_topic_never_from_the_message():
    from generator.inbox.intake import thread_name

    assert thread_name("requirements/intake") == "requirements-intake"
    assert thread_name("milestones/Q1..launch") == "milestones-q1-launch"
    assert thread_name("../../etc/passwd") == "etc-passwd"
    assert re.fullmatch(r"[a-z0-9-]{1,60}", thread_name("x" * 200))
    assert thread_name("???") == "general"


def test_the_survey_answer_is_read_in_the_portals_language():
    from generator.inbox.wording import survey_answer
    from generator.render.i18n import load_translations
    from generator.render.theme import theme_for

    gettext = load_translations(theme_for(None).folders, "ja").gettext
    body = textwrap.dedent("""\
        お世話になっております。

        同僚に薦める可能性はどのくらいありますか？
        (0＝まったく薦めない、10＝ぜひ薦めたい)
        回答： ９

        当社の業務に全体としてどの程度ご満足いただいていますか？
        (1＝非常に不満、5＝非常に満足)
        回答： 5

        改善すべき点があればお聞かせください。
        特になし

        アンケート：2026-Q4
        """)
    answer = survey_answer(body, gettext, "2026-Q4")
    assert (answer.nps, answer.csat, answer.comment) == (9, 5, "特になし")
