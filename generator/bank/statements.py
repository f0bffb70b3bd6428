"""Statement files read from disk: format known by content, size bounded, all problems kept.

Each file is read by camt.py, swift.py or stripe.py; every file's problems are collected
before the import stops.

The only module of the bank package that reads the disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from generator.bank.camt import read_camt
from generator.bank.records import BankEntry, Limits, StatementError, statement_error
from generator.bank.stripe import read_stripe
from generator.bank.swift import read_mt940
from generator.errors import Problem, display_path

logger = logging.getLogger(__name__)

Reader = Callable[[bytes, str, Limits], tuple[BankEntry, ...]]
FORMATS = "camt.053 (XML, versions .001.02 to .001.08), MT940, or a Stripe itemized CSV report"


def read_statements(paths: Sequence[Path], limits: Limits | None = None,
                    base: Path | None = None) -> tuple[BankEntry, ...]:
    """Every entry of every file, in the order given; a `StatementError` naming each file
    that cannot be read (all of them, not only the first) otherwise."""
    limits = limits or Limits()
    entries: list[BankEntry] = []
    problems: list[Problem] = []
    for path in paths:
        source = display_path(path, base or Path.cwd())
        try:
            entries += read_statement(path, source, limits)
        except StatementError as error:
            problems += error.problems
    if problems:
        raise StatementError(problems)
    return tuple(entries)


def read_statement(path: Path, source: str, limits: Limits) -> tuple[BankEntry, ...]:
    """One file's entries, by the reader its content asks for."""
    data = _read(path, source, limits)
    entries = reader_for(data, source)(data, source, limits)
    logger.info("%s: %d entries", source, len(entries))
    return entries


def _read(path: Path, source: str, limits: Limits) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(limits.max_bytes + 1)
    except IsADirectoryError:
        raise statement_error(source, None, "is a folder, not a statement file") from None
    except OSError as error:
        raise statement_error(source, None, f"cannot be read: {error.strerror}") from None
    if len(data) > limits.max_bytes:
        raise statement_error(source, None, f"is larger than {limits.max_bytes // 2**20} MB; "
                                            "a statement of a month is far smaller: export "
                                            "shorter periods")
    return data


def reader_for(data: bytes, source: str) -> Reader:
    """The reader of a file's format, recognised by how it starts."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return read_camt
    if head.startswith((b":20:", b"{1:", b":940:")) or b"\n:20:" in head or b"\n:61:" in head:
        return read_mt940
    first_line = head.split(b"\n", 1)[0]
    if b"balance_transaction_id" in first_line:
        return read_stripe
    if not head:
        raise statement_error(source, None, "is empty")
    raise statement_error(source, 1, f"is not a bank statement this import reads: {FORMATS}")
