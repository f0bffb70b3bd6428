"""National registrations on an invoice: Poland's KSeF number with KSeF's verification QR code
(KOD I), checked against the FA(3) file and the Ministry of Finance's documented examples;
Korea's NTS e-tax invoice approval number."""

from __future__ import annotations

import base64
import hashlib
import re
import textwrap
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from conftest import BASE_SITE, EXAMPLE_CONTENT, build_site
from generator.content.taxids import check_ksef_number, crc8
from generator.invoicing.ksef import verification_url

FA3 = (EXAMPLE_CONTENT / "kowalski-legal" / "ksef" / "fv-2026-10-012.xml").read_text("utf-8")


def _decode(image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode]


def pdf_codes(pdf: Path) -> list[str]:
    """Every QR code on the PDF's first page, rendered at 200 dpi by pdfium."""
    return _decode(pypdfium2.PdfDocument(str(pdf))[0].render(scale=200 / 72).to_pil())


def page_codes(html: Path) -> list[str]:
    """Every inline SVG QR code of a page, each drawn alone by WeasyPrint and pdfium."""
    from weasyprint import HTML

    codes = []
    for svg in re.findall(r"<svg.*?</svg>", html.read_text(encoding="utf-8"), re.S):
        pdf = HTML(string=f"<body style='margin:0'><div style='width:60mm'>{svg}</div>"
                          "</body>").write_pdf()
        codes += _decode(pypdfium2.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil())
    return codes


# ------------------------------------------------ the Ministry of Finance's own examples

def test_ksef_number_check_sum_is_the_documented_crc8():
    # "Numer KSeF – struktura i walidacja": 5265877635-20250826-0100001AF629-AF
    assert check_ksef_number("5265877635-20250826-0100001AF629-AF")
    assert f"{crc8(b'5265877635-20250826-0100001AF629'):02X}" == "AF"
    with pytest.raises(ValueError, match="wrong check sum"):
        check_ksef_number("5265877635-20250826-0100001AF629-AE")
    with pytest.raises(ValueError, match="is not a KSeF number"):
        check_ksef_number("5265877635-2025082-0100001AF629-AF")


def test_verification_link_is_the_documented_one():
    # "Kody weryfikujące QR", KOD I, the test environment's example
    assert verification_url("1111111111", date(2026, 2, 1),
                            "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE",
                            host="https://qr-test.ksef.mf.gov.pl") == (
        "https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/"
        "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE")


# ------------------------------------------------ the example's Polish invoice

def test_polish_invoice_shows_its_ksef_number_under_the_verification_code(example):
    digest = base64.urlsafe_b64encode(hashlib.sha256(
        (EXAMPLE_CONTENT / "kowalski-legal/ksef/fv-2026-10-012.xml").read_bytes()
    ).digest()).decode().rstrip("=")
    expected = f"https://qr.ksef.mf.gov.pl/invoice/5272873101/30-10-2026/{digest}"
    stem = example / "kowalski-legal" / "invoices" / "2026-10"
    for codes in (pdf_codes(stem.with_suffix(".pdf")), page_codes(stem.with_suffix(".html"))):
        assert expected in codes, codes
    page = stem.with_suffix(".html").read_text(encoding="utf-8")
    assert "Numer KSeF</dt><dd>5272873101-20261030-4F2A91C03B7E-46</dd>" in page
    assert "Zeskanuj, aby zweryfikować fakturę w KSeF" in page
    assert "https://" not in page.split('class="invoice__ksef"')[1].split("</figure>")[0] \
        .replace('xmlns="http://www.w3.org/2000/svg"', "")  # the code, not a link elsewhere
    text = PdfReader(stem.with_suffix(".pdf")).pages[0].extract_text()
    assert "5272873101-20261030-4F2A91C03B7E-46" in text and len(PdfReader(
        stem.with_suffix(".pdf")).pages) == 1
    assert not list(example.glob("kowalski-legal/**/ksef*"))  # the FA(3) file: not published


def test_korean_invoice_shows_its_nts_approval_number(example):
    stem = example / "hanbit-logistics" / "invoices" / "2026-10"
    page = stem.with_suffix(".html").read_text(encoding="utf-8")
    assert "국세청 승인번호</dt><dd>20261110-41000042-00018271</dd>" in page
    assert "20261110-41000042-00018271" in PdfReader(stem.with_suffix(".pdf")).pages[0] \
        .extract_text()


# ------------------------------------------------ known-bad registrations: file and line

