"""What changed, from git history: "last updated", document histories and "what's new".

Pure functions of a client, its git history and the build date. Commit messages are internal:
they reach a page only when portal.yaml sets `show_commit_messages: true`. Outside git there
is no history, and pages show the dates of front matter only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from generator.content.dates import day_in, moment_in
from generator.content.domain import Client
from generator.content.history import Change

WHATS_NEW_DAYS = 30


@dataclass(frozen=True)
class Revision:
    """One change of a document as a client sees it: the day, and the message if shown."""

    on: date
    at: str  # ISO 8601 UTC time, compared with the client's last visit in the browser
    message: str | None


@dataclass(frozen=True)
class NewItem:
    """One entry of "what's new": what changed, where it is in the portal, and when."""

    kind: str
    title: str
    href: str
    revision: Revision


def revisions(client: Client, changes: tuple[Change, ...], messages: bool) -> list[Revision]:
    """The changes of one file or milestone, newest first, in the client's time zone."""
    return [Revision(day_in(c.when, client.timezone), _utc(c.when),
                     c.message if messages else None) for c in changes]


def document_history(client: Client, path: str, messages: bool) -> dict[str, Any]:
    """The template context of one document's history: `updated` (or None) and `history`."""
    history = revisions(client, client.history.files.get(path, ()), messages)
    return {"updated": history[0] if history else None, "history": history}


def whats_new(client: Client, as_of: date, agency_timezone: str,
              messages: bool) -> list[NewItem]:
    """Documents, milestones and invoices changed in the 30 days up to the end of the build
    date. The build date is a day of the agency's time zone, so its end is too: a change made
    today is new for every client, east or west of the agency (its date is shown in the
    client's zone)."""
    end = moment_in(as_of + timedelta(days=1), agency_timezone)
    start = end - timedelta(days=WHATS_NEW_DAYS)
    items: list[NewItem] = []
    for kind, title, href, changes in _sources(client):
        recent = [c for c in changes if start <= c.when < end]
        if recent:
            items.append(NewItem(kind, title, href, revisions(client, (recent[0],), messages)[0]))
    return sorted(items, key=lambda i: (i.revision.at, i.href), reverse=True)


def _sources(client: Client) -> list[tuple[str, str, str, tuple[Change, ...]]]:
    files = client.history.files
    found = []
    if client.scope:
        found.append(("scope", client.scope.meta.title, "scope.html", files.get("scope.md", ())))
    found += [("requirement", d.meta.title, f"requirements/{d.slug}.html",
               files.get(f"requirements/{d.slug}.md", ())) for d in client.requirements]
    found += [("update", d.meta.title, f"updates.html#{d.slug}",
               files.get(f"updates/{d.slug}.md", ())) for d in client.updates]
    found += [("milestone", m.title, f"timeline.html#{m.id}",
               client.history.milestones.get(m.id, ())) for m in client.milestones]
    found += [("invoice", r.invoice.number, f"invoices/{r.slug}.html",
               files.get(f"invoices/{r.slug}.yaml", ())) for r in client.invoices]
    return found


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
