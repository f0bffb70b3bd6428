"""Payment reminders and receipts: which invoice a billing contact is to be reminded of, or
thanked for, on the build date.

As facts `portal notify` records per contact (content.news): `reminder:<number>` with the
step of portal.yaml's `reminders.days` the invoice has reached (days from its due date), and
with receipts on, `paid:<number>` once it is paid in full. A reminder is due when the step
reached differs from the one the contact was told: so each step is sent once, a run that
missed a day sends only the latest step reached, and a paid invoice (nothing left after
payments and credit notes) has no reminder fact at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from generator.content.domain import Client, InvoiceRecord
from generator.content.models import Reminders
from generator.invoicing.collected import paid_in_full_on
from generator.invoicing.payment import PaymentBlock, payment_block

Facts = dict[str, str]
RECEIPT_DAYS = 14  # a receipt thanks for invoices paid in the last two weeks, not for history


@dataclass(frozen=True, kw_only=True)
class Reminder:
    """One invoice a billing contact is reminded of: what is left, and how to pay it."""

    number: str
    page: str  # the invoice's page, relative to the portal root
    due: date
    days: int  # the step reached: days from the due date (negative: before it)
    left: Decimal  # after partial payments and credit notes
    currency: str
    payment: PaymentBlock | None  # account, reference, QR code and pay link
    section: str = "invoices.html"  # the page listing it (what a password portal links)


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """An invoice paid in full, to thank for."""

    number: str
    page: str
    paid_on: date
    section: str = "invoices.html"


def step_reached(record: InvoiceRecord, days: Sequence[int], as_of: date) -> int | None:
    """The latest step of the schedule an open invoice has reached by `as_of`, or None."""
    due = record.invoice.due
    if due is None or record.is_credit_note or record.outstanding <= 0:
        return None
    reached = [day for day in days if due + timedelta(days=day) <= as_of]
    return reached[-1] if reached else None


def reminder_facts(client: Client, schedule: Reminders, as_of: date) -> Facts:
    """The reminder and receipt facts of the client's invoices on `as_of`."""
    found: Facts = {}
    for record in client.invoices:
        step = step_reached(record, schedule.days, as_of) if schedule.enabled else None
        if step is not None:
            found[f"reminder:{record.invoice.number}"] = str(step)
        if schedule.receipts and _recently_paid(record, as_of):
            found[f"paid:{record.invoice.number}"] = ""
    return found


def _recently_paid(record: InvoiceRecord, as_of: date) -> bool:
    day = paid_in_full_on(record)
    return day is not None and as_of - timedelta(days=RECEIPT_DAYS) <= day <= as_of


def reminders(client: Client, known: Facts, current: Facts,
              url_pattern: str | None) -> list[Reminder]:
    """The reminders a contact who knows `known` is due, oldest invoice first."""
    return [Reminder(number=record.invoice.number, page=f"invoices/{record.slug}.html",
                     due=record.invoice.due, days=int(current[key]), left=record.outstanding,
                     currency=record.currency, payment=payment_block(record, url_pattern))
            for record in client.invoices
            if record.invoice.due is not None
            and (key := f"reminder:{record.invoice.number}") in current
            and known.get(key) != current[key]]


def receipts(client: Client, known: Facts, current: Facts) -> list[Receipt]:
    """The invoices a contact who knows `known` is to be thanked for."""
    return [Receipt(number=record.invoice.number, page=f"invoices/{record.slug}.html",
                    paid_on=paid_on)
            for record in client.invoices
            if f"paid:{record.invoice.number}" in current
            and f"paid:{record.invoice.number}" not in known
            and (paid_on := paid_in_full_on(record)) is not None]
