"""Markdown: links resolved relative to the client folder, raw HTML escaped, ids safe."""

import pytest

from generator.render.markdown import LinkTargets, MarkdownRenderer, excerpt, plain_text

TARGETS = LinkTargets({"scope.md": "scope.html", "requirements/a.md": "requirements/a.html",
                       "updates/n.md": "updates.html#n"}, frozenset({"files/brief.pdf"}))


def render(text, allow_raw_html=False, **options):
    return MarkdownRenderer(allow_raw_html).render(text, TARGETS, **options)


def test_content_links_become_page_links_relative_to_the_page():
    html = render("[a](requirements/a.md#goals) [b](files/brief.pdf) [c](updates/n.md)",
                  root="../").html
    assert 'href="../requirements/a.html#goals"' in html
    assert 'href="../files/brief.pdf"' in html
    assert 'href="../updates.html#n"' in html


def test_bad_links_are_reported_with_their_line():
    rendered = render("one\n\ntwo [x](files/nope.pdf)\n\n[y](/etc/passwd)", first_line=10)
    assert rendered.problems == [
        (12, "attachment 'files/nope.pdf' not found in files/"),
        (14, "link '/etc/passwd' leaves the client folder; write paths relative to the client "
             "folder, without '..'"),
    ]


def test_raw_html_is_text_unless_allowed():
    assert "&lt;script&gt;" in render("<script>alert(1)</script>").html
    assert "<b>bold</b>" in render("<b>bold</b>", allow_raw_html=True).html


def test_tables_use_classes_not_inline_styles():
    html = render("| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert "style=" not in html
    assert 'class="align-right"' in html


def test_headings_get_unicode_ids_and_a_toc():
    rendered = render("## Wymagania ogólne\n\n### 概要\n")
    assert 'id="wymagania-ogólne"' in rendered.html
    assert rendered.toc[0]["children"][0]["id"] == "概要"


def test_id_prefix_keeps_ids_unique_on_shared_pages():
    html = render("## Notes\n\nA[^1]\n\n[^1]: b", id_prefix="u1-").html
    assert 'id="u1-notes"' in html
    assert 'href="#u1-fn:1"' in html


def test_language_folder_links():
    """From en/requirements/x.html (root '../../'): pages in en/, attachments shared."""
    from dataclasses import replace
    english = replace(TARGETS, page_prefix="en/")
    html = MarkdownRenderer(False).render("[a](requirements/a.md) [b](files/brief.pdf)",
                                          english, root="../../").html
    assert 'href="../../en/requirements/a.html"' in html
    assert 'href="../../files/brief.pdf"' in html


@pytest.mark.parametrize(("source", "shown"), [
    ("会員データ\n抽出の日程", "<p>会員データ抽出の日程</p>"),  # Japanese: no space
    ("改修に\n**あと2週間**です。\n次へ", "<p>改修に<strong>あと2週間</strong>です。次へ</p>"),
    ("「確認」\n（済）", "<p>「確認」（済）</p>"),  # full-width punctuation too
    ("한국어 문장이\n이어집니다", "<p>한국어 문장이\n이어집니다</p>"),  # Korean keeps its space
    ("から\n16日、SaaS\n型", "<p>から16日、SaaS型</p>"),  # Japanese beside digits and Latin
    ("Polish\nlines", "<p>Polish\nlines</p>"),
    ("```\n日本\n語\n```", '<pre tabindex="0"><code>日本\n語\n</code></pre>'),  # code as written
    ("- 会員\n  移行\n- 次", "<ul>\n<li>会員移行</li>\n<li>次</li>\n</ul>"),
])
def test_lines_broken_between_chinese_or_japanese_characters_join(source, shown):
    assert render(source).html == shown


def test_excerpts_and_calendar_text_come_from_the_rendered_text():
    html = render("Nowy termin: **27 listopada 2026**.\n\n"
                  "## Pakiety\n\nPakiety **Bas**, **Plus**.[^1]\n\n"
                  "- pierwszy\n- drugi\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n"
                  "```\ncode\n```\n\n[^1]: przypis").html
    assert excerpt(html) == "Nowy termin: 27 listopada 2026. Pakiety Bas, Plus. pierwszy drugi"
    assert plain_text(html) == ("Nowy termin: 27 listopada 2026.\nPakiety\nPakiety Bas, Plus.\n"
                                "pierwszy\ndrugi\na b\n1 2")
    japanese = render("10月15日夜から\n16日朝にかけて実施しました。\n\n"
                      "| 項目 | 結果 |\n| --- | --- |\n| 投入SKU数 | 18,410件 |").html
    assert excerpt(japanese) == "10月15日夜から16日朝にかけて実施しました。"
    assert excerpt(render("あ" * 300).html) == "あ" * 220 + "…"  # no space to cut at
    assert excerpt(render("word " * 100).html) == ("word " * 44).strip() + "…"


def test_renderings_are_kept_per_text_page_and_link_targets():
    renderer = MarkdownRenderer(False)
    first = renderer.render("[a](requirements/a.md)", TARGETS, root="../")
    assert renderer.render("[a](requirements/a.md)", TARGETS, root="../") is first
    assert 'href="requirements/a.html"' in renderer.render("[a](requirements/a.md)",
                                                           TARGETS).html
    moved = LinkTargets({"requirements/a.md": "requirements/moved.html"}, frozenset())
    assert "moved.html" in renderer.render("[a](requirements/a.md)", moved, root="../").html
    assert renderer.render("[b](requirements/a.md)", TARGETS, root="../").html != first.html
