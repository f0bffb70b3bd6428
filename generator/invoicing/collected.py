"""What came in: the payments a client made, by day, and how long the client takes to pay.

Read from the invoices as the ledger settled them (generator.invoicing.ledger): each payment
recorded under `payments:` on the day it arrived, and for an invoice marked `paid_on`, what
that day paid beyond them. An invoice's days to pay run from its issue date to the day it was
paid in full; a client's days to pay are the mean over its paid invoices, rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from generator.content.domain import InvoiceRecord
from generator.invoicing.ledger import PAID

ZERO = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class Received:
    """One payment received on an invoice."""

    on: date
    currency: str
    amount: Decimal
    invoice: str  # the invoice's number


def received(records: list[InvoiceRecord] | tuple[InvoiceRecord, ...],
             as_of: date) -> tuple[Received, ...]:
    """Every payment received on the client's invoices by `as_of`, by day then invoice."""
    found = [payment for record in records if not record.is_credit_note
             for payment in _payments(record, as_of)]
    return tuple(sorted(found, key=lambda p: (p.on, p.invoice, p.amount)))


def _payments(record: InvoiceRecord, as_of: date) -> list[Received]:
    invoice = record.invoice
    listed = [Received(on=p.on, currency=record.currency, amount=p.amount,
                       invoice=invoice.number) for p in invoice.payments if p.on <= as_of]
    rest = record.paid - sum((p.amount for p in listed), ZERO)
    if invoice.paid_on is not None and invoice.paid_on <= as_of and rest > 0:
        listed.append(Received(on=invoice.paid_on, currency=record.currency, amount=rest,
                               invoice=invoice.number))
    return listed


def paid_in_full_on(record: InvoiceRecord) -> date | None:
    """The day a paid invoice was paid in full (its `paid_on`, else its last payment);
    None for one not paid, or settled by credit notes alone."""
    if record.status != PAID or record.is_credit_note:
        return None
    if record.invoice.paid_on is not None:
        return record.invoice.paid_on
    return max((p.on for p in record.invoice.payments), default=None)


def days_to_pay(records: list[InvoiceRecord] | tuple[InvoiceRecord, ...]) -> int | None:
    """The mean days from issue to payment in full over the paid invoices, rounded; None
    when none is paid."""
    days = [(day - record.invoice.issued).days for record in records
            if (day := paid_in_full_on(record)) is not None]
    if not days:
        return None
    return int((Decimal(sum(days)) / len(days)).to_integral_value())
