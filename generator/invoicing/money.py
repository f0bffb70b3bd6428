"""Money: Decimal amounts in a currency's minor units, and an invoice's figures as issued."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision

from generator.content.domain import InvoiceTotals, Line, TaxGroup
from generator.content.models import Invoice

HUNDRED = Decimal(100)


@cache
def _exponent(currency: str) -> Decimal:
    """Return the quantum of `currency`'s minor unit: 0.01 for EUR, 1 for JPY and KRW."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (ISO 4217)."""
    return amount.quantize(_exponent(currency), rounding=ROUND_HALF_UP)


def invoice_totals(invoice: Invoice, currency: str) -> InvoiceTotals:
    """Compute line totals, the discount, tax summed and rounded per rate, and the total."""
    lines = tuple(Line(item, round_money(item.quantity * item.unit_price, currency))
                  for item in invoice.items)
    by_rate: dict[Decimal, list[Line]] = defaultdict(list)
    for line in lines:
        by_rate[line.item.tax_rate].append(line)
    groups = tuple(_tax_group(rate, by_rate[rate], invoice, currency)
                   for rate in sorted(by_rate, reverse=True))
    subtotal = sum((line.net for line in lines), Decimal(0))
    discount = sum((group.discount for group in groups), Decimal(0))
    tax = sum((group.tax for group in groups), Decimal(0))
    net = subtotal - discount
    return InvoiceTotals(currency, lines, subtotal, discount, net, groups, tax, net + tax)


def _tax_group(rate: Decimal, lines: list[Line], invoice: Invoice, currency: str) -> TaxGroup:
    gross_net = sum((line.net for line in lines), Decimal(0))
    discount = Decimal(0)
    if invoice.discount and invoice.discount.percent is not None:
        discount = round_money(gross_net * invoice.discount.percent / HUNDRED, currency)
    elif invoice.discount and invoice.discount.amount is not None:
        discount = round_money(invoice.discount.amount, currency)
    net = gross_net - discount
    tax = round_money(net * rate / HUNDRED, currency)
    reduced = any(line.item.reduced_rate for line in lines)
    return TaxGroup(rate, reduced, gross_net, discount, net, tax)


def sum_by_currency(amounts: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Add amounts per currency; currencies in alphabetical order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in amounts:
        totals[currency] += amount
    return dict(sorted(totals.items()))
