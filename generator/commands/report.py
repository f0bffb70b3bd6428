"""`portal report`: the agency overview's figures in the terminal, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from generator.bank.lastimport import LastImport, last_import
from generator.errors import printable
from generator.invoicing.money import sum_by_currency
from generator.pipeline.client import ClientPipeline
from generator.pipeline.options import build_date
from generator.render.figures import (
    ClientRow,
    NextDeadline,
    agency_nps,
    client_row,
    received_between,
    sorted_rows,
)

COLUMNS = ("client", "name", "stage", "manager", "acquired_on", "last_contact_on", "open",
           "overdue", "days_to_pay", "overdue_milestones", "oldest_overdue",
           "oldest_overdue_title", "next_deadline", "next_deadline_title", "retainer",
           "awaiting_approval",
           "nps", "csat", "trend", "answered_on")
TRENDS = {"up": "↑", "down": "↓", "steady": "→"}


def client_rows(content_dir: Path, as_of: date | None) -> tuple[date, list[ClientRow]]:
    """The build date and every client's row, read and validated as a build reads them
    (every problem of every client at once, or none)."""
    pipeline = ClientPipeline(content_dir)
    day = build_date(as_of, pipeline.agency.config.timezone,
                       example_date=pipeline.agency.config.example_date)
    return day, sorted_rows([client_row(client, day) for client in pipeline.every_client(day)])


def _amounts(balance: dict[str, Decimal]) -> str:
    return " + ".join(f"{currency} {amount}" for currency, amount in balance.items())


def _flat(row: ClientRow) -> dict[str, str]:
    retainer = row.retainer
    cells = {
        "client": row.slug, "name": row.name, "stage": row.lifecycle_stage,
        "manager": row.manager_name,
        "acquired_on": _cell(row.acquired_on), "last_contact_on": _cell(row.last_contact_on),
        "open": _amounts(row.open_balance), "overdue": _amounts(row.overdue_balance),
        "days_to_pay": _cell(row.days_to_pay),
        "overdue_milestones": str(row.overdue_milestones),
        **_deadline_cells("oldest_overdue", row.oldest_overdue),
        **_deadline_cells("next_deadline", row.next_deadline),
        "retainer": (f"{retainer.currency} {retainer.amount}/{retainer.period}"
                     if retainer else ""),
        "awaiting_approval": str(len(row.awaiting_approval)),
        **_satisfaction(row),
    }
    return {key: cells[key] for key in COLUMNS}


def _cell(value: date | int | None) -> str:
    """A cell of a value a row may lack: empty, a day in ISO form, or the number."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _deadline_cells(column: str, deadline: NextDeadline | None) -> dict[str, str]:
    """A deadline's two cells: its date, and its title in `<column>_title`."""
    return {column: _cell(deadline.due if deadline else None),
            f"{column}_title": deadline.title if deadline else ""}


def _satisfaction(row: ClientRow) -> dict[str, str]:
    score = row.satisfaction
    if score is None:
        return {"nps": "", "csat": "", "trend": "", "answered_on": ""}
    return {"nps": "" if score.nps is None else str(score.nps),
            "csat": "" if score.csat is None else str(score.csat),
            "trend": score.trend or "", "answered_on": score.on.isoformat()}


def nps_line(rows: list[ClientRow]) -> str:
    """The agency's NPS over the clients' latest survey answers, as one line."""
    score = agency_nps(rows)
    answered = sum(1 for r in rows if r.satisfaction and r.satisfaction.nps is not None)
    return ("agency NPS: none (no survey answers)" if score is None
            else f"agency NPS: {score:+d} ({answered} client{'s' if answered != 1 else ''})")


def as_json(rows: list[ClientRow], as_of: str, payments: Payments | None = None) -> str:
    """Every client's figures as the manifest records them; amounts are decimal strings;
    with `payments`, what came in over its period and the last import's unmatched entries."""
    data: dict[str, object] = {"as_of": as_of, "agency_nps": agency_nps(rows),
                               "clients": [r.record() for r in rows]}
    if payments is not None:
        data["payments"] = payments.record()
    return json.dumps(data, indent=2, ensure_ascii=False)


@dataclass(frozen=True, kw_only=True)
class Payments:
    """What came in over a period, and what the last import could not record."""

    start: date
    end: date
    received: dict[str, dict[str, Decimal]]  # client -> currency -> amount
    last: LastImport | None

    def record(self) -> dict[str, object]:
        last = self.last
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "received": {slug: {c: str(a) for c, a in amounts.items()}
                             for slug, amounts in self.received.items()},
                "last_import": None if last is None else {
                    "as_of": last.as_of.isoformat(), "statements": list(last.statements),
                    "unmatched": list(last.unmatched)}}


def payments(rows: list[ClientRow], start: date, end: date, out_dir: Path) -> Payments:
    """The payments received from `start` to `end`, and the record of the last import."""
    return Payments(start=start, end=end, received=received_between(rows, start, end),
                    last=last_import(out_dir))


def payments_lines(report: Payments) -> list[str]:
    """The payments as lines for the terminal."""
    lines = [f"payments received {report.start.isoformat()} to {report.end.isoformat()}:"]
    lines += [f"  {slug}: {_amounts(amounts)}" for slug, amounts in report.received.items()]
    totals = sum_by_currency([pair for amounts in report.received.values()
                              for pair in amounts.items()])
    lines.append(f"  total: {_amounts(totals) or 'none'}")
    last = report.last
    if last is None:
        return lines + ["last payments import: none"]
    lines.append(f"last payments import ({last.as_of.isoformat()}): "
                 f"{len(last.unmatched)} entries not recorded")
    lines += [printable(f"  {row['where']}: {row['booked']} {row['amount']} {row['currency']} "
                        f"from {row['payer'] or 'unknown payer'} ({row['reference']}): "
                        f"{row['reason']}: {row['detail']}") for row in last.unmatched]
    return lines


def as_csv(rows: list[ClientRow]) -> str:
    """One line per client; several currencies are joined with ' + '. A cell a spreadsheet
    would read as a formula (=, +, -, @, tab, CR first) starts with an apostrophe instead."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _not_formula(cell) for key, cell in _flat(r).items()} for r in rows)
    return buffer.getvalue()


def _not_formula(cell: str) -> str:
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def as_table(rows: list[ClientRow]) -> str:
    """An aligned plain-text table."""
    shown = ("client", "stage", "manager", "open", "overdue", "days_to_pay", "late",
             "next_deadline", "retainer", "awaiting_approval", "satisfaction")
    lines = [[key.replace("_", " ") for key in shown]]
    lines += [[printable(_cells(r).get(key) or "") or "—" for key in shown] for r in rows]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(shown))]
    return "\n".join("  ".join(cell + " " * (w - _width(cell))
                               for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


def _cells(row: ClientRow) -> dict[str, str]:
    """A row's cells for the table: the flat ones, and the latest score with its trend."""
    cells = _flat(row)
    score = " / ".join(cells[key] for key in ("nps", "csat") if cells[key])
    cells["satisfaction"] = f"{score} {TRENDS.get(cells['trend'], '')}".strip()
    cells["late"] = (f"{row.overdue_milestones} (oldest {cells['oldest_overdue']})"
                     if row.overdue_milestones else "")
    return cells


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
