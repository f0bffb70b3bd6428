"""The portal's mailbox over IMAP (imaplib): read it, move what was handled.

Always encrypted: TLS from the start or STARTTLS, the server's certificate checked against
the system's trusted authorities.

Settings come from `PORTAL_IMAP_*` (the environment, else `.portal-secrets`), like the SMTP
settings: `PORTAL_IMAP_HOST`, `PORTAL_IMAP_PORT` (default 993 for TLS, 143 for STARTTLS),
`PORTAL_IMAP_SECURITY` (`tls`, the default, or `starttls`), `PORTAL_IMAP_USER`,
`PORTAL_IMAP_PASSWORD`, and the folders: `PORTAL_IMAP_FOLDER` (read; default INBOX),
`PORTAL_IMAP_PROCESSED` (default Processed) and `PORTAL_IMAP_REJECTED` (default Rejected),
made when missing. Messages are read without marking them seen; a message larger than the
inbox reads is listed by its size and never downloaded.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import click

from generator.errors import UsageError, printable
from generator.inbox.mailparse import MAX_MESSAGE_BYTES
from generator.inbox.records import Received
from generator.protection.credentials import Secrets

SECURITY = {"tls": 993, "starttls": 143}
TIMEOUT = 60  # seconds for each exchange with the server
MAX_MESSAGES = 500  # in one run; the rest wait for the next
_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,99}$")
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class MailboxFailed(click.ClickException):
    """The mailbox could not be read or changed (exit 1); nothing of this run was written."""

    exit_code = 1


@dataclass(frozen=True, kw_only=True)
class ImapSettings:
    """Where the portal's mailbox is, and its folders."""

    host: str
    port: int
    security: str  # tls | starttls
    user: str
    password: str
    folder: str
    processed: str
    rejected: str


def imap_settings(secrets: Secrets) -> ImapSettings:
    """The IMAP settings from `PORTAL_IMAP_*`; a usage error names what is missing or wrong."""
    host, user, password = (secrets.get(f"PORTAL_IMAP_{n}") for n in ("HOST", "USER", "PASSWORD"))
    if not (host and user and password):
        raise UsageError("set PORTAL_IMAP_HOST, PORTAL_IMAP_USER and PORTAL_IMAP_PASSWORD (in "
                         "the environment or .portal-secrets), or read saved messages and "
                         "form exports with --from FILE")
    security, port = _security(secrets)
    folder, processed, rejected = _folders(secrets)
    return ImapSettings(host=host, port=port, security=security, user=user,
                        password=password, folder=folder, processed=processed,
                        rejected=rejected)


def _security(secrets: Secrets) -> tuple[str, int]:
    security = (secrets.get("PORTAL_IMAP_SECURITY") or "tls").lower()
    if security not in SECURITY:
        raise UsageError(f"PORTAL_IMAP_SECURITY={security}: use tls or starttls (the mailbox "
                         "is never read unencrypted)")
    port = secrets.get("PORTAL_IMAP_PORT") or str(SECURITY[security])
    if not port.isdigit():
        raise UsageError(f"PORTAL_IMAP_PORT={port} is not a port number")
    return security, int(port)


def _folders(secrets: Secrets) -> tuple[str, str, str]:
    """The folder read, and those processed and rejected messages move to."""
    folders = [secrets.get(f"PORTAL_IMAP_{n}") or default for n, default in
               (("FOLDER", "INBOX"), ("PROCESSED", "Processed"), ("REJECTED", "Rejected"))]
    for name in folders:
        if not _FOLDER.match(name):
            raise UsageError(f"IMAP folder '{printable(name)}': use letters, digits, spaces "
                             "and . _ / -")
    return folders[0], folders[1], folders[2]


def _quoted(folder: str) -> str:
    return '"' + folder + '"'


