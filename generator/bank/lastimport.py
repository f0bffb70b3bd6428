"""The record of the last payments import: the entries nothing was recorded for.

`<out>/.clientportal-payments.json`, beside the build manifest and `portal notify`'s record:
outside content/ (git-ignored with the output folder, so never committed) and outside every
portal and the agency folder (never published), because it names payers. The agency overview
shows its entries without the payers; `portal report` shows them whole.

The one module that reads and writes the record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.bank.records import Unmatched
from generator.errors import UsageError
from generator.sink import write_atomically

RECORD = ".clientportal-payments.json"
RECORD_FORMAT = 1


def record_path(out_dir: Path) -> Path:
    """Where the last import's unmatched entries are kept: in the output folder's root."""
    return out_dir / RECORD


def unmatched_record(entry: Unmatched) -> dict[str, str]:
    """One unmatched entry as the record, `--format json` and the report give it."""
    bank = entry.entry
    return {"where": bank.where, "booked": bank.booked.isoformat(),
            "amount": str(bank.amount), "currency": bank.currency,
            "reference": bank.entry_id, "payer": bank.counterparty_name or "",
            "text": bank.remittance, "reason": entry.reason, "detail": entry.detail}


def save_record(path: Path, day: date, statements: Sequence[Path],
                unmatched: Sequence[Unmatched]) -> None:
    """Write the record of this import atomically (sorted keys: same import, same bytes)."""
    data = {"format": RECORD_FORMAT, "as_of": day.isoformat(),
            "statements": [statement.name for statement in statements],
            "unmatched": [unmatched_record(entry) for entry in unmatched]}
    write_atomically(path, (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
                            + "\n").encode("utf-8"))


@dataclass(frozen=True, kw_only=True)
class LastImport:
    """The record of the last import, as the overview and `portal report` show it."""

    as_of: date
    statements: tuple[str, ...]
    unmatched: tuple[dict[str, str], ...]


def last_import(out_dir: Path) -> LastImport | None:
    """The record of the last import, or None when there was none."""
    path = record_path(out_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != RECORD_FORMAT:
            raise ValueError(f"a record of another format ({data.get('format')})")
        return LastImport(as_of=date.fromisoformat(data["as_of"]),
                          statements=tuple(data["statements"]),
                          unmatched=tuple({str(k): str(v) for k, v in row.items()}
                                          for row in data["unmatched"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(f"{path}: cannot read the record of the last payments import "
                         f"({error}); run portal payments import again, or remove it") from None


SHOWN = ("booked", "amount", "currency", "reason", "detail")


def bank_entries_shown(last: LastImport | None) -> dict[str, object] | None:
    """What the agency overview shows of the last import: its day and each entry not
    recorded without the payer, the bank's reference or the payer's text (the overview is
    published, if only to the agency)."""
    if last is None:
        return None
    return {"as_of": last.as_of.isoformat(),
            "unmatched": [{key: row.get(key, "") for key in SHOWN} for row in last.unmatched]}
