"""`portal notify`: one digest e-mail per contact of what changed in their portal since the last.

For each client (unless client.yaml's `notifications: {enabled: false}`) and each contact with
an e-mail address (unless `notify: false`), the portal's facts now (`content.news`) are
compared with what that contact was last told: new invoices, new updates, milestones moved or
done, and (for contacts who approve) documents awaiting approval. A contact with news gets one
message in the portal's language, in plain text and HTML, each item linked into the portal:
its capability address, or a password portal's share link where it has one; never a password.
A password portal's e-mail names only counts and titles unless `notifications: {details: true}`.

What each contact was told is kept in the record `<out>/.clientportal-notified.json`, beside
the build manifest: updated after every message sent, so a run that fails part-way is resumed
by the next run, which sends only the rest; a run with nothing new sends nothing. A contact
without a record yet starts from the present (nothing is sent) unless `--since REF` is given:
then what changed since that commit is sent, less what the contact was already told.
`--dry-run DIR` writes the messages as `.eml` files and leaves the output folder's record
alone: what the run would have recorded goes to DIR's own copy of it, so dry runs into one
folder over a sequence of build dates show what real runs would send, each message once.

Payment reminders (generator.invoicing.reminders) ride in the same message: a billing contact
of a client with an invoice that reached a step of portal.yaml's `reminders.days` is reminded
once per step, with what is left to pay, the account, the reference, the QR code and the pay
link; none once the invoice is paid; with `reminders.receipts`, thanked once it is. One
message per contact per run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import smtplib
import tempfile
from dataclasses import dataclass, field
from datetime import date
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import click

from generator.bank.lastimport import RECORD as PAYMENTS_RECORD
from generator.content.domain import Client
from generator.content.folders import client_folders
from generator.content.history import content_at
from generator.content.models import Contact
from generator.content.news import Digest, Facts, NewsItem, facts, news
from generator.content.read import read_agency, read_client
from generator.content.validate import validate_agency, validate_client
from generator.errors import ContentError, UsageError, has_errors
from generator.invoicing import bill
from generator.invoicing.payment import QR_ERROR_LEVELS
from generator.invoicing.reminders import Receipt, Reminder, receipts, reminder_facts, reminders
from generator.pipeline.client import ClientPipeline
from generator.pipeline.options import build_date
from generator.protection.credentials import Secrets, default_secrets_file, load_secrets
from generator.protection.protect import (
    client_guard,
    master_secret,
    portal_folder,
    share_fragment,
)
from generator.publish.mail import (
    Letter,
    Outbox,
    message_date,
    mime,
    sender_address,
    smtp_settings,
)
from generator.publish.register import addressed
from generator.render.i18n import Formatter, load_translations, template_functions
from generator.sink import MARKER, MARKER_TEXT, DiskSink, write_atomically

log = logging.getLogger(__name__)

RECORD = ".clientportal-notified.json"
RECORD_FORMAT = 1


class NotifyFailed(click.ClickException):
    """Sending stopped part-way (exit 1): what was sent is recorded, the next run sends the
    rest."""

    exit_code = 1


@dataclass(frozen=True)
class NotifyOptions:
    """What `portal notify` was asked to do."""

    content_dir: Path
    out_dir: Path
    since: str | None = None
    dry_run: Path | None = None
    as_of: date | None = None
    base_url: str | None = None


@dataclass
class Record:
    """What each contact was last told: per client and e-mail address, the facts sent (or
    recorded as the starting point), the message's id and the day."""

    path: Path
    contacts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Record:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as error:
            raise UsageError(f"{path}: cannot read the record of notifications ({error}); "
                             "move it away to start afresh") from None
        if data.get("format") != RECORD_FORMAT:
            raise UsageError(f"{path}: a record of another format ({data.get('format')})")
        return cls(path, data["contacts"])

    def known(self, slug: str, email: str) -> Facts | None:
        entry = self.contacts.get(slug, {}).get(email.casefold())
        return None if entry is None else dict(entry["facts"])

    def remember(self, slug: str, email: str, told: Facts, message_id: str | None,
                 day: date) -> None:
        self.contacts.setdefault(slug, {})[email.casefold()] = {
            "facts": told, "message_id": message_id, "on": day.isoformat()}

    def save(self) -> None:
        """Write the record atomically (sorted: the same record gives the same bytes)."""
        text = json.dumps({"format": RECORD_FORMAT, "contacts": self.contacts},
                          ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        write_atomically(self.path, text.encode("utf-8"))


@dataclass(frozen=True)
class PortalAddress:
    """Where a client's portal is published, and how its links are made."""

    root: str  # https://portals.example.com/acme-<token>/
    fragment: str = ""  # a password portal's share link: #key=...
    password: bool = False

    def link(self, item: NewsItem | None = None) -> str:
        """The address of an item's page (a password portal's: the top-level page listing it,
        whose name is not opaque), or of the portal's overview."""
        if item is None:
            return f"{self.root}index.html{self.fragment}"
        page = item.section if self.password else item.page
        return self.root + (page.split("#")[0] + self.fragment if self.fragment else page)


@dataclass(frozen=True)
class Pending:
    """One contact's turn: the facts to record, and the message to send first, if any."""

    slug: str
    email: str
    facts: Facts
    letter: Letter | None
    first: bool = False  # no record and nothing to compare with: starts from now


@dataclass
class NotifyReport:
    """What a run did."""

    sent: list[str] = field(default_factory=list)  # "slug: address"
    written: list[Path] = field(default_factory=list)  # --dry-run
    unchanged: int = 0  # contacts with nothing new
    started: int = 0  # contacts without a record: recorded as up to date, nothing sent


def notify(options: NotifyOptions) -> NotifyReport:
    """Compose every contact's digest, then send it (or write it), recording as it goes."""
    pipeline = ClientPipeline(options.content_dir)
    config = pipeline.agency.config
    day = build_date(options.as_of, config.timezone, example_date=config.example_date)
    clients = pipeline.every_client(day)
    secrets = load_secrets(default_secrets_file(options.content_dir))
    base = _base_url(options.base_url or config.base_url)
    before = since_facts(options.content_dir, options.since, day) if options.since else None
    sender = sender_address(secrets, config.agency.name, config.agency.email)
    if options.dry_run is not None:
        record = _dry_run_record(options.out_dir, options.dry_run)
        pending = _pending(pipeline, clients, record, before, base, secrets, sender, day)
        return _write(pending, options.dry_run, sender, record, day)
    output = claim_output(options.out_dir)
    try:  # the record is the output folder's: no build may write it meanwhile
        record = Record.load(options.out_dir / RECORD)
        pending = _pending(pipeline, clients, record, before, base, secrets, sender, day)
        return _send(pending, record, secrets, sender, day)
    finally:
        output.release()


def _dry_run_record(out_dir: Path, folder: Path) -> Record:
    """The record a dry run starts from and writes: the folder's own copy, else the output
    folder's (read, never written)."""
    own = folder / RECORD
    record = Record.load(own if own.exists() else out_dir / RECORD)
    record.path = own
    return record


def _pending(pipeline: Any, clients: list[Any], record: Any, before: Any, base: str,
             secrets: Any, sender: Any, day: date) -> list[Any]:
    """Every contact's digest still to send."""
    return [turn for client in clients
            for turn in _turns(pipeline, client, record, before, base,
                               _Mail(secrets=secrets, sender=sender, day=day))]


def claim_output(out_dir: Path) -> DiskSink:
    """Use the output folder as `portal build` does (refusing a folder it did not make); one
    holding only the records of `notify` and `payments import`, as a CI cache restores
    them, is the generator's too."""
    records = {RECORD, PAYMENTS_RECORD}
    if out_dir.is_dir() and not (out_dir / MARKER).exists() and \
            {p.name for p in out_dir.iterdir()} <= records:
        write_atomically(out_dir / MARKER, MARKER_TEXT.encode("utf-8"))
    output = DiskSink(out_dir)
    output.claim()
    return output


def _base_url(base_url: str | None) -> str:
    if not base_url:
        raise UsageError("portal notify links into the published portals: set base_url in "
                         "portal.yaml, or pass --base-url https://...")
    return base_url if base_url.endswith("/") else base_url + "/"


def since_facts(content_dir: Path, ref: str, day: date) -> dict[str, Facts]:
    """Each client's facts as the content was at git commit `ref` (clients then invalid or
    absent are left out: their contacts start from the present)."""
    with tempfile.TemporaryDirectory(prefix="clientportal-since-") as folder:
        content = Path(folder) / "content"
        content.mkdir()
        content_at(content_dir, ref, content)
        try:
            agency = validate_agency(read_agency(content))
        except ContentError:
            log.warning("--since %s: portal.yaml then had errors; comparing with nothing", ref)
            return {}
        states = {}
        for slug in client_folders(content)[0]:
            client, problems = validate_client(read_client(content, slug)[0], agency.config)
            billed = bill(client, agency, day) if client is not None else None
            if billed is not None and not has_errors(problems + billed.problems):
                states[slug] = facts(billed.client) | reminder_facts(
                    billed.client, agency.config.reminders, day)
        return states


@dataclass(frozen=True, kw_only=True)
class _Mail:
    """What every message of a run shares: the secrets, the sender, the build date."""

    secrets: Secrets
    sender: Address
    day: date


@dataclass(frozen=True, kw_only=True)
class Dues:
    """A billing contact's payment reminders and receipts in this run's message."""

    reminders: list[Reminder] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reminders or self.receipts)


