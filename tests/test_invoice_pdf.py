"""The invoice PDF as an accountant reads it: the parties and honorifics of the web page, figures
under headers aligned as they are, nothing printed in the page's margins, counters written as
the language writes them. Read from the example's PDFs with pypdf (text) and pdfium (where each
character is, and the rendered page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from generator.render.i18n import Formatter

# invoice_pdf.html's `@page { margin: 12mm 14mm 10mm }`: the left and right margins
SIDE_MARGIN = 14 / 25.4 * 72
TOLERANCE = 0.5  # points: anti-aliasing and rounding, far below a character's width


@dataclass(frozen=True, kw_only=True)
class Glyph:
    """One character of a PDF page, with its box in points from the bottom left: the
    character's advance across, the line's height (pdfium's loose box), so that the characters
    of a word touch and the boxes of one line share their middle."""

    char: str
    left: float
    bottom: float
    right: float
    top: float

    @property
    def middle(self) -> float:
        return (self.bottom + self.top) / 2


def glyphs(pdf: Path) -> list[Glyph]:
    """The visible characters of a PDF's first page, in reading order."""
    text = pypdfium2.PdfDocument(str(pdf))[0].get_textpage()
    found = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        left, bottom, right, top = text.get_charbox(index, loose=True)
        if char.strip() and right > left:
            found.append(Glyph(char=char, left=left, bottom=bottom, right=right, top=top))
    return found


def cells(row: list[Glyph], gap: float = 4.0) -> list[list[Glyph]]:
    """A table row's characters, left to right, split where the space between two is wider
    than a word space (3 points at 8 pt; table cells are padded 1 mm a side, so their texts
    are 5.7 points apart at least)."""
    ordered = sorted(row, key=lambda glyph: glyph.left)
    split: list[list[Glyph]] = [ordered[:1]]
    for glyph in ordered[1:]:
        if glyph.left - split[-1][-1].right > gap:
            split.append([])
        split[-1].append(glyph)
    return split


def line_of(page: list[Glyph], middle: float) -> list[Glyph]:
    """The characters on the line through `middle` (a table row's first line)."""
    return [glyph for glyph in page if abs(glyph.middle - middle) < 1]


def pdf_text(pdf: Path) -> str:
    return PdfReader(pdf).pages[0].extract_text()


# ------------------------------------------------------------ the parties, as on the page

def party_lines(page: Path) -> list[str]:
    """What the invoice page says of the seller and the buyer, a line each."""
    html = page.read_text(encoding="utf-8")
    seller = html.split('<div class="invoice__seller">', 1)[1].split("</div>", 1)[0]
    buyer = html.split('<section aria-labelledby="bill-to">', 1)[1].split("</section>", 1)[0]
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", seller + buyer, re.DOTALL)
    return [line.strip() for paragraph in paragraphs
            for line in unescape(re.sub(r"<[^>]+>", "", paragraph)).splitlines() if line.strip()]


PARTY_PAGES = ["sakura-retail/invoices/2026-10", "sakura-retail/en/invoices/2026-10",
               "hanbit-logistics/invoices/2026-10", "kowalski-legal/invoices/2026-10",
               "nordlys-saas/invoices/2026-11"]


@pytest.mark.parametrize("stem", PARTY_PAGES)
def test_the_pdf_names_the_parties_as_the_page_does(stem, example):
    lines = party_lines(example / f"{stem}.html")
    assert len(lines) >= 8, lines  # a name, an address and a tax number each at least
    text = pdf_text(example / f"{stem}.pdf")
    assert [line for line in lines if line not in text] == []


def test_a_japanese_invoice_addresses_the_buyer_with_onchu_on_the_page_and_in_the_pdf(example):
    for shown in (party_lines(example / "sakura-retail/invoices/2026-10.html"),
                  pdf_text(example / "sakura-retail/invoices/2026-10.pdf").splitlines()):
        assert "株式会社さくらリテール 御中" in shown
    english = example / "sakura-retail/en/invoices/2026-10"
    assert "御中" not in pdf_text(english.with_suffix(".pdf"))
    assert "御中" not in " ".join(party_lines(english.with_suffix(".html")))


# ------------------------------------------------------------ the items table

ITEMS_HEADER = {  # the first column's header, which finds the header row
    "sakura-retail/invoices/2026-10": "品目",
    "sakura-retail/en/invoices/2026-10": "Description",
    "hanbit-logistics/invoices/2026-10": "품목",
    "kowalski-legal/invoices/2026-10": "Nazwa towaru lub usługi",
    "kowalski-legal/invoices/2026-10-korekta": "Nazwa towaru lub usługi",
    "nordlys-saas/invoices/2026-11": "Beskrivning",
}


def header_and_first_row(pdf: Path, first_header: str) -> tuple[list[Glyph], list[Glyph]]:
    """The items table's header row (its last line: headers sit on the bottom) and the first
    line of its first row."""
    page = glyphs(pdf)
    text = "".join(glyph.char for glyph in page)
    start = text.index(first_header.replace(" ", ""))
    header = line_of(page, page[start].middle)
    below = max((glyph for glyph in page if glyph.top < min(g.bottom for g in header) - 1),
                key=lambda glyph: glyph.top)
    return header, line_of(page, below.middle)


@pytest.mark.parametrize("stem", list(ITEMS_HEADER))
def test_the_headers_of_figures_are_right_aligned_over_them(stem, example):
    header, row = header_and_first_row(example / f"{stem}.pdf", ITEMS_HEADER[stem])
    # quantity, unit price, tax rate and amount: the last four cells of both rows
    headers, figures = cells(header)[-4:], cells(row)[-4:]
    assert len(cells(header)) >= 5 and len(cells(row)) >= 5
    for label, figure in zip(headers, figures, strict=True):
        label_text, figure_text = "".join(g.char for g in label), "".join(g.char for g in figure)
        assert abs(label[-1].right - figure[-1].right) <= TOLERANCE, (
            f"{label_text!r} ends at {label[-1].right:.1f} pt, its figure {figure_text!r} at "
            f"{figure[-1].right:.1f} pt")


# ------------------------------------------------------------ nothing in the margins

def ink_in_side_margins(pdf: Path, scale: float = 3.0) -> list[str]:
    """Where the rendered page has dark pixels in its left or right margin, in points."""
    page = pypdfium2.PdfDocument(str(pdf))[0]
    width, _ = page.get_size()
    image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
    inked = image.point(lambda value: 255 if value < 128 else 0)
    found = []
    for side, left, right in (("left", 0, SIDE_MARGIN - TOLERANCE),
                              ("right", width - SIDE_MARGIN + TOLERANCE, width)):
        box = inked.crop((round(left * scale), 0, round(right * scale), image.height)).getbbox()
        if box:
            found.append(f"{side} margin: ink from {left + box[0] / scale:.1f} to "
                         f"{left + box[2] / scale:.1f} pt, {box[1] / scale:.0f} pt from the top")
    return found


def test_no_invoice_pdf_prints_into_its_side_margins(example):
    pdfs = sorted(example.glob("*/invoices/*.pdf")) + sorted(example.glob("*/*/invoices/*.pdf"))
    assert len(pdfs) == 29  # every invoice of the example, in each language it is shown in
    inked = {str(pdf.relative_to(example)): where for pdf in pdfs
             if (where := ink_in_side_margins(pdf))}
    assert inked == {}


def test_the_ksef_number_wraps_inside_its_column(example):
    page = glyphs(example / "kowalski-legal/invoices/2026-10.pdf")
    width = pypdfium2.PdfDocument(str(example / "kowalski-legal/invoices/2026-10.pdf"))[0] \
        .get_size()[0]
    text = "".join(glyph.char for glyph in page)
    number = "5272873101-20261030-4F2A91C03B7E-46"
    shown = [match.start() for match in re.finditer(re.escape(number), text)]
    assert len(shown) == 2  # under the KSeF code, and among the invoice's facts
    for start in shown:
        assert max(g.right for g in page[start:start + len(number)]) <= (
            width - SIDE_MARGIN + TOLERANCE)


# ------------------------------------------------------------ quantities and their units

@pytest.mark.parametrize(("language", "quantity", "unit", "shown"), [
    ("ja", 1, "ヶ月", "1ヶ月"), ("ja", 18, "個", "18個"), ("ja", Decimal("2.5"), "h", "2.5 h"),
    ("ko", 1, "개월", "1개월"), ("zh", 3, "件", "3件"), ("en", Decimal("2.5"), "h", "2.5 h"),
    ("pl", Decimal("2.5"), "godz.", "2,5 godz."), ("sv", 1, "mån", "1 mån"),
    ("ja", 1000, None, "1,000"), ("ja", 2, "ｶｲ", "2 ｶｲ"),  # half-width kana: a space, as Latin
])
def test_a_quantity_is_joined_to_a_cjk_unit_and_spaced_from_others(language, quantity, unit,
                                                                    shown):
    assert Formatter(language, "UTC").quantity(quantity, unit) == shown


def test_the_japanese_pdf_writes_counters_without_a_space(example):
    text = pdf_text(example / "sakura-retail/invoices/2026-10.pdf")
    assert "1ヶ月" in text and "12個" in text
    assert not re.search(r"\d (ヶ月|個)", text)
    assert "1개월" in pdf_text(example / "hanbit-logistics/invoices/2026-10.pdf")
