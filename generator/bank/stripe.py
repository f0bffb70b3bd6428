"""Stripe's itemized balance reports (CSV) read into bank entries: invoices paid by card.

Each charge a client paid by card or wallet through a payment link that carried the invoice
number.

Reports read: "Balance change from activity" and "Payout reconciliation", itemized
(`balance_change_from_activity.itemized.*`, `payout_reconciliation.itemized.*`), one row per
balance transaction. Columns used: `balance_transaction_id` (the entry's id),
`created_utc` (its booking date), `currency`, `gross` (what the client paid; Stripe's fee is
the agency's cost, not the client's), `reporting_category` (`charge` rows are payments;
refunds, fees and payouts are money out; any other row bringing money back is a reversal),
`description` (the remittance text), `customer_name`/`customer_email`, and the invoice number
the payment link put in `payment_metadata[invoice_number]` (or `[invoice]`, `[reference]`).

A cell a spreadsheet would run as a formula (`=`, `@`, `+` or `-` before text, a tab or a
carriage return first) makes the file an error: Stripe's exports hold none.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from generator.bank.records import BankEntry, Limits, one_line, statement_error

REQUIRED = ("balance_transaction_id", "created_utc", "currency", "gross", "reporting_category")
METADATA_KEYS = ("invoice_number", "invoice", "reference")
_AMOUNT = re.compile(r"-?\d{1,15}(\.\d{1,5})?")
_NUMBER = re.compile(r"[+-]?[\d.,]+")
_PAYMENT = "charge"
_MONEY_OUT = {"refund", "fee", "payout", "dispute", "transfer", "tax", "network_cost"}


def read_stripe(data: bytes, source: str, limits: Limits) -> tuple[BankEntry, ...]:
    """Read an itemized Stripe balance report: one entry per balance transaction."""
    rows = _rows(_decode(data, source), source, limits)
    header, body = rows[0][1], rows[1:]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise statement_error(source, 1, f"is not an itemized Stripe balance report: it has "
                                         f"no column {', '.join(missing)}")
    return tuple(_entry(dict(zip(header, row, strict=False)), source, line) for line, row in body)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise statement_error(source, line, f"is not UTF-8 text (byte "
                                             f"{data[error.start]:#04x}); export it from "
                                             "Stripe again") from None


def _rows(text: str, source: str, limits: Limits) -> list[tuple[int, list[str]]]:
    """Each row with the line it starts on, every cell checked; the header first."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            _check_cells(row, source, line)
            rows.append((line, row))
            if len(rows) > limits.max_entries + 1:
                raise statement_error(source, None, f"has more than {limits.max_entries:,} "
                                                    "rows; export a shorter period")
            line = reader.line_num + 1
    except csv.Error as error:
        raise statement_error(source, reader.line_num or None,
                              f"is not a readable CSV file: {error}") from None
    if not rows:
        raise statement_error(source, None, "is empty")
    return rows


def _check_cells(row: list[str], source: str, line: int) -> None:
    for cell in row:
        if cell[:1] in ("=", "@", "\t", "\r") or (cell[:1] in ("+", "-")
                                                   and not _NUMBER.fullmatch(cell)):
            raise statement_error(source, line, f"has a cell a spreadsheet would run as a "
                                                f"formula ('{cell[:20]}'); Stripe's exports "
                                                "hold none, so the file is not read")


def _entry(row: dict[str, str], source: str, line: int) -> BankEntry:
    gross = _amount(row.get("gross", ""), source, line)
    category = row.get("reporting_category", "").strip().lower()
    paid = category == _PAYMENT and gross > 0
    return BankEntry(
        source=source, position=line, format="Stripe", account="Stripe",
        entry_id=_required(row, "balance_transaction_id", source, line),
        booked=_date(row.get("created_utc", ""), source, line),
        direction="credit" if gross > 0 else "debit",
        reversal=not paid and gross > 0 and category not in _MONEY_OUT,
        amount=abs(gross), currency=_currency(row.get("currency", ""), source, line),
        structured_references=_metadata(row), remittance=one_line(row.get("description")),
        counterparty_name=one_line(row.get("customer_name") or row.get("customer_email"))
        or None,
        counterparty_iban=None)


def _required(row: dict[str, str], column: str, source: str, line: int) -> str:
    value = one_line(row.get(column))
    if not value:
        raise statement_error(source, line, f"has no {column}")
    return value


def _amount(text: str, source: str, line: int) -> Decimal:
    value = text.strip()
    if not _AMOUNT.fullmatch(value):
        raise statement_error(source, line, f"has an amount that is not one: '{value[:40]}' "
                                            "(at most 15 digits before the point)")
    return Decimal(value)


def _date(text: str, source: str, line: int) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise statement_error(source, line, f"has a date that is not one: "
                                            f"'{text.strip()[:30]}'") from None


def _currency(text: str, source: str, line: int) -> str:
    value = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise statement_error(source, line, f"has a currency that is not an ISO 4217 code: "
                                            f"'{value[:10]}'")
    return value


def _metadata(row: dict[str, str]) -> tuple[str, ...]:
    values = (one_line(row.get(f"payment_metadata[{key}]")) for key in METADATA_KEYS)
    return tuple(dict.fromkeys(value for value in values if value))

