"""The payment QR code on an unpaid invoice page scans, as a client's banking app meets it.

Chromium renders every invoice page of the example portals that shows a payment or KSeF code.
The portals are built as of 2026-11-23 and 2026-12-01, with a euro test portal holding a
part-paid invoice. Each page is shot at 1280 and 375 px wide (light, and dark at 375) and
printed on A4, and zxing-cpp decodes the images. A payment code must pay what the ledger leaves
to pay on the build date (the figure the page shows) into the seller's account, with the
reference the ledger gives the invoice, and that reference must follow its rule: an RF creditor
reference for EUR, an OCR number for a Bankgiro account, else the invoice number. A Polish
invoice's KSeF code must decode to its verification link, worked out again from the FA(3) file.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from babel import Locale
from babel.numbers import format_currency
from PIL import Image
from playwright.sync_api import Page

from browser import static_server
from conftest import AS_OF, BASE_SITE, EXAMPLE_CONTENT, examples_without_pdfs, portal, write_files
from generator.content.domain import InvoiceRecord
from generator.pipeline import load_pipeline
from paycodes import invoice_terms, ocr_valid, parse_epc, parse_usingqr, parse_zbp, rf_valid

BUILD_DATES = (AS_OF, "2026-12-01")
VIEWS = ((1280, "light"), (375, "light"), (375, "dark"))  # viewport width, colour scheme
PARSERS = {"EUR": parse_epc, "PLN": parse_zbp, "SEK": parse_usingqr}  # bank QR standards
ZBP_MAX_AMOUNT = Decimal("9999.99")  # six digits of grosz; above, the payer types the amount
KSEF_LINK = "https://qr.ksef.mf.gov.pl/invoice/{nip}/{issued:%d-%m-%Y}/{digest}"
QUIET_ZONE = 4  # modules of white around a QR code (ISO/IEC 18004)
PRINT_DPI = 200

# The test portal's euro invoice (1 323,21 EUR), 300 EUR of it received: its code asks for the
# rest, with the invoice number as an RF creditor reference in the structured field.
EURO_SITE = {**BASE_SITE, "content/acme/invoices/2026-10.yaml": """
    number: "0123"
    issued: 2026-10-01
    due: 2026-10-15
    items:
      - {description: Retainer, quantity: 1, unit: month, unit_price: 1000.00, tax_rate: 21}
      - {description: Extra hours, quantity: 2.5, unit: h, unit_price: 95.50, tax_rate: 9}
    discount: {percent: 10}
    payments:
      - {on: 2026-11-02, amount: 300.00}
"""}

# The example pages with codes on both dates, pinned: the tests cannot pass by finding none.
EXAMPLE_PAYMENT_CODES = {"kowalski-legal/invoices/2026-09.html",
                         "kowalski-legal/invoices/2026-10.html",
                         "nordlys-saas/invoices/2026-10.html", "nordlys-saas/invoices/2026-11.html"}
EXAMPLE_KSEF_CODES = {"kowalski-legal/invoices/2026-10.html"}


@dataclass(frozen=True, kw_only=True)
class InvoicePage:
    """An invoice page of a built portal, with the ledger's record of its invoice."""

    site: str  # "example" or "euro"
    output: Path  # the output folder
    address: str  # the page's path below it
    as_of: str
    record: InvoiceRecord  # settled by the ledger on `as_of`
    ksef_file: Path | None  # the FA(3) file of a Polish invoice in KSeF

    @property
    def name(self) -> str:
        return f"{self.address} as of {self.as_of}"

    @property
    def pays_by_code(self) -> bool:
        """Unpaid, in a currency with a bank QR code standard, into an account that standard
        names: the page must show its code."""
        account, currency = self.record.account, self.record.currency
        if self.record.outstanding <= 0 or account is None:
            return False
        named = {"EUR": account.iban, "PLN": account.iban or account.account_number,
                 "SEK": account.bankgiro or account.plusgiro}
        return bool(named.get(currency))

    @property
    def codes(self) -> int:
        return self.pays_by_code + (self.ksef_file is not None)

    @property
    def html(self) -> str:
        return (self.output / self.address).read_text(encoding="utf-8")

    @property
    def xml(self) -> Path:
        return self.output / self.address.split("/")[0] / "invoices" / f"{self.record.slug}.xml"


