"""Hostile content: XSS payloads in Markdown, YAML values, link targets and file names, path
traversal and symlinks out of the client folder. Each is rejected with a clear error (file and
line where there is one) or neutralised: no page, feed or calendar carries anything that runs."""

from __future__ import annotations

import os
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import BASE_SITE, build_site

CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")
PORTAL = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")
SCOPE = "content/acme/scope.md"
DOC = "content/acme/requirements/evil.md"
INVOICE = BASE_SITE["content/acme/invoices/2026-10.yaml"]
DEADLINES = "content/acme/deadlines.yaml"


def _doc(body: str, title: str = "Evil") -> str:
    return f"---\ntitle: {title!r}\n---\n{body}\n"


def _milestone(field: str, value: str) -> str:
    extra = f"    {field}: {value!r}\n" if field != "title" else ""
    title = value if field == "title" else "Launch"
    return f"milestones:\n  - id: launch\n    title: {title!r}\n    due: 2027-01-15\n{extra}"


# id: (changes, expected message fragment)
REJECTED: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "md javascript link": ({DOC: _doc("[x](javascript:window.__pwned=1)")},
                           "evil.md:4: link 'javascript:window.__pwned=1' uses a scheme"),
    "md mixed-case javascript": ({DOC: _doc("[x](JaVaScRiPt:window.__pwned=1)")},
                                 "uses a scheme that is not allowed"),
    "md data: link": ({DOC: _doc("[x](data:text/html;base64,PHNjcmlwdD4=)")},
                      "uses a scheme that is not allowed"),
    "md data: image": ({DOC: _doc("![x](data:image/svg+xml,<svg/onload=alert(1)>)")},
                       "evil.md:4:"),
    "md vbscript link": ({DOC: _doc("[x](vbscript:msgbox)")}, "uses a scheme that is not allowed"),
    "md file: URL": ({DOC: _doc("[x](file:///etc/passwd)")}, "uses a scheme that is not allowed"),
    "md reference-style javascript": (
        {DOC: _doc("[x][1]\n\n[1]: javascript:window.__pwned=1")}, "uses a scheme"),
    "md protocol-relative link": ({DOC: _doc("[x](//evil.test/x)")},
                                  "uses a scheme that is not allowed"),
    "md parent-folder link": ({DOC: _doc("[x](../other/scope.md)")}, "leaves the client folder"),
    "md absolute path": ({DOC: _doc("[x](/etc/passwd)")}, "leaves the client folder"),
    "md traversal inside files/": ({DOC: _doc("[x](files/../../other/files/a.pdf)")},
                                   "leaves the client folder"),
    "md backslash path": ({DOC: _doc("[x](\\\\evil\\share)")}, "evil.md:4:"),
    "md image traversal": ({DOC: _doc("![x](../../secret.png)")}, "leaves the client folder"),
    "md percent-encoded traversal": ({DOC: _doc("[x](files/%2e%2e/%2e%2e/x)")},
                                     "evil.md:4:"),
    "photo traversal": ({"content/acme/client.yaml": CLIENT.replace(
        "photo: files/ann.svg", "photo: ../other/files/x.svg")}, "client.yaml:8: "
        "account_manager.photo: '../other/files/x.svg' leaves the client folder"),
    "photo absolute": ({"content/acme/client.yaml": CLIENT.replace(
        "photo: files/ann.svg", "photo: /etc/passwd")}, "must be a path relative"),
    "photo file: URL": ({"content/acme/client.yaml": CLIENT.replace(
        "photo: files/ann.svg", "photo: file:///etc/passwd")}, "must be a path relative"),
    "logo home path": ({"content/acme/client.yaml": CLIENT.replace(
        'branding: {accent: "#0b6e4f"}', "branding: {logo: ~/x.svg}")},
        "must be a path relative"),
    "feedback javascript: URL": ({"content/acme/client.yaml": CLIENT + (
        "feedback: {url: 'javascript:window.__pwned=1'}\n")}, "client.yaml:13: feedback.url: "
        "'javascript:window.__pwned=1' is not a web address"),
    "feedback data: URL": ({"content/acme/client.yaml": CLIENT + (
        "feedback: {url: 'data:text/html,<script>window.__pwned=1</script>'}\n")},
        "is not a web address"),
    "agency website javascript:": ({"content/portal.yaml": PORTAL.replace(
        "email: hello@agency.test", "email: hello@agency.test\n  website: javascript:alert(1)")},
        "agency.website: 'javascript:alert(1)' is not a web address"),
    "email with markup": ({"content/acme/client.yaml": CLIENT.replace(
        "email: ann@agency.test", "email: 'a\"><script>x</script>@x.test'")}, "is not an e-mail address"),
    "accent colour with CSS": ({"content/acme/client.yaml": CLIENT.replace(
        '"#0b6e4f"', '"red;} body{background:url(//evil.test)}"')}, "is not a colour"),
    "symlink out of files/": ({}, "files/leak.txt: is a symbolic link; content must be real files"),
    "symlinked client.yaml": ({}, "client.yaml: is a symbolic link"),
    "symlinked requirement": ({}, "requirements/leak.md: is a symbolic link; content must"),
    "symlinked client folder": ({}, "evil: unexpected entry in the content folder"),
}

