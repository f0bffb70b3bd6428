"""The day and the moment of a date or date-time in a time zone, by one rule.

The same rule for every page, the agency overview, the calendar and `portal report`.

A date is its own day and begins at midnight in the zone; a date-time with an offset is the
moment it names, seen from the zone; a date-time written without one is read in the zone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

When = date | datetime


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone of this name."""
    return ZoneInfo(name)


def moment_in(value: When, timezone: str) -> datetime:
    """The moment a date begins, or a date-time happens, in `timezone` (always aware)."""
    if isinstance(value, datetime):
        return value.astimezone(zone(timezone)) if value.tzinfo else (
            value.replace(tzinfo=zone(timezone)))
    return datetime.combine(value, time(0), tzinfo=zone(timezone))


def day_in(value: When, timezone: str) -> date:
    """The day a date or date-time falls on in `timezone`: a milestone's due day, an
    update's day, a change's day."""
    if isinstance(value, datetime):
        return moment_in(value, timezone).date()
    return value
