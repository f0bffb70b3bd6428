"""SWIFT MT940 statements, parsed by the `mt-940` library, read into bank entries.

The file must be UTF-8 (ASCII, SWIFT's own character set, is); statement lines (`:61:`) are
counted before parsing, so a file with more than `Limits.max_entries` stops there. Each
statement line gives: the booking date (its entry date, else its value date), the mark (C and
RD are money in; RC and RD reverse an earlier entry), the amount, the currency of the opening
balance (`:60F:`/`:60M:`), and the bank's reference (after `//`; without one, or where it
repeats within the file, `<account> <statement number>:<line>`). From
its `:86:` details: the structured German form (`?20`-`?29` purpose with `SVWZ+`/`EREF+`, `?31`
IBAN, `?32`/`?33` name, by the library), the slash-coded Dutch form (`/NAME/`, `/IBAN/`,
`/REMI/USTD//text` or `/REMI/STRD/CUR/reference`, `/EREF/`), or free text.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from generator.bank.records import (
    BankEntry,
    Direction,
    Limits,
    StatementError,
    one_line,
    statement_error,
)

# :61: as SWIFT has it, up to the transaction type: date, [entry date], mark, [funds code],
# amount of at most 15 characters; the library alone would read the first 15 digits of a
# longer amount and leave the rest to the next field.
_LINE_61 = re.compile(r":61:(?P<date>\d{6})(?P<entry>\d{4}|\s{4})?(?P<mark>R?[DC])[A-Z]?"
                      r"(?P<amount>\d[\d,.]*)(?P<type>[NFS][A-Z0-9]{3})", re.IGNORECASE)
_AMOUNT = re.compile(r"\d{1,15}(?:[,.]\d*)?")
_CODES = ("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "CSID", "MARF", "ORDP", "BENM",
          "ADDR", "ULTD", "ULTC", "PURP", "RTRN", "ISDT", "CNTP", "SVCL")
_CODED = re.compile(r"/(" + "|".join(_CODES) + r")/")
_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NONE"}


def read_mt940(data: bytes, source: str, limits: Limits) -> tuple[BankEntry, ...]:
    """Parse an MT940 file with the mt-940 library and read its statement lines."""
    text = _decode(data, source)
    lines = [number for number, row in enumerate(text.split("\n"), start=1)
             if row.startswith(":61:")]
    if len(lines) > limits.max_entries:
        raise statement_error(source, None, f"has more than {limits.max_entries:,} entries; "
                                            "split it into shorter periods")
    _check_statement(text, lines, source)
    statements = _parse(text, source)
    transactions = [(statement, transaction) for statement in statements
                    for transaction in statement]
    if len(transactions) != len(lines):  # a guard: the library saw other lines than we did
        raise statement_error(source, None, "has statement lines (:61:) that cannot be read")
    ids = _ids(transactions, lines)
    return tuple(_entry(statement, transaction, source, line, ids[index])
                 for index, ((statement, transaction), line)
                 in enumerate(zip(transactions, lines, strict=True)))


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise statement_error(source, line, f"is not UTF-8 text (byte "
                                             f"{data[error.start]:#04x}); save or export the "
                                             "statement as UTF-8") from None


def _check_statement(text: str, lines: list[int], source: str) -> None:
    """What the library lets through: a file that is no whole statement, a statement line
    whose date is no date or whose amount is too long."""
    if not re.search(r"^:25:", text, re.MULTILINE) or not re.search(r"^:60[FM]:", text,
                                                                      re.MULTILINE):
        raise statement_error(source, None, "is not a whole MT940 statement: it has no "
                                            "account (:25:) or no opening balance (:60F:)")
    rows = text.split("\n")
    for line in lines:
        problem = _line_problem(rows[line - 1])
        if problem:
            raise statement_error(source, line, f"statement line (:61:) {problem}")


def _line_problem(row: str) -> str:
    found = _LINE_61.match(row)
    if not found:
        return "is not in MT940's format (date, C or D, amount, transaction type)"
    if not _AMOUNT.fullmatch(found["amount"]):
        return f"has an amount that is not one: '{found['amount'][:40]}' (at most 15 digits)"
    try:
        date(2000 + int(found["date"][:2]), int(found["date"][2:4]), int(found["date"][4:]))
        if found["entry"] and found["entry"].strip():
            date(2000, int(found["entry"][:2]), int(found["entry"][2:]))  # a leap year
    except ValueError:
        return f"has a date that is not one: '{found['date']}{found['entry'] or ''}'"
    return ""


def _parse(text: str, source: str) -> list[Any]:
    import mt940  # the library is loaded for MT940 files only

    try:
        return list(mt940.parse_statements(io.StringIO(text), options=mt940.Options.all()))
    except RuntimeError as error:  # a field does not match its SWIFT format
        value = str(error.args[2]) if len(error.args) > 2 else ""
        raise _field_error(text, source, value) from None
    except (ValueError, ArithmeticError, KeyError, IndexError, TypeError) as error:
        raise statement_error(source, None, f"is not a readable MT940 statement "
                                            f"({type(error).__name__}: {error})") from None


def _field_error(text: str, source: str, value: str) -> StatementError:
    start = text.find(value.split("\n")[0]) if value else -1
    line = text.count("\n", 0, start) + 1 if start >= 0 else None
    shown = value.split("\n")[0][:60]
    return statement_error(source, line, f"has a field that is not in MT940's format: "
                                         f"'{shown}'")


def _ids(transactions: list[tuple[Any, Any]], lines: list[int]) -> list[str]:
    """The bank's reference of each line, or a place-based id where it is missing or not
    unique within the file."""
    references = [_reference(transaction.data.get("bank_reference"))
                  for _, transaction in transactions]
    repeated = Counter(references)
    ids = []
    for (statement, _), reference, line in zip(transactions, references, lines, strict=True):
        if reference and repeated[reference] == 1:
            ids.append(reference)
            continue
        account = statement.data.get("account_identification") or "MT940"
        number = statement.data.get("statement_number") or "0"
        ids.append(f"{account} {number}:{line}")
    return ids


def _reference(value: object) -> str:
    text = one_line(value)
    return "" if text.upper() in _NO_REFERENCE else text


@dataclass(frozen=True, kw_only=True)
class _Details:
    references: tuple[str, ...]
    text: str
    name: str | None
    iban: str | None


def _entry(statement: Any, transaction: Any, source: str, line: int,
           entry_id: str) -> BankEntry:
    data = transaction.data
    status = str(data.get("status") or "").upper()
    amount = data["amount"]
    if not amount.currency:
        raise statement_error(source, line, "has no opening balance (:60F:), so the "
                                            "currency of its entries is unknown")
    details = _details(data)
    return BankEntry(
        source=source, position=line, format="MT940",
        account=str(statement.data.get("account_identification") or "unknown"),
        entry_id=entry_id, booked=_booked(data), direction=_direction(status),
        reversal=status.startswith("R"), amount=abs(Decimal(amount.amount)),
        currency=str(amount.currency).upper(), structured_references=details.references,
        remittance=details.text, counterparty_name=details.name,
        counterparty_iban=details.iban)


def _direction(status: str) -> Direction:
    """C and RD (a reversed debit) bring money in; D and RC take it out."""
    return "credit" if status in ("C", "RD") else "debit"


def _booked(data: dict[str, Any]) -> date:
    found = data.get("entry_date") or data["date"]
    return date(found.year, found.month, found.day)


def _details(data: dict[str, Any]) -> _Details:
    if "transaction_details" not in data:  # the library read the structured German form
        eref = _reference(data.get("end_to_end_reference"))
        text = " ".join(part for part in (data.get("purpose"), eref) if part)
        return _Details(references=(), text=one_line(text),
                        name=_clean(data.get("applicant_name")),
                        iban=_clean(data.get("applicant_iban")))
    raw = one_line(data.get("transaction_details"))
    if _CODED.search(raw):
        return _coded(raw)
    return _Details(references=(), text=raw, name=None, iban=None)


def _coded(raw: str) -> _Details:
    """The slash-coded form: /CODE/value/CODE/value..."""
    parts = _CODED.split(raw)
    fields = dict(zip(parts[1::2], (value.strip("/ ") for value in parts[2::2]), strict=False))
    remittance = fields.get("REMI", "")
    references: tuple[str, ...] = ()
    text = remittance.removeprefix("USTD").strip("/ ")
    structured = re.match(r"STRD/+(?:CUR|ISO)/+(?P<ref>[^/]+)", remittance)
    if structured:
        references, text = (structured["ref"].strip(),), ""
    eref = _reference(fields.get("EREF"))
    return _Details(references=references, text=" ".join(p for p in (text, eref) if p),
                    name=_clean(fields.get("NAME")), iban=_clean(fields.get("IBAN")))


def _clean(value: object) -> str | None:
    return one_line(value) or None