def _turns(pipeline: ClientPipeline, client: Client, record: Record,
           before: dict[str, Facts] | None, base: str, mail: _Mail) -> list[Pending]:
    """Every recipient of one client: what they are told now, and the facts to record."""
    if not client.profile.notifications.enabled:
        return []
    config = pipeline.agency.config
    current = facts(client) | reminder_facts(client, config.reminders, mail.day)
    address = _address(client, base, mail.secrets)
    approvers, payers = _approvers(client), _payers(client)
    turns = []
    for contact in _recipients(client):
        assert contact.email is not None
        known = _known(record.known(client.slug, contact.email),
                       None if before is None else before.get(client.slug), current)
        digest = news(client, known, contact.name in approvers) if known is not None else None
        dues = (Dues(reminders=reminders(client, known, current, config.payment_url),
                     receipts=receipts(client, known, current))
                if known is not None and contact.name in payers else Dues())
        letter = (_letter(pipeline, client, contact, Told(digest, dues), address, current,
                          mail.sender) if digest or dues else None)
        turns.append(Pending(client.slug, contact.email, current, letter, known is None))
    return turns


def _known(recorded: Facts | None, then: Facts | None, current: Facts) -> Facts | None:
    """What a contact knows: the record, or with --since the content then, less what the record
    says they were told already; None for a contact with neither (they start from now)."""
    if then is None:
        return recorded
    known = dict(then)
    known.update({key: version for key, version in (recorded or {}).items()
                  if current.get(key) == version})
    return known


