"""Theme lookup: the site's theme folder overrides the default theme file by file."""

from __future__ import annotations

from conftest import build_site
from generator.render.theme import DEFAULT_THEME, Theme, make_environment, theme_for

OVERRIDE = {
    "content/portal.yaml": """
        agency: {name: Test Agency}
        timezone: Europe/Amsterdam
        theme: ../brand
    """,
    "content/_agency/logo.svg": None,
    # Replaces the contact page outright.
    "brand/templates/contact.html": """
        {% extends "base.html" %}
        {% block title %}Talk to us{% endblock %}
        {% block content %}<h1>Call {{ client.account_manager.name }}</h1>{% endblock %}
    """,
    # Extends the default base layout it overrides, adding to its head.
    "brand/templates/base.html": """
        {% extends "!default/base.html" %}
        {% block head %}<link rel="stylesheet" href="{{ root }}assets/brand-extra.css">{% endblock %}
    """,
    "brand/static/brand-extra.css": "body { letter-spacing: 0.01em; }\n",
    "brand/static/style.css": "/* the agency's own stylesheet */\n",
}


def test_override_order_is_site_then_default(tmp_path):
    assert theme_for(None).folders == (DEFAULT_THEME,)
    assert theme_for(tmp_path).folders == (tmp_path, DEFAULT_THEME)


def test_templates_and_static_files_are_overridden_file_by_file(make_site):
    root = make_site(OVERRIDE)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    portal = root / "output/acme"
    contact = (portal / "contact.html").read_text()
    assert "<h1>Call Ann Manager</h1>" in contact and "<title>Talk to us · Acme &amp; Co</title>" in contact
    assert 'href="assets/brand-extra.css"' in contact  # the overriding base.html is used
    scope = (portal / "scope.html").read_text()
    assert "Scope of work" in scope and 'href="assets/brand-extra.css"' in scope
    assert (portal / "assets/style.css").read_text() == "/* the agency's own stylesheet */\n"
    assert (portal / "assets/filter.js").is_file()  # not overridden: the default's


def test_missing_theme_folder_is_a_content_error(make_site):
    root = make_site({"content/portal.yaml": "agency: {name: A}\ntheme: ../nowhere\n",
                      "content/_agency/logo.svg": None})
    result = build_site(root)
    assert result.exit_code == 1
    assert "theme: '../nowhere' has no templates/ or static/ folder" in result.output


def test_broken_override_template_names_file_and_line(make_site):
    root = make_site({**OVERRIDE, "brand/templates/contact.html": "{% extends 'base.html' %}\n"
                                                                  "{% block content %}{{ nope.x }}{% endblock %}\n"})
    result = build_site(root)
    assert result.exit_code == 1
    assert "contact.html:2:" in result.output and "'nope' is undefined" in result.output
    assert "Traceback" not in result.output


def test_static_files_later_folders_lose(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("x")
    files = Theme((tmp_path, DEFAULT_THEME)).static_files()
    assert files["style.css"] == tmp_path / "static" / "style.css"
    assert files["filter.js"] == DEFAULT_THEME / "static" / "filter.js"
    assert make_environment(Theme()).get_template("!default/base.html") is not None


def test_compiled_templates_are_kept_outside_the_portals_and_follow_edits(make_site):
    root = make_site(OVERRIDE)
    assert build_site(root, "--jobs", "1").exit_code == 0
    compiled = sorted((root / "output/.clientportal-cache/templates").iterdir())
    assert compiled, "the first build keeps its compiled templates"
    assert not [p for p in (root / "output/acme").rglob("*") if "jinja" in p.name]
    contact = root / "brand/templates/contact.html"
    contact.write_text(contact.read_text().replace("Call", "Ring"))
    assert build_site(root, "--jobs", "1").exit_code == 0  # the theme changed: rebuilt
    assert "<h1>Ring Ann Manager</h1>" in (root / "output/acme/contact.html").read_text()
    assert len(list((root / "output/.clientportal-cache/templates").iterdir())) == len(compiled)
