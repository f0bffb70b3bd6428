"""E-mail from the agency to its clients: digest messages in MIME (plain text and HTML), sent
over SMTP with STARTTLS or TLS, or written as .eml files.

SMTP settings come from `PORTAL_SMTP_*` (the environment, else `.portal-secrets`):
`PORTAL_SMTP_HOST`, `PORTAL_SMTP_PORT` (default 587 for STARTTLS, 465 for TLS),
`PORTAL_SMTP_SECURITY` (`starttls`, the default, or `tls`), `PORTAL_SMTP_USER` and
`PORTAL_SMTP_PASSWORD` (a login, if the server wants one) and `PORTAL_SMTP_FROM` (the sender;
default: portal.yaml's agency e-mail). Nothing is ever sent unencrypted, and the server's
certificate is checked against the system's trusted authorities.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from types import TracebackType

from generator.errors import UsageError
from generator.protection.credentials import Secrets

SECURITY = {"starttls": 587, "tls": 465}
TIMEOUT = 30  # seconds for each exchange with the server


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how messages are sent."""

    host: str
    port: int
    security: str  # starttls | tls
    user: str | None
    password: str | None


def smtp_settings(secrets: Secrets) -> SmtpSettings:
    """The SMTP settings from `PORTAL_SMTP_*`; a usage error names what is missing or wrong."""
    host = secrets.get("PORTAL_SMTP_HOST")
    if not host:
        raise UsageError("PORTAL_SMTP_HOST is not set: set PORTAL_SMTP_* in the environment or "
                         ".portal-secrets, or write the messages to files with --dry-run DIR")
    security = (secrets.get("PORTAL_SMTP_SECURITY") or "starttls").lower()
    if security not in SECURITY:
        raise UsageError(f"PORTAL_SMTP_SECURITY={security}: use starttls or tls "
                         "(messages are never sent unencrypted)")
    port = secrets.get("PORTAL_SMTP_PORT") or str(SECURITY[security])
    if not port.isdigit():
        raise UsageError(f"PORTAL_SMTP_PORT={port} is not a port number")
    user, password = secrets.get("PORTAL_SMTP_USER"), secrets.get("PORTAL_SMTP_PASSWORD")
    if bool(user) != bool(password):
        raise UsageError("set both PORTAL_SMTP_USER and PORTAL_SMTP_PASSWORD, or neither")
    return SmtpSettings(host, int(port), security, user, password)


def sender_address(secrets: Secrets, agency_name: str, agency_email: str | None) -> Address:
    """The From address: PORTAL_SMTP_FROM ('Name <address>' or an address), else the agency's
    e-mail address under its name."""
    configured = secrets.get("PORTAL_SMTP_FROM")
    name, address = parseaddr(configured) if configured else (agency_name, agency_email or "")
    if "@" not in address:
        raise UsageError("no sender: set PORTAL_SMTP_FROM, or agency.email in portal.yaml")
    return Address(display_name=name or agency_name, addr_spec=address)


def message_date() -> datetime:
    """The Date of a message: SOURCE_DATE_EPOCH when set (reproducible files), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Letter:
    """One message's parts, before MIME."""

    recipient: Address
    reply_to: str
    subject: str
    text: str
    html: str
    message_id: str  # the same digest gets the same id, so a repeat is recognised as one
    images: tuple[tuple[str, bytes], ...] = ()  # (Content-ID, PNG) the HTML shows as cid:


def mime(letter: Letter, sender: Address, when: datetime) -> EmailMessage:
    """The message as multipart/alternative: plain text first, then HTML."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = letter.recipient
    message["Reply-To"] = letter.reply_to
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    # a boundary of its own, not a random one: the same message gives the same bytes
    digest = hashlib.sha256(letter.message_id.encode()).hexdigest()[:32]
    message.set_boundary(f"==clientportal-{digest}==")
    if letter.images:
        html = list(message.iter_parts())[-1]
        assert isinstance(html, EmailMessage)
        for content_id, png in letter.images:
            html.add_related(png, maintype="image", subtype="png", cid=f"<{content_id}>",
                             filename=f"{content_id.split('@')[0]}.png")
        html.set_boundary(f"==clientportal-{digest}-related==")
    return message


class Outbox:
    """One SMTP session for a run: connected on the first message, encrypted before anything
    is said, logged in if settings ask for it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Outbox:
        return self

    def send(self, message: EmailMessage) -> None:
        """Send one message; raise smtplib.SMTPException or OSError when the server fails."""
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        settings, context = self.settings, ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                    context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
            smtp.starttls(context=context)  # a server without STARTTLS is an error, never plain
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        return smtp

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
