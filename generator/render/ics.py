"""The timeline as an iCalendar feed (RFC 5545) that clients subscribe to."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone

from generator import __version__
from generator.content.dates import moment_in
from generator.content.domain import AgencyContent, Client
from generator.content.fieldtypes import duration_minutes
from generator.content.models import Milestone
from generator.render.markdown import plain_text

REFRESH = "PT12H"
DEFAULT_DURATION = "1h"  # of a milestone due at a time, unless it says otherwise


def calendar_ics(client: Client, agency: AgencyContent, as_of: date,
                 titles_only: bool = False, descriptions: dict[str, str] | None = None
                 ) -> bytes:
    """Return the client's milestones as a VCALENDAR, CRLF-terminated and folded.

    `titles_only`: a password portal's secret calendar, published unencrypted, carries the
    milestones' titles, dates and status and nothing else: no description, no owner, no
    client name (its UIDs are opaque too). `descriptions` are the milestones' descriptions
    as rendered (HTML, by id), whose text the events carry.
    """
    name = agency.config.agency.name if titles_only else (
        f"{client.profile.name} · {agency.config.agency.name}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//clientportal//clientportal {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{client.timezone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    stamp = f"{as_of:%Y%m%d}T000000Z"
    for milestone in client.milestones:
        description = "" if titles_only else (descriptions or {}).get(milestone.id, "")
        lines.extend(_event(client, milestone, stamp, titles_only, description))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def _event(client: Client, milestone: Milestone, stamp: str, titles_only: bool,
           description: str) -> list[str]:
    uid = f"{milestone.id}.{client.slug}@clientportal"
    if titles_only:
        uid = f"{uuid.uuid5(uuid.NAMESPACE_URL, 'clientportal:' + uid)}@clientportal"
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}"]
    changes = client.history.milestones.get(milestone.id, ())  # from git, newest first
    lines.append(f"SEQUENCE:{max(len(changes) - 1, 0)}")
    if changes:
        lines.append(f"LAST-MODIFIED:{changes[0].when:%Y%m%dT%H%M%SZ}")
    due = milestone.due
    if isinstance(due, datetime):
        start = moment_in(due, client.timezone).astimezone(timezone.utc)
        end = start + timedelta(minutes=duration_minutes(milestone.duration or DEFAULT_DURATION))
        lines.append(f"DTSTART:{start:%Y%m%dT%H%M%SZ}")
        lines.append(f"DTEND:{end:%Y%m%dT%H%M%SZ}")
    else:
        lines.append(f"DTSTART;VALUE=DATE:{due:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}")
    lines.append(f"SUMMARY:{escape_text(milestone.title)}")
    if not titles_only:
        lines.extend(_description(milestone, description))
    lines.append(f"STATUS:{'CANCELLED' if milestone.status == 'cancelled' else 'CONFIRMED'}")
    lines.append("TRANSP:TRANSPARENT")
    lines.append("END:VEVENT")
    return lines


# Every way a reader may end a line (CR LF, CR, LF, NEL, and Unicode's line and paragraph
# separators, which some parsers split on), and the control characters a TEXT value may not
# hold (RFC 5545 3.1: any CTL but HTAB), which a value can only lose.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _description(milestone: Milestone, description: str) -> list[str]:
    details = plain_text(description)  # the text as the timeline shows it, not Markdown
    if milestone.owner:
        details = f"{milestone.owner}\n{details}".strip()  # escaped below, as the title is
    return [f"DESCRIPTION:{escape_text(details)}"] if details else []


def escape_text(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and every line break (RFC 5545
    3.3.11); control characters dropped. What comes out is one content line, whatever came in:
    a title cannot end its property and start another, or another event."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", _LINE_BREAK.sub("\\\\n", text))


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line into chunks of at most `limit` octets, never inside a character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= limit:
        return line
    chunks: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        budget = limit if not chunks else limit - 1  # continuation lines start with a space
        if size + width > budget:
            chunks.append(current)
            current, size = "", 0
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)
