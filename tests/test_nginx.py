"""A built output served by Debian's nginx with the generated snippet: every file kind gets
its Content-Type and the security headers (on redirects and errors too), and the generator's
own files answer 404 even when someone serves the whole output folder."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import build_site
from generator.web.headers import OTHER_HEADERS
from protected_site import LINK_SITE, PASSWORDS, SECRET, VAULT_SITE
from s3server import free_port
from systemtools import NGINX, system_tools  # noqa: F401  (fixture)

CONFIG = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        include {snippet};
    }}
}}
"""


class Nginx:
    """nginx on a free port of 127.0.0.1, serving `root` with `snippet` in its server."""

    def __init__(self, tmp: Path, root: Path, snippet: Path) -> None:
        self.port = free_port()
        tmp.mkdir(parents=True, exist_ok=True)
        config = tmp / "nginx.conf"
        config.write_text(CONFIG.format(tmp=tmp, port=self.port, root=root, snippet=snippet))
        self.tmp = tmp
        self.process = subprocess.Popen([str(NGINX), "-p", str(tmp), "-c", str(config),
                                         "-e", str(tmp / "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"nginx stopped: {self.process.stderr.read().decode()}")
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not answer")

    def get(self, path: str) -> tuple[int, dict[str, str]]:
        """Status and headers of GET `path` (redirects are not followed)."""
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture
def served(make_site, tmp_path, monkeypatch, system_tools) -> Iterator[tuple[Nginx, Path]]:  # noqa: F811
    """Every kind of portal built, the whole output folder served (the mistake the snippet
    must survive) with the public portal's snippet included in the server."""
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    root = make_site({**VAULT_SITE, **LINK_SITE})
    assert build_site(root).exit_code == 0
    output = root / "output"
    server = Nginx(tmp_path / "nginx", output, output / "acme/_headers.nginx.conf")
    try:
        yield server, output
    finally:
        server.stop()


def _one(output: Path, pattern: str) -> str:
    found = sorted(output.glob(pattern))
    assert found, pattern
    return "/" + found[0].relative_to(output).as_posix()


EXPECTED_TYPES = {
    "acme/index.html": "text/html; charset=utf-8",
    "acme/invoices/*.html": "text/html; charset=utf-8",
    "acme/assets/*.css": "text/css",
    "acme/assets/*.js": "application/javascript; charset=utf-8",
    "acme/assets/agency/logo.svg": "image/svg+xml",
    "acme/files/brief.pdf": "application/pdf",
    "acme/calendar.ics": "text/calendar; charset=utf-8",
    "acme/feed.xml": "application/atom+xml; charset=utf-8",
    "zeta-*/calendar.ics": "text/calendar; charset=utf-8",
    "zeta-*/feed.xml": "application/atom+xml; charset=utf-8",
    "vault/data/*.bin": "application/octet-stream",
    "vault/index.html": "text/html; charset=utf-8",
}


def test_every_file_kind_has_its_type_and_the_security_headers(served):
    server, output = served
    for pattern, expected in EXPECTED_TYPES.items():
        path = _one(output, pattern)
        status, headers = server.get(path)
        assert status == 200, path
        assert headers["Content-Type"] == expected, path
        _assert_security_headers(headers, path)


def _assert_security_headers(headers: dict[str, str], path: str) -> None:
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), path
    for name, value in OTHER_HEADERS:
        assert headers.get(name) == value, f"{path}: {name}"


def test_the_generators_own_files_are_refused_and_errors_carry_the_headers(served):
    server, output = served
    assert (output / ".clientportal-manifest.json").is_file()
    refused = ["/.clientportal-manifest.json", "/.clientportal", "/.clientportal-cache/",
               "/_agency/", "/_agency/index.html", "/acme/_headers", "/acme/_headers.nginx.conf",
               _one(output, "zeta-*/_headers.nginx.conf"), "/acme/no-such-page.html"]
    for path in refused:
        status, headers = server.get(path)
        assert status == 404, path
        _assert_security_headers(headers, path)
    status, headers = server.get("/acme")  # nginx redirects a folder to its slash
    assert status == 301 and headers["Location"].endswith("/acme/")
    _assert_security_headers(headers, "/acme (redirect)")


def test_the_snippet_of_before_served_the_manifest_and_an_untyped_calendar(make_site,
                                                                            tmp_path,
                                                                            system_tools):  # noqa: F811
    """Known-bad: the snippet as it was (headers only) lets nginx serve the manifest and send
    the calendar as a download; the checks above catch exactly that."""
    root = make_site()
    assert build_site(root).exit_code == 0
    output = root / "output"
    old = tmp_path / "old-snippet.conf"
    old.write_text("\n".join(line for line in (output / "acme/_headers.nginx.conf")
                             .read_text().splitlines() if line.startswith("add_header")))
    server = Nginx(tmp_path / "nginx", output, old)
    try:
        assert server.get("/.clientportal-manifest.json")[0] == 200
        assert server.get("/acme/calendar.ics")[1]["Content-Type"] == "application/octet-stream"
        assert server.get("/acme/feed.xml")[1]["Content-Type"] == "text/xml"
    finally:
        server.stop()