class Mailbox:
    """One IMAP session: logged in and the folder selected on entering, logged out on leaving."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self._imap: imaplib.IMAP4 | None = None
        self._made: set[str] = set()
        self._capabilities: set[str] = set()

    def __enter__(self) -> Mailbox:
        settings = self.settings
        try:
            self._imap = self._connect()
            self._imap.login(settings.user, settings.password)
            self._capabilities = self._logged_in_capabilities()
            self._ok(self._imap.select(_quoted(settings.folder)), f"open {settings.folder}")
        except (imaplib.IMAP4.error, OSError) as error:
            self.__exit__(None, None, None)
            raise MailboxFailed(f"the mailbox {settings.user} at {settings.host}:"
                                f"{settings.port}: {error}") from None
        return self

    def _connect(self) -> imaplib.IMAP4:
        settings, context = self.settings, ssl.create_default_context()
        if settings.security == "tls":
            return imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context,
                                     timeout=TIMEOUT)
        imap = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT)
        imap.starttls(ssl_context=context)  # a server without STARTTLS is an error, never plain
        return imap

    def _logged_in_capabilities(self) -> set[str]:
        """What the server offers once logged in (MOVE, often only then)."""
        data = self._ok(self.imap.capability(), "ask for capabilities")
        first = data[0] if data else b""
        return set(first.decode("ascii", "replace").upper().split()) \
            if isinstance(first, bytes) else set()

    def _ok(self, response: tuple[str, Sequence[object]], doing: str) -> Sequence[object]:
        kind, data = response
        if kind != "OK":
            raise imaplib.IMAP4.error(f"cannot {doing}: {printable(repr(data)[:200])}")
        return data

    @property
    def imap(self) -> imaplib.IMAP4:
        assert self._imap is not None, "used outside `with`"
        return self._imap

    def received(self) -> list[Received]:
        """The folder's messages, oldest first (at most MAX_MESSAGES): each one's bytes, or
        its size when it is too large to read."""
        try:
            return [self._message(uid, size) for uid, size in self._sizes()[:MAX_MESSAGES]]
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxFailed(f"reading {self.settings.folder}: {error}") from None

    def _sizes(self) -> list[tuple[str, int]]:
        data = self._ok(self.imap.uid("SEARCH", "ALL"), "search")
        if not data or not data[0]:
            return []
        data = self._ok(self.imap.uid("FETCH", "1:*", "(UID RFC822.SIZE)"), "list messages")
        sizes = []
        for line in data:
            match = _SIZE.search(line if isinstance(line, bytes) else b"")
            if match:
                uid, size = (match[1], match[2]) if match[1] else (match[4], match[3])
                sizes.append((uid.decode(), int(size)))
        return sorted(sizes, key=lambda pair: int(pair[0]))

    def _message(self, uid: str, size: int) -> Received:
        where = f"{self.settings.folder}, message {uid}"
        if size > MAX_MESSAGE_BYTES:
            return Received(where=where, too_large=size, handle=uid)
        data = self._ok(self.imap.uid("FETCH", uid, "(BODY.PEEK[])"), f"read message {uid}")
        raw = next((part[1] for part in data if isinstance(part, tuple) and len(part) == 2), b"")
        return Received(where=where, mail=bytes(raw) if isinstance(raw, bytes) else b"",
                        handle=uid)

    def move(self, uid: str, folder: str) -> None:
        """Move one message to `folder` (made if missing)."""
        try:
            self._make(folder)
            if "MOVE" in self._capabilities:
                self._ok(self.imap.uid("MOVE", uid, _quoted(folder)), f"move {uid}")
                return
            self._ok(self.imap.uid("COPY", uid, _quoted(folder)), f"copy {uid}")
            self._ok(self.imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), f"mark {uid}")
            self._ok(self.imap.expunge(), "expunge")
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxFailed(f"moving message {uid} to {folder}: {error}") from None

    def _make(self, folder: str) -> None:
        if folder not in self._made:
            self.imap.create(_quoted(folder))  # NO when it exists: fine
            self._made.add(folder)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._imap is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self._imap.logout()
        self._imap = None
