"""A client's figures for the agency: stage, manager, balances, deadline, sign-off, satisfaction.

One `ClientRow` per client is a line of the agency overview and of `portal report`; its
`record()` is what the build manifest keeps (so unchanged clients are not read again to write
the overview) and what `portal report --format json` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from generator.content.dates import day_in
from generator.content.domain import Client
from generator.content.satisfaction import Score, latest_score, net_promoter_score
from generator.content.signoff import awaiting_approval
from generator.invoicing.collected import Received, days_to_pay, received
from generator.invoicing.numbering import IssuedNumber

CLOSED_STATES = ("done", "cancelled")  # milestones in these states are never next


@dataclass(frozen=True)
class NextDeadline:
    """The milestone a client's row shows as next: the day it is due (in the client's time
    zone, as its portal shows it), and what."""

    due: date
    title: str


@dataclass(frozen=True)
class RetainerFee:
    """The recurring fee a client's row shows."""

    amount: Decimal
    period: str
    currency: str


@dataclass(frozen=True, kw_only=True)
class ClientRow:
    """One client's line in the overview: what a client's build hands on to the overview, to
    `portal report`, and to the manifest (as `record()`)."""

    slug: str
    name: str
    language: str
    lifecycle_stage: str
    manager_name: str
    manager_email: str
    acquired_on: date | None
    last_contact_on: date | None
    open_balance: dict[str, Decimal]
    overdue_balance: dict[str, Decimal]
    next_deadline: NextDeadline | None
    retainer: RetainerFee | None
    awaiting_approval: tuple[str, ...] = ()  # titles of documents awaiting the client's approval
    satisfaction: Score | None = None  # the latest survey answer and its trend
    # every invoice number with its seller: for the agency-wide numbering checks, made from
    # rows so that unchanged clients are not read
    invoice_numbers: tuple[IssuedNumber, ...] = ()
    received: tuple[Received, ...] = ()  # payments received by the build date
    days_to_pay: int | None = None  # mean days from issue to payment in full
    overdue_milestones: int = 0  # open milestones due before the build date
    oldest_overdue: NextDeadline | None = None  # the first of them

    def record(self) -> dict[str, Any]:
        """The row as JSON data, keyed by field name; `from_record` turns it back."""
        deadline, retainer = self.next_deadline, self.retainer
        return {
            "slug": self.slug, "name": self.name, "language": self.language,
            "lifecycle_stage": self.lifecycle_stage, "manager_name": self.manager_name,
            "manager_email": self.manager_email,
            "acquired_on": _iso(self.acquired_on), "last_contact_on": _iso(self.last_contact_on),
            "open_balance": {c: str(a) for c, a in self.open_balance.items()},
            "overdue_balance": {c: str(a) for c, a in self.overdue_balance.items()},
            "next_deadline": ({"due": deadline.due.isoformat(), "title": deadline.title}
                              if deadline else None),
            "retainer": ({"amount": str(retainer.amount), "period": retainer.period,
                          "currency": retainer.currency} if retainer else None),
            "awaiting_approval": list(self.awaiting_approval),
            "satisfaction": self.satisfaction.record() if self.satisfaction else None,
            "invoice_numbers": [n.record() for n in self.invoice_numbers],
            "received": [{"on": p.on.isoformat(), "currency": p.currency,
                          "amount": str(p.amount), "invoice": p.invoice}
                         for p in self.received],
            "days_to_pay": self.days_to_pay,
            "overdue_milestones": self.overdue_milestones,
            "oldest_overdue": _deadline_record(self.oldest_overdue),
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ClientRow:
        deadline, retainer = data["next_deadline"], data["retainer"]
        return cls(
            slug=data["slug"], name=data["name"], language=data["language"],
            lifecycle_stage=data["lifecycle_stage"], manager_name=data["manager_name"],
            manager_email=data["manager_email"],
            acquired_on=_day(data["acquired_on"]), last_contact_on=_day(data["last_contact_on"]),
            open_balance={c: Decimal(a) for c, a in data["open_balance"].items()},
            overdue_balance={c: Decimal(a) for c, a in data["overdue_balance"].items()},
            next_deadline=(NextDeadline(date.fromisoformat(deadline["due"]), deadline["title"])
                           if deadline else None),
            retainer=(RetainerFee(Decimal(retainer["amount"]), retainer["period"],
                                  retainer["currency"]) if retainer else None),
            awaiting_approval=tuple(data["awaiting_approval"]),
            satisfaction=Score.from_record(data["satisfaction"]),
            invoice_numbers=tuple(IssuedNumber.from_record(n)
                                  for n in data.get("invoice_numbers", ())),
            received=tuple(Received(on=date.fromisoformat(p["on"]), currency=p["currency"],
                                    amount=Decimal(p["amount"]), invoice=p["invoice"])
                           for p in data.get("received", ())),
            days_to_pay=data.get("days_to_pay"),
            overdue_milestones=data.get("overdue_milestones", 0),
            oldest_overdue=_deadline(data.get("oldest_overdue")),
        )


def _deadline_record(deadline: NextDeadline | None) -> dict[str, str] | None:
    return {"due": deadline.due.isoformat(), "title": deadline.title} if deadline else None


def _deadline(data: dict[str, str] | None) -> NextDeadline | None:
    return NextDeadline(date.fromisoformat(data["due"]), data["title"]) if data else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def client_row(client: Client, as_of: date) -> ClientRow:
    """One client's figures as of the build date (its balances are the ledger's: the client
    as generator.invoicing.bill settled it)."""
    profile, manager = client.profile, client.profile.account_manager
    retainer = profile.retainer
    return ClientRow(
        slug=client.slug, name=profile.name, language=client.language,
        lifecycle_stage=profile.lifecycle_stage, manager_name=manager.name,
        manager_email=manager.email, acquired_on=profile.acquired_on,
        last_contact_on=profile.last_contact_on,
        open_balance={b.currency: b.open for b in client.balances if b.open},
        overdue_balance={b.currency: b.overdue for b in client.balances if b.overdue},
        next_deadline=next_deadline(client, as_of),
        overdue_milestones=len(overdue_milestones(client, as_of)),
        oldest_overdue=next(iter(overdue_milestones(client, as_of)), None),
        retainer=(RetainerFee(retainer.amount, retainer.period,
                              retainer.currency or client.currency) if retainer else None),
        awaiting_approval=tuple(d.title for d in awaiting_approval(client)),
        satisfaction=latest_score(client.satisfaction),
        received=received(client.invoices, as_of), days_to_pay=days_to_pay(client.invoices),
    )


def next_deadline(client: Client, as_of: date) -> NextDeadline | None:
    """The first open milestone due on the build date or later (milestones are in due order),
    by the day its portal's timeline shows."""
    for milestone in client.milestones:
        day = day_in(milestone.due, client.timezone)
        if milestone.status not in CLOSED_STATES and day >= as_of:
            return NextDeadline(day, milestone.title)
    return None


def overdue_milestones(client: Client, as_of: date) -> list[NextDeadline]:
    """The open milestones due before the build date, oldest first: a row leads with them, so
    that a project behind schedule never looks on track."""
    days = [(day_in(m.due, client.timezone), m) for m in client.milestones]
    return [NextDeadline(day, m.title) for day, m in days
            if m.status not in CLOSED_STATES and day < as_of]


def sorted_rows(rows: list[ClientRow]) -> list[ClientRow]:
    """Rows in the overview's order: by client name."""
    return sorted(rows, key=lambda r: (r.name.casefold(), r.slug))


def received_between(rows: list[ClientRow], start: date,
                     end: date) -> dict[str, dict[str, Decimal]]:
    """The payments received from `start` to `end` (inclusive): per client, per currency."""
    found: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        for payment in row.received:
            if start <= payment.on <= end:
                by_currency = found.setdefault(row.slug, {})
                by_currency[payment.currency] = (by_currency.get(payment.currency, Decimal(0))
                                                 + payment.amount)
    return found


def agency_nps(rows: list[ClientRow]) -> int | None:
    """The agency's NPS over every client's latest survey answer (content.satisfaction)."""
    return net_promoter_score(r.satisfaction.nps for r in rows
                              if r.satisfaction and r.satisfaction.nps is not None)
