"""The Markdown renderer's shortcuts (work skipped where it cannot change the HTML, issue 26)
leave every rendering as it was: random documents made of what content holds (headings,
lists, tables, fenced code, footnotes, escapes, attribute lists, raw HTML, links, CJK and
Korean lines, `[TOC]`) render to the same HTML, table of contents and link problems with
the shortcuts as with Python-Markdown's own steps; and the text of rendered HTML, block by
block (excerpts, calendars), reads as the standard library's HTML parser reads it."""

from __future__ import annotations

from html.parser import HTMLParser

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.treeprocessors import PrettifyTreeprocessor, UnescapeTreeprocessor

from generator.render import markdown as rendering
from generator.render.markdown import EXCERPT_SKIP, LinkTargets, MarkdownRenderer, html_blocks

MANY = settings(max_examples=300, deadline=None, derandomize=True, database=None)
TARGETS = LinkTargets({"scope.md": "scope.html", "requirements/intake.md": "requirements/intake.html"},
                      frozenset({"files/plan.pdf"}))

WORDS = ["plain", "text", "会員データ", "抽出", "から", "16日", "계약서", "검토", "Zażółć", "gęślą",
         "*em*", "**strong**", "_u_", "`code`", "\\*", "\\\\", "\\`", "&amp;", "&", "<", ">",
         "[scope](scope.md)", "[bad](nowhere.md)", "[^1]", "{: .note }", "{", "}", "[TOC]",
         "<b>bold</b>", "<span id=\"cp-main\">x</span>", "<a href=\"scope.md\">s</a>",
         "![i](files/plan.pdf)", "<https://example.com>", "|", "  ", "\u3000", "。", "、"]
LINES = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join),
    st.sampled_from(["", "", "# Title", "## Part {#part}", "### 小見出し", "- item", "  - nested",
                     "1. first", "> quoted", "```", "~~~", "    indented code", "---",
                     "| a | b |", "|---|:--:|", "| 1 | 会員 |", "[^1]: A note.", "Setext",
                     "======", "[TOC]", "<div>raw</div>", "Term", "\t- tabbed", "------",
                     "***", "___", "* * *", "a | b", "--- | ---", "| one |", "\\| not a cell",
                     "| x \\| y | z |", "| `a|b` | c |", "| \\`a|b\\` | c |",
                     "[ref]: scope.md", "[ref]:scope.md", "[see][ref]",
                     "[ref]: https://example.com \"Title\"",
                     "   > deep quote", "#no space", "##", "    [^2]: indented note"]),
)
CELLS = ["a", " b ", "会員", "x \\| y", "`a|b`", "\\`a|b\\`", "``a|`b``", "\\\\|", "*em*", ""]
# A table: a header row, a separator row, body rows (cells with escaped pipes and code spans)
TABLES = st.tuples(
    st.lists(st.sampled_from(CELLS), min_size=1, max_size=3),
    st.sampled_from(["---", ":--", "--:", ":-:"]),
    st.booleans(),
    st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4), max_size=4),
).map(lambda t: "\n".join(
    [("| " if t[2] else "") + " | ".join(t[0]) + (" |" if t[2] else ""),
     "|".join([t[1]] * len(t[0])),
     *[("| " if t[2] else "") + " | ".join(row) for row in t[3]]]))
DOCUMENTS = st.lists(st.one_of(LINES, TABLES), max_size=25).map("\n".join)


def reference(renderer: MarkdownRenderer) -> MarkdownRenderer:
    """The same renderer with Python-Markdown's own prettify and unescape steps."""
    renderer._md.treeprocessors.register(PrettifyTreeprocessor(renderer._md), "prettify", 10)
    renderer._md.treeprocessors.register(UnescapeTreeprocessor(renderer._md), "unescape", 0)
    return renderer


@pytest.mark.parametrize("raw_html", [False, True])
@MANY
@given(text=DOCUMENTS)
def test_shortcuts_change_no_rendering(raw_html, text):
    quick = MarkdownRenderer(allow_raw_html=raw_html, reserved_ids=frozenset({"cp-main"}))
    full = reference(MarkdownRenderer(allow_raw_html=raw_html,
                                      reserved_ids=frozenset({"cp-main"})))
    made = quick._render(text, TARGETS, "../", "", 3)
    rendering.SHORTCUTS = False
    try:
        expected = full._render(text, TARGETS, "../", "", 3)
    finally:
        rendering.SHORTCUTS = True
    assert (made.html, made.toc, made.problems) == (expected.html, expected.toc,
                                                   expected.problems)


def test_the_reference_takes_the_long_way(monkeypatch):
    """The comparison above can fail: with the shortcuts off, the reference's steps do run
    (a backslash escape is unescaped only by the unescape step)."""
    renderer = reference(MarkdownRenderer(allow_raw_html=False))
    monkeypatch.setattr(rendering, "SHORTCUTS", False)
    renderer._md.treeprocessors.deregister("unescape")
    broken = renderer._render("a \\* b", TARGETS, "", "", 1).html
    assert broken != MarkdownRenderer(allow_raw_html=False)._render("a \\* b", TARGETS, "", "",
                                                                   1).html


BLOCK_TAGS = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote",
              "figcaption", "div", "br"}


class _ReferenceBlocks(HTMLParser):
    """The block text as the standard library's HTML parser reads it: what `html_blocks`
    did before it read the sanitiser's tags with one expression (issue 26)."""

    def __init__(self, skip: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip, self.blocks, self.current, self.skipping = skip, [], [], []

    def handle_starttag(self, tag, attrs):
        if self.skipping or tag in self.skip or ("class", "footnote") in attrs:
            if tag not in ("br", "img", "hr"):
                self.skipping.append(tag)
            return
        if tag in BLOCK_TAGS:
            self.end_block()

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in BLOCK_TAGS:
            self.end_block()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)

    def end_block(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def reference_blocks(html: str, skip: frozenset[str]) -> list[str]:
    parser = _ReferenceBlocks(skip)
    parser.feed(html)
    parser.close()
    parser.end_block()
    return parser.blocks


FRAGMENTS = st.lists(st.sampled_from([
    "<p>", "</p>", "<li>", "<br>", "<br/>", "<sup>", "</sup>", "<pre>", "</pre>", "<table>",
    "</table>", "<h2 id=\"x\">", "</h2>", '<div class="footnote">', "</div>", "<hr>",
    '<a href="a?b=1&amp;c=2" title="x > y">', "</a>", "<em>", "</em>", "&amp;", "&lt;",
    "&nbsp;", "&#233;", "text", " ", "\n", "会員", "é", "<img src=\"x\" alt=\"<p>\">"]),
    max_size=40).map("".join)


@MANY
@given(text=DOCUMENTS, raw_html=st.booleans(), fragment=FRAGMENTS)
def test_block_text_reads_as_the_html_parser_reads_it(text, raw_html, fragment):
    rendered = MarkdownRenderer(allow_raw_html=raw_html)._render(text, TARGETS, "", "", 1).html
    for html in (rendered, nh3.clean(fragment)):
        for skip in (frozenset({"pre", "sup"}), EXCERPT_SKIP):
            assert html_blocks(html, skip) == reference_blocks(html, skip)
