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
`--dry-run DIR` writes the messages as `.eml` files and records nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import smtplib
import tempfile
from dataclasses import dataclass, field
from datetime import date
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import click

from generator.build.options import build_date
from generator.build.pipeline import ClientPipeline
from generator.commands.links import master_secret, portal_folder
from generator.content.domain import Client
from generator.content.folders import client_folders
from generator.content.history import content_at
from generator.content.models import Contact
from generator.content.news import Digest, Facts, NewsItem, facts, news
from generator.content.read import read_agency, read_client
from generator.content.validate import validate_agency, validate_client
from generator.errors import ContentError, UsageError, has_errors
from generator.invoicing import bill
from generator.publish.credentials import Secrets, default_secrets_file, load_secrets
from generator.publish.mail import (
    Letter,
    Outbox,
    message_date,
    mime,
    sender_address,
    smtp_settings,
)
from generator.publish.output import MARKER, MARKER_TEXT, OutputFolder
from generator.publish.protect import client_guard, share_fragment
from generator.render.i18n import Formatter, load_translations, template_functions

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
        temporary = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)


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
    day = build_date(options.as_of, config.timezone)
    clients = pipeline.every_client(day)
    secrets = load_secrets(default_secrets_file(options.content_dir))
    base = _base_url(options.base_url or config.base_url)
    before = since_facts(options.content_dir, options.since, day) if options.since else None
    sender = sender_address(secrets, config.agency.name, config.agency.email)
    if options.dry_run is not None:
        record = Record.load(options.out_dir / RECORD)
        return _write(_pending(pipeline, clients, record, before, base, secrets, sender),
                      options.dry_run, sender)
    output = claim_output(options.out_dir)
    try:  # the record is the output folder's: no build may write it meanwhile
        record = Record.load(options.out_dir / RECORD)
        pending = _pending(pipeline, clients, record, before, base, secrets, sender)
        return _send(pending, record, secrets, sender, day)
    finally:
        output.release()


def _pending(pipeline: Any, clients: list[Any], record: Any, before: Any, base: str,
             secrets: Any, sender: Any) -> list[Any]:
    """Every contact's digest still to send."""
    return [turn for client in clients
            for turn in _turns(pipeline, client, record, before, base, secrets, sender)]


def claim_output(out_dir: Path) -> OutputFolder:
    """Use the output folder as `portal build` does (refusing a folder it did not make); one
    holding only the records of `notify` and `payments import`, as a CI cache restores
    them, is the generator's too."""
    records = {RECORD, ".clientportal-payments.json"}
    if out_dir.is_dir() and not (out_dir / MARKER).exists() and \
            {p.name for p in out_dir.iterdir()} <= records:
        (out_dir / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    output = OutputFolder(out_dir)
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
                states[slug] = facts(billed.client)
        return states


def _turns(pipeline: ClientPipeline, client: Client, record: Record,
           before: dict[str, Facts] | None, base: str, secrets: Secrets,
           sender: Address) -> list[Pending]:
    """Every recipient of one client: what they are told now, and the facts to record."""
    if not client.profile.notifications.enabled:
        return []
    current, address = facts(client), _address(client, base, secrets)
    approvers = _approvers(client)
    turns = []
    for contact in _recipients(client):
        assert contact.email is not None
        known = _known(record.known(client.slug, contact.email),
                       None if before is None else before.get(client.slug), current)
        digest = news(client, known, contact.name in approvers) if known is not None else None
        letter = (_letter(pipeline, client, contact, digest, address, current, sender)
                  if digest else None)
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


def _letter(pipeline: ClientPipeline, client: Client, contact: Contact, digest: Digest,
            address: PortalAddress, current: Facts, sender: Address) -> Letter:
    """One contact's digest in the portal's language: subject, text and HTML."""
    language = client.language
    fmt = Formatter(language, client.timezone)
    profile = client.profile
    context = {
        **template_functions(load_translations(pipeline.theme.folders, language)),
        "client": profile, "agency": pipeline.agency.config.agency, "contact": contact,
        "manager": profile.account_manager, "digest": digest, "fmt": fmt,
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
                  message_id)


def _write(pending: list[Pending], folder: Path, sender: Address) -> NotifyReport:
    """--dry-run: each message as `<client>--<address>.eml`; nothing is recorded."""
    report = NotifyReport()
    folder.mkdir(parents=True, exist_ok=True)
    for turn in pending:
        if turn.letter is None:
            report.started += turn.first
            report.unchanged += not turn.first
            continue
        path = folder / f"{turn.slug}--{re.sub(r'[^a-z0-9.@-]+', '_', turn.email.lower())}.eml"
        path.write_bytes(mime(turn.letter, sender, message_date()).as_bytes())
        report.written.append(path)
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
