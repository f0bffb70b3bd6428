"""Country rules an invoice must follow beyond its arithmetic (tax numbers are in `taxids`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generator.content.models import Invoice

JP_REDUCED_RATE = Decimal(8)  # consumption tax on food and drink (軽減税率)


def invoice_rule_problems(invoice: Invoice, currency: str) -> list[tuple[tuple[Any, ...], str]]:
    """Return (location in the file, message) for each rule the invoice breaks."""
    problems: list[tuple[tuple[Any, ...], str]] = []
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
