"""Paying an invoice: every payment QR code is decoded by an independent decoder (zxing-cpp, from
the PDF rendered by pdfium and from the page's inline SVG) and its payload parsed by its
standard: EPC069-12 for EUR, the ZBP 2D code for PLN, UsingQR with a Bankgirot OCR for SEK."""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pypdfium2
import zxingcpp

from conftest import BASE_SITE, WITH_PDFS, build_site
from generator.invoicing.payment import luhn_digit, ocr_reference, zbp_payload
from paycodes import invoice_terms, luhn_valid, ocr_valid, parse_epc, parse_usingqr, parse_zbp


def decode_pdf(pdf: Path) -> list[str]:
    """Every QR code on the PDF's first page, rendered at 200 dpi by pdfium."""
    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=200 / 72).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode]


def decode_page_svg(html: Path) -> list[str]:
    """The payment QR code of an invoice page (its inline SVG in the payment block), drawn
    alone by WeasyPrint and pdfium."""
    from weasyprint import HTML

    block = html.read_text(encoding="utf-8").split('class="invoice__qr"')[1]
    svg = re.search(r"<svg.*?</svg>", block, re.S)
    assert svg, html
    pdf = HTML(string=f"<body style='margin:0'><div style='width:60mm'>{svg.group(0)}</div>"
                      "</body>").write_pdf()
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


# The test agency invoicing in złoty to a Polish account: 9 999,99 zł, the most six digits of
# grosz hold.
ZLOTY_SITE = {
    "content/portal.yaml": textwrap.dedent(WITH_PDFS["content/portal.yaml"]).replace(
        "\ncurrency:", "\n  accounts:\n    - {currency: PLN, iban: PL61 1090 1014 0000 0712 1981 "
        "2874, account_holder: Test Agency B.V.}\ncurrency:"),
    "content/acme/invoices/2026-10.yaml": """
        number: FV/7/2026
        issued: 2026-11-02
        due: 2026-12-02
        currency: PLN
        items:
          - {description: Audyt, quantity: 1, unit_price: 8130.07, tax_rate: 23}
    """,
}


def test_epc_qr_of_a_euro_invoice_pays_its_total_to_its_iban(make_site):
    root = make_site(WITH_PDFS)
    assert build_site(root).exit_code == 0
    out = root / "output" / "acme" / "invoices"
    terms = invoice_terms(out / "2026-10.xml")
    payloads = decode_pdf(out / "2026-10.pdf") + decode_page_svg(out / "2026-10.html")
    assert len(payloads) == 2
    for payload in payloads:
        epc = parse_epc(payload)
        assert epc["iban"] == terms["account"] == "NL91ABNA0417164300"
        assert Decimal(epc["amount"]) == Decimal(terms["total"]) == Decimal("1323.21")
        # the invoice number 0123 as an ISO 11649 creditor reference, in the structured
        # remittance field (the unstructured one empty), as the UBL invoice's PaymentID
        assert epc["structured"] == terms["reference"] == "RF780123" and epc["text"] == ""
        assert terms["number"] == "0123"
        assert epc["bic"] == "ABNANL2A" and epc["name"] == "Test Agency B.V."


def test_zbp_code_of_a_zloty_invoice_above_its_six_digits_leaves_the_amount_to_the_payer(
        example):
    out = example / "kowalski-legal" / "invoices"
    terms = invoice_terms(out / "2026-10.xml")
    payloads = [code for code in decode_pdf(out / "2026-10.pdf") if "|" in code]  # not KSeF's
    payloads += decode_page_svg(out / "2026-10.html")
    assert len(payloads) == 2
    assert Decimal(terms["total"]) == Decimal("22755.00")  # 2 275 500 grosz: seven digits
    for payload in payloads:
        zbp = parse_zbp(payload)
        assert "PL" + zbp["account"] == terms["account"]
        assert zbp["amount"] == "0"  # "000000": the recommendation's amount typed by the payer
        assert zbp["reference"] == terms["number"] == "FV/2026/10/012"
        assert zbp["nip"] == "5272873101"  # the Polish branch's NIP
    page = (out / "2026-10.html").read_text(encoding="utf-8")
    assert "Zeskanuj w aplikacji banku i wpisz kwotę" in page
    assert "22\xa0755,00" in page.split('id="payment-title"')[1]  # the amount to type, shown


def test_zbp_code_of_a_zloty_invoice_carries_its_amount(make_site):
    root = make_site(ZLOTY_SITE)
    assert build_site(root).exit_code == 0
    out = root / "output" / "acme" / "invoices"
    terms = invoice_terms(out / "2026-10.xml")
    payloads = decode_pdf(out / "2026-10.pdf") + decode_page_svg(out / "2026-10.html")
    assert len(payloads) == 2
    for payload in payloads:
        zbp = parse_zbp(payload)
        assert "PL" + zbp["account"] == terms["account"] == "PL61109010140000071219812874"
        assert Decimal(zbp["amount"]) == Decimal(terms["total"]) == Decimal("9999.99")
        assert zbp["reference"] == terms["number"] == "FV/7/2026"
        assert zbp["nip"] == "" and zbp["name"] == "Test Agency B.V."
    page = (out / "2026-10.html").read_text(encoding="utf-8")
    assert "Scan with your banking app to pay" in page and "enter the amount" not in page


