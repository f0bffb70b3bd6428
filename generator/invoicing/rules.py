"""Country rules an invoice must follow beyond its arithmetic (tax numbers are in `taxids`)."""

from __future__ import annotations

from decimal import Decimal

from generator.content.domain import Party
from generator.content.models import Invoice
from generator.content.taxids import compact
from generator.invoicing.ksef import Fa3Facts

JP_REDUCED_RATE = Decimal(8)  # consumption tax on food and drink (軽減税率)


def invoice_rule_problems(invoice: Invoice, currency: str) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (location in the file, message) for each rule the invoice breaks."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, item in enumerate(invoice.items):
        where = ("items", index)
        if currency == "JPY" and item.tax_rate == JP_REDUCED_RATE and not item.reduced_rate:
            problems.append(((*where, "tax_rate"), f"items[{index}]: 8% is Japan's reduced "
                             "rate; a qualified invoice marks such items: add reduced_rate: true"))
        if currency == "JPY" and item.reduced_rate and item.tax_rate != JP_REDUCED_RATE:
            problems.append(((*where, "reduced_rate"), f"items[{index}]: reduced_rate is set "
                             f"but the rate is {item.tax_rate}%, not Japan's reduced 8%"))
        if invoice.reverse_charge and item.tax_rate != 0:
            problems.append(((*where, "tax_rate"), f"items[{index}]: a reverse-charge invoice "
                             "charges no VAT (the buyer accounts for it): use tax_rate: 0"))
    return problems


def fa3_mismatches(facts: Fa3Facts, invoice: Invoice, seller: Party) -> list[tuple[str, str]]:
    """(ksef key, message) for each way the FA(3) file, its KSeF number and the invoice
    disagree: the seller's NIP (the number's first ten digits, the file's Podmiot1, the
    seller's tax_ids), the invoice number (P_2) and the issue date (P_1)."""
    assert invoice.ksef is not None
    nip = invoice.ksef.number[:10]
    seller_nip = compact(seller.tax_ids.pl_nip).removeprefix("PL") if seller.tax_ids.pl_nip \
        else None
    found = []
    if seller_nip != nip:
        found.append(("number", f"ksef.number: its NIP {nip} is not the seller's Polish NIP "
                      f"({seller_nip or 'none: give the agency, or its PL registration, a pl_nip'})"))
    if facts.seller_nip != nip:
        found.append(("file", f"ksef.file: the seller's NIP in it (Podmiot1) is "
                      f"{facts.seller_nip}, not the KSeF number's {nip}"))
    if facts.number != invoice.number:
        found.append(("file", f"ksef.file: the invoice number in it (P_2) is "
                      f"'{facts.number}', not '{invoice.number}'"))
    if facts.issued != invoice.issued:
        found.append(("file", f"ksef.file: the issue date in it (P_1) is {facts.issued}, "
                      f"not {invoice.issued}"))
    return found
