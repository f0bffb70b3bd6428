"""Milestones on the build date: overdue, upcoming, done, and their place on a time axis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from generator.content.dates import day_in
from generator.content.models import Milestone
from generator.render.figures import CLOSED_STATES


@dataclass(frozen=True)
class TimelineEntry:
    """A milestone and where it stands on the build date."""

    milestone: Milestone
    day: date  # the day it is due, in the client's time zone
    state: str
    days_left: int
    description_html: str = ""


def milestone_state(milestone: Milestone, day: date, as_of: date) -> str:
    """Return 'done', 'cancelled', 'overdue' (open and past due) or 'upcoming'."""
    if milestone.status in CLOSED_STATES:
        return milestone.status
    return "overdue" if day < as_of else "upcoming"


def timeline_entries(milestones: tuple[Milestone, ...], timezone: str, as_of: date,
                     descriptions: dict[str, str]) -> list[TimelineEntry]:
    """Every milestone with its state, in due order."""
    entries = []
    for milestone in milestones:
        day = day_in(milestone.due, timezone)
        state = milestone_state(milestone, day, as_of)
        entries.append(TimelineEntry(milestone, day, state, (day - as_of).days,
                                     descriptions.get(milestone.id, "")))
    return entries


@dataclass(frozen=True)
class AxisMark:
    """A milestone's position on the visual timeline, in percent of its width."""

    entry: TimelineEntry
    x: float


@dataclass(frozen=True)
class Axis:
    """The visual timeline: first and last day, today's position, the marks, month ticks."""

    start: date
    end: date
    today_x: float | None
    marks: tuple[AxisMark, ...]
    ticks: tuple[tuple[date, float], ...]


def axis(entries: list[TimelineEntry], as_of: date) -> Axis | None:
    """Lay the milestones out on a line from the first to the last due day."""
    if not entries:
        return None
    days = [e.day for e in entries] + [as_of]
    start, end = min(days), max(days)
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(2 + 96 * (day - start).days / span, 2)

    ticks = tuple((month, x(month)) for month in _month_starts(start, end))
    marks = tuple(AxisMark(e, x(e.day)) for e in entries)
    return Axis(start, end, x(as_of), marks, ticks)


def _month_starts(start: date, end: date) -> list[date]:
    months = []
    month = date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months