PORTAL = textwrap.dedent(BASE_SITE["content/portal.yaml"]).replace("\ncurrency:", """
  registrations:
    - country: PL
      tax_ids: {pl_nip: "5272873101"}
currency:""")
INVOICE = """number: FV/2026/10/012
issued: 2026-10-30
due: 2026-11-29
currency: PLN
items:
  - {description: Obsługa, quantity: 1, unit_price: 18500.00, tax_rate: 23}
ksef:
  number: 5272873101-20261030-4F2A91C03B7E-46
  file: ksef/fv-2026-10-012.xml
"""
KSEF_CASES = {
    "check sum": ({"invoice": INVOICE.replace("-46\n", "-47\n")},
                  "2026-10.yaml:8: ksef.number: '5272873101-20261030-4F2A91C03B7E-47' has a "
                  "wrong check sum"),
    "not the seller's NIP": ({"portal": PORTAL.replace("5272873101", "5260250995")},
                             "2026-10.yaml:8: ksef.number: its NIP 5272873101 is not the "
                             "seller's Polish NIP (5260250995)"),
    "no such file": ({"invoice": INVOICE.replace("fv-2026-10-012", "fv-2026-10-13")},
                     "2026-10.yaml:9: ksef.file: 'ksef/fv-2026-10-13.xml' not found (FA(3) "
                     "files live in the client's ksef/ folder) (did you mean "
                     "'ksef/fv-2026-10-012.xml'?)"),
    "another invoice's file": ({"fa3": FA3.replace("FV/2026/10/012", "FV/2026/10/011")},
                               "2026-10.yaml:9: ksef.file: the invoice number in it (P_2) is "
                               "'FV/2026/10/011', not 'FV/2026/10/012'"),
    "another day": ({"fa3": FA3.replace("<P_1>2026-10-30", "<P_1>2026-10-29")},
                    "2026-10.yaml:9: ksef.file: the issue date in it (P_1) is 2026-10-29, "
                    "not 2026-10-30"),
    "another seller": ({"fa3": FA3.replace("<NIP>5272873101", "<NIP>5260250995")},
                       "2026-10.yaml:9: ksef.file: the seller's NIP in it (Podmiot1) is "
                       "5260250995, not the KSeF number's 5272873101"),
    "not XML": ({"fa3": FA3.replace("</Faktura>", "")},
                "2026-10.yaml:9: ksef.file: ksef/fv-2026-10-012.xml is not well-formed XML"),
    "a DOCTYPE": ({"fa3": FA3.replace("<Faktura", '<!DOCTYPE Faktura [<!ENTITY a "b">]>'
                                      "<Faktura")},
                  "ksef/fv-2026-10-012.xml is not an FA(3) invoice file (too large, or it "
                  "declares a DOCTYPE)"),
    "not a Faktura": ({"fa3": "<Invoice/>"},
                      "is not an FA(3) invoice file (its root is <Invoice>, not <Faktura>)"),
    "other files": ({"extra": ("content/acme/ksef/notes.txt", "x")},
                    "content/acme/ksef/notes.txt: unexpected entry: ksef/ holds only the .xml "
                    "files submitted to KSeF"),
}


def _ksef_site(make_site, invoice: str = INVOICE, portal_yaml: str = PORTAL, fa3: str = FA3,
               extra: tuple[str, str] | None = None) -> Path:
    files = {"content/portal.yaml": portal_yaml,
             "content/acme/client.yaml": textwrap.dedent(BASE_SITE["content/acme/client.yaml"])
             .replace("country: NL", "country: PL") + "currency: PLN\n",
             "content/acme/invoices/2026-10.yaml": invoice,
             "content/acme/invoices/2026-09.yaml": None,
             "content/acme/ksef/fv-2026-10-012.xml": fa3}
    if extra:
        files[extra[0]] = extra[1]
    return make_site(files)


def test_a_good_registration_builds(make_site):
    root = _ksef_site(make_site)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    codes = page_codes(root / "output/acme/invoices/2026-10.html")
    assert any(code.startswith("https://qr.ksef.mf.gov.pl/invoice/5272873101/30-10-2026/")
               for code in codes), codes


@pytest.mark.parametrize("case", list(KSEF_CASES))
def test_a_registration_that_does_not_agree_is_a_content_error(make_site, monkeypatch, case):
    change, message = KSEF_CASES[case]
    root = _ksef_site(make_site, invoice=change.get("invoice", INVOICE),
                      portal_yaml=change.get("portal", PORTAL), fa3=change.get("fa3", FA3),
                      extra=change.get("extra"))
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not (root / "output" / "acme").exists()


def test_a_wrong_nts_approval_number_is_a_content_error(make_site, monkeypatch):
    root = make_site({"content/acme/invoices/2026-10.yaml": textwrap.dedent(
        BASE_SITE["content/acme/invoices/2026-10.yaml"]) + "nts_approval: 2026-1110-4100\n"})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert ("content/acme/invoices/2026-10.yaml:9: nts_approval: '2026-1110-4100' is not an NTS "
            "approval number (24 digits and letters") in result.output
