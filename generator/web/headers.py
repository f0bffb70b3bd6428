"""Security headers of a portal: one policy for the CSP meta tag, `_headers` and nginx.

A portal needs no inline script. Should a theme add one, its SHA-256 hash, taken from the
theme's template (never from a rendered page), is put into the policy of each page that has
it (and into the headers files): an inline script that content adds, even one copied from the
theme, is never allowed by a hash of its own.
Forms post nowhere (`form-action 'none'`) unless the portal has a form endpoint: then its
origin, and nothing else, is the form-action.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from generator.web.mediatypes import CALENDAR, FEED, FEED_FILE

# blob: images and connect-src 'self' serve encrypted portals: decrypted attachments are shown
# from blob: URLs, fetched from the portal itself. Nothing ever loads from another host.
CSP_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'none'"),
    ("img-src", "'self' blob:"),
    ("style-src", "'self'"),
    ("script-src", "'self'"),
    ("connect-src", "'self'"),
    ("base-uri", "'none'"),
    ("form-action", "'none'"),
)
HEADER_ONLY = (("frame-ancestors", "'none'"),)  # ignored in a meta tag, so only in headers
CSP = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES)
NO_FORMS = "'none'"

OTHER_HEADERS: tuple[tuple[str, str], ...] = (
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)

# The files a client subscribes to, with their types: hosts guess wrong (see mediatypes).
TYPED_PATHS = ["/calendar.ics", f"  Content-Type: {CALENDAR}",
               "/calendars/*", f"  Content-Type: {CALENDAR}",
               f"/{FEED_FILE}", f"  Content-Type: {FEED}"]
# nginx: UTF-8 pages; the calendar and the feed typed (Debian's mime.types has no .ics, and
# nosniff forbids guessing); and, should the whole output folder be served, the generator's
# own files refused. Nested locations without add_header inherit the headers above.
NGINX_TYPES_AND_REFUSALS = [
    "charset utf-8;",
    f'location ~ "\\.ics$" {{ types {{ }} default_type "{CALENDAR}"; }}',
    f'location ~ "/feed\\.xml$" {{ types {{ }} default_type "{FEED}"; }}',
    'location ~ "(^|/)(\\.clientportal|_agency|_headers)" { return 404; }',
]

_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_META = re.compile(rb'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')


def policy(script_hashes: frozenset[str] = frozenset(), *, header: bool = False,
           form_action: str = NO_FORMS) -> str:
    """The Content-Security-Policy, allowing the given inline-script hashes and form-action
    source (`form_action_source`)."""
    directives = list(CSP_DIRECTIVES) + (list(HEADER_ONLY) if header else [])
    extra = "".join(f" '{h}'" for h in sorted(script_hashes))
    return "; ".join(f"{name} {form_action if name == 'form-action' else value}"
                     f"{extra if name == 'script-src' else ''}" for name, value in directives)


def form_action_source(endpoint: str | None) -> str:
    """The form-action source of a portal: its form endpoint's origin, else 'none'."""
    if not endpoint:
        return NO_FORMS
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").encode("idna").decode("ascii")  # a CSP is ASCII
    return f"{parts.scheme.lower()}://{host}{f':{parts.port}' if parts.port else ''}"


_TEMPLATE_CODE = re.compile(rb"\{[{%#]")


def inline_script_hashes(html: bytes, *, static_only: bool = False) -> frozenset[str]:
    """`sha256-…` of every executable inline script in a page or template (`static_only`:
    leaving out those with template code in them)."""
    hashes = set()
    for attributes, body in _INLINE_SCRIPT.findall(html):
        if b"src=" in attributes or re.search(rb'type="application/(ld\+)?json"', attributes):
            continue
        if static_only and _TEMPLATE_CODE.search(attributes + body):
            continue
        hashes.add("sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode())
    return frozenset(hashes)


def with_script_hashes(html: bytes, allowed: frozenset[str], form_action: str = NO_FORMS
                       ) -> tuple[bytes, frozenset[str]]:
    """Put the hashes of a page's inline scripts that are the theme's (`allowed`) into its
    CSP meta tag; any other inline script stays blocked."""
    hashes = inline_script_hashes(html) & allowed
    if not hashes:
        return html, hashes
    meta = policy(hashes, form_action=form_action).encode("ascii")
    return _META.sub(lambda m: m.group(1) + meta + m.group(3), html, count=1), hashes


def headers_file(script_hashes: frozenset[str] = frozenset(),
                 form_action: str = NO_FORMS) -> bytes:
    """`_headers` for Netlify and Cloudflare Pages: every path of the portal."""
    csp = policy(script_hashes, header=True, form_action=form_action)
    lines = ["# Security headers of this portal (Netlify / Cloudflare Pages `_headers`).",
             "/*", f"  Content-Security-Policy: {csp}"]
    lines += [f"  {name}: {value}" for name, value in OTHER_HEADERS]
    lines += TYPED_PATHS
    return ("\n".join(lines) + "\n").encode("utf-8")


def nginx_snippet(script_hashes: frozenset[str] = frozenset(),
                  form_action: str = NO_FORMS) -> bytes:
    """The same headers for nginx: `include` it in the portal's `location` block."""
    csp = policy(script_hashes, header=True, form_action=form_action)
    pairs = [("Content-Security-Policy", csp), *OTHER_HEADERS]
    lines = ["# Security headers of this portal for nginx: include it in the server block, or in",
             "# the portal's location block (see docs/publishing.md)."]
    lines += [f'add_header {name} "{value}" always;' for name, value in pairs]
    lines += NGINX_TYPES_AND_REFUSALS
    return ("\n".join(lines) + "\n").encode("utf-8")
