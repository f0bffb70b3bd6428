"""docs/content-format.md is generated from the models and must stay in step with them."""

from conftest import REPO
from generator.commands.reference import reference


def test_reference_doc_is_current():
    committed = (REPO / "docs" / "content-format.md").read_text(encoding="utf-8")
    assert committed == reference(), (
        "docs/content-format.md is stale: run python -m generator.commands.reference > docs/content-format.md")


def test_every_field_is_described():
    assert "|  |\n" not in reference()
