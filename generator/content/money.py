"""Money: Decimal amounts in a currency's minor units, invoice totals, status and balances."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision

from generator.content.models import Invoice, InvoiceItem

HUNDRED = Decimal(100)


@cache
def _exponent(currency: str) -> Decimal:
    """Return the quantum of `currency`'s minor unit: 0.01 for EUR, 1 for JPY and KRW."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (ISO 4217)."""
    return amount.quantize(_exponent(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """An invoice item and its net amount."""

    item: InvoiceItem
    net: Decimal


@dataclass(frozen=True)
class TaxGroup:
    """Net amount, discount and tax at one tax rate: tax is rounded once per rate."""

    rate: Decimal
    reduced: bool
    gross_net: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    """Every figure printed on an invoice."""

    currency: str
    lines: tuple[Line, ...]
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    taxes: tuple[TaxGroup, ...]
    tax: Decimal
    total: Decimal


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


def amount_paid(invoice: Invoice, total: Decimal, as_of: date) -> Decimal:
    """What was received by `as_of`: the total once paid_on has come, else the payments
    (refunds, for a credit note) that have."""
    if invoice.paid_on is not None and invoice.paid_on <= as_of:
        return total
    return sum((p.amount for p in invoice.payments if p.on <= as_of), Decimal(0))


def invoice_status(invoice: Invoice, as_of: date, total: Decimal | None = None) -> str:
    """Return 'paid' (settled in full as of `as_of`), 'credit' (a credit note not yet
    refunded), 'overdue' (unpaid past its due date) or 'open'."""
    settled = total is not None and amount_paid(invoice, total, as_of) >= total
    if settled or (invoice.paid_on is not None and invoice.paid_on <= as_of):
        return "paid"
    if invoice.kind == "credit_note":
        return "credit"
    return "overdue" if invoice.due < as_of else "open"


def sum_by_currency(amounts: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Add amounts per currency; currencies in alphabetical order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in amounts:
        totals[currency] += amount
    return dict(sorted(totals.items()))