NEUTRALISED: dict[str, dict[str, str | bytes | None]] = {
    "md raw script": {DOC: _doc("<script>window.__pwned=1</script>")},
    "md raw img onerror": {DOC: _doc('<img src=x onerror="window.__pwned=1">')},
    "md raw javascript anchor": {DOC: _doc('<a href="javascript:window.__pwned=1">x</a>')},
    "md raw iframe": {DOC: _doc('<iframe src="javascript:window.__pwned=1"></iframe>')},
    "md svg onload": {DOC: _doc("<svg onload=window.__pwned=1></svg>")},
    "md attr_list onclick": {DOC: _doc("Click me\n{: onclick=\"window.__pwned=1\" }")},
    "md attr_list style": {DOC: _doc("Text\n{: style=\"background:url(//evil.test)\" }")},
    "md autolink javascript": {DOC: _doc("<javascript:window.__pwned=1>")},
    "md meta refresh": {DOC: _doc('<meta http-equiv="refresh" content="0;url=//evil.test">')},
    "md base tag": {DOC: _doc('<base href="//evil.test/">')},
    "title with markup": {DOC: _doc("Body", title='"><svg onload=window.__pwned=1>')},
    "client name script": {"content/acme/client.yaml": CLIENT.replace(
        "name: Acme & Co", "name: \"</title><script>window.__pwned=1</script>\"")},
    "owner with markup": {DOC: "---\ntitle: Evil\nowner: '<b onmouseover=window.__pwned=1>B</b>'"
                               "\n---\nBody\n"},
    "invoice item markup": {"content/acme/invoices/2026-10.yaml": INVOICE.replace(
        "description: Retainer", "description: '<img src=x onerror=window.__pwned=1>'")},
    "invoice notes markdown xss": {"content/acme/invoices/2026-10.yaml": INVOICE +
                                   "notes: '<script>window.__pwned=1</script>'\n"},
    "milestone title markup": {DEADLINES: _milestone("title", "</title><script>x</script>")},
    "milestone description iframe": {DEADLINES: _milestone(
        "description", "<iframe src=javascript:window.__pwned=1></iframe>")},
    "update title breaks feed": {"content/acme/updates/2026-11-02-x.md": (
        "---\ntitle: ']]></title><script>window.__pwned=1</script>'\ndate: 2026-11-02\n---\n"
        "<script>window.__pwned=1</script>\n")},
    "phone with markup": {"content/acme/client.yaml": CLIENT.replace(
        "+31 20 123 4567", "'+31\"><script>window.__pwned=1</script>'")},
    "attachment name with markup": {
        'content/acme/files/"><img src=x onerror=window.__pwned=1>.pdf': "%PDF-1.4\n"},
    "zero-width javascript link": {DOC: _doc("Safe text [x](java\u200bscript:alert(1)) here")},
}


def _symlinks(root: Path, case: str) -> None:
    acme = root / "content" / "acme"
    outside = root / "outside.txt"
    outside.write_text("SECRET OUTSIDE\n")
    if case == "symlink out of files/":
        os.symlink(outside, acme / "files" / "leak.txt")
    elif case == "symlinked client.yaml":
        (acme / "client.yaml").rename(root / "client.yaml")
        os.symlink(root / "client.yaml", acme / "client.yaml")
    elif case == "symlinked requirement":
        os.symlink(outside, acme / "requirements" / "leak.md")
    elif case == "symlinked client folder":
        os.symlink(acme, root / "content" / "evil")


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_hostile_input_is_rejected(make_site, case):
    changes, expected = REJECTED[case]
    root = make_site(changes)
    _symlinks(root, case)
    result = build_site(root)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert not (root / "output" / "acme").exists()
    assert "Traceback" not in result.output


class _Scanner(HTMLParser):
    """Collects anything in a page that could run script or leave the portal."""

    DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "math"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").endswith(".js"):
            self.found.append("inline <script>")
        if tag in self.DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("meta refresh")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "srcset"):
                clean = "".join((value or "").split()).lower()
                if clean.startswith(("javascript:", "data:", "vbscript:", "//")):
                    self.found.append(f"{name}={value!r} on <{tag}>")


def _scan(folder: Path) -> list[str]:
    found = []
    for page in sorted(folder.rglob("*.html")):
        scanner = _Scanner()
        scanner.feed(page.read_text(encoding="utf-8"))
        found += [f"{page.name}: {item}" for item in scanner.found]
    return found


@pytest.mark.parametrize("case", sorted(NEUTRALISED))
def test_hostile_input_is_neutralised(make_site, case):
    root = make_site(NEUTRALISED[case])
    result = build_site(root)
    if result.exit_code != 0:  # rejecting is fine too, as long as it says where
        assert "acme/" in result.output and "Traceback" not in result.output
        return
    out = root / "output" / "acme"
    assert _scan(out) == []
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<script" not in feed
    calendar = (out / "calendar.ics").read_text(encoding="utf-8")
    assert "<script>" not in calendar or "\\n" not in calendar.split("<script>")[0][-2:]


def test_the_scanner_finds_what_it_looks_for():
    scanner = _Scanner()
    scanner.feed('<a href=" JavaScript:x">x</a><img src=x onerror=y><script>z</script><iframe>')
    assert len(scanner.found) == 4


def test_there_are_thirty_and_more_cases():
    assert len(REJECTED) + len(NEUTRALISED) >= 30
