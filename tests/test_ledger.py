"""The ledger: credit notes, partial payments, invoices issued after the build date, the
`total:` cross-check and payments before the issue date; the client's balance, the agency
overview and `portal report` agree."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLE_CONTENT, build_site, examples_without_pdfs, portal

PARTIAL = """
    number: "0124"
    issued: 2026-11-01
    due: 2026-11-30
    items:
      - {description: Workshop, quantity: 1, unit_price: 2000.00, tax_rate: 21}
    payments:
      - {on: 2026-11-10, amount: 1000.00}
      - {on: 2026-11-20, amount: 420.00}
      - {on: 2026-12-01, amount: 1000.00}
"""
CREDIT = """
    kind: credit_note
    corrects: "0123"
    number: CN-1
    issued: 2026-11-05
    due: 2026-11-05
    items:
      - {description: Extra hours not worked, quantity: 1, unit: h, unit_price: 95.50, tax_rate: 9}
"""
FUTURE = """
    number: "0125"
    issued: 2026-12-01
    due: 2026-12-31
    items:
      - {description: Retainer, quantity: 1, unit_price: 1000.00, tax_rate: 21}
"""
# 0123 (overdue): 1323.21 less CN-1, which corrects it: 95.50 + 9 % = 104.10 (rounded per rate:
# 8.60 tax) → 1219.11 left; 0124: 2420.00 less 1420.00 received by the build date = 1000;
# 0125 is not counted. The credit note lowers its invoice, so overdue is never above open.
OPEN = "2219.11"
OVERDUE = "1219.11"


def _site(make_site):
    return make_site({"content/acme/invoices/2026-11.yaml": PARTIAL,
                      "content/acme/invoices/2026-11-credit.yaml": CREDIT,
                      "content/acme/invoices/2026-12.yaml": FUTURE})


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_balance_overview_and_report_agree(make_site):
    root = _site(make_site)
    result = build_site(root, "--agency-out", root / "agency")
    assert result.exit_code == 0, result.output
    invoices = _text((root / "output/acme/invoices.html").read_text(encoding="utf-8"))
    assert "€2,219.11" in invoices and "€1,219.11" in invoices
    overview = _text((root / "agency/index.html").read_text(encoding="utf-8"))
    assert "€2,219.11" in overview and "€1,219.11" in overview
    report = portal("report", "--content", root / "content", "--as-of", AS_OF, "--format",
                    "json")
    row = json.loads(report.output)["clients"][0]
    assert row["open_balance"] == {"EUR": OPEN} and row["overdue_balance"] == {"EUR": OVERDUE}


def test_a_future_invoice_is_not_published_until_its_issue_date(make_site):
    root = _site(make_site)
    assert build_site(root).exit_code == 0
    assert not (root / "output/acme/invoices/2026-12.html").exists()
    assert "0125" not in (root / "output/acme/invoices.html").read_text(encoding="utf-8")
    result = portal("build", "--content", root / "content", "--out", root / "later",
                    "--as-of", "2026-12-01")
    assert result.exit_code == 0
    assert (root / "later/acme/invoices/2026-12.html").exists()


def test_partial_payments_show_what_is_left(make_site):
    root = _site(make_site)
    assert build_site(root).exit_code == 0
    page = _text((root / "output/acme/invoices/2026-11.html").read_text(encoding="utf-8"))
    assert "Paid so far −€1,420.00" in page and "Balance due €1,000.00" in page
    assert "Please pay €1,000.00 by" in page  # the QR code asks for what is left, too


def test_a_credit_note_names_its_invoice_and_is_an_e_credit_note(make_site):
    root = _site(make_site)
    assert build_site(root).exit_code == 0
    page = _text((root / "output/acme/invoices/2026-11-credit.html").read_text(
        encoding="utf-8"))
    assert "Credit note CN-1" in page and "Corrects invoice 0123" in page
    assert "payment-title" not in page
    xml = (root / "output/acme/invoices/2026-11-credit.xml").read_text(encoding="utf-8")
    assert "<ubl:CreditNote" in xml or ":CreditNote " in xml or "<CreditNote" in xml
    assert "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in xml
    assert "<cbc:ID>0123</cbc:ID>" in xml  # the billing reference


def test_ledger_mistakes_are_content_errors_with_their_lines(make_site):
    root = make_site({
        "content/acme/invoices/2026-11.yaml": PARTIAL.replace("on: 2026-11-10", "on: 2026-10-10"),
        "content/acme/invoices/2026-11-credit.yaml": CREDIT.replace('"0123"', '"0999"'),
        "content/acme/invoices/2026-09.yaml": """
            number: "0122"
            issued: 2026-09-01
            due: 2026-09-15
            paid_on: 2026-08-30
            items:
              - {description: Retainer, quantity: 1, unit_price: 1000.00, tax_rate: 21}
        """,
        "content/acme/invoices/2026-10.yaml": """
            number: "0123"
            issued: 2026-10-01
            due: 2026-10-15
            total: 1210.01
            items:
              - {description: Retainer, quantity: 1, unit_price: 1000.00, tax_rate: 21}
        """,
    })
    result = build_site(root)
    assert result.exit_code == 1
    out = result.output
    assert "invoices/2026-09.yaml:4: paid_on (2026-08-30) is before issued (2026-09-01)" in out
    assert "payments received on 2026-10-10 are before issued (2026-11-01)" in out
    assert ("invoices/2026-10.yaml:4: total: 1210.01 EUR is not the computed total "
            "1210.00 EUR") in out
    assert "invoices/2026-11-credit.yaml:2: corrects: '0999' is not one of this client's" in out
    assert not (root / "output" / "acme").exists()  # nothing written


def _examples_as_of(as_of: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The example portals built as of `as_of`: as of AS_OF the suite's shared build
    (conftest's `example`); as of another day a copy built without invoice PDFs (the figures
    compared here are the pages'; a PDF costs 0.2-0.3 s of CPU, the examples have 24)."""
    if as_of == AS_OF:
        return request.getfixturevalue("example")
    content = examples_without_pdfs(tmp_path)
    built = portal("build", "--content", content, "--out", tmp_path / "output", "--as-of", as_of)
    assert built.exit_code == 0, built.output
    return tmp_path / "output"


@pytest.mark.parametrize("as_of", ["2026-11-23", "2026-12-01", "2027-01-15", "2027-06-30"])
def test_the_example_portals_agree_on_every_figure_at_any_build_date(tmp_path, as_of, request):
    """Built as of four dates: overdue never above open, and the portal, the agency overview
    and `portal report` show the one ledger's figures, formatted in the client's language."""
    from babel.numbers import format_currency

    report = portal("report", "--content", EXAMPLE_CONTENT, "--as-of", as_of, "--format", "json")
    assert report.exit_code == 0, report.output
    out = _examples_as_of(as_of, request, tmp_path)
    overview = (out / "_agency/index.html").read_text(encoding="utf-8")
    clients = json.loads(report.output)["clients"]
    assert len(clients) == 4
    for client in clients:
        slug, language = client["slug"], client["language"]
        open_, overdue = client["open_balance"], client["overdue_balance"]
        assert set(overdue) <= set(open_), slug
        row = overview.split(f'id="client-{slug}"')[1].split("</tr>")[0]
        portal_page = (out / slug / "invoices.html").read_text(encoding="utf-8")
        for currency, amount in open_.items():
            left, late = Decimal(amount), Decimal(overdue.get(currency, "0"))
            assert Decimal(0) <= late <= left, (slug, currency, late, left)
            shown = format_currency(left, currency, locale=language)
            assert shown in row and shown in portal_page, (slug, shown)
