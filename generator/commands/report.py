"""`portal report`: the agency overview's figures in the terminal, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from decimal import Decimal
from typing import Any

from generator.render.overview import ClientRow, day_of

COLUMNS = ("client", "name", "stage", "manager", "acquired_on", "last_contact_on", "open",
           "overdue", "next_deadline", "next_deadline_title", "retainer")


def _amounts(balance: dict[str, Decimal]) -> str:
    return " + ".join(f"{currency} {amount}" for currency, amount in balance.items())


def _record(row: ClientRow) -> dict[str, Any]:
    deadline = row.next_deadline
    retainer = row.retainer
    return {
        "client": row.slug, "name": row.name, "stage": row.lifecycle_stage,
        "manager": row.manager_name, "manager_email": row.manager_email,
        "acquired_on": row.acquired_on.isoformat() if row.acquired_on else None,
        "last_contact_on": row.last_contact_on.isoformat() if row.last_contact_on else None,
        "open": {c: str(a) for c, a in row.open_balance.items()},
        "overdue": {c: str(a) for c, a in row.overdue_balance.items()},
        "next_deadline": day_of(deadline.due) if deadline else None,
        "next_deadline_title": deadline.title if deadline else None,
        "retainer": ({"amount": str(retainer.amount), "currency": row.retainer_currency,
                      "period": retainer.period} if retainer else None),
    }


def _flat(row: ClientRow) -> dict[str, str]:
    record = _record(row)
    retainer = record["retainer"]
    return {key: ("" if record[key] is None else str(record[key])) for key in COLUMNS} | {
        "open": _amounts(row.open_balance), "overdue": _amounts(row.overdue_balance),
        "retainer": (f"{retainer['currency']} {retainer['amount']}/{retainer['period']}"
                     if retainer else ""),
    }


def as_json(rows: list[ClientRow], as_of: str) -> str:
    """Every client's figures; amounts are decimal strings per currency."""
    return json.dumps({"as_of": as_of, "clients": [_record(r) for r in rows]},
                      indent=2, ensure_ascii=False)


def as_csv(rows: list[ClientRow]) -> str:
    """One line per client; several currencies are joined with ' + '."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_flat(r) for r in rows)
    return buffer.getvalue()


def as_table(rows: list[ClientRow]) -> str:
    """An aligned plain-text table."""
    shown = ("client", "stage", "manager", "open", "overdue", "next_deadline", "retainer")
    lines = [[key.replace("_", " ") for key in shown]]
    lines += [[_flat(r)[key] or "—" for key in shown] for r in rows]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(shown))]
    return "\n".join("  ".join(cell + " " * (w - _width(cell))
                               for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
