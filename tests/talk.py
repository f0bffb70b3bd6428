"""Helpers of the talk-back tests: documents asking for approval, the fingerprint computed
without the generator, mailto links decoded, a page's text."""

from __future__ import annotations

import hashlib
import re
import textwrap
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from conftest import BASE_SITE

SCOPE = textwrap.dedent(BASE_SITE["content/acme/scope.md"]).lstrip("\n")
INTAKE = textwrap.dedent(BASE_SITE["content/acme/requirements/intake.md"]).lstrip("\n")


def body_of(text: str) -> str:
    """The text below the front matter: every line after the second '---' line."""
    lines = text.splitlines(keepends=True)
    closing = [i for i, line in enumerate(lines) if line.rstrip() == "---"][1]
    return "".join(lines[closing + 1:])


def fingerprint_of(text: str) -> str:
    """The documented definition, computed here without the generator."""
    return "sha256:" + hashlib.sha256(body_of(text).encode("utf-8")).hexdigest()


def with_front_matter(document: str, extra: str) -> str:
    """`document` with `extra` lines added at the end of its front matter."""
    head, rest = document.split("\n---\n", 1)
    return f"{head}\n{textwrap.dedent(extra).strip()}\n---\n{rest}"


def approval(by: str, on: str, version: str, fingerprint: str) -> str:
    return f'  - {{by: {by}, on: {on}, version: "{version}", fingerprint: "{fingerprint}"}}'


def asking(document: str, *approvals: str) -> str:
    extra = "approval: required"
    if approvals:
        extra += "\napprovals:\n" + "\n".join(approvals)
    return with_front_matter(document, extra)


def mailto_of(html: str, link_id: str) -> tuple[str, dict[str, str]]:
    """The address and decoded fields of the mailto link with this id."""
    match = re.search(rf'<a [^>]*id="{link_id}" href="([^"]+)"', html) or re.search(
        rf'<a [^>]*href="([^"]+)" [^>]*id="{link_id}"', html)
    assert match, link_id
    url = urlsplit(unescape(match.group(1)))
    assert url.scheme == "mailto"
    return unquote(url.path), {k: v[0] for k, v in parse_qs(url.query).items()}


def text_of(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def decoded(href: str) -> tuple[str, dict[str, str]]:
    """A mailto URL's address and its fields, percent-decoded."""
    url = urlsplit(href)
    assert url.scheme == "mailto", href
    return unquote(url.path), {k: v[0] for k, v in parse_qs(url.query).items()}
