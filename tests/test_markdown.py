"""Markdown: links resolved relative to the client folder, raw HTML escaped, ids safe."""

from generator.render.markdown import LinkTargets, MarkdownRenderer, plain_text

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


def test_plain_text_excerpt():
    assert plain_text("## Title\n\nSome **bold** [link](x.md).") == "Title Some bold link."


def test_renderings_are_kept_per_text_page_and_link_targets():
    renderer = MarkdownRenderer(False)
    first = renderer.render("[a](requirements/a.md)", TARGETS, root="../")
    assert renderer.render("[a](requirements/a.md)", TARGETS, root="../") is first
    assert 'href="requirements/a.html"' in renderer.render("[a](requirements/a.md)",
                                                           TARGETS).html
    moved = LinkTargets({"requirements/a.md": "requirements/moved.html"}, frozenset())
    assert "moved.html" in renderer.render("[a](requirements/a.md)", moved, root="../").html
    assert renderer.render("[b](requirements/a.md)", TARGETS, root="../").html != first.html
