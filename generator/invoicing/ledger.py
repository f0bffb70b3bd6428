"""The ledger: every figure of a client's money, computed once from its invoices, credit notes
and payments, and read by the portal, the PDF, the e-invoice, the overview, `portal report` and
`portal notify`.

For an invoice, on the build date:
    credited = the totals of the credit notes correcting it (issued by then)
    paid     = the payments received by then (the whole total less what was credited before,
               once `paid_on` has come)
    refunded = the payments recorded on its credit notes: money given back
    left     = total - credited - paid + refunded      (negative: owed back to the client)
A credit note owes nothing itself: it lowers the invoice it corrects. Per currency,
    open = sum of max(left, 0),  overdue = the part of it past due,  refund = sum of max(-left, 0)
so that 0 <= overdue <= open <= issued - credited (tests/test_ledger.py, by Hypothesis).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from generator.content.domain import Balance, InvoiceRecord
from generator.content.models import Invoice

ZERO = Decimal(0)

PAID, OPEN, OVERDUE = "paid", "open", "overdue"
CREDITED, REFUND = "credited", "refund"  # a credit note: taken off its invoice; owed back


@dataclass(frozen=True, kw_only=True)
class Standing:
    """An invoice's figures on the build date (see the module's notes)."""

    credited: Decimal
    paid: Decimal
    refunded: Decimal

    def left(self, total: Decimal) -> Decimal:
        return total - self.credited - self.paid + self.refunded


def received(invoice: Invoice, as_of: date) -> Decimal:
    """The payments (refunds, for a credit note) received by `as_of`."""
    return sum((p.amount for p in invoice.payments if p.on <= as_of), ZERO)


def standing(record: InvoiceRecord, notes: list[InvoiceRecord], as_of: date) -> Standing:
    """The invoice's standing, its credit notes `notes` (issued by `as_of`) applied."""
    invoice = record.invoice
    credited = sum((n.totals.total for n in notes), ZERO)
    refunded = sum((received(n.invoice, as_of) for n in notes), ZERO)
    paid = received(invoice, as_of)
    if invoice.paid_on is not None and invoice.paid_on <= as_of:
        # paid in full: the total less what was credited by that day
        before = sum((n.totals.total for n in notes if n.invoice.issued <= invoice.paid_on),
                     ZERO)
        paid = max(paid, record.totals.total - before)
    return Standing(credited=credited, paid=paid, refunded=refunded)


def refunds_exceed_payments(record: InvoiceRecord, notes: list[InvoiceRecord]) -> bool:
    """Whether, on some day, the refunds recorded on the invoice's credit notes `notes` give
    back more than was paid on it (money that never came in): on any build date the ledger
    would then show more left to pay than the invoice less its credit notes."""
    days = sorted({p.on for n in notes for p in n.invoice.payments})
    for day in days:
        figures = standing(record, [n for n in notes if n.invoice.issued <= day], day)
        if figures.refunded > figures.paid:
            return True
    return False


def settle(records: list[InvoiceRecord], as_of: date) -> list[InvoiceRecord]:
    """Each record with its credit notes, figures and status on `as_of`; credit notes must
    already name the record they correct (`corrects`)."""
    notes: dict[str, list[InvoiceRecord]] = defaultdict(list)
    for record in records:
        if record.corrects is not None:
            notes[record.corrects.slug].append(record)
    settled: dict[str, InvoiceRecord] = {}
    for record in records:
        if record.is_credit_note:
            continue
        figures = standing(record, notes[record.slug], as_of)
        left = figures.left(record.totals.total)
        settled[record.slug] = replace(
            record, paid=figures.paid, credited=figures.credited, left=left,
            status=_status(record.invoice, left, as_of),
            credit_notes=tuple((n.slug, n.invoice.number) for n in notes[record.slug]))
    return [settled.get(r.slug) or _credit_note(r, settled, as_of) for r in records]


def _status(invoice: Invoice, left: Decimal, as_of: date) -> str:
    if left <= 0:
        return PAID
    return OVERDUE if invoice.due is not None and invoice.due < as_of else OPEN


def _credit_note(record: InvoiceRecord, invoices: dict[str, InvoiceRecord],
                 as_of: date) -> InvoiceRecord:
    """A credit note, linked to its settled invoice: 'refund' while that invoice leaves money
    to give back, else 'credited'."""
    corrected = invoices.get(record.corrects.slug) if record.corrects else None
    owed = corrected is not None and corrected.left < 0
    return replace(record, corrects=corrected, paid=received(record.invoice, as_of),
                   status=REFUND if owed else CREDITED)


def balances(records: list[InvoiceRecord]) -> tuple[Balance, ...]:
    """The client's money per currency (alphabetical), from its settled invoices."""
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for record in records:
        if record.is_credit_note:
            continue
        row = figures[record.currency]
        row["issued"] += record.totals.total
        row["credited"] += record.credited
        refunded = record.left - record.totals.total + record.credited + record.paid
        row["paid"] += record.paid - refunded
        row["open"] += max(record.left, ZERO)
        row["overdue"] += max(record.left, ZERO) if record.status == OVERDUE else ZERO
        row["refund"] += max(-record.left, ZERO)
    return tuple(Balance(currency=currency, issued=row["issued"], credited=row["credited"],
                         paid=row["paid"], open=row["open"], overdue=row["overdue"],
                         refund=row["refund"])
                 for currency, row in sorted(figures.items()))
