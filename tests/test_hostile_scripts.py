"""What may run in a portal: no script from content, ever, raw HTML or not.

Raw HTML (`allow_raw_html: true`) is interpreted, then passes the same allow-list as Markdown:
each payload below has its exact sanitised HTML and its exact problems. The CSP allows only the
theme's own inline scripts, hashed from the theme's templates, never from a page. The same
payloads run in Chromium in tests/test_browser_hostile.py.
"""

from __future__ import annotations

import base64
import hashlib
import textwrap

import pytest

from conftest import BASE_SITE, build_site
from generator.render.markdown import LinkTargets, MarkdownRenderer
from generator.web.headers import inline_script_hashes, policy, with_script_hashes

TARGETS = LinkTargets({"scope.md": "scope.html"},
                      frozenset({"files/brief.pdf", "files/evil.js", "files/ann.svg"}))
NOTHING = ("points to nothing in this client folder (link to scope.md, requirements/*.md, "
           "updates/*.md or files/)")
LEAVES = "leaves the client folder; write paths relative to the client folder, without '..'"

# payload: (sanitised HTML, problems as (line, message)); rendered from line 4
RAW_HTML: dict[str, tuple[str, list[tuple[int, str]]]] = {
    "<script>window.__pwned=1</script>": ("", []),
    '<script src="files/evil.js"></script>': ("", []),
    "<SCRIPT>window.__pwned=1</SCRIPT >": ("", []),
    '<img src="files/ann.svg" onerror="window.__pwned=1" onload="window.__pwned=2">':
        ('<p><img src="files/ann.svg"></p>', []),
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>': ("", []),
    '<a href="javascript:window.__pwned=1">x</a>': ('<p><a rel="noopener noreferrer">x</a></p>', []),
    '<a href="&#106;avascript:window.__pwned=1">x</a>':
        ('<p><a rel="noopener noreferrer">x</a></p>', []),
    '<a href="java&#x09;script:window.__pwned=1">x</a>':
        ('<p><a rel="noopener noreferrer">x</a></p>', []),
    '<a href=" data:text/html,<script>window.__pwned=1</script>">x</a>':
        ('<p><a rel="noopener noreferrer">x</a></p>', []),
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">': ("<p></p>", []),
    '<base href="https://evil.test/">': ("<p></p>", []),
    "<svg><script>window.__pwned=1</script></svg>": ("<p></p>", []),
    '<svg onload="window.__pwned=1"><animate onbegin="window.__pwned=1"/></svg>': ("<p></p>", []),
    '<details open ontoggle="window.__pwned=1"><summary>s</summary></details>':
        ("<details><summary>s</summary></details>", []),
    '<form action="javascript:window.__pwned=1"><button>x</button></form>': ("x", []),
    '<object data="data:text/html,x"></object><embed src="files/evil.js">': ("\n<p></p>", []),
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>": ("", []),
    '<div style="background:url(https://evil.test/x)">x</div>': ("<div>x</div>", []),
    '<a href="files/../../other/scope.html">x</a>':
        ('<p><a href="#" rel="noopener noreferrer">x</a></p>',
         [(4, "link 'files/../../other/scope.html' " + LEAVES)]),
    '<img src="../other/files/x.png">':
        ('<p><img src="#"></p>', [(4, "link '../other/files/x.png' " + LEAVES)]),
    '<img src="x" onerror="window.__pwned=1">': ('<p><img src="#"></p>', [(4, f"link 'x' {NOTHING}")]),
    '<a href="scope.md#goals">scope</a> <a href="files/brief.pdf">brief</a>':
        ('<p><a href="scope.html#goals" rel="noopener noreferrer">scope</a> '
         '<a href="files/brief.pdf" rel="noopener noreferrer">brief</a></p>', []),
    '<div id="cp-main">x</div>\n\n[top](#cp-main)':
        ('<div id="cp-main-content">x</div>\n\n<p><a href="#cp-main-content" '
         'rel="noopener noreferrer">top</a></p>', []),
    'Text\n{: #cp-main onclick="window.__pwned=1" }': ('<p id="cp-main-content">Text</p>', []),
    "<input autofocus onfocus=window.__pwned=1><textarea><script>x</script></textarea>":
        ("<p>&lt;input autofocus onfocus=window.__pwned=1&gt;&lt;script&gt;x&lt;/script&gt;"
         "</p>", []),
}


