"""The records the bank import hands between its stages: statement entries in, open items in,
decisions out; and the error a statement file that cannot be read ends in.

Readers (camt.py, swift.py, stripe_csv.py) turn a file into `StatementEntry` records; the
ledger provides `OpenItem` records; `match.match_entries` turns both into a `MatchResult`:
`Payment`s to record on invoices, `Unmatched` entries listed for the agency with a reason,
and entries skipped because their bank reference is already recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

import click

from generator.errors import Problem, sorted_problems

Direction = Literal["credit", "debit"]
Rule = Literal["reference", "invoice number"]
Reason = Literal[
    "overpayment",         # more than is open on the invoice(s) it names
    "wrong currency",      # names an invoice billed in another currency
    "ambiguous",           # names something that fits more than one invoice or client
    "unknown reference",   # a valid RF/OCR reference that no open invoice carries
    "invalid reference",   # looks like an RF reference, but its check digits are wrong
    "no invoice named",    # neither a reference nor an open invoice's number
    "does not add up",     # names several invoices, pays less than they have open together
    "reversal",            # the bank reverses an earlier entry: for the agency to look at
    "zero amount",         # nothing to record
]


@dataclass(frozen=True, kw_only=True)
class StatementEntry:
    """One booked movement on a statement, as its file says it (amount always positive)."""

    source: str                    # the file, as the user named it
    position: int                  # line (MT940, CSV) or entry number (camt) within the file
    format: str                    # "camt.053.001.08", "MT940", "Stripe"
    account: str                   # the statement's account: IBAN, account id, "Stripe"
    booked: date                   # booking date: the day the money arrived
    value: date | None             # value date, where the file gives one
    direction: Direction
    reversal: bool                 # the bank reverses an earlier entry (camt RvslInd, MT940 RC/RD)
    amount: Decimal
    currency: str                  # ISO 4217
    entry_reference: str           # the bank's reference: camt AcctSvcrRef, MT940 //bank ref,
                                   # Stripe balance transaction id (see each reader's fallback)
    creditor_references: tuple[str, ...]  # structured references (camt CdtrRefInf/Ref), as given
    remittance: str                # free remittance text, one line
    payer_name: str | None
    payer_iban: str | None

    @property
    def where(self) -> str:
        """`file:line` or `file: entry N`, for messages."""
        if self.format.startswith("camt"):
            return f"{self.source}: entry {self.position}"
        return f"{self.source}:{self.position}"


@dataclass(frozen=True, kw_only=True)
class OpenItem:
    """What the ledger says is still to be paid on one invoice."""

    client: str                    # client slug
    invoice_number: str
    invoice_file: str              # relative to the content folder, '/'-separated
    currency: str
    open_amount: Decimal           # > 0: what is left after payments and credit notes
    reference: str | None          # RF (ISO 11649) for EUR, Bankgirot OCR for SEK, else None
    issued: date
    due: date

    @property
    def key(self) -> tuple[str, str]:
        return (self.client, self.invoice_number)


@dataclass(frozen=True, kw_only=True)
class Payment:
    """A payment to record on an invoice: `payments: [{on, amount, reference}]`."""

    client: str
    invoice_number: str
    invoice_file: str
    on: date
    amount: Decimal
    currency: str
    reference: str                 # the bank entry reference (idempotency key)


@dataclass(frozen=True, kw_only=True)
class Matched:
    """An entry settled on one invoice, or split over several (a combined payment)."""

    entry: StatementEntry
    rule: Rule
    payments: tuple[Payment, ...]


@dataclass(frozen=True, kw_only=True)
class Unmatched:
    """An entry the import does not record: listed for the agency, with why."""

    entry: StatementEntry
    reason: Reason
    detail: str                    # one line an office reads


@dataclass(frozen=True, kw_only=True)
class MatchResult:
    matched: tuple[Matched, ...]
    unmatched: tuple[Unmatched, ...]
    already_recorded: tuple[StatementEntry, ...]  # bank reference already on an invoice
    debits: int                    # debit entries, ignored

    @property
    def payments(self) -> tuple[Payment, ...]:
        return tuple(payment for match in self.matched for payment in match.payments)


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Bounds on one statement file: far above a real month's statement, so a hostile or
    broken file ends in a clear error instead of a long run."""

    max_bytes: int = 64 * 1024 * 1024
    max_entries: int = 50_000


class StatementError(click.ClickException):
    """One or more statement files cannot be read; nothing was matched or written (exit 1)."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted_problems(problems)
        count = len(self.problems)
        lines = [str(problem) for problem in self.problems]
        lines.append(f"{count} error{'s' if count != 1 else ''} in statement files; "
                     "nothing was written.")
        super().__init__("\n".join(lines))


def statement_error(source: str, line: int | None, message: str) -> StatementError:
    """The error for one problem in one file."""
    return StatementError([Problem(source, line, message)])
