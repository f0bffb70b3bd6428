"""Form-service exports: the portal's form submissions from Formspree, Basin and Netlify.

The submissions, as those services hand them out, are read into form entries
(records.FormEntry):

- Formspree: JSON `{"fields": […], "submissions": [{"_date": …, "_id": …, <field>: …}]}`
  (its export and its submissions API);
- Basin: JSON, a list (or `{"submissions": […]}`) of `{"id", "created_at",
  "payload_params": {<field>: …}}`;
- Netlify Forms: JSON, a list of `{"id", "created_at", "data": {<field>: …}}` (its
  submissions API);
- any of them as CSV: one row per submission, a column per field, with an id column (`id`,
  `_id`, `submission_id`) and a date column (`created_at`, `_date`, `date`, `submitted_at`).

Field values are kept as text, untrusted; values that are not text (Formspree's `_status`)
are left out. A submission without an id is known by a digest of its fields, so reading the
same export twice finds the same ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from generator.inbox.records import FormEntry

MAX_ENTRIES = 5000
MAX_FIELD_CHARS = 50_000
ID_COLUMNS = ("id", "_id", "submission_id", "ID", "Id")
DATE_COLUMNS = ("created_at", "_date", "date", "Date", "submitted_at", "Submitted at")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ExportError(Exception):
    """An export that cannot be read (its message says why, and where)."""


def read_json_export(text: str) -> list[FormEntry]:
    """The submissions of a JSON export (Formspree, Basin or Netlify)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportError(f"line {error.lineno}: not JSON ({error.msg})") from None
    except RecursionError:
        raise ExportError("nests too deep to be a form export") from None
    service, items = _submissions(data)
    return [_entry(service, item) for item in _bounded(items)]


def _submissions(data: Any) -> tuple[str, list[Any]]:
    """Which service wrote the export, and its list of submissions."""
    items = data.get("submissions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ExportError("is not a form export: no list of submissions")
    first = next((item for item in items if isinstance(item, dict)), {})
    if "payload_params" in first:
        return "basin", items
    if isinstance(first.get("data"), dict):
        return "netlify", items
    return "formspree", items


def _bounded(items: list[Any]) -> list[Any]:
    if len(items) > MAX_ENTRIES:
        raise ExportError(f"holds more than {MAX_ENTRIES} submissions; export fewer at a time")
    return items


def _entry(service: str, item: Any) -> FormEntry:
    if not isinstance(item, dict):
        return FormEntry(service=service, id=_digest({"entry": repr(item)[:200]}),
                         created=None, fields={})
    nested = {"basin": item.get("payload_params"), "netlify": item.get("data")}.get(service)
    fields = _text_fields(nested if isinstance(nested, dict) else item)
    given = item.get("_id", item.get("id"))
    created = item.get("_date", item.get("created_at"))
    return FormEntry(service=service, id=_id(given, fields), created=_moment(created),
                     fields=fields)


def read_csv_export(text: str) -> list[FormEntry]:
    """The submissions of a CSV export: a header row, then one row per submission."""
    try:
        rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as error:
        raise ExportError(f"is not CSV ({error})") from None
    entries = []
    for row in _bounded(rows):
        fields = _text_fields({k: v for k, v in row.items() if isinstance(k, str)})
        given = next((fields[c] for c in ID_COLUMNS if fields.get(c)), None)
        created = next((fields[c] for c in DATE_COLUMNS if fields.get(c)), None)
        entries.append(FormEntry(service="csv", id=_id(given, fields), created=_moment(created),
                                 fields=fields))
    return entries


def _text_fields(values: Mapping[Any, Any]) -> dict[str, str]:
    """The fields holding text or numbers, as text (a checkbox posted twice: joined)."""
    fields = {}
    for key, value in values.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ", ".join(value)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue
        fields[str(key)[:100]] = str(value)[:MAX_FIELD_CHARS]
    return fields


def _id(given: object, fields: Mapping[str, str]) -> str:
    text = str(given) if isinstance(given, (str, int)) and not isinstance(given, bool) else ""
    return text if _ID.match(text) else _digest(fields)


def _digest(fields: Mapping[str, str]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return "sha-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


def _moment(value: object) -> datetime | None:
    """A submission's time: ISO 8601, UTC when it names no offset (as the services write)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def form_origin_id(entry: FormEntry) -> str:
    """The id a submission is recorded by: `form:<service>-<id>`."""
    return f"form:{entry.service}-{entry.id}"