def _invoice_pages(site: str, content: Path, output: Path, as_of: str) -> list[InvoicePage]:
    """Every invoice page of a built site, each with the ledger's record of its invoice."""
    clients = load_pipeline()(content).every_client(date.fromisoformat(as_of))
    records = {(client.slug, record.slug): record
               for client in clients for record in client.invoices}
    pages = []
    for html in sorted(output.glob("*/**/invoices/*.html")):
        address = html.relative_to(output).as_posix()
        slug = address.split("/")[0]
        record = records[slug, html.stem]
        ksef = record.invoice.ksef
        pages.append(InvoicePage(site=site, output=output, address=address, as_of=as_of,
                                 record=record,
                                 ksef_file=content / slug / ksef.file if ksef else None))
    return pages


@pytest.fixture(scope="module")
def invoice_pages(example: Path, tmp_path_factory: pytest.TempPathFactory) -> list[InvoicePage]:
    """The invoice pages of the example portals built on both dates and of the euro portal
    (on the later date without the invoice PDFs: the pages, their codes and e-invoices)."""
    pages = _invoice_pages("example", EXAMPLE_CONTENT, example, AS_OF)
    for as_of in BUILD_DATES[1:]:
        folder = tmp_path_factory.mktemp(f"example-{as_of}")
        content, out = examples_without_pdfs(folder), folder / "output"
        result = portal("build", "--content", content, "--out", out, "--as-of", as_of, "-q")
        assert result.exit_code == 0, result.output
        pages += _invoice_pages("example", content, out, as_of)
    euro = tmp_path_factory.mktemp("euro")
    write_files(euro, EURO_SITE)
    result = portal("build", "--content", euro / "content", "--out", euro / "output",
                    "--as-of", AS_OF, "-q")
    assert result.exit_code == 0, result.output
    return pages + _invoice_pages("euro", euro / "content", euro / "output", AS_OF)


@pytest.fixture(scope="module")
def coded_pages(invoice_pages: list[InvoicePage]) -> list[InvoicePage]:
    return [page for page in invoice_pages if page.codes]


@pytest.fixture(scope="module")
def served(invoice_pages: list[InvoicePage]):
    """A local server for each output folder: its base URL by folder."""
    with ExitStack() as stack:
        yield {folder: stack.enter_context(static_server(folder))
               for folder in {page.output for page in invoice_pages}}


# ----------------------------------------------------------------------------- expectations

def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def reference_problem(record: InvoiceRecord) -> str | None:
    """Whether the ledger's payment reference follows its rule (worked out here again)."""
    reference, account, number = record.payment_reference, record.account, record.invoice.number
    if account.bankgiro or account.plusgiro:
        ok = ocr_valid(reference) and reference[:-2] == _digits(number)
    elif record.currency == "EUR" and account.iban:
        ok = rf_valid(reference) and reference[4:] == re.sub(r"[^0-9A-Z]", "", number.upper())
    else:
        ok = reference == number
    return None if ok else f"reference {reference!r} breaks its rule for invoice {number}"


def expected_payment(record: InvoiceRecord) -> dict[str, object]:
    """What the payment code must say: the ledger's account, amount left and reference."""
    account, left = record.account, record.outstanding
    if record.currency == "EUR":
        return {"account": account.iban.replace(" ", ""), "amount": left,
                "reference": record.payment_reference,
                "field": "structured" if record.payment_reference.startswith("RF") else "text"}
    if record.currency == "PLN":
        return {"account": _digits(account.iban or account.account_number)[-26:],
                "amount": left if left <= ZBP_MAX_AMOUNT else Decimal(0),
                "reference": record.payment_reference}
    return {"account": account.bankgiro or account.plusgiro, "amount": left,
            "reference": record.payment_reference}