@pytest.mark.parametrize("payload", sorted(RAW_HTML))
def test_raw_html_passes_the_allow_list(payload):
    html, problems = RAW_HTML[payload]
    rendered = MarkdownRenderer(True, frozenset({"filters"})).render(payload, TARGETS,
                                                                     first_line=4)
    assert (rendered.html, rendered.problems) == (html, problems)


def test_without_raw_html_the_same_payloads_are_text():
    renderer = MarkdownRenderer(False)
    for payload in RAW_HTML:
        html = renderer.render(payload, TARGETS).html
        assert "<script" not in html and "<iframe" not in html and "onerror=" not in html.replace(
            "onerror=&quot;", "").replace("onerror=window", "") or "&lt;" in html


def test_headings_and_attribute_lists_keep_clear_of_the_theme_ids():
    rendered = MarkdownRenderer(False, frozenset({"filters"})).render(
        "## Filters\n\n## Goals {: #cp-toc-title }\n\n[up](#filters)", TARGETS)
    assert [t["id"] for t in rendered.toc] == ["filters-content", "cp-toc-title-content"]
    assert '<a href="#filters-content"' in rendered.html
    assert 'id="filters"' not in rendered.html and 'id="cp-toc-title"' not in rendered.html


def test_bad_links_of_raw_html_name_their_own_line():
    text = "one javascript:x\n\n<a href=\"../x\">a</a>\n\n[b](../x)\n"
    rendered = MarkdownRenderer(True).render(text, TARGETS, first_line=10)
    assert rendered.problems == [(14, f"link '../x' {LEAVES}"), (12, f"link '../x' {LEAVES}")]
    twice = MarkdownRenderer(False).render("[a](x)\n\nx\n\n[b](x)", TARGETS, first_line=1)
    assert [line for line, _ in twice.problems] == [1, 5]


PAGE = (b'<meta http-equiv="Content-Security-Policy" content="' + policy().encode() + b'">'
        b"<script>window.__pwned=1</script>")


def test_a_pages_own_inline_script_is_never_hashed_into_its_policy():
    found = inline_script_hashes(PAGE)
    assert len(found) == 1  # the check sees the script...
    html, allowed = with_script_hashes(PAGE, frozenset())
    assert (html, allowed) == (PAGE, frozenset())  # ...and allows it only if the theme has it
    html, allowed = with_script_hashes(PAGE, found)
    assert allowed == found and next(iter(found)).encode() in html


RAW_SITE = {
    "content/portal.yaml": textwrap.dedent(BASE_SITE["content/portal.yaml"]) + "allow_raw_html: true\n",
    "content/acme/files/evil.js": "window.__pwned = 1;\n",
    "content/acme/scope.md": "---\ntitle: Scope\n---\n" + "\n\n".join(
        p for p, (_, problems) in RAW_HTML.items() if not problems) + "\n",
}


def test_raw_html_portal_carries_no_script_and_no_content_hash(make_site):
    root = make_site(RAW_SITE)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    out = root / "output" / "acme"
    scope = (out / "scope.html").read_bytes()
    assert b"__pwned" not in scope and b"<script>" not in scope
    assert b"'sha256-" not in scope
    assert b"sha256-" not in (out / "_headers").read_bytes()
    assert b"sha256-" not in (out / "_headers.nginx.conf").read_bytes()


def test_theme_script_is_allowed_by_the_hash_of_the_theme_only(make_site, tmp_path):
    theme = tmp_path / "mytheme" / "templates"
    theme.mkdir(parents=True)
    (theme / "contact.html").write_text(
        '{% extends "!default/contact.html" %}{% block scripts %}'
        "<script>document.title = 'x';</script>"
        "<script>var who = '{{ client.name }}';</script>{% endblock %}")
    root = make_site({"content/portal.yaml": RAW_SITE["content/portal.yaml"] + "theme: ../mytheme\n",
                      "content/acme/scope.md": "---\ntitle: S\n---\n<script>document.title = 'x';"
                                               "</script>\n"})
    result = build_site(root)
    assert result.exit_code == 0, result.output
    static = base64.b64encode(hashlib.sha256(b"document.title = 'x';").digest()).decode()
    dynamic = base64.b64encode(hashlib.sha256(b"var who = 'Acme &amp; Co';").digest()).decode()
    contact = (root / "output/acme/contact.html").read_text()
    assert f"script-src 'self' 'sha256-{static}'" in contact
    assert dynamic not in contact  # template code in it: not the theme's to promise
    assert "sha256-" not in (root / "output/acme/scope.html").read_text()
    assert f"'sha256-{static}'" in (root / "output/acme/_headers").read_text()
