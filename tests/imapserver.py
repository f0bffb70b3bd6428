"""A real IMAP server for the inbox tests: Debian's dovecot-imapd (`make test` installs it),
started on 127.0.0.1 with a throw-away configuration, Maildir and TLS certificate, and
stopped by the test. Messages are delivered to it with IMAP APPEND, as a mail server's
delivery agent would put them in the mailbox.

Dovecot runs as the user running the tests; as root, its login processes run as `dovenull`
and the mailbox belongs to `dovecot` (the users the package makes), since Dovecot refuses to
serve mail as root.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers import LOCALHOST, Certificate, free_port, self_signed

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "portal", "imap-test-password-0123"

CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = {uid}
first_valid_gid = {gid}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
"""


@dataclass
class ImapServer:
    """A running Dovecot: where it listens, its login, its certificate."""

    starttls_port: int
    tls_port: int
    certificate: Certificate
    root: Path

    def settings(self, security: str = "tls") -> dict[str, str]:
        """PORTAL_IMAP_* for `portal inbox`."""
        port = self.tls_port if security == "tls" else self.starttls_port
        return {"PORTAL_IMAP_HOST": LOCALHOST, "PORTAL_IMAP_PORT": str(port),
                "PORTAL_IMAP_SECURITY": security, "PORTAL_IMAP_USER": USER,
                "PORTAL_IMAP_PASSWORD": PASSWORD}

    @contextmanager
    def session(self) -> Iterator[imaplib.IMAP4_SSL]:
        context = ssl.create_default_context(cafile=str(self.certificate.cert))
        imap = imaplib.IMAP4_SSL(LOCALHOST, self.tls_port, ssl_context=context, timeout=60)
        imap.login(USER, PASSWORD)
        try:
            yield imap
        finally:
            imap.logout()

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages into a folder, as a delivery agent does."""
        with self.session() as imap:
            for raw in messages:
                kind, data = imap.append(folder, None, None, raw)
                assert kind == "OK", data

    def messages(self, folder: str) -> list[bytes]:
        """The messages of a folder (none if it does not exist), oldest first."""
        with self.session() as imap:
            kind, _ = imap.select(f'"{folder}"', readonly=True)
            if kind != "OK":
                return []
            _, data = imap.uid("SEARCH", "ALL")
            found = []
            for uid in (data[0] or b"").split():
                _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                found += [part[1] for part in parts if isinstance(part, tuple)]
            return found


def _users() -> dict[str, object]:
    if os.getuid() != 0:
        name = pwd.getpwuid(os.getuid()).pw_name
        return {"uid": os.getuid(), "gid": os.getgid(), "internal_user": name,
                "internal_group": grp.getgrgid(os.getgid()).gr_name, "login_user": name}
    return {"uid": pwd.getpwnam("dovecot").pw_uid, "gid": grp.getgrnam("dovecot").gr_gid,
            "internal_user": "dovecot", "internal_group": "dovecot", "login_user": "dovenull"}


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until the server accepts connections; fail if it exits first."""
    pause = threading.Event()
    for _ in range(400):
        if process.poll() is not None:
            raise AssertionError(f"dovecot exited with {process.returncode}")
        try:
            socket.create_connection((LOCALHOST, port), timeout=5).close()
            return
        except OSError:
            pause.wait(0.05)
    raise AssertionError("dovecot did not start listening")


@contextmanager
def dovecot_server() -> Iterator[ImapServer]:
    """Dovecot on two free ports of 127.0.0.1 (STARTTLS and TLS), one mailbox, stopped and
    removed afterwards."""
    assert DOVECOT.is_file(), "dovecot is missing: run `make test` (apt: dovecot-imapd)"
    root = Path(tempfile.mkdtemp(prefix="clientportal-dovecot-"))
    root.chmod(0o755)  # its processes run as other users when the tests run as root
    users = _users()
    try:
        certificate = self_signed(root / "tls")
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "home").mkdir()
        os.chown(root / "home", int(users["uid"]), int(users["gid"]))  # type: ignore[call-overload]
        server = ImapServer(free_port(), free_port(), certificate, root)
        (root / "dovecot.conf").write_text(CONFIG.format(
            host=LOCALHOST, root=root, cert=certificate.cert, key=certificate.key,
            starttls_port=server.starttls_port, tls_port=server.tls_port, **users))
        process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_listening(server.tls_port, process)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=60)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """Dovecot for one test (`make test` installs it; test-fast leaves these tests out)."""
    with dovecot_server() as server:
        yield server
