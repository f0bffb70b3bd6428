"""Country rules an invoice must follow beyond its arithmetic (tax numbers are in `taxids`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from generator.content.domain import Party
from generator.content.models import Invoice, InvoiceItem
from generator.content.taxids import compact
from generator.invoicing.ksef import Fa3Facts

JP_REDUCED_RATE = Decimal(8)  # consumption tax on food and drink (軽減税率)


def invoice_rule_problems(invoice: Invoice, currency: str) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (location in the file, message) for each rule an item of the invoice breaks,
    item by item, in the order of `ITEM_RULES`."""
    return [(("items", index, rule.field), f"items[{index}]: {message}")
            for index, item in enumerate(invoice.items) for rule in ITEM_RULES
            if (message := rule.broken(item, currency, invoice.reverse_charge))]


def _unmarked_reduced_rate(item: InvoiceItem, currency: str, reverse_charge: bool) -> str:
    if currency != "JPY" or item.tax_rate != JP_REDUCED_RATE or item.reduced_rate:
        return ""
    return "8% is Japan's reduced rate; a qualified invoice marks such items: add reduced_rate: true"


def _marked_but_not_reduced(item: InvoiceItem, currency: str, reverse_charge: bool) -> str:
    if currency != "JPY" or not item.reduced_rate or item.tax_rate == JP_REDUCED_RATE:
        return ""
    return f"reduced_rate is set but the rate is {item.tax_rate}%, not Japan's reduced 8%"


def _tax_on_reverse_charge(item: InvoiceItem, currency: str, reverse_charge: bool) -> str:
    if not reverse_charge or item.tax_rate == 0:
        return ""
    return ("a reverse-charge invoice charges no VAT (the buyer accounts for it): use "
            "tax_rate: 0")


@dataclass(frozen=True)
class ItemRule:
    """A rule each invoice item must follow: the field it is about, and what says how the
    item breaks it (empty: it does not)."""

    field: str
    broken: Callable[[InvoiceItem, str, bool], str]


ITEM_RULES = (ItemRule("tax_rate", _unmarked_reduced_rate),
              ItemRule("reduced_rate", _marked_but_not_reduced),
              ItemRule("tax_rate", _tax_on_reverse_charge))


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