def decoded_payment(currency: str, payload: str) -> dict[str, object]:
    """The same facts, as the code's standard reads them."""
    code = PARSERS[currency](payload)
    facts: dict[str, object] = {"account": code.get("iban", code.get("account")),
                                "amount": Decimal(code["amount"]),
                                "reference": code["reference"]}
    if currency == "EUR":
        facts["field"] = "structured" if code["structured"] else "text"
    return facts


def ksef_link(page: InvoicePage) -> str:
    """KOD I of the KSeF documentation: the seller's NIP, the issue date and the SHA-256 of
    the FA(3) file (Base64URL, unpadded)."""
    assert page.ksef_file is not None
    digest = base64.urlsafe_b64encode(hashlib.sha256(page.ksef_file.read_bytes()).digest())
    return KSEF_LINK.format(nip=page.record.invoice.ksef.number[:10],
                            issued=page.record.invoice.issued,
                            digest=digest.rstrip(b"=").decode("ascii"))


def code_problems(page: InvoicePage, decoded: list[str]) -> list[str]:
    """How the codes decoded from a rendering of `page` differ from what they must say."""
    ksef = [text for text in decoded if text.startswith("https://qr.ksef.mf.gov.pl/")]
    payments = [text for text in decoded if text not in ksef]
    problems = []
    if ksef != ([ksef_link(page)] if page.ksef_file else []):
        problems.append(f"KSeF codes {ksef}")
    if len(payments) != page.pays_by_code:
        problems.append(f"{len(payments)} payment codes decoded, {int(page.pays_by_code)} shown")
    for payload in payments[:1]:
        got, want = decoded_payment(page.record.currency, payload), expected_payment(page.record)
        if got != want:
            problems.append(f"payment code says {got}, the ledger {want}")
    return problems


def decode(image: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.QRCode)]


# ----------------------------------------------------------------------------- the pages

def test_every_unpaid_invoice_in_a_currency_with_a_bank_code_shows_one(invoice_pages):
    shown = {page.name for page in invoice_pages if 'class="invoice__qr"' in page.html}
    assert shown == {page.name for page in invoice_pages if page.pays_by_code}
    ksef = {page.name for page in invoice_pages if 'class="invoice__ksef"' in page.html}
    assert ksef == {page.name for page in invoice_pages if page.ksef_file}
    for as_of in BUILD_DATES:
        example = [page for page in invoice_pages
                   if page.site == "example" and page.as_of == as_of]
        assert {page.address for page in example if page.pays_by_code} == EXAMPLE_PAYMENT_CODES
        assert {page.address for page in example if page.ksef_file} == EXAMPLE_KSEF_CODES
    euro = [page for page in invoice_pages if page.site == "euro" and page.pays_by_code]
    assert [page.record.outstanding for page in euro] == [Decimal("1023.21")]  # 1323.21 - 300


def test_the_ledgers_references_follow_their_rules_and_the_e_invoice(coded_pages):
    for page in coded_pages:
        if page.pays_by_code:
            assert reference_problem(page.record) is None, page.name
            assert invoice_terms(page.xml)["reference"] == page.record.payment_reference


def test_the_page_shows_the_figures_its_code_carries(browser, coded_pages, served):
    """The amount left to pay, the account and the reference, as the payment block shows them."""
    context = browser.new_context()
    tab = context.new_page()
    for page in (p for p in coded_pages if p.pays_by_code):
        tab.goto(served[page.output] + page.address)
        language = tab.locator("html").get_attribute("lang") or ""
        block = _plain(tab.locator(".invoice__payment").inner_text())
        record = page.record
        amount = format_currency(record.outstanding, record.currency,
                                 locale=Locale.parse(language.replace("-", "_")))
        assert _plain(amount) in block, (page.name, amount)
        assert record.payment_reference in block, page.name
        account = record.account
        shown = (account.iban or account.account_number or account.bankgiro
                 or account.plusgiro)
        assert shown.replace(" ", "") in block.replace(" ", ""), page.name
    context.close()


