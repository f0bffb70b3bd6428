"""What arrived in the inbox, and what became of it: the records its stages hand on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from generator.writeback import Edit, Origin

# recorded: written now; already recorded: found in the content (a repeat, or recorded by an
# earlier run); rejected: not trusted or not understood, nothing written; to confirm: a form's
# approval, listed for the agency to confirm with --accept ID
Status = Literal["recorded", "already recorded", "rejected", "to confirm"]


class Refused(Exception):
    """Why an item is not taken, in words for the office (str(error))."""


@dataclass(frozen=True, kw_only=True)
class FormEntry:
    """One submission of a form service's export: its id, when, and the fields as posted."""

    service: str  # formspree | basin | netlify | csv
    id: str
    created: datetime | None
    fields: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class Received:
    """One item to consider: an e-mail's bytes or a form submission, and where it is."""

    where: str  # for listings: "INBOX, message 12", "saved.mbox, message 3"
    mail: bytes | None = None
    form: FormEntry | None = None
    too_large: int | None = None  # the size of a message left unread, in bytes
    handle: str | None = None  # the IMAP UID it is moved by


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """The receipt of a recorded approval, for receipts.py to write and send."""

    client: str  # slug
    contact: str  # the contact's name
    address: str  # the contact's e-mail address on record in client.yaml
    title: str
    version: str | None
    fingerprint: str
    on: date
    replying_to: str | None  # the approval message's Message-ID


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """What the inbox makes of one item: its status, where it came from (once known), the
    edits recording it, and why it was rejected or what the agency has to do."""

    where: str
    status: Status
    origin: Origin | None = None
    reason: str = ""
    edits: tuple[Edit, ...] = ()
    receipt: Receipt | None = None
    handle: str | None = None
    files: tuple[str, ...] = ()  # the content files it is recorded in (after writing)
