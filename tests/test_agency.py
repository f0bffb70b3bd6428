"""The agency overview and `portal report`: figures checked against hand-computed totals."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, build_site, portal

# Computed by hand from content/*/invoices/*.yaml (line totals rounded to the minor unit,
# discounts and tax per rate), unpaid on 2026-11-23; overdue = due before that day.
EXPECTED = {
    "kowalski-legal": ("PLN", Decimal("50676.00"), Decimal("29212.50"),  # credit note: -1291.50
                       "50\u00a0676,00\u00a0zł", "29\u00a0212,50\u00a0zł"),
    "sakura-retail": ("JPY", Decimal("3312701"), Decimal("1662701"), "￥3,312,701", "￥1,662,701"),
    "nordlys-saas": ("SEK", Decimal("208975.00"), Decimal("113975.00"),
                     "208\u00a0975,00\u00a0kr", "113\u00a0975,00\u00a0kr"),
    "hanbit-logistics": ("KRW", Decimal("32285000"), Decimal("16885000"),
                         "₩32,285,000", "₩16,885,000"),
}


def test_report_json_matches_hand_computed_totals():
    result = portal("report", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    clients = {c["slug"]: c for c in json.loads(result.output)["clients"]}
    assert sorted(clients) == sorted(EXPECTED)
    for slug, (currency, open_, overdue, _, _) in EXPECTED.items():
        assert clients[slug]["open_balance"] == {currency: str(open_)}
        assert clients[slug]["overdue_balance"] == {currency: str(overdue)}
        assert clients[slug]["lifecycle_stage"] == "active"
        assert clients[slug]["next_deadline"]["due"] > AS_OF


def test_report_csv_and_table():
    result = portal("report", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF, "--format", "csv")
    rows = {r["client"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert rows["kowalski-legal"]["open"] == "PLN 50676.00"
    assert rows["sakura-retail"]["overdue"] == "JPY 1662701"
    table = portal("report", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF).output
    assert "KRW 32285000" in table and "SEK 113975.00" in table


def test_report_in_a_subprocess():
    result = subprocess.run([sys.executable, "-m", "generator", "report", "--content",
                             str(EXAMPLE_CONTENT), "--as-of", AS_OF, "--format", "json"],
                            capture_output=True, text=True, cwd=REPO, check=True)
    assert json.loads(result.stdout)["as_of"] == AS_OF


@pytest.fixture(scope="module")
def overview(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("agency") / "output"
    result = portal("build", "--content", EXAMPLE_CONTENT, "--out", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return out


def test_overview_shows_the_same_figures(overview):
    html = (overview / "_agency/index.html").read_text()
    for slug, (_, _, _, open_text, overdue_text) in EXPECTED.items():
        row = html.split(f'id="client-{slug}"')[1].split("</tr>")[0]
        assert open_text in row and overdue_text in row, slug
    assert 'http-equiv="Content-Security-Policy"' in html and "noindex" in html


def test_one_page_per_account_manager(overview):
    pages = sorted(p.name for p in (overview / "_agency/managers").iterdir())
    assert pages == ["erik-lindqvist.html", "haruka-mori.html", "jiwoo-park.html",
                     "katarzyna-lewandowska.html"]
    page = (overview / "_agency/managers/erik-lindqvist.html").read_text()
    assert 'id="client-nordlys-saas"' in page and 'id="client-kowalski-legal"' not in page


def test_overview_never_inside_a_portal(overview):
    for slug in EXPECTED:
        for path in (overview / slug).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert b"agency.js" not in data and b"Agency overview" not in data, path
        others = [s for s in EXPECTED if s != slug]
        index = (overview / slug / "index.html").read_text()
        assert not any(f"client-{o}" in index for o in others)


def test_agency_out_elsewhere_and_refused_inside_a_portal(make_site):
    root = make_site()
    result = build_site(root, "--agency-out", root / "agency")
    assert result.exit_code == 0, result.output
    assert (root / "agency/index.html").is_file() and not (root / "output/_agency").exists()
    result = build_site(root, "--agency-out", root / "output/acme/agency")
    assert result.exit_code == 2 and "inside acme's portal" in result.output


def test_overview_sorts_and_filters_in_the_browser(overview, page):
    page.goto((overview / "_agency/index.html").as_uri())
    page.click("th[data-sort-key=open] button")
    first = page.locator("#agency-table tbody tr").first.get_attribute("data-slug")
    assert first == "kowalski-legal"  # the smallest amount, each in its own currency
    page.click("th[data-sort-key=open] button")
    assert page.locator("#agency-table tbody tr").first.get_attribute("data-slug") == \
        "hanbit-logistics"
    page.fill("#filter-text", "nordlys")
    assert page.locator("#filter-count").inner_text() == "1 of 4 shown"
    assert page.console_errors == []
