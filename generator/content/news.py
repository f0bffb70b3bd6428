"""News for a client's contacts: the facts `portal notify` tracks, and what changed between two
states of them.

A client's state is a set of facts, each a key and a version: an invoice or an update is news
once (`invoice:<number>`, `update:<slug>`), a milestone when its due day moves or it is done
(`milestone:<id>`, version `<due day>|<status>`), a document while it awaits the client's
approval of its current text (`approval:<document>`, version its fingerprint). What a contact
has been told is the state last sent to them; what is news is what differs from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from generator.content.dates import day_in
from generator.content.domain import Client
from generator.content.signoff import awaiting_approval

Facts = dict[str, str]  # key -> version


def facts(client: Client) -> Facts:
    """The client's current state, as `portal notify` compares it."""
    state: Facts = {f"invoice:{r.invoice.number}": "" for r in client.invoices}
    state.update({f"update:{d.slug}": "" for d in client.updates})
    state.update({f"milestone:{m.id}": f"{day_in(m.due, client.timezone).isoformat()}|{m.status}"
                  for m in client.milestones})
    state.update({f"approval:{d.key}": d.fingerprint for d in awaiting_approval(client)})
    return dict(sorted(state.items()))


@dataclass(frozen=True)
class NewsItem:
    """One line of a digest: what it is about, where it is in the portal, and its details
    (amounts and dates, left out for password portals unless the client allows them)."""

    title: str
    page: str  # the page about it, relative to the portal root, e.g. invoices/2026-10.html
    section: str  # the top-level page listing it (a password portal's pages keep these names)
    day: date | None = None  # an invoice's due day, an update's date, a milestone's due day
    was: date | None = None  # a moved milestone's due day before
    amount: Decimal | None = None
    currency: str | None = None
    version: str | None = None  # of a document awaiting approval
    credit_note: bool = False  # a new invoice that is a credit note


@dataclass
class Digest:
    """What is new for one contact, by kind."""

    invoices: list[NewsItem] = field(default_factory=list)
    updates: list[NewsItem] = field(default_factory=list)
    moved: list[NewsItem] = field(default_factory=list)
    done: list[NewsItem] = field(default_factory=list)
    approvals: list[NewsItem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.invoices, self.updates, self.moved, self.done, self.approvals))

    @property
    def count(self) -> int:
        return sum(map(len, (self.invoices, self.updates, self.moved, self.done, self.approvals)))


def news(client: Client, known: Facts, approver: bool) -> Digest:
    """What differs from the facts a contact knows; documents awaiting approval only for a
    contact who approves (`approver`)."""
    digest = Digest()
    digest.invoices = [
        NewsItem(r.invoice.number, f"invoices/{r.slug}.html", "invoices.html", r.invoice.due,
                 amount=r.totals.total, currency=r.currency, credit_note=r.is_credit_note)
        for r in reversed(client.invoices) if f"invoice:{r.invoice.number}" not in known]
    digest.updates = [
        NewsItem(d.meta.title, f"updates.html#{d.slug}", "updates.html",
                 day_in(d.meta.date, client.timezone))  # type: ignore[union-attr]
        for d in client.updates if f"update:{d.slug}" not in known]
    _milestones(client, known, digest)
    if approver:
        digest.approvals = [
            NewsItem(d.title, f"{d.href}#approval", d.href if d.key == "scope"
                     else "requirements.html", version=d.version)
            for d in awaiting_approval(client)
            if known.get(f"approval:{d.key}") != d.fingerprint]
    return digest


def _milestones(client: Client, known: Facts, digest: Digest) -> None:
    """Milestones done since, or moved to another day (not those new or cancelled)."""
    for milestone in client.milestones:
        before = known.get(f"milestone:{milestone.id}")
        if before is None or milestone.status == "cancelled":
            continue
        was_day, _, was_status = before.partition("|")
        day = day_in(milestone.due, client.timezone)
        item = NewsItem(milestone.title, f"timeline.html#{milestone.id}", "timeline.html", day,
                        date.fromisoformat(was_day))
        if milestone.status == "done" and was_status != "done":
            digest.done.append(item)
        elif day.isoformat() != was_day:
            digest.moved.append(item)
