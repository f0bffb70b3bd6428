"""E-mails for the inbox tests: messages written as mail programs write them, DKIM-signed by
dkimpy with test keys whose DNS records are given to the verifier (no DNS is asked), and the
portal's own prefilled messages, taken from a built page's mailto: link."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import cache
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SELECTOR = b"portal2026"
SIGNED = [b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to",
          b"references"]


@cache
def _private_key(domain: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class KeyRing:
    """The DKIM keys of the test domains, and the DNS lookup dkimpy is given instead of DNS
    (every name it asked for is kept)."""

    domains: tuple[str, ...] = ("acme.test", "agency.test", "zeta.test", "evil.test")
    asked: list[bytes] = field(default_factory=list)

    def record(self, domain: str) -> bytes:
        public = _private_key(domain).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def lookup(self, name: bytes, timeout: int = 5) -> bytes | None:
        self.asked.append(name)
        for domain in self.domains:
            if name.rstrip(b".") == SELECTOR + b"._domainkey." + domain.encode():
                return self.record(domain)
        return None

    def sign(self, raw: bytes, domain: str, *, length: bool = False,
             headers: list[bytes] | None = None) -> bytes:
        """`raw` with a DKIM-Signature of `domain` on top."""
        private = _private_key(domain).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption())
        present = [h for h in (headers or SIGNED)
                   if re.search(rb"(?im)^" + re.escape(h) + rb":", raw.split(b"\r\n\r\n")[0])]
        signature = dkim.sign(raw, SELECTOR, domain.encode(), private, include_headers=present,
                              length=length)
        return signature + raw


def message(*, sender: str, body: str, subject: str = "Hello", message_id: str,
            to: str = "Ann Manager <ann@agency.test>", cc: str | None = "portal@agency.test",
            date: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc),
            in_reply_to: str | None = None, charset: str = "utf-8",
            extra: dict[str, str] | None = None) -> bytes:
    """A plain-text message as a mail program sends it (CRLF line ends)."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    for name, value in (extra or {}).items():
        mail[name] = value
    mail.set_content(body, charset=charset)
    return mail.as_bytes()


@dataclass(frozen=True)
class Mailto:
    """A decoded mailto: link: To, Cc, subject, body."""

    to: str
    cc: str | None
    subject: str
    body: str


def mailto_in(html: str, link_id: str | None = None, about: str | None = None) -> Mailto:
    """The mailto: link of a built page with this id (or whose body names this Ref key)."""
    hrefs = [unescape(h) for h in re.findall(r'href="(mailto:[^"]+)"', html)]
    if link_id:
        found = re.search(rf'<a [^>]*id="{link_id}" href="(mailto:[^"]+)"', html)
        hrefs = [unescape(found.group(1))] if found else []
    links = [_decoded(h) for h in hrefs]
    if about:
        links = [link for link in links if link.body.rstrip().endswith(about)]
    assert len(links) == 1, (link_id, about, len(links))
    return links[0]


def _decoded(href: str) -> Mailto:
    url = urlsplit(href)
    fields = {k: v[0] for k, v in parse_qs(url.query).items()}
    return Mailto(unquote(url.path), fields.get("cc"), fields["subject"], fields.get("body", ""))


def answered(link: Mailto, sender: str, message_id: str, *, fill: dict[str, str] | None = None,
             date: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)) -> bytes:
    """The message a client sends from a mailto: link: To and Cc as the link says, the body
    with each `fill` key's first occurrence followed by its value (as the client types)."""
    body = link.body
    for anchor, value in (fill or {}).items():
        assert anchor in body, anchor
        body = body.replace(anchor, anchor + value, 1)
    return message(sender=sender, to=link.to, cc=link.cc, subject=link.subject, body=body,
                   message_id=message_id, date=date)


def page(root: Path, path: str) -> str:
    return (root / "output" / path).read_text(encoding="utf-8")
