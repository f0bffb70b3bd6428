"""Security headers of a portal: one policy for the CSP meta tag, `_headers` and nginx.

A portal needs no inline script; should a theme add one, its SHA-256 hash is put into the
page's policy (and into the headers files), so nothing else inline can ever run. Forms post
nowhere (`form-action 'none'`) unless the portal has a form endpoint: then its origin, and
nothing else, is the form-action.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

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


def inline_script_hashes(html: bytes) -> frozenset[str]:
    """`sha256-…` of every executable inline script in a page."""
    hashes = set()
    for attributes, body in _INLINE_SCRIPT.findall(html):
        if b"src=" in attributes or re.search(rb'type="application/(ld\+)?json"', attributes):
            continue
        hashes.add("sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode())
    return frozenset(hashes)


def with_script_hashes(html: bytes, form_action: str = NO_FORMS
                       ) -> tuple[bytes, frozenset[str]]:
    """Put the hashes of a page's inline scripts into its CSP meta tag."""
    hashes = inline_script_hashes(html)
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
    return ("\n".join(lines) + "\n").encode("utf-8")


def nginx_snippet(script_hashes: frozenset[str] = frozenset(),
                  form_action: str = NO_FORMS) -> bytes:
    """The same headers for nginx: `include` it in the portal's `location` block."""
    csp = policy(script_hashes, header=True, form_action=form_action)
    pairs = [("Content-Security-Policy", csp), *OTHER_HEADERS]
    lines = ["# Security headers of this portal for nginx; include in its location block."]
    lines += [f'add_header {name} "{value}" always;' for name, value in pairs]
    return ("\n".join(lines) + "\n").encode("utf-8")
