"""A form service sees the portal's origin, never its path: Chromium posts an approval from a
portal served over http by nginx with the published headers to an https endpoint on another
port of 127.0.0.1, which records every header it gets.

Measured with the same page under other referrer policies (the known-bad rows): `no-referrer`
and `same-origin` send `Origin: null` on a cross-origin form POST, which form services with a
domain allow-list refuse; `strict-origin` sends the origin, and a Referer of the origin alone.
"""

from __future__ import annotations

import contextlib
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_nginx import Nginx

from conftest import PUBLISHABLE, build_site, portal
from generator.web.headers import NGINX_CONF
from servers import self_signed
from systemtools import system_tools  # noqa: F401  (fixture)
from talk import SCOPE, asking

PORTAL_YAML = PUBLISHABLE["content/portal.yaml"]


@contextlib.contextmanager
def recording_endpoint(tmp: Path) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """An https form endpoint on 127.0.0.1 keeping every POST's headers."""
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append({name.lower(): value for name, value in self.headers.items()})
            page = b"<!doctype html><title>Thanks</title><p>Thank you."
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def handle(self) -> None:
            with contextlib.suppress(ssl.SSLError, ConnectionError):
                super().handle()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = self_signed(tmp).server_context().wrap_socket(server.socket,
                                                                   server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/f/portal-forms", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("policy", "origin_sent"), [
    ("strict-origin", True),  # what the portal sends
    ("no-referrer", False),   # known-bad: what it sent before
    ("same-origin", False),   # known-bad
])
def test_a_form_service_sees_the_portals_origin_and_no_path(make_site, browser, tmp_path,
                                                           system_tools, policy, origin_sent):  # noqa: F811
    with recording_endpoint(tmp_path / "tls") as (action, seen):
        root = make_site({"content/portal.yaml": PORTAL_YAML + f"forms: {{action: {action}}}\n",
                          "content/acme/scope.md": asking(SCOPE)})
        built = build_site(root)
        assert built.exit_code == 0, built.output
        www = tmp_path / "www"
        assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
        if policy != "strict-origin":  # the page's meta has the last word: make it the other
            scope = www / "acme/scope.html"
            scope.write_text(scope.read_text().replace(
                'content="strict-origin"', f'content="{policy}"'))
        server = Nginx(tmp_path / "nginx", www, www / NGINX_CONF)
        context = browser.new_context(ignore_https_errors=True)
        try:
            page = context.new_page()
            portal_origin = f"http://127.0.0.1:{server.port}"
            page.goto(f"{portal_origin}/acme/scope.html")
            page.select_option("#approval-by", "Carl Client")
            page.fill("#approval-email", "carl@acme.test")
            page.click("#approve")
            page.wait_for_url(action)
        finally:
            context.close()
            server.stop()
    assert len(seen) == 1
    headers = seen[0]
    assert headers["origin"] == (portal_origin if origin_sent else "null")
    assert headers.get("referer") in ((f"{portal_origin}/",) if origin_sent else (None,))
    for name, value in headers.items():
        assert "/acme" not in value and "scope" not in value, (name, value)
