"""The records between the bank import's stages: entries and open items in, matches out.

And the error a statement file that cannot be read ends in.

Readers (camt.py, swift.py, stripe.py) turn a file into `BankEntry` records; the ledger gives
`OpenItem` records; `match.match` turns both into `Matches`: entries settled on invoices
(`Matched`, each with its `Allocation`s), entries listed for the agency with a reason
(`Unmatched`), and what was left alone (debits, credits for no client, entries already
recorded or read twice).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

import click

from generator.errors import Problem, sorted_problems

Direction = Literal["credit", "debit"]
Rule = Literal["reference", "invoice number", "amount"]
Reason = Literal[
    "overpayment",     # more than is open on the invoice(s) it names
    "wrong currency",  # names an invoice billed in another currency
    "ambiguous",       # fits more than one invoice or client, and nothing says which
    "unknown",         # names a reference or an invoice number that is on no open invoice
    "reversal",        # the bank reverses an earlier entry: for the agency to look at
]


@dataclass(frozen=True, kw_only=True)
class BankEntry:
    """One booked movement on a statement, as its file says it (the amount never negative)."""

    source: str                 # the file, as the user named it
    position: int               # line (MT940, CSV) or entry number (camt) within the file
    format: str                 # "camt.053.001.08", "MT940", "Stripe"
    account: str                # the statement's account: IBAN, account number, "Stripe"
    entry_id: str               # the bank's reference of the entry: what makes an import
                                # idempotent (camt AcctSvcrRef, MT940 //bank reference,
                                # Stripe balance transaction; each reader documents its fallback)
    booked: date                # booking date: the day the money arrived or left
    direction: Direction
    reversal: bool              # the bank reverses an earlier entry (camt RvslInd, MT940 RC/RD)
    amount: Decimal
    currency: str               # ISO 4217, upper case
    structured_references: tuple[str, ...]  # creditor references (RF, OCR) as given
    remittance: str             # the free remittance text, on one line
    counterparty_name: str | None
    counterparty_iban: str | None

    @property
    def where(self) -> str:
        """`file:line`, or `file: entry N` for a camt statement, for messages."""
        if self.format.startswith("camt"):
            return f"{self.source}: entry {self.position}"
        return f"{self.source}:{self.position}"


@dataclass(frozen=True, kw_only=True)
class OpenItem:
    """What the ledger says is still to be paid on one invoice."""

    client: str                 # the client's slug
    invoice_number: str
    currency: str               # ISO 4217
    open_amount: Decimal        # > 0: left to pay after payments and credit notes
    payment_reference: str      # RF creditor reference (ISO 11649) on EUR invoices, the OCR
                                # number on SEK ones, else the invoice number

    @property
    def key(self) -> tuple[str, str]:
        return (self.client, self.invoice_number)


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """The part of one entry that pays one invoice: `payments: [{on, amount, reference}]`."""

    client: str
    invoice_number: str
    amount: Decimal
    settles: bool               # pays all that was still open on the invoice


@dataclass(frozen=True, kw_only=True)
class Matched:
    """An entry settled on one invoice, or split over the several it names."""

    entry: BankEntry
    rule: Rule                  # which rule found the invoice(s)
    allocations: tuple[Allocation, ...]


@dataclass(frozen=True, kw_only=True)
class Unmatched:
    """An entry nothing is recorded for: listed for the agency, with why."""

    entry: BankEntry
    reason: Reason
    detail: str                 # one line an office reads


@dataclass(frozen=True, kw_only=True)
class Matches:
    """What one import decided, entries in booking order."""

    matched: tuple[Matched, ...]
    unmatched: tuple[Unmatched, ...]
    already_recorded: tuple[BankEntry, ...]  # the entry's id is already on an invoice
    duplicates: tuple[BankEntry, ...]        # the same entry read again (overlapping files)
    debits: int                              # money out: ignored
    for_no_client: int                       # credits that name nothing and fit no open item

    @property
    def allocations(self) -> tuple[tuple[BankEntry, Allocation], ...]:
        """Every payment to record, with the entry it comes from."""
        return tuple((match.entry, allocation) for match in self.matched
                     for allocation in match.allocations)


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Bounds on one statement file: far above a real month's statement, so a hostile or
    broken file ends in a clear error instead of a long run."""

    max_bytes: int = 32 * 1024 * 1024
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


def one_line(text: object) -> str:
    """`text` on one line: control characters and runs of white space as one space."""
    chars = (" " if unicodedata.category(char).startswith("C") else char
             for char in str(text or ""))
    return " ".join("".join(chars).split())


def statement_error(source: str, line: int | None, message: str) -> StatementError:
    """The error for one problem in one file."""
    return StatementError([Problem(source, line, message)])


