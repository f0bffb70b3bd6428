"""`portal payments import`: bank statements in, payments recorded on the invoices they pay.

1. The content is read and validated as a build reads it (errors: nothing else happens).
2. Every statement file is read (generator.bank.statements); one that cannot be read stops
   the import naming the file, before anything is matched.
3. The credits are matched against what the ledger leaves open on every client's invoices
   (generator.bank.match); entries whose reference is already on an invoice are set aside.
4. Each payment found becomes an edit appending `{on, amount, reference}` to the invoice's
   `payments:` (the content writer: checked before written, once per bank reference).
5. The entries nothing was recorded for are kept in the record of the last import,
   `<out>/.clientportal-payments.json`, beside the build manifest and `portal notify`'s
   record: outside content/ (git-ignored with the output folder, so never committed) and
   outside every portal and the agency folder (never published): it names payers. The
   agency overview shows its entries without the payers; `portal report` shows them whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from generator.bank.lastimport import record_path, save_record, unmatched_record
from generator.bank.match import match
from generator.bank.records import Allocation, BankEntry, Matches, OpenItem
from generator.bank.statements import read_statements
from generator.commands.notify import claim_output
from generator.content.domain import Client
from generator.errors import ContentError
from generator.pipeline.client import ClientPipeline
from generator.pipeline.options import build_date
from generator.writeback import AppendItem, Origin, Outcome, apply_edits


@dataclass(frozen=True, kw_only=True)
class ImportOptions:
    """What `portal payments import` was asked to do."""

    content: Path
    statements: tuple[Path, ...]
    out_dir: Path = Path("output")
    commit: bool = False
    as_of: date | None = None


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    """What an import did."""

    as_of: date
    matches: Matches
    outcome: Outcome
    record: Path


def run_import(options: ImportOptions) -> ImportReport:
    """Read, match, record (see the module's description)."""
    pipeline = ClientPipeline(options.content)
    day = build_date(options.as_of, pipeline.agency.config.timezone,
                       example_date=pipeline.agency.config.example_date)
    clients = pipeline.every_client(day)
    entries = read_statements(options.statements)
    matches = match(entries, open_items(clients), already_recorded=recorded_references(clients))
    edits = payment_edits(options.content, clients, matches)
    outcome = apply_edits(options.content, edits, as_of=day, commit=options.commit)
    if any(problem.is_error for problem in outcome.problems):
        raise ContentError(outcome.problems)
    record = record_path(options.out_dir)
    output = claim_output(options.out_dir)
    try:  # the record is the output folder's: no build may write it meanwhile
        save_record(record, day, options.statements, matches.unmatched)
    finally:
        output.release()
    return ImportReport(as_of=day, matches=matches, outcome=outcome, record=record)


def open_items(clients: Sequence[Client]) -> list[OpenItem]:
    """What every client still has to pay, invoice by invoice, as the ledger settles it."""
    return [OpenItem(client=client.slug, invoice_number=record.invoice.number,
                     currency=record.currency, open_amount=record.outstanding,
                     payment_reference=record.payment_reference or record.invoice.number)
            for client in clients for record in client.invoices
            if not record.is_credit_note and record.outstanding > 0]


def recorded_references(clients: Sequence[Client]) -> frozenset[str]:
    """The bank references already on an invoice: entries imported before."""
    return frozenset(payment.reference for client in clients for file in client.invoice_files
                     for payment in file.invoice.payments if payment.reference)


def payment_edits(content: Path, clients: Sequence[Client],
                  matches: Matches) -> list[AppendItem]:
    """One edit per invoice an entry pays: its `payments:` gets `{on, amount, reference}`."""
    files = _invoice_files(content, clients)
    return [_edit(files[(allocation.client, allocation.invoice_number)], entry, allocation)
            for entry, allocation in matches.allocations]


def _invoice_files(content: Path, clients: Sequence[Client]) -> dict[tuple[str, str], str]:
    root = content.resolve()
    return {(client.slug, file.invoice.number):
            file.source.path.resolve().relative_to(root).as_posix()
            for client in clients for file in client.invoice_files}


def _edit(file: str, entry: BankEntry, allocation: Allocation) -> AppendItem:
    summary = (f"payment of {allocation.amount} {entry.currency} on {entry.booked} for "
               f"{allocation.invoice_number} ({allocation.client})")
    return AppendItem(file=file, key_path=("payments",),
                      item={"on": entry.booked, "amount": allocation.amount,
                            "reference": entry.entry_id},
                      origin=Origin(kind="bank", id=entry.entry_id, summary=summary),
                      seen_by="reference")


def as_json(report: ImportReport) -> dict[str, object]:
    """The import as `--format json` gives it: amounts as decimal strings."""
    outcome = report.outcome
    return {"as_of": report.as_of.isoformat(),
            "recorded": [_allocation_record(entry, allocation)
                         for entry, allocation in report.matches.allocations],
            "unmatched": [unmatched_record(entry) for entry in report.matches.unmatched],
            "already_recorded": [entry.entry_id for entry in report.matches.already_recorded],
            "ignored": {"debits": report.matches.debits,
                        "for_no_client": report.matches.for_no_client,
                        "read_twice": len(report.matches.duplicates)},
            "written": list(outcome.written), "commit": outcome.commit,
            "problems": [str(problem) for problem in outcome.problems]}


def _allocation_record(entry: BankEntry, allocation: Allocation) -> dict[str, object]:
    return {"client": allocation.client, "invoice": allocation.invoice_number,
            "on": entry.booked.isoformat(), "amount": str(allocation.amount),
            "currency": entry.currency, "reference": entry.entry_id,
            "settles": allocation.settles, "where": entry.where}


def listing(report: ImportReport) -> list[str]:
    """The import as lines an office reads."""
    matches = report.matches
    lines = [f"recorded: {allocation.client} {allocation.invoice_number} "
             f"{allocation.amount} {entry.currency} on {entry.booked} "
             f"({'paid' if allocation.settles else 'part'}; {entry.where})"
             for entry, allocation in matches.allocations]
    lines += [f"not recorded: {row.entry.where}: {row.entry.booked} {row.entry.amount} "
              f"{row.entry.currency} from {row.entry.counterparty_name or 'unknown payer'}: "
              f"{row.reason}: {row.detail}" for row in matches.unmatched]
    lines.append(_summary(report))
    return lines


def _summary(report: ImportReport) -> str:
    matches = report.matches
    paid = sum((allocation.amount for _, allocation in matches.allocations), Decimal(0))
    parts = [f"{len(matches.allocations)} payment(s) recorded",
             f"{len(matches.unmatched)} listed for you",
             f"{len(matches.already_recorded)} recorded before",
             f"{matches.debits} debit(s) and {matches.for_no_client} other credit(s) ignored"]
    written = f"; {len(report.outcome.written)} file(s) written" if paid else ""
    commit = f"; commit {report.outcome.commit[:12]}" if report.outcome.commit else ""
    return ", ".join(parts) + written + commit
