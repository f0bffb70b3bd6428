"""Invoicing: from a client's valid invoice files to the figures, codes and documents a client
pays from and an accountant files.

Between content and render in the pipeline (content → invoicing → render): it reads only
content's records, and everything outside it uses only what this module exports.

- `bill`: the invoicing stage of one client (book): sellers and tax, checks, the ledger
- the ledger's records live in content.domain (InvoiceRecord, Balance) so every stage reads them
- `payment_block`, `qr_svg`: the payment details and QR code of an unpaid invoice (payment)
- `einvoice`, `ubl_xml`, `cii_xml`: the EN 16931 e-invoice (en16931)
- `PdfMaker`: the PDF/A-3 Factur-X invoice (pdf), its fonts and their check (fonts)
- `numbering_problems`, `IssuedNumber`: invoice numbers unique per seller (numbering)

Names are loaded on first use, so the light agency-wide checks (numbering) need none of the
libraries the rest loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.invoicing.book import Bill, bill
    from generator.invoicing.en16931 import EInvoice, cii_xml, einvoice, ubl_xml
    from generator.invoicing.fonts import FontsMissing, pdf_fonts
    from generator.invoicing.money import round_money, sum_by_currency
    from generator.invoicing.numbering import IssuedNumber, numbering_problems
    from generator.invoicing.payment import payment_block, qr_svg
    from generator.invoicing.pdf import PdfMaker, paper_size

_WHERE = {
    "Bill": "book", "bill": "book",
    "EInvoice": "en16931", "cii_xml": "en16931", "einvoice": "en16931", "ubl_xml": "en16931",
    "round_money": "money", "sum_by_currency": "money",
    "IssuedNumber": "numbering", "numbering_problems": "numbering",
    "payment_block": "payment", "qr_svg": "payment",
    "PdfMaker": "pdf", "paper_size": "pdf", "FontsMissing": "fonts", "pdf_fonts": "fonts",
}
__all__ = ["Bill", "EInvoice", "FontsMissing", "IssuedNumber", "PdfMaker", "bill", "cii_xml",
           "einvoice", "numbering_problems", "paper_size", "payment_block", "pdf_fonts",
           "qr_svg", "round_money", "sum_by_currency", "ubl_xml"]  # _WHERE's keys, spelled out


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'generator.invoicing' has no attribute '{name}'")
    return getattr(importlib.import_module(f"generator.invoicing.{_WHERE[name]}"), name)
