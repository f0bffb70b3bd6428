"""`portal inbox`: read, judge each item, record what is trusted, tidy, send receipts.

1. The content is read and validated (errors: nothing else happens, exit 1).
2. Each item (an IMAP message, a saved message, a form submission) is judged alone: read,
   authenticated, checked against the rules (intake.py); a rejection names its reason.
3. Every accepted edit goes to the content writer at once, which runs `portal check` on the
   result and writes nothing on any error (then nothing in the mailbox moves either).
4. In the mailbox, rejected messages move to the rejected folder, and messages found already
   recorded in the content the run started from move to the processed folder; a message
   recorded by this run stays until the next run finds it recorded, so a commit that never
   reached the repository (a failed push) loses nothing: the next run records it again.
5. The receipt of each approval recorded goes to its contact.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from generator.content.domain import Client, Thread
from generator.errors import ContentError, UsageError, printable
from generator.inbox.forms import form_origin_id
from generator.inbox.imap import Mailbox, imap_settings
from generator.inbox.intake import (
    Book,
    Proposal,
    book_of,
    consider_form,
    consider_mail,
    with_thread,
)
from generator.inbox.mailparse import MAX_MESSAGE_BYTES, parse_mail
from generator.inbox.receipts import Sent, send_receipts
from generator.inbox.records import Received, Refused, Verdict
from generator.inbox.sources import read_saved
from generator.inbox.trust import DnsLookup, Trust, authenticate
from generator.pipeline.client import ClientPipeline
from generator.pipeline.options import build_date
from generator.protection.credentials import Secrets, default_secrets_file, load_secrets
from generator.render.i18n import load_translations
from generator.writeback import Origin, apply_edits

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class InboxOptions:
    """What `portal inbox` was asked to do."""

    content: Path
    sources: tuple[Path, ...] = ()  # --from: saved messages and exports instead of IMAP
    commit: bool = False
    accept: frozenset[str] = frozenset()  # form approvals the agency confirms
    as_of: date | None = None
    lookup: DnsLookup | None = None  # DKIM keys' records [default: DNS]


@dataclass(frozen=True, kw_only=True)
class InboxReport:
    """What a run did."""

    as_of: date
    verdicts: tuple[Verdict, ...]
    written: tuple[str, ...]
    commit: str | None
    receipts: Sent


def run_inbox(options: InboxOptions) -> InboxReport:
    """Read, judge, record, tidy, send receipts (see the module's description)."""
    pipeline = ClientPipeline(options.content)
    config = pipeline.agency.config
    day = build_date(options.as_of, config.timezone, example_date=config.example_date)
    clients = pipeline.every_client(day)
    book = book_of(options.content, clients,
                   lambda language: load_translations(pipeline.theme.folders,
                                                      language).gettext, day)
    trust = Trust(authserv_ids=tuple(config.inbox.trusted_authserv_ids), lookup=options.lookup)
    secrets = load_secrets(default_secrets_file(options.content))
    finish = _Finish(pipeline, book, options, secrets)
    if options.sources:
        items = [item for path in options.sources for item in read_saved(path)]
        return finish(_judged(book, trust, items, options.accept), None)
    with Mailbox(imap_settings(secrets)) as mailbox:
        return finish(_judged(book, trust, mailbox.received(), options.accept), mailbox)


def _judged(book: Book, trust: Trust, items: Sequence[Received],
            accept: frozenset[str]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    seen: dict[str, str] = {}  # origin id -> where it was first found in this run
    for item in items:
        verdict, thread = judge(book, trust, item, accept)
        origin_id = verdict.origin.id if verdict.origin else None
        if thread is not None and origin_id:  # a reply to it may come in this same run
            book = with_thread(book, origin_id, thread)
        verdicts.append(_unless_seen(verdict, seen, item.where))
    _check_accepted(accept, verdicts)
    return verdicts


def _unless_seen(verdict: Verdict, seen: dict[str, str], where: str) -> Verdict:
    """A second item of the same origin in one run is a copy of the first."""
    origin_id = verdict.origin.id if verdict.origin else None
    if not origin_id:
        return verdict
    if verdict.status == "recorded" and origin_id in seen:
        return replace(verdict, status="already recorded", edits=(), receipt=None,
                       reason=f"a copy of {seen[origin_id]}")
    seen.setdefault(origin_id, where)
    return verdict


def _check_accepted(accept: frozenset[str], verdicts: list[Verdict]) -> None:
    """Each --accept ID names an approval of a form submission read in this run."""
    unknown = accept - {v.origin.id for v in verdicts if v.origin and v.edits
                        and v.origin.kind == "form"}
    if unknown:
        raise UsageError(f"--accept {', '.join(sorted(unknown))}: no approval of a form "
                         "submission with that id was read (see the ids listed as 'to confirm')")


def judge(book: Book, trust: Trust, item: Received, accept: frozenset[str]
          ) -> tuple[Verdict, tuple[Client, Thread] | None]:
    """What the inbox makes of one item, and the thread it adds a message to."""
    origin: Origin | None = None
    try:
        if item.too_large is not None:
            raise Refused(f"is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB "
                          f"({item.too_large:,} bytes): not read")
        if item.mail is not None:
            mail = parse_mail(item.mail)
            origin = Origin(kind="mail", id=mail.message_id, summary=f"from {mail.sender}")
            authenticate(item.mail, mail, trust)
            proposal = consider_mail(book, mail)
        else:
            assert item.form is not None
            origin = Origin(kind="form", id=form_origin_id(item.form), summary="a submission")
            proposal = consider_form(book, item.form, accept)
    except Refused as why:
        return Verdict(where=item.where, status="rejected", origin=origin, reason=str(why),
                       handle=item.handle), None
    return _verdict(item, proposal), proposal.thread


def _verdict(item: Received, proposal: Proposal) -> Verdict:
    if proposal.to_confirm:
        return Verdict(where=item.where, status="to confirm", origin=proposal.origin,
                       reason=f"confirm with --accept {proposal.origin.id}",
                       edits=proposal.edits, handle=item.handle)
    if proposal.duplicate:
        return Verdict(where=item.where, status="already recorded", origin=proposal.origin,
                       reason="the same was recorded from another message", handle=item.handle)
    return Verdict(where=item.where, status="recorded", origin=proposal.origin,
                   edits=proposal.edits, receipt=proposal.receipt, handle=item.handle)


@dataclass(frozen=True)
class _Finish:
    """The run's last steps: record, then tidy the mailbox, then send the receipts."""

    pipeline: ClientPipeline
    book: Book
    options: InboxOptions
    secrets: Secrets

    def __call__(self, verdicts: list[Verdict], mailbox: Mailbox | None) -> InboxReport:
        verdicts, written, commit = _record(self.book, self.options, verdicts)
        if mailbox is not None:
            _tidy(mailbox, verdicts)
        receipts = [v.receipt for v in verdicts if v.status == "recorded" and v.receipt]
        clients: dict[str, Client] = dict(self.book.clients)
        sent = send_receipts(self.pipeline, clients, receipts, self.secrets)
        return InboxReport(as_of=self.book.as_of, verdicts=tuple(verdicts), written=written,
                           commit=commit, receipts=sent)


def _record(book: Book, options: InboxOptions,
            verdicts: list[Verdict]) -> tuple[list[Verdict], tuple[str, ...], str | None]:
    """Write every accepted edit at once (nothing on any error of the check)."""
    edits = [edit for v in verdicts if v.status == "recorded" for edit in v.edits]
    outcome = apply_edits(options.content, edits, as_of=book.as_of, commit=options.commit)
    if any(problem.is_error for problem in outcome.problems):
        raise ContentError(outcome.problems)
    skipped = {origin.id for origin in outcome.skipped}
    return [_settled(v, skipped) for v in verdicts], outcome.written, outcome.commit


def _settled(verdict: Verdict, skipped: set[str]) -> Verdict:
    """A verdict as the writer settled it: what it found recorded already, and the files."""
    if verdict.status == "recorded" and verdict.origin and verdict.origin.id in skipped:
        verdict = replace(verdict, status="already recorded", receipt=None,
                          reason="recorded by an earlier run")
    if verdict.status in ("recorded", "already recorded") and verdict.edits:
        verdict = replace(verdict, files=tuple(sorted({e.file for e in verdict.edits})))
    return verdict


def _tidy(mailbox: Mailbox, verdicts: list[Verdict]) -> None:
    """Rejected messages to the rejected folder; those found recorded to the processed one."""
    settings = mailbox.settings
    for verdict in verdicts:
        if verdict.handle is None:
            continue
        if verdict.status == "rejected":
            mailbox.move(verdict.handle, settings.rejected)
        elif verdict.status == "already recorded":
            mailbox.move(verdict.handle, settings.processed)


def listing(report: InboxReport) -> list[str]:
    """One line per item, then the summary: what the command prints."""
    lines = [printable(_line(verdict)) for verdict in report.verdicts]
    counts = {status: sum(1 for v in report.verdicts if v.status == status)
              for status in ("recorded", "already recorded", "rejected", "to confirm")}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items())
    summary += f"; wrote {len(report.written)} file{'s' if len(report.written) != 1 else ''}"
    if report.commit:
        summary += f"; committed {report.commit[:12]}"
    return [*lines, f"{summary} (as of {report.as_of.isoformat()})"]


def _line(verdict: Verdict) -> str:
    origin = verdict.origin
    where = f"{verdict.where} [{origin.kind} {origin.id}]" if origin else verdict.where
    if verdict.status == "rejected":
        return f"rejected: {where}: {verdict.reason}"
    detail = f": {origin.summary}" if origin else ""
    files = f" -> {', '.join(verdict.files)}" if verdict.files else ""
    reason = f" ({verdict.reason})" if verdict.reason else ""
    return f"{verdict.status}: {where}{detail}{files}{reason}"


def as_records(report: InboxReport) -> dict[str, object]:
    """The report as JSON-ready data (`--format json`)."""
    items = [{"where": v.where, "status": v.status,
              "kind": v.origin.kind if v.origin else None,
              "id": v.origin.id if v.origin else None,
              "summary": v.origin.summary if v.origin else None,
              "reason": v.reason or None, "files": list(v.files)} for v in report.verdicts]
    return {"as_of": report.as_of.isoformat(), "items": items, "written": list(report.written),
            "commit": report.commit, "receipts": {"sent": list(report.receipts.sent),
                                                  "failed": list(report.receipts.failed),
                                                  "unsent": report.receipts.unsent}}
