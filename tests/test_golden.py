"""Golden files: pages compared byte for byte; `pytest --update-golden` rewrites them."""

from __future__ import annotations

import pytest

from conftest import REPO, WITH_PDFS, build_site

GOLDEN = REPO / "tests" / "golden"
PAGES = ["invoices/2026-10.html", "requirements/intake.html", "requirements.html"]


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_golden_file(make_site, update_golden, page):
    root = make_site(WITH_PDFS if page.startswith("invoices/") else None)
    assert build_site(root).exit_code == 0
    built = (root / "output" / "acme" / page).read_text(encoding="utf-8")
    golden = GOLDEN / page.replace("/", "__")
    if update_golden:
        golden.write_text(built, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run pytest --update-golden"
    assert built == golden.read_text(encoding="utf-8"), (
        f"{page} differs from {golden.name}; if the change is intended, run pytest --update-golden")