def test_zbp_payload_matches_the_recommendations_examples():
    # the examples of "Rekomendacja ... Standard 2D" (ZBP, 2013): a company payee (NIP) with a
    # fixed amount, and with the amount typed by the payer
    assert zbp_payload("1234567890", "92124012340001567890123456", Decimal("12.00"),
                       "Odbiorca 1", "FV 1234/34/2012") == (
        "1234567890|PL|92124012340001567890123456|001200|Odbiorca 1|FV 1234/34/2012|||")
    assert zbp_payload("1234567890", "PL92124012340001567890123456", Decimal("10000.00"),
                       "Odbiorca 1", "FV 1234/34/2012") == (
        "1234567890|PL|92124012340001567890123456|000000|Odbiorca 1|FV 1234/34/2012|||")
    long = zbp_payload("", "92124012340001567890123456", Decimal("1"), "N" * 30, "a|b\n" * 20)
    assert parse_zbp(long)["name"] == "N" * 20 and "|" not in parse_zbp(long)["reference"]


def test_usingqr_of_a_krona_invoice_carries_a_bankgirot_ocr(example):
    out = example / "nordlys-saas" / "invoices"
    terms = invoice_terms(out / "2026-11.xml")
    payloads = decode_pdf(out / "2026-11.pdf") + decode_page_svg(out / "2026-11.html")
    assert len(payloads) == 2
    for payload in payloads:
        uqr = parse_usingqr(payload)
        assert uqr["kind"] == "BG" and uqr["account"] == "5402-9681"
        assert Decimal(uqr["amount"]) == Decimal(terms["total"]) == Decimal("95000.00")
        ocr = uqr["reference"]
        assert ocr == terms["reference"] and luhn_valid(ocr)
        assert int(ocr[-2]) == len(ocr) % 10  # the length digit
        assert uqr["due"] == "20261216"
    page = (out / "2026-11.html").read_text(encoding="utf-8")
    assert "OCR-nummer" in page and "5402-9681" in page


def test_ocr_reference_follows_bankgirot():
    # the invoice number's digits, the length digit (10 digits: 0), the Luhn check digit
    assert ocr_reference("INV-2026-1116") == "202611160" + luhn_digit("202611160")
    assert ocr_reference("INV-2026-1116") == "2026111605"
    assert luhn_digit("7992739871") == "3"  # the textbook Luhn example
    assert luhn_valid("2026111605") and not luhn_valid("2026111604")
    # Luhn-valid both; the second's length digit says 2, not 10 digits
    assert ocr_valid("2026111605") and luhn_valid("2026111621") and not ocr_valid("2026111621")
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")  # our own Luhn too


def test_yen_and_won_invoices_show_the_domestic_transfer_fields(example):
    sakura = (example / "sakura-retail" / "invoices" / "2026-11.html").read_text(
        encoding="utf-8")
    for text in ("三菱UFJ銀行", "0005", "渋谷支店", "135", "普通", "0748213",
                 "メリディアン アンド ヴェイル アドバイザリー", "口座名義(カナ)"):
        assert text in sakura, text
    hanbit = (example / "hanbit-logistics" / "invoices" / "2026-10.html").read_text(
        encoding="utf-8")
    for text in ("신한은행", "140-013-456789", "메리디안앤베일어드바이저리 한국지점"):
        assert text in hanbit, text
    assert "<svg" not in sakura and "<svg" not in hanbit  # no transfer QR standard there


def test_paid_invoices_have_no_payment_block(example):
    page = (example / "kowalski-legal" / "invoices" / "2026-08.html").read_text(
        encoding="utf-8")
    assert "payment-title" not in page and "<svg" not in page


def test_payment_url_per_invoice_or_by_pattern(make_site):
    root = make_site({"content/portal.yaml": textwrap.dedent(BASE_SITE["content/portal.yaml"])
                      + "payment_url: https://pay.agency.test/{number}?amount={amount}\n"})
    assert build_site(root).exit_code == 0
    page = (root / "output/acme/invoices/2026-10.html").read_text(encoding="utf-8")
    assert 'href="https://pay.agency.test/0123?amount=1323.21"' in page
    bad = make_site({"content/portal.yaml": textwrap.dedent(BASE_SITE["content/portal.yaml"])
                     + "payment_url: https://pay.agency.test/{invoice}\n"})
    result = build_site(bad)
    assert result.exit_code == 1 and "unknown field {invoice}" in result.output
