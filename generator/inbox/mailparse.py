"""Read an e-mail safely: its sender, ids, date and plain text, or why it cannot be read.

Bounded in size and in MIME parts, its headers checked for what a forger would slip in, its
plain-text part decoded strictly from its declared character set.

Anything that is not a plain, readable message is refused with its reason (records.Refused);
the email package never raises past this module.
"""

from __future__ import annotations

import codecs
import email.errors
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address, Group
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from generator.inbox.records import Refused

MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # the portal's messages are a few kB; attachments ignored
MAX_PARTS = 50  # MIME parts (and boundaries) in one message
MAX_DEPTH = 8  # multiparts inside multiparts
MAX_IDS = 50  # message ids in In-Reply-To and References
# A Message-ID as RFC 5322 writes it: <left@right>, printable, no spaces.
MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}@[!-;=?-~]{1,250}>")
_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"]{1,64}@[A-Za-z0-9.-]{1,253}$")
# How mail programs label character sets that are wider than their name (as WHATWG's
# Encoding Standard decodes them): Outlook's Korean, Windows' Japanese, GB2312 as GBK.
_CHARSETS = {"ks_c_5601-1987": "cp949", "euc-kr": "cp949", "shift_jis": "cp932",
             "x-sjis": "cp932", "gb2312": "gbk", "iso-8859-1": "cp1252"}
_UNREADABLE = (email.errors.MessageError, ValueError, LookupError, TypeError, IndexError,
               AttributeError, RecursionError)
READ_HEADERS = ("From", "Subject", "Message-ID", "In-Reply-To", "References", "Date")


@dataclass(frozen=True, kw_only=True)
class Mail:
    """The parts of an e-mail the inbox reads."""

    sender: str  # the From address, as written
    sender_domain: str  # its domain, lower-case
    message_id: str  # <…@…>
    replies_to: tuple[str, ...]  # In-Reply-To, then References, newest first
    sent: datetime  # the Date header, timezone-aware
    subject: str
    text: str  # the plain-text part, line ends as LF


def parse_mail(raw: bytes) -> Mail:
    """The message's sender, ids, date and text; Refused when it is not a plain, readable
    message from one sender."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refused(f"is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    if raw.lower().count(b"boundary=") > MAX_PARTS:
        raise Refused(f"has more than {MAX_PARTS} MIME parts")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        return _read(message)
    except _UNREADABLE as error:
        raise Refused(f"cannot be read as an e-mail ({type(error).__name__})") from None


def _read(message: EmailMessage) -> Mail:
    headers = {name: _header(message, name) for name in READ_HEADERS}
    sender = _sender(message)
    return Mail(sender=sender, sender_domain=sender.rpartition("@")[2].lower(),
                message_id=_message_id(headers["Message-ID"]),
                replies_to=_replies_to(headers["In-Reply-To"], headers["References"]),
                sent=_sent(headers["Date"]), subject=headers["Subject"],
                text=plain_text(message))


def _header(message: EmailMessage, name: str) -> str:
    """One header's decoded value ('' if absent); Refused when it appears twice or holds a
    line break or another control character (a header smuggled into a value)."""
    values = message.get_all(name) or []
    if len(values) > 1:
        raise Refused(f"has {len(values)} {name} headers")
    value = str(values[0]) if values else ""
    if any(unicodedata.category(c) == "Cc" and c != "\t" for c in value):
        raise Refused(f"its {name} header holds a line break or a control character "
                      "(a header smuggled into another)")
    return value


def _sender(message: EmailMessage) -> str:
    field = message["From"]
    addresses: tuple[Address, ...] = getattr(field, "addresses", ())
    groups: tuple[Group, ...] = getattr(field, "groups", ())
    if len(addresses) != 1 or any(group.display_name for group in groups):
        raise Refused("its From header does not name exactly one sender")
    address = addresses[0].addr_spec
    if not _ADDRESS.match(address) or "." not in address.rpartition("@")[2]:
        raise Refused("its From address is not an e-mail address")
    return str(address)


def _message_id(value: str) -> str:
    match = MESSAGE_ID.fullmatch(value.strip())
    if not match:
        raise Refused("has no valid Message-ID (the inbox records each message by it)")
    return match.group()


def _replies_to(in_reply_to: str, references: str) -> tuple[str, ...]:
    found = MESSAGE_ID.findall(in_reply_to) + list(reversed(MESSAGE_ID.findall(references)))
    return tuple(dict.fromkeys(found))[:MAX_IDS]


def _sent(value: str) -> datetime:
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise Refused("its Date header is missing or not a date") from None
    return sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc)


def plain_text(message: Message) -> str:
    """The first plain-text part that is not an attachment, decoded; Refused when there is
    none, when parts nest too deep, or when its text is not what its charset says."""
    part = _first_text(message, 0)
    if part is None:
        raise Refused("has no plain-text part (the inbox reads plain text, never HTML)")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise Refused("has an empty plain-text part")
    declared = (part.get_content_charset() or "us-ascii").lower()
    try:
        codec = codecs.lookup(_CHARSETS.get(declared, declared))
    except LookupError:
        raise Refused(f"is written in an unknown character set '{declared[:40]}'") from None
    try:
        text = payload.decode(codec.name)
    except UnicodeDecodeError:
        raise Refused(f"is not valid {declared} text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


def _first_text(part: Message, depth: int) -> Message | None:
    if depth > MAX_DEPTH:
        raise Refused(f"nests MIME parts more than {MAX_DEPTH} deep")
    if part.get_content_maintype() == "message":
        return None  # a message forwarded inside this one: not the sender's words
    if part.is_multipart():
        for child in part.get_payload():
            found = _first_text(child, depth + 1) if isinstance(child, Message) else None
            if found is not None:
                return found
        return None
    if part.get_content_type() == "text/plain" and part.get_content_disposition() != "attachment":
        return part
    return None
