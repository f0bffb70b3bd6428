"""`portal new` writes a client that a native speaker of its language would publish, marked as a
draft so that nothing is published before the agency removes the mark."""

from __future__ import annotations

import pytest

from conftest import AS_OF, examples_without_pdfs, portal
from generator.commands.new import WORDING

# What the scaffold wrote in English before: none of it may reach a portal in another language.
ENGLISH = ("Scope of work", "Kickoff meeting", "First requirement", "Goals", "Deliverables",
           "Purpose", "Account Manager", "Main Contact", "unit: day")


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """The examples with a new client in each of the five languages, built once."""
    root = tmp_path_factory.mktemp("new")
    examples_without_pdfs(root)  # the new clients have no invoice to print
    for language in WORDING:
        result = portal("new", f"new-{language}", "--content", root / "content",
                        "--locale", language, "--name", "Yamato Koubou")
        assert result.exit_code == 0, result.output
    built = portal("build", "--content", root / "content", "--out", root / "output",
                   "--as-of", AS_OF)
    assert built.exit_code == 0, built.output
    return root


@pytest.mark.parametrize("language", ["ja", "ko", "pl", "sv"])
def test_a_new_client_is_written_in_its_language(content, language):
    folder = content / "content" / f"new-{language}"
    text = "\n".join(p.read_text() for p in sorted(folder.rglob("*")) if p.is_file())
    assert [english for english in ENGLISH if english in text] == []
    words = WORDING[language]
    for key in ("scope", "goals", "kickoff", "workshop", "requirement", "contact",
                "manager_title", "includes"):
        assert words[key] in text, key
    page = (content / "output" / f"_draft-new-{language}" / "timeline.html").read_text()
    assert words["kickoff"] in page and f'lang="{language}"' in page


def test_a_new_client_is_a_draft_with_no_invoice_and_nothing_published(content):
    folder = content / "content" / "new-ja"
    profile = (folder / "client.yaml").read_text()
    assert "draft: true" in profile and "example.com" not in profile
    assert "# country: JP" in profile and "# tax_ids:" in profile
    assert not (folder / "invoices").exists()
    assert (folder / "updates").is_dir() and (folder / "files").is_dir()
    assert not (content / "output" / "new-ja").exists()
    assert (content / "output" / "_draft-new-ja" / "index.html").is_file()
    check = portal("check", "--content", content / "content", "--as-of", AS_OF)
    assert "new-ja/client.yaml:3: warning: draft: true" in check.output
    published = portal("publish", "--out", content / "output", "--to", content / "public",
                       "--dry-run")
    assert published.exit_code == 0, published.output
    assert "_draft" not in published.output and "new-ja" not in published.output


def test_removing_the_mark_publishes_the_portal_and_removes_the_draft(tmp_path):
    examples_without_pdfs(tmp_path)  # the new client has no invoice to print
    assert portal("new", "solo", "--content", tmp_path / "content", "--locale", "pl").exit_code == 0
    build = ("build", "--content", tmp_path / "content", "--out", tmp_path / "out",
             "--as-of", AS_OF)
    assert portal(*build).exit_code == 0
    assert (tmp_path / "out/_draft-solo").is_dir()
    profile = tmp_path / "content/solo/client.yaml"
    profile.write_text(profile.read_text().replace("draft: true", ""))
    assert portal(*build).exit_code == 0
    assert (tmp_path / "out/solo/index.html").is_file()
    assert not (tmp_path / "out/_draft-solo").exists()


def test_a_slug_is_suggested_from_a_name(make_site):
    content = make_site() / "content"
    result = portal("new", "Yamato-Koubou", "--content", content)
    assert result.exit_code == 2
    assert "did you mean `yamato-koubou`?" in result.output
    assert not (content / "Yamato-Koubou").exists()


def test_a_language_without_a_catalogue_is_refused_naming_those_there_are(make_site):
    content = make_site() / "content"
    result = portal("new", "zz", "--content", content, "--locale", "de")
    assert result.exit_code == 2
    assert "no 'de' catalogue" in result.output and "en, ja, ko, pl, sv" in result.output
    assert not (content / "zz").exists()