def _recipients(client: Client) -> list[Contact]:
    """Contacts with an e-mail address who have not opted out, each address once."""
    seen: set[str] = set()
    found = []
    for contact in client.profile.contacts:
        if contact.email and contact.notify and contact.email.casefold() not in seen:
            seen.add(contact.email.casefold())
            found.append(contact)
    return found


def _payers(client: Client) -> set[str]:
    """Who is reminded of payments: the billing contacts, else the decision makers, else
    every contact."""
    contacts = client.profile.contacts
    return ({c.name for c in contacts if c.billing}
            or {c.name for c in contacts if c.decision_maker} or {c.name for c in contacts})


def _approvers(client: Client) -> set[str]:
    """Who is told of documents awaiting approval: the decision makers, else every contact."""
    makers = {c.name for c in client.profile.contacts if c.decision_maker}
    return makers or {c.name for c in client.profile.contacts}


def _address(client: Client, base: str, secrets: Secrets) -> PortalAddress:
    guard = client_guard(client)
    fragment = ""
    if guard.mode == "password" and guard.share_link:
        fragment = share_fragment(master_secret(secrets, guard), guard.name)
    return PortalAddress(f"{base}{portal_folder(guard, secrets)}/", fragment,
                         guard.mode == "password")


@dataclass(frozen=True)
class Told:
    """What one message tells a contact: the news, and the reminders and receipts."""

    digest: Digest | None
    dues: Dues


def qr_images(dues: Dues) -> dict[str, bytes]:
    """Each reminder's QR code as a PNG by Content-ID (e-mail clients show no inline SVG)."""
    import io

    import segno

    images = {}
    ids = _qr_ids(dues)
    for reminder in dues.reminders:
        payment = reminder.payment
        if payment is None or payment.qr_payload is None:
            continue
        buffer = io.BytesIO()
        segno.make_qr(payment.qr_payload, error=QR_ERROR_LEVELS.get(payment.qr_kind or "", "m"),
                      boost_error=False, encoding="utf-8").save(buffer, kind="png", scale=4)
        images[ids[reminder.number]] = buffer.getvalue()
    return images


