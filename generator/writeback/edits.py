"""The edits the content writer applies, what they come from, and what it did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from generator.errors import Problem

Scalar = str | int | bool | Decimal | date | None


@dataclass(frozen=True, kw_only=True)
class Origin:
    """What an edit comes from: shown in the commit message and in listings."""

    kind: Literal["mail", "form", "bank"]
    id: str  # Message-ID, form submission id, bank entry reference (AcctSvcrRef…)
    summary: str  # one line an office reads: "approval of Scope v2.0 by Anna Kowalska"


@dataclass(frozen=True, kw_only=True)
class AppendItem:
    """Append one mapping to a list in a YAML file or in a Markdown file's front matter,
    creating the key (and the file, when `new_file` gives its first text) if missing.

    A value of None leaves its key out, as a person would."""

    file: str  # relative to the content folder, '/'-separated
    key_path: tuple[str | int, ...]  # ("payments",), ("approvals",), ("answers",)
    item: Mapping[str, Scalar]
    origin: Origin
    seen_by: str  # key of `item` holding the origin id: an item with that value already in
    # the list makes this edit a no-op (idempotent)
    new_file: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreateFile:
    """A new file (a question thread); a no-op when it exists with the same origin id (its
    text holds `origin.id`); any other file already there is an error."""

    file: str
    text: str
    origin: Origin


Edit = AppendItem | CreateFile


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What `apply_edits` did."""

    written: tuple[str, ...]  # files changed, sorted
    skipped: tuple[Origin, ...]  # already recorded (idempotent no-ops)
    problems: tuple[Problem, ...]  # what check found; when any is an error, nothing was written
    commit: str | None  # the commit made, if asked and anything changed

