"""The example agency in content/ builds completely, and its figures are the hand-computed ones."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from html import unescape
from pathlib import Path

import icalendar
import pytest
import yaml

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, snapshot
from linkcheck import broken_links

CLIENTS = ["hanbit-logistics", "kowalski-legal", "nordlys-saas", "sakura-retail"]

# Computed by hand from the invoice files (see the closing note of the core issue):
# open balance, overdue balance, paid total, as shown on the invoices page.
TOTALS = {
    "kowalski-legal": ("50 676,00 zł", "27 921,00 zł", "94 119,60 zł"),  # overdue 29 212,50 less its credit note
    "sakura-retail": ("￥3,312,701", "￥1,662,701", "￥6,937,795"),
    "nordlys-saas": ("208 975,00 kr", "113 975,00 kr", "383 700,00 kr"),  # reverse charge: no VAT
    "hanbit-logistics": ("₩32,285,000", "₩16,885,000", "₩33,176,000"),
}


@pytest.fixture
def built(example) -> Path:
    """The example portals (conftest's `example`: built in-process once per test run)."""
    return example


def test_every_client_gets_a_portal(built):
    portals = [p.name for p in built.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    assert sorted(portals) == CLIENTS


@pytest.mark.parametrize("slug", CLIENTS)
def test_every_page_exists(built, slug):
    portal, content = built / slug, EXAMPLE_CONTENT / slug
    for page in ["index.html", "scope.html", "requirements.html", "timeline.html",
                 "invoices.html", "updates.html", "contact.html", "feed.xml", "calendar.ics"]:
        assert (portal / page).is_file(), page
    for document in (content / "requirements").glob("*.md"):
        slug, _, language = document.stem.partition(".")  # intake.en.md: English, under en/
        assert (portal / (f"{language}/" if language else "") / "requirements"
                / f"{slug}.html").is_file()
    for invoice in (content / "invoices").glob("*.yaml"):
        issued = yaml.safe_load(invoice.read_text(encoding="utf-8"))["issued"]
        published = (portal / "invoices" / f"{invoice.stem}.html").is_file()
        assert published == (str(issued) <= AS_OF), invoice  # later ones: on their day
        for suffix in (".pdf", ".xml"):
            assert (portal / "invoices" / f"{invoice.stem}{suffix}").is_file() == published
    for attachment in (content / "files").rglob("*"):
        if attachment.is_file():
            target = portal / attachment.relative_to(content)
            assert target.read_bytes() == attachment.read_bytes()


@pytest.mark.parametrize("slug", CLIENTS)
def test_links_resolve_inside_the_portal(built, slug):
    assert broken_links(built / slug) == []


@pytest.mark.parametrize("slug", CLIENTS)
def test_invoice_totals_are_the_hand_computed_ones(built, slug):
    html = (built / slug / "invoices.html").read_text(encoding="utf-8")
    figures = [" ".join(unescape(re.sub(r"<[^>]+>", "", f)).split()).replace("\xa0", " ")
               for f in re.findall(r'class="card__figure[^"]*">(.*?)</p>', html, re.S)]
    assert tuple(f.replace("\xa0", " ") for f in figures) == TOTALS[slug]
    statuses = re.findall(r"badge--(overdue|open|paid)", html.split("<tbody>")[1])
    assert statuses.count("overdue") == 1 and statuses.count("open") == 1


@pytest.mark.parametrize("slug", CLIENTS)
def test_calendar_has_every_milestone(built, slug):
    calendar = icalendar.Calendar.from_ical((built / slug / "calendar.ics").read_bytes())
    events = calendar.walk("VEVENT")
    deadlines = (EXAMPLE_CONTENT / slug / "deadlines.yaml").read_text(encoding="utf-8")
    assert len(events) == deadlines.count("- id:") >= 8
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_japanese_invoice_keeps_its_leading_zero_and_whole_yen(built):
    page = (built / "sakura-retail" / "invoices.html").read_text(encoding="utf-8")
    assert ">0412</a>" in page
    assert not re.search(r"￥[\d,]+\.\d", page)


def test_rebuild_is_byte_identical(built, tmp_path):
    """`python -m generator build` in a process of its own writes the same bytes as the
    in-process build of the `example` fixture."""
    out = tmp_path / "again"
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content",
                             str(EXAMPLE_CONTENT), "--out", str(out), "--as-of", AS_OF],
                            capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr
    assert f"built {len(CLIENTS)} portals" in result.stdout
    assert snapshot(out) == snapshot(built)


def test_amounts_in_content_are_exact_decimals():
    from generator.content.folders import client_folders
    from generator.content.read import read_client

    for slug in client_folders(EXAMPLE_CONTENT)[0]:
        client, _ = read_client(EXAMPLE_CONTENT, slug)
        for invoice in client.invoices:
            for item in invoice.document.data["items"]:
                assert not isinstance(item["unit_price"], float)
                assert isinstance(item["unit_price"], (int, Decimal))
