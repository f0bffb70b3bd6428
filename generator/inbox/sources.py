"""Saved input for `portal inbox --from FILE`: .eml and mbox files, form exports.

Messages a mail program saved (.eml, one message; mbox, many), and form-service exports
(JSON or CSV, see forms.py).

A file is read as what its name says (.eml, .mbox, .json, .csv), else by how it starts. A
message too large to read is listed without being read; an export that is not one is an
error naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from generator.errors import printable
from generator.inbox.forms import ExportError, read_csv_export, read_json_export
from generator.inbox.mailparse import MAX_MESSAGE_BYTES
from generator.inbox.records import Received

MAX_EXPORT_BYTES = 20 * 1024 * 1024
MAX_MBOX_MESSAGES = 5000


class InputError(click.ClickException):
    """A --from file that cannot be read as messages or an export (exit 1, nothing written)."""

    exit_code = 1


def read_saved(path: Path) -> list[Received]:
    """Every message or submission in one saved file."""
    shown = printable(str(path))
    kind = _kind(path)
    try:
        if kind == "eml":
            return [_eml(path, shown)]
        if kind == "mbox":
            with path.open("rb") as file:
                return list(_mbox(file, shown))
        return _export(path, shown, kind)
    except OSError as error:
        raise InputError(f"{shown}: cannot be read ({error.strerror or error})") from None
    except ExportError as error:
        raise InputError(f"{shown}: {error}") from None


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".eml", ".mbox", ".json", ".csv"):
        return suffix[1:]
    try:
        with path.open("rb") as file:
            start = file.read(64).lstrip()
    except OSError as error:
        raise InputError(f"{printable(str(path))}: cannot be read "
                         f"({error.strerror or error})") from None
    if start.startswith(b"From "):
        return "mbox"
    if start.startswith((b"{", b"[")):
        return "json"
    if b":" in start.split(b"\n", 1)[0]:
        return "eml"
    raise InputError(f"{printable(str(path))}: neither a saved e-mail (.eml, mbox) nor a form "
                     "export (.json, .csv)")


def _eml(path: Path, shown: str) -> Received:
    size = path.stat().st_size
    if size > MAX_MESSAGE_BYTES:
        return Received(where=shown, too_large=size)
    return Received(where=shown, mail=path.read_bytes())


def _mbox(file: BinaryIO, shown: str) -> Iterator[Received]:
    """Split an mbox at its 'From ' lines (mboxrd: '>From ' in a body is unquoted once)."""
    lines: list[bytes] | None = None
    size, number = 0, 0
    for line in file:
        if line.startswith(b"From "):
            if lines is not None:
                yield _mbox_message(lines, size, shown, number)
            number += 1
            if number > MAX_MBOX_MESSAGES:
                raise InputError(f"{shown}: holds more than {MAX_MBOX_MESSAGES} messages")
            lines, size = [], 0
            continue
        if lines is None:
            raise InputError(f"{shown}: not an mbox file (it does not start with 'From ')")
        size += len(line)
        if size <= MAX_MESSAGE_BYTES:
            lines.append(line[1:] if line.startswith(b">") and line.lstrip(b">")
                         .startswith(b"From ") else line)
    if lines is not None:
        yield _mbox_message(lines, size, shown, number)


def _mbox_message(lines: list[bytes], size: int, shown: str, number: int) -> Received:
    where = f"{shown}, message {number}"
    if size > MAX_MESSAGE_BYTES:
        return Received(where=where, too_large=size)
    raw = b"".join(lines)
    if raw.endswith(b"\n\n"):  # the blank line mbox puts before the next 'From '
        raw = raw[:-1]
    return Received(where=where, mail=raw)


def _export(path: Path, shown: str, kind: str) -> list[Received]:
    if path.stat().st_size > MAX_EXPORT_BYTES:
        raise InputError(f"{shown}: larger than {MAX_EXPORT_BYTES // (1024 * 1024)} MB; export "
                         "fewer submissions at a time")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{shown}: not UTF-8 text") from None
    entries = read_json_export(text) if kind == "json" else read_csv_export(text)
    return [Received(where=f"{shown}, submission {number}", form=entry)
            for number, entry in enumerate(entries, 1)]