def _plain(text: str) -> str:
    """Text with its no-break and narrow spaces as plain spaces."""
    return re.sub(r"[\u00a0\u202f\s]+", " ", text)


@pytest.mark.parametrize(("width", "scheme"), VIEWS)
def test_codes_scan_from_a_screenshot(browser, coded_pages, served, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=scheme)
    tab = context.new_page()
    decoded, problems = {}, {}
    for page in coded_pages:
        tab.goto(served[page.output] + page.address)
        codes = decode(Image.open(io.BytesIO(tab.screenshot(full_page=True))))
        decoded[page.name] = f"{len(codes)} of {page.codes}"
        problems[page.name] = code_problems(page, codes) + _drawing_problems(tab, width)
    context.close()
    assert_none(problems, decoded)


def _drawing_problems(tab: Page, width: int) -> list[str]:
    """Each QR code drawn whole and crisp: inside the viewport's width, its quiet zone white,
    its modules black or white pixels (a blurred code is grey at every module's edge)."""
    problems = []
    for svg in tab.locator(".invoice__qr svg, .invoice__ksef svg").all():
        box = svg.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            problems.append(f"a QR code at {box} is outside the {width} px wide page")
            continue
        view = svg.get_attribute("viewBox")
        if view is None:
            problems.append("a QR code has no viewBox: its size is fixed, not the stylesheet's")
            continue
        modules = int(view.split()[2])
        image = Image.open(io.BytesIO(svg.screenshot())).convert("L")
        problems += _pixel_problems(image, modules)
    return problems


def _pixel_problems(image: Image.Image, modules: int) -> list[str]:
    inner = image.crop((1, 1, image.width - 1, image.height - 1))  # the edge blends with the page
    pixels = inner.tobytes()
    grey = sum(1 for value in pixels if value not in (0, 255)) / len(pixels)
    quiet = max(1, int(QUIET_ZONE * inner.width / modules) - 1)
    strips = [inner.crop(box) for box in ((0, 0, inner.width, quiet),
                                          (0, inner.height - quiet, inner.width, inner.height),
                                          (0, 0, quiet, inner.height),
                                          (inner.width - quiet, 0, inner.width, inner.height))]
    problems = [f"{grey:.1%} of a QR code's pixels are grey"] if grey > 0.01 else []
    if any(min(strip.tobytes()) < 255 for strip in strips):
        problems.append(f"a {image.size} QR code's quiet zone of {QUIET_ZONE} modules is not white")
    return problems


def test_codes_scan_from_the_printed_page(browser, coded_pages, served):
    context = browser.new_context()
    tab = context.new_page()
    tab.emulate_media(media="print")
    decoded, problems = {}, {}
    for page in coded_pages:
        tab.goto(served[page.output] + page.address)
        pdf = pypdfium2.PdfDocument(tab.pdf(format="A4"))
        codes = [text for sheet in pdf
                 for text in decode(sheet.render(scale=PRINT_DPI / 72).to_pil())]
        decoded[page.name] = f"{len(codes)} of {page.codes}"
        problems[page.name] = code_problems(page, codes)
    context.close()
    assert_none(problems, decoded)


def assert_none(problems: dict[str, list[str]], decoded: dict[str, str]) -> None:
    """Fail with each page's problems and how many codes were decoded of those shown."""
    failed = [f"{name}: {decoded[name]} codes decoded; {'; '.join(found)}"
              for name, found in problems.items() if found]
    assert not failed, "\n".join(failed)
