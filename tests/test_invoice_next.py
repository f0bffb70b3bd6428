"""`portal invoice next`: each retainer client's next invoice, by the client's country and
terms, written for review, never over a file; the portals build with what it writes."""

from __future__ import annotations

import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import AS_OF, BASE_SITE, EXAMPLE_CONTENT, build_site, portal

RETAINER = "retainer: {amount: 1000.00, period: monthly}\n"
CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"])


def invoice_next(content: Path, *args: str):
    return portal("invoice", "next", "--content", content, "--as-of", AS_OF, *args)


@pytest.fixture
def example_copy(tmp_path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    return content


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_next_invoices_of_the_example_follow_each_country(example_copy):
    result = invoice_next(example_copy)
    assert result.exit_code == 0, result.output
    kowalski = _read(example_copy / "kowalski-legal/invoices/2026-11.yaml")
    assert kowalski["number"] == "FV/2026/11/001"  # the client's pattern: November's first
    assert kowalski["items"] == [{"description": "Obsługa stała (retainer), listopad 2026",
                                  "quantity": 1, "unit_price": 18500.00, "tax_rate": 23}]
    assert (kowalski["issued"].isoformat(), kowalski["due"].isoformat()) == (AS_OF,
                                                                            "2026-12-23")
    assert "reverse_charge" not in kowalski  # invoiced by the Polish registration: 23 %
    nordlys = _read(example_copy / "nordlys-saas/invoices/2026-12.yaml")
    assert nordlys["reverse_charge"] is True and nordlys["items"][0]["tax_rate"] == 0
    assert nordlys["issued"].isoformat() == "2026-12-01"  # not before its period
    assert nordlys["number"] == "MV-2026-12-001"  # portal.yaml's pattern: December's first
    assert nordlys["items"][0]["description"] == "Arvode enligt avtal, december 2026"
    sakura = _read(example_copy / "sakura-retail/invoices/2027-01.yaml")  # after the unpublished 2026-12
    assert sakura["items"][0] == {"description": "顧問料(2027年1月)", "quantity": 1,
                                  "unit_price": 1500000, "tax_rate": 10}
    hanbit = _read(example_copy / "hanbit-logistics/invoices/2026-11.yaml")
    assert hanbit["number"] == "MV-KR-2026-11" and hanbit["due"].isoformat() == "2026-12-07"
    assert hanbit["items"][0]["description"] == "자문료 (2026년 11월)"
    assert "wrote " in result.output and "kowalski-legal/invoices/2026-11.yaml: FV/2026/11/001 " \
        "from Meridian & Vale Advisory B.V. Oddział w Polsce, PLN 18500.00 + PL standard rate " \
        "23%, due 2026-12-23" in result.output
    assert "sakura-retail/invoices/2027-01.yaml: MV-2027-01-001 from Meridian & Vale Advisory " \
        "B.V., JPY 1500000 + JP standard rate 10%" in result.output  # Japan's tax, not Dutch VAT
    # what it wrote builds, with no warning, and shows on the day it is issued
    checked = portal("check", "--content", example_copy, "--as-of", AS_OF, "--strict")
    assert checked.exit_code == 0, checked.output
    out = example_copy.parent / "output"
    built = portal("build", "--content", example_copy, "--out", out, "--as-of", AS_OF, "-q")
    assert built.exit_code == 0, built.output
    assert (out / "kowalski-legal/invoices/2026-11.html").is_file()
    assert not (out / "nordlys-saas/invoices/2026-12.html").exists()  # issued 1 December


def test_it_never_overwrites_a_file(example_copy):
    assert invoice_next(example_copy).exit_code == 0
    written = example_copy / "kowalski-legal/invoices/2026-11.yaml"
    before = written.read_bytes()
    again = invoice_next(example_copy, "--client", "kowalski-legal", "--month", "2026-11")
    assert again.exit_code == 0
    assert ("skipped kowalski-legal: " in again.output
            and "kowalski-legal/invoices/2026-11.yaml: the file exists (never overwritten)"
            in again.output)
    assert "no invoice written" in again.output
    assert written.read_bytes() == before
    october = example_copy / "kowalski-legal/invoices/2026-10.yaml"
    kept = october.read_bytes()
    assert "the file exists" in invoice_next(example_copy, "--client", "kowalski-legal",
                                             "--month", "2026-10").output
    assert october.read_bytes() == kept


def test_a_quarterly_retainer_bills_three_months(make_site):
    root = make_site({"content/acme/client.yaml": CLIENT + RETAINER.replace("monthly",
                                                                            "quarterly")})
    result = invoice_next(root / "content", "--month", "2027-01")
    assert result.exit_code == 0, result.output
    invoice = _read(root / "content/acme/invoices/2027-01.yaml")
    assert invoice["period"] == {"start": __import__("datetime").date(2027, 1, 1),
                                 "end": __import__("datetime").date(2027, 3, 31)}
    assert invoice["items"][0]["description"] == "Retainer, January – March 2027"
    assert invoice["number"] == "2027-01-001"  # the default pattern: January's first
    assert invoice["items"][0]["tax_rate"] == 21  # a Dutch client of a Dutch agency
    assert build_site(root).exit_code == 0


def test_tax_rate_and_terms_from_the_retainer(make_site):
    root = make_site({"content/acme/client.yaml": CLIENT.replace("country: NL\n", "") + textwrap.dedent("""
        country: US
        retainer: {amount: 2500, period: monthly, tax_rate: 0, payment_days: 10,
                   invoice_number: "ACME-{seq}"}
    """)})
    assert invoice_next(root / "content", "--month", "2026-11").exit_code == 0
    invoice = _read(root / "content/acme/invoices/2026-11.yaml")
    assert invoice["number"] == "ACME-1" and invoice["items"][0]["tax_rate"] == 0  # a new series
    assert invoice["due"].isoformat() == "2026-12-03"


def test_no_tax_rule_no_invoice(make_site):
    root = make_site({"content/acme/client.yaml": CLIENT.replace("country: NL\n", "")
                      + RETAINER})
    result = invoice_next(root / "content")
    assert result.exit_code == 0
    assert ("skipped acme: " in result.output and "the client's country is not known: give "
            "`country` in client.yaml (or a tax number that names it): give retainer.tax_rate "
            "in client.yaml" in result.output)
    assert sorted(p.name for p in (root / "content/acme/invoices").iterdir()) == [
        "2026-09.yaml", "2026-10.yaml"]


def test_a_number_already_used_is_not_written_again(make_site):
    root = make_site({"content/acme/client.yaml": CLIENT + RETAINER.replace(
        "monthly}", 'monthly, invoice_number: "0123"}')})
    result = invoice_next(root / "content")
    assert "number 0123 is already used: change the invoice number pattern" in result.output
    assert not (root / "content/acme/invoices/2026-11.yaml").exists()


def test_usage_and_content_errors(make_site):
    root = make_site({"content/acme/client.yaml": CLIENT + RETAINER})
    content = root / "content"
    unknown = invoice_next(content, "--client", "acne")
    assert unknown.exit_code == 2 and "no such client: acne (did you mean 'acme'?)" in unknown.output
    assert "did you mean 'acme'" in unknown.output
    assert invoice_next(content, "--month", "2026-13").exit_code == 2
    bad = make_site({"content/portal.yaml": textwrap.dedent(BASE_SITE["content/portal.yaml"])
                     + 'invoicing: {number: "INV-{yaer}"}\n'})
    result = invoice_next(bad / "content")
    assert result.exit_code == 1
    assert ("portal.yaml:14: invoicing.number: unknown field {yaer} in 'INV-{yaer}' (use "
            "{year}, {month}, {seq}, {slug})") in result.output
    assert not list((bad / "content/acme/invoices").glob("2026-11*"))


def test_only_clients_with_a_retainer(make_site):
    root = make_site()
    result = invoice_next(root / "content")
    assert result.exit_code == 0 and "no invoice written" in result.output
    named = invoice_next(root / "content", "--client", "acme")
    assert "skipped acme: " in named.output and ": no retainer in client.yaml" in named.output


def test_standard_rates_are_percentages_of_a_plausible_size():
    from generator.invoicing.taxes import EU_COUNTRIES, STANDARD_RATES

    assert set(STANDARD_RATES) >= EU_COUNTRIES
    assert all(Decimal(5) <= rate <= Decimal(30) for rate in STANDARD_RATES.values())


TWO_CLIENTS = {
    "content/acme/client.yaml": CLIENT + RETAINER,
    "content/beta/client.yaml": CLIENT.replace("Acme & Co", "Beta Ltd") + RETAINER,
    "content/beta/files/ann.svg": BASE_SITE["content/acme/files/ann.svg"],
}


def test_two_clients_of_one_seller_get_different_numbers(make_site):
    root = make_site(TWO_CLIENTS)
    result = invoice_next(root / "content", "--client", "acme", "--client", "beta",
                          "--month", "2027-01")
    assert result.exit_code == 0, result.output
    numbers = [_read(root / f"content/{slug}/invoices/2027-01.yaml")["number"]
               for slug in ("acme", "beta")]
    assert numbers == ["2027-01-001", "2027-01-002"]  # one series of one seller
    checked = portal("check", "--content", root / "content", "--as-of", "2027-01-05")
    assert checked.exit_code == 0, checked.output


def test_check_rejects_a_number_two_clients_of_one_seller_share(make_site):
    invoice = textwrap.dedent(BASE_SITE["content/acme/invoices/2026-10.yaml"])
    root = make_site({**TWO_CLIENTS, "content/beta/invoices/2026-10.yaml": invoice})
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert ("beta/invoices/2026-10.yaml:1: invoice number '0123' is already used by "
            "acme/invoices/2026-10.yaml:1: Test Agency B.V. must number each invoice "
            "once, across all its clients") in result.output
    built = build_site(root)
    assert built.exit_code == 1 and "already used by" in built.output
