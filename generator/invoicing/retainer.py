"""The next retainer invoice of a client, for the agency to review.

`next_invoice` is pure: the client, the agency, the service period and the numbers already
used give the invoice's YAML text. The number is the next free one of its seller's series
(invoicing.numbering), the period comes from the retainer (a month or a quarter), the amount
from the retainer, the due date from the payment terms, and the tax from the place of supply
(invoicing.taxes) unless `retainer.tax_rate` says otherwise.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from generator.content.domain import AgencyContent, Client, Party, Seller
from generator.content.models import Invoice, Retainer
from generator.content.yaml12 import parse_yaml
from generator.invoicing.numbering import (
    IssuedNumber,
    next_number,
    number_pattern,
    series_of,
)
from generator.invoicing.sellers import buyer_party, seller_key, sellers
from generator.invoicing.taxes import REVERSE_CHARGE, TaxRule, place_of_supply


@dataclass(frozen=True)
class NextInvoice:
    """The next invoice of one client: where it goes and its text, or why there is none."""

    slug: str
    path: Path  # relative to the content folder
    text: str | None = None
    number: str = ""
    summary: str = ""
    skipped: str | None = None  # why nothing is written
    numbered: IssuedNumber | None = None  # its number, as the numbering rules see it


def service_period(retainer: Retainer, start: date) -> tuple[date, date]:
    """The period billed from `start`'s month: that month, or three months for a quarter."""
    months = 3 if retainer.period == "quarterly" else 1
    last = _add_months(start.replace(day=1), months - 1)
    return start.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1])


def default_start(client: Client, as_of: date) -> date:
    """The month after the latest service period invoiced; the build date's month if none."""
    ends = [r.invoice.period.end for r in client.invoices if r.invoice.period]
    return _add_months(max(ends).replace(day=1), 1) if ends else as_of.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def retainer_tax(seller: Seller, buyer: Party, retainer: Retainer) -> TaxRule:
    """The tax of the retainer's invoices: `retainer.tax_rate` if given, else the place of
    supply's rule (invoicing.taxes)."""
    if retainer.tax_rate is not None:
        return TaxRule(rate=retainer.tax_rate, summary=f"{retainer.tax_rate}% (client.yaml)")
    return place_of_supply(seller, buyer)


def next_invoice(client: Client, agency: AgencyContent, start: date, as_of: date,
                 description: str, used: list[IssuedNumber]) -> NextInvoice:
    """The next retainer invoice of the client for the period starting in `start`'s month,
    numbered after every number its seller has used (`used`, across all clients)."""
    retainer = client.profile.retainer
    assert retainer is not None
    period = service_period(retainer, start)
    path = Path(client.slug) / "invoices" / f"{period[0]:%Y-%m}.yaml"
    currency = retainer.currency or client.currency
    entities = sellers(agency.config.agency)
    buyer = buyer_party(client.profile)
    seller = entities[seller_key(client.profile, buyer, currency, entities,
                                 agency.config.agency)]
    tax = retainer_tax(seller, buyer, retainer)
    if tax.rate is None:
        return NextInvoice(client.slug, path, skipped=f"{tax.undecided}: give "
                           "retainer.tax_rate in client.yaml")
    pattern = number_pattern(client, agency.config.invoicing.number)
    number = next_number(pattern, period[0], client.slug, seller.party.name, used)
    if any(n.seller == seller.party.name and n.number == number for n in used):
        return NextInvoice(client.slug, path, skipped=f"number {number} is already used: "
                           "change the invoice number pattern")
    issued = max(as_of, period[0])
    due = issued + timedelta(days=_payment_days(retainer.payment_days,
                                                agency.config.invoicing.payment_days))
    reverse = tax.note is not None and tax.note.kind == REVERSE_CHARGE
    text = _invoice_text(number, issued, due, period, description, retainer.amount,
                         (tax.rate, reverse), None if currency == client.currency else currency,
                         as_of)
    numbered = _issued_number(pattern, number, seller, path)
    return NextInvoice(client.slug, path, text, number,
                       f"{number} from {seller.party.name}, {currency} {retainer.amount} + "
                       f"{tax.summary}, due {due}", numbered=numbered)


def _payment_days(retainer_days: int | None, agency_days: int) -> int:
    """Days to pay: the retainer's own term, else the agency's."""
    return agency_days if retainer_days is None else retainer_days


def _issued_number(pattern: str, number: str, seller: Seller, path: Path) -> IssuedNumber:
    """The new number as the numbering check records it, with its series and sequence."""
    series = series_of(pattern, number)
    return IssuedNumber(seller=seller.party.name, country=seller.country, number=number,
                        file=path.as_posix(), line=None,
                        series=series[0] if series else None,
                        seq=series[1] if series else None)


def _invoice_text(number: str, issued: date, due: date, period: tuple[date, date],
                  description: str, amount: Decimal, tax: tuple[Decimal, bool],
                  currency: str | None, as_of: date) -> str:
    """The invoice file, in the content format (JSON strings are YAML strings)."""
    lines = [f"# Written by `portal invoice next` on {as_of}: review it, then commit it.",
             f"number: {json.dumps(number, ensure_ascii=False)}",
             f"issued: {issued}", f"due: {due}"]
    lines += [f"currency: {currency}"] if currency else []
    lines += ["period:", f"  start: {period[0]}", f"  end: {period[1]}", "items:",
              f"  - description: {json.dumps(description, ensure_ascii=False)}",
              "    quantity: 1", f"    unit_price: {amount}", f"    tax_rate: {tax[0]}"]
    lines += ["reverse_charge: true"] if tax[1] else []
    text = "\n".join(lines) + "\n"
    Invoice.model_validate(parse_yaml(text).data)  # a bug if it fails
    return text
