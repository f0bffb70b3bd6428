"""A form service sees the portal's origin, never its path: Chromium posts an approval from a
portal served over http by nginx with the published headers to an https endpoint on another
port of 127.0.0.1, which records every header it gets.

Measured with the same page under other referrer policies (the known-bad rows): `no-referrer`
and `same-origin` send `Origin: null` on a cross-origin form POST, which form services with a
domain allow-list refuse; `strict-origin` sends the origin, and a Referer of the origin alone.
"""

from __future__ import annotations

import pytest
from test_nginx import Nginx

from conftest import PUBLISHABLE, build_site, portal
from generator.web.headers import NGINX_CONF
from servers import form_endpoint, self_signed
from systemtools import system_tools  # noqa: F401  (fixture)
from talk import SCOPE, asking

PORTAL_YAML = PUBLISHABLE["content/portal.yaml"]


@pytest.mark.parametrize(("policy", "origin_sent"), [
    ("strict-origin", True),  # what the portal sends
    ("no-referrer", False),   # known-bad: what it sent before
    ("same-origin", False),   # known-bad
])
def test_a_form_service_sees_the_portals_origin_and_no_path(make_site, browser, tmp_path,
                                                           system_tools, policy, origin_sent):  # noqa: F811
    with form_endpoint(self_signed(tmp_path / "tls")) as endpoint:
        action = endpoint.url
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
    assert len(endpoint.headers) == 1
    headers = endpoint.headers[0]
    assert headers["origin"] == (portal_origin if origin_sent else "null")
    assert headers.get("referer") in ((f"{portal_origin}/",) if origin_sent else (None,))
    for name, value in headers.items():
        assert "/acme" not in value and "scope" not in value, (name, value)