def _letter(pipeline: ClientPipeline, client: Client, contact: Contact, told: Told,
            address: PortalAddress, current: Facts, sender: Address) -> Letter:
    """One contact's digest in the portal's language: subject, text and HTML."""
    digest = told.digest or Digest()
    language = client.language
    fmt = Formatter(language, client.timezone)
    profile = client.profile
    context = {
        **template_functions(load_translations(pipeline.theme.folders, language)),
        "client": profile, "agency": pipeline.agency.config.agency, "contact": contact,
        "addressed": addressed(contact.name, language),
        "manager": profile.account_manager, "digest": digest, "fmt": fmt,
        "reminders": told.dues.reminders, "receipts": told.dues.receipts,
        "qr_ids": _qr_ids(told.dues),
        "lang": fmt.language_tag, "link": address.link, "portal_link": address.link(),
        "details": profile.access.mode != "password" or profile.notifications.details,
        "asks_password": address.password and not address.fragment,
    }
    subject, _, text = pipeline.env.get_template("email/digest.txt").render(context) \
        .partition("\n\n")
    html = pipeline.env.get_template("email/digest.html").render(context)
    assert contact.email is not None
    identity = json.dumps([client.slug, contact.email.casefold(), current], sort_keys=True)
    message_id = f"<{hashlib.sha256(identity.encode()).hexdigest()[:32]}.notify@{sender.domain}>"
    return Letter(Address(display_name=contact.name, addr_spec=contact.email),
                  profile.account_manager.email, subject.strip(), text.lstrip("\n"), html,
                  message_id,
                  tuple(sorted(qr_images(told.dues).items())) if context["details"] else ())


def _qr_ids(dues: Dues) -> dict[str, str]:
    """Each reminder's QR code's Content-ID, by invoice number."""
    return {reminder.number: "qr-" + hashlib.sha256(reminder.payment.qr_payload.encode())
            .hexdigest()[:16] + "@clientportal"
            for reminder in dues.reminders
            if reminder.payment is not None and reminder.payment.qr_payload is not None}


def _write(pending: list[Pending], folder: Path, sender: Address, record: Record,
           day: date) -> NotifyReport:
    """--dry-run: each message as `<client>--<address>.eml` (replacing one an earlier dry run
    wrote there); what real runs record goes to the folder's own record."""
    report = NotifyReport()
    folder.mkdir(parents=True, exist_ok=True)
    for turn in pending:
        record.remember(turn.slug, turn.email, turn.facts,
                        turn.letter.message_id if turn.letter else None, day)
        if turn.letter is None:
            report.started += turn.first
            report.unchanged += not turn.first
            continue
        path = folder / f"{turn.slug}--{re.sub(r'[^a-z0-9.@-]+', '_', turn.email.lower())}.eml"
        write_atomically(path, mime(turn.letter, sender, message_date()).as_bytes())
        report.written.append(path)
    record.save()
    return report


def _send(pending: list[Pending], record: Record, secrets: Secrets, sender: Address,
          day: date) -> NotifyReport:
    """Send each message and record its contact's facts at once (the record is written after
    every message), so a failure part-way loses nothing and repeats nothing the next run."""
    report = NotifyReport()
    letters = sum(1 for turn in pending if turn.letter)
    outbox = Outbox(smtp_settings(secrets)) if letters else None
    with outbox or contextlib.nullcontext():
        for turn in pending:
            if turn.letter is not None and outbox is not None:
                _deliver(outbox, turn, sender, record, report, letters)
            else:
                report.started += turn.first
                report.unchanged += not turn.first
            record.remember(turn.slug, turn.email, turn.facts,
                            turn.letter.message_id if turn.letter else None, day)
            if turn.letter is not None:
                record.save()
    record.save()
    return report


def _deliver(outbox: Outbox, turn: Pending, sender: Address, record: Record,
             report: NotifyReport, letters: int) -> None:
    assert turn.letter is not None
    try:
        outbox.send(mime(turn.letter, sender, message_date()))
    except (smtplib.SMTPException, OSError) as error:
        record.save()
        raise NotifyFailed(
            f"sending to {turn.email} ({turn.slug}) failed: {error}; {len(report.sent)} of "
            f"{letters} messages were sent and recorded; run portal notify again to send the "
            "rest") from None
    report.sent.append(f"{turn.slug}: {turn.email}")
