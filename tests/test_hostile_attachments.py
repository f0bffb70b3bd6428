"""Attachments that cannot run: HTML-like types refused, SVG kept only when inert, markup in
files of unknown type refused; each case with its exact verdict. Chromium opens what is
published in tests/test_browser_hostile.py."""

from __future__ import annotations

import pytest

from conftest import build_site
from generator.content.attachments import active_content

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
RUNS = "SVG that could run script or load another file: "
PAGE = "runs as a web page when opened, at the portal's address; attach it as PDF, or zipped"
SNIFFED = ("that starts like HTML or XML: a browser opening it from disk may show it as a web "
           "page; give it a known extension such as .txt, or zip it")


def svg(body: str, head: str = "") -> bytes:
    return f"{head}{SVG_OPEN}\n{body}\n</svg>\n".encode()


# name, bytes: (line, message) or None when the file is published
CASES: dict[str, tuple[str, bytes, tuple[int | None, str] | None]] = {
    "html": ("report.html", b"<p>hi</p>", (None, f"a .html file {PAGE}")),
    "XHTML upper case": ("page.XHTML", b"<html/>", (None, f"a .xhtml file {PAGE}")),
    "xml": ("data.xml", b"<a/>", (None, f"a .xml file {PAGE}")),
    "mhtml": ("saved.mhtml", b"MIME-Version: 1.0", (None, f"a .mhtml file {PAGE}")),
    "svgz": ("logo.svgz", b"\x1f\x8b", (None, f"a .svgz file {PAGE}")),
    "svg script": ("a.svg", svg("<script>window.__pwned=1</script>"),
                   (2, RUNS + "<script> is not allowed in an attachment (it can run script or "
                             "load another document)")),
    "svg onload": ("a.svg", svg('<rect width="1" height="1" onload="window.__pwned=1"/>'),
                   (2, RUNS + "<rect> has an event handler (onload), which runs script")),
    "svg ONCLICK on root": ("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg" ONCLICK="x()"/>',
                            (1, RUNS + "<svg> has an event handler (ONCLICK), which runs script")),
    "svg foreignObject iframe": (
        "a.svg", svg('<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" '
                     'src="javascript:parent.__pwned=1"/></foreignObject>'),
        (2, RUNS + "<foreignObject> is not allowed in an attachment (it can run script or load "
                   "another document)")),
    "svg xhtml script": ("a.svg", svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">'
                                      "window.__pwned=1</h:script>"),
                         (2, RUNS + "<script> is an XHTML element")),
    "svg javascript link": ("a.svg", svg('<a xlink:href=" java\tscript:window.__pwned=1">'
                                         "<text>x</text></a>"),
                            (2, RUNS + "<a> links to ' java script:window.__pwned=1': only '#…' "
                                       "fragments of the image itself (and web links on <a>, "
                                       "embedded PNG, JPEG, GIF or WebP on <image>)")),
    "svg animate to javascript": (
        "a.svg", svg('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>'),
        (2, RUNS + "<set> is not allowed in an attachment (it can run script or load another "
                   "document)")),
    "svg use of another file": ("a.svg", svg('<use href="other.svg#x"/>'),
                                (2, RUNS + "<use> links to 'other.svg#x': only '#…' fragments of "
                                           "the image itself (and web links on <a>, embedded "
                                           "PNG, JPEG, GIF or WebP on <image>)")),
    "svg image of html data": ("a.svg", svg('<image href="data:text/html,&lt;script>x&lt;/script>"/>'),
                               (2, RUNS + "<image> links to 'data:text/html,<script>x</script>':"
                                          " only '#…' fragments of the image itself (and web "
                                          "links on <a>, embedded PNG, JPEG, GIF or WebP on "
                                          "<image>)")),
    "svg style sheet instruction": (
        "a.svg", svg("<g/>", '<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n'),
        (1, RUNS + "it has the processing instruction <?xml-stylesheet …?> (a style sheet can "
                   "turn it into a page)")),
    "svg billion laughs": ("a.svg", b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                                    b'<!ENTITY b "&a;&a;&a;&a;&a;">]>\n' + svg("<text>&b;</text>"),
                           (1, RUNS + "it declares the entity 'a' (entities can expand without "
                                      "bound)")),
    "svg css import": ("a.svg", svg("<style>@import url(https://evil.test/x.css);</style>"),
                       (2, RUNS + "its CSS uses '@import'")),
    "svg css outside url": ("a.svg", svg('<rect style="fill:url(https://evil.test/x)"/>'),
                            (2, RUNS + "its CSS loads 'url(https://evil.test/x)': only url(#…) "
                                       "fragments of the image itself")),
    "svg xml:base": ("a.svg", svg('<g xml:base="https://evil.test/"/>'),
                     (2, RUNS + "<g> sets xml:base")),
    "svg that is html": ("a.svg", b"<html><script>window.__pwned=1</script></html>",
                         (1, RUNS + "the root element is <html>, not an SVG <svg>")),
    "svg not well-formed": ("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",
                            (1, "is not a well-formed SVG (mismatched tag)")),
    "no extension, html": ("README", b"\n  <html><script>window.__pwned=1</script>",
                           (None, f"a file without an extension {SNIFFED}")),
    "markdown that is html": ("notes.md", b"<!doctype html><script>x</script>",
                              (None, f"a .md file {SNIFFED}")),
    "php": ("index.php", b"<?php echo 1; ?><script>x</script>", (None, f"a .php file {SNIFFED}")),
    "utf-16 html": ("page.dat", "\ufeff<html><script>x</script>".encode("utf-16-le"),
                    (None, f"a .dat file {SNIFFED}")),
    # published as they are
    "inert svg": ("logo.svg", svg(
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
        '</defs><style>.a { fill: url(#g) }</style><rect class="a" fill="url(\'#g\')" '
        'width="10" height="10"/><use xlink:href="#g"/><a href="https://agency.test/">'
        '<text>site</text></a><image href="data:image/png;base64,iVBORw0KGgo="/>'
        '<animateTransform attributeName="transform" type="rotate" from="0" to="360" dur="1s"/>',
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'), None),
    "inkscape svg": ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
                     b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
                     b'inkscape:version="1.3"><metadata><rdf:RDF xmlns:rdf="http://www.w3.org/'
                     b'1999/02/22-rdf-syntax-ns#"/></metadata><inkscape:grid/></svg>', None),
    "text that looks like html": ("page.txt", b"<html><script>x</script>", None),
    "pdf that holds html": ("brief.pdf", b"<html><script>x</script>", None),
    "json": ("data.json", b'{"a": "<script>"}', None),
    "plain markdown": ("notes.md", b"# Notes\n\n<b>bold</b>\n", None),
    "less-than text": ("maths", b"< 3 is small", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_attachment_verdict(case):
    name, data, verdict = CASES[case]
    assert active_content(name, data) == verdict


def test_a_build_refuses_active_attachments_with_file_and_line(make_site):
    root = make_site({f"content/acme/files/{CASES[c][0]}": CASES[c][1]
                      for c in ("html", "svg onload", "no extension, html")})
    result = build_site(root)
    assert result.exit_code == 1
    assert f"acme/files/report.html: a .html file {PAGE}" in result.output
    assert ("acme/files/a.svg:2: " + RUNS + "<rect> has an event handler (onload)"
            in result.output)
    assert f"acme/files/README: a file without an extension {SNIFFED}" in result.output
    assert not (root / "output" / "acme").exists()
    assert "Traceback" not in result.output


def test_inert_attachments_are_published_and_hidden_files_never(make_site):
    root = make_site({f"content/acme/files/{CASES[c][0]}": CASES[c][1]
                      for c in ("inert svg", "inkscape svg", "text that looks like html")}
                     | {"content/acme/files/.env": "SECRET=1\n",
                        "content/acme/files/.git/config": "x\n",
                        "content/acme/files/sub/.DS_Store": "x\n"})
    result = build_site(root)
    assert result.exit_code == 0, result.output
    files = root / "output" / "acme" / "files"
    assert sorted(p.name for p in files.rglob("*")) == [
        "ann.svg", "brief.pdf", "drawing.svg", "logo.svg", "page.txt"]
    assert (files / "logo.svg").read_bytes() == CASES["inert svg"][1]


def test_an_agency_logo_that_runs_is_refused_too(make_site):
    root = make_site({"content/_agency/logo.svg": CASES["svg script"][1]})
    result = build_site(root)
    assert result.exit_code == 1
    assert "_agency/logo.svg:2: " + RUNS + "<script> is not allowed" in result.output
