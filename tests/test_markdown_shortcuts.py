"""The Markdown renderer's shortcuts (work skipped where it cannot change the HTML, issue 26)
leave every rendering as it was: random documents made of what content holds (headings,
lists, tables, fenced code, footnotes, escapes, attribute lists, raw HTML, links, CJK and
Korean lines, `[TOC]`) render to the same HTML, table of contents and link problems with
the shortcuts as with Python-Markdown's own steps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.treeprocessors import PrettifyTreeprocessor, UnescapeTreeprocessor

from generator.render import markdown as rendering
from generator.render.markdown import LinkTargets, MarkdownRenderer

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
                     "======", "[TOC]", "<div>raw</div>", "Term", "\t- tabbed"]),
)
DOCUMENTS = st.lists(LINES, max_size=25).map("\n".join)


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
