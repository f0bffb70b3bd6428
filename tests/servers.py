"""Servers a portal talks to, started by tests on 127.0.0.1: a form endpoint over https, and
SMTP servers (aiosmtpd) with STARTTLS or TLS, one of which fails part-way. Their certificate
is made here, self-signed for 127.0.0.1."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(folder: Path) -> Certificate:
    """A certificate valid for 127.0.0.1 (IP and name), written into `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOCALHOST)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address(LOCALHOST)), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = Certificate(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------- a form endpoint


@dataclass
class Endpoint:
    """A form endpoint: its address, every form posted to it (path, fields) and each POST's
    headers (names in lower case)."""

    url: str
    posts: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)

    @property
    def origin(self) -> str:
        return self.url.split("/f/")[0]

    def wait(self, count: int = 1, timeout: float = 10) -> list[tuple[str, dict[str, str]]]:
        """Wait until `count` forms arrived; return them."""
        deadline = threading.Event()
        for _ in range(int(timeout * 20)):
            if len(self.posts) >= count:
                return self.posts
            deadline.wait(0.05)
        raise AssertionError(f"{len(self.posts)} of {count} forms arrived at {self.url}")


@contextmanager
def form_endpoint(certificate: Certificate) -> Iterator[Endpoint]:
    """An https endpoint on 127.0.0.1 recording each POSTed form and answering with a short
    thank-you page, as Formspree or Basin do."""
    endpoint: Endpoint | None = None

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            assert endpoint is not None
            endpoint.headers.append({name.lower(): value for name, value in self.headers.items()})
            endpoint.posts.append((self.path, dict(parse_qsl(body, keep_blank_values=True))))
            self._thanks()

        def do_GET(self) -> None:  # noqa: N802
            self._thanks()

        def _thanks(self) -> None:
            page = (b'<!doctype html><link rel="icon" href="data:,"><title>Thanks</title>'
                    b"<p>Thank you.</p>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def handle(self) -> None:
            # a probe that gave up on the self-signed certificate is no failure
            with contextlib.suppress(ssl.SSLError, ConnectionError):
                super().handle()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer((LOCALHOST, 0), Handler)
    server.socket = certificate.server_context().wrap_socket(server.socket, server_side=True)
    endpoint = Endpoint(f"https://{LOCALHOST}:{server.server_address[1]}/f/portal-forms")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- SMTP servers


@dataclass
class Mailbox:
    """What an SMTP server received: (envelope sender, recipients, parsed message)."""

    host: str
    port: int
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


class _Handler:
    """aiosmtpd handler: keeps every message; with `fail_after`, refuses the message after
    that many (451, as a server going away part-way through a run)."""

    def __init__(self, mailbox: Mailbox, fail_after: int | None) -> None:
        self.mailbox, self.fail_after = mailbox, fail_after

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.fail_after is not None and len(self.mailbox.messages) >= self.fail_after:
            return "451 4.3.0 Mail server temporarily unavailable, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.mailbox.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@contextmanager
def smtp_server(certificate: Certificate, mode: str = "starttls", *,
                fail_after: int | None = None,
                login: tuple[str, str] | None = None) -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 speaking STARTTLS (required) or TLS from the start, with
    a login if given (only over TLS, as aiosmtpd insists)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    mailbox = Mailbox(LOCALHOST, free_port())

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        user = auth_data.login.decode()
        ok = login is not None and (user, auth_data.password.decode()) == login
        if ok:
            mailbox.logins.append(user)
        return AuthResult(success=ok)

    # aiosmtpd counts only STARTTLS as TLS: with TLS from the start, the whole session is
    # encrypted before AUTH is offered anyway
    options: dict[str, Any] = {"authenticator": authenticate,
                               "auth_require_tls": mode == "starttls"}
    if login is None:
        options["auth_required"] = False
    if mode == "starttls":
        options.update(tls_context=certificate.server_context(), require_starttls=True)
        controller = Controller(_Handler(mailbox, fail_after), hostname=LOCALHOST,
                                port=mailbox.port, **options)
    else:
        controller = Controller(_Handler(mailbox, fail_after), hostname=LOCALHOST,
                                port=mailbox.port, ssl_context=certificate.server_context(),
                                **options)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
