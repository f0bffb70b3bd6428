"""The agency overview and `portal report`: figures checked against hand-computed totals."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, build_site, portal

# Computed by hand from content/*/invoices/*.yaml (line totals rounded to the minor unit,
# discounts and tax per rate), unpaid on 2026-11-23; overdue = due before that day.
EXPECTED = {
    # overdue: 29212.50 less its credit note 1291.50
    "kowalski-legal": ("PLN", Decimal("50676.00"), Decimal("27921.00"),
                       "50\u00a0676,00\u00a0zł", "27\u00a0921,00\u00a0zł"),
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


@pytest.fixture
def overview(example) -> Path:
    """The example portals' output (conftest's `example`, built once per run): the agency
    overview is its _agency/."""
    return example


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


@pytest.fixture(scope="module")
def two_in_zloty(tmp_path_factory) -> Path:
    """The example agency with a second client paying in złoty, owing less than the first."""
    content = tmp_path_factory.mktemp("zloty") / "content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    second = content / "mazur-sp"
    shutil.copytree(content / "kowalski-legal", second)
    profile = second / "client.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace(
        "name: Kowalski i Wspólnicy", "name: Mazur Sp. z o.o.", 1), encoding="utf-8")
    for invoice in sorted((second / "invoices").glob("*.yaml"))[:-1]:
        invoice.unlink()  # one invoice: a smaller balance in the same currency
    kept = second / "invoices/2026-10.yaml"  # a seller numbers each invoice once
    text = kept.read_text(encoding="utf-8").replace("FV/2026/10/012", "FV/2026/10/013")
    kept.write_text(text.split("\n# Issued in KSeF")[0] + "\n", encoding="utf-8")  # no KSeF copy
    with (content / "portal.yaml").open("a", encoding="utf-8") as settings:
        settings.write("invoice_pdf: false\n")  # the overview's figures need no PDF
    out = content.parent / "output"
    result = portal("build", "--content", content, "--out", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return out


def _order(page) -> list[str]:
    return page.locator("#agency-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.slug)")


def test_overview_sorts_within_a_currency_and_filters_in_the_browser(two_in_zloty, page):
    """Money sorts by currency, then amount: złoty are compared with złoty only (50 676,00 zł
    is not less than ¥3,312,701 because 51967 < 3312701); no amount sorts last."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((two_in_zloty / "_agency/index.html").as_uri())
    page.click("th[data-sort-key=open] button")
    assert _order(page) == ["sakura-retail", "hanbit-logistics", "mazur-sp", "kowalski-legal",
                            "nordlys-saas"]  # JPY, KRW, PLN (less, more), SEK
    page.click("th[data-sort-key=open] button")
    assert _order(page) == ["nordlys-saas", "kowalski-legal", "mazur-sp", "hanbit-logistics",
                            "sakura-retail"]
    wrap = page.locator("#agency-table").evaluate(
        "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert wrap[0] <= wrap[1]  # every column shows at 1280 px: nothing clipped
    page.fill("#filter-text", "nordlys")
    assert page.locator("#filter-count").inner_text() == "1 of 5 shown"
    assert page.console_errors == []


def test_overview_totals_per_currency_and_links_to_the_portals(two_in_zloty):
    html = (two_in_zloty / "_agency/index.html").read_text(encoding="utf-8")
    totals = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    lines = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
             for row in totals.split("</tr>")[:-1]]
    assert lines == ["Total in JPY ￥3,312,701 ￥1,662,701",
                     "Total in KRW ₩32,285,000 ₩16,885,000",
                     # 50 676,00 (after a credit note and a partial payment) + 22 755,00 open
                     "Total in PLN 73 431,00 zł 27 921,00 zł",
                     "Total in SEK 208 975,00 kr 113 975,00 kr"]
    assert '<a href="../kowalski-legal/index.html" hreflang="pl">Kowalski i Wspólnicy</a>' \
        in html
    manager = (two_in_zloty / "_agency/managers/haruka-mori.html").read_text(encoding="utf-8")
    assert '<a href="../../sakura-retail/index.html" hreflang="ja">' in manager


def test_overview_links_a_link_portal_at_its_capability_address(make_site, monkeypatch):
    root = make_site()
    (root / "content/portal.yaml").write_text(
        (root / "content/portal.yaml").read_text() + "base_url: https://portals.agency.test/\n")
    with (root / "content/acme/client.yaml").open("a") as profile:
        profile.write("access: {mode: link}\n")
    monkeypatch.setenv("PORTAL_SECRET", "agency-test-secret-0123456789abcdefghij")
    assert build_site(root).exit_code == 0
    (folder,) = [p.name for p in (root / "output").iterdir() if p.name.startswith("acme-")]
    html = (root / "output/_agency/index.html").read_text(encoding="utf-8")
    assert f'<a href="https://portals.agency.test/{folder}/" hreflang="en">Acme &amp; Co</a>' \
        in html
