"""What changed, from git history: "last updated", document histories and "what's new".

Pure functions of a client, its git history and the build date. Commit messages are internal:
they reach a page only when portal.yaml sets `show_commit_messages: true`. Outside git there
is no history, and pages show the dates of front matter only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from itertools import groupby
from typing import TYPE_CHECKING, Any

from generator.content.dates import day_in, moment_in
from generator.content.domain import Client, Document
from generator.content.history import Change

if TYPE_CHECKING:  # pages imports this module
    from generator.render.pages import RenderedUpdate

WHATS_NEW_DAYS = 30
GROUP_AT = 4  # changes made in one commit: this many or more are one entry of "recent changes"
# where each kind of item is listed, for an entry of many changes made at once
SECTIONS = {"scope": "scope.html", "requirement": "requirements.html", "update": "updates.html",
            "milestone": "timeline.html", "invoice": "invoices.html"}


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


@dataclass(frozen=True)
class RecentEntry:
    """One entry of the overview's "recent changes": one item (a document, milestone or
    invoice; an update's excerpt with it), or many changed at once (`kinds` counts them)."""

    on: date
    at: str | None  # when it changed (UTC), from git: None outside git (an update's date)
    title: str = ""
    href: str = ""
    message: str | None = None
    kind: str = ""
    excerpt: str = ""
    document: Document | None = None  # the update, whose language the entry may be in
    kinds: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, count, href)

    @property
    def count(self) -> int:
        """How many items the entry stands for."""
        return sum(n for _, n, _ in self.kinds) or 1


def recent_changes(items: list[NewItem], tracked: bool, updates: list[RenderedUpdate], as_of: date,
                   client_timezone: str) -> list[RecentEntry]:
    """One list of what changed, newest first: "what's new" from git, where changes made
    together (one commit, GROUP_AT items or more) are one entry; updates carry their
    excerpt. Outside git, the updates of the last 30 days by their own dates."""
    if not tracked:
        start = as_of - timedelta(days=WHATS_NEW_DAYS)
        dated = [(day_in(u.meta.date, client_timezone), u) for u in updates]
        return [RecentEntry(day, None, u.meta.title, f"updates.html#{u.slug}",
                            kind="update", excerpt=u.excerpt, document=u.document)
                for day, u in dated if start < day <= as_of]
    by_href = {f"updates.html#{u.slug}": u for u in updates}
    commits = sorted(items, key=lambda i: (i.revision.at, i.revision.message or ""),
                     reverse=True)  # stable: within a commit, the order of `items`
    entries: list[RecentEntry] = []
    for _, together in groupby(commits, key=lambda i: (i.revision.at, i.revision.message)):
        batch = list(together)
        if len(batch) >= GROUP_AT:
            entries.append(_together(batch))
        else:
            entries += [_entry(item, by_href.get(item.href)) for item in batch]
    return entries


def _together(batch: list[NewItem]) -> RecentEntry:
    """Many items changed in one commit, counted by kind, each kind linking to its section."""
    counts = Counter(i.kind for i in batch)
    revision = batch[0].revision
    return RecentEntry(revision.on, revision.at, message=revision.message,
                       kinds=[(k, counts[k], SECTIONS[k]) for k in SECTIONS if counts[k]])


def _entry(item: NewItem, update: RenderedUpdate | None) -> RecentEntry:
    """One changed item; an update with its excerpt and language."""
    return RecentEntry(item.revision.on, item.revision.at, item.title, item.href,
                       item.revision.message, item.kind, update.excerpt if update else "",
                       update.document if update else None)


def revisions(client: Client, changes: tuple[Change, ...], messages: bool) -> list[Revision]:
    """The changes of one file or milestone, newest first, in the client's time zone."""
    return [Revision(day_in(c.when, client.timezone), utc_text(c.when),
                     c.message if messages else None) for c in changes]


def document_history(client: Client, path: str, messages: bool, as_of: date
                     ) -> dict[str, Any]:
    """The template context of one document's history: `updated` (or None) and `history`.
    A change committed after the build date counts as made on it: a page built as of
    2026-11-23 never says it was last updated on 2026-11-30 (the text it shows is the one
    committed last, so its date is not dropped either). Changes of one day that read alike
    (the same message, or none shown) are one line: the newest."""
    history: list[Revision] = []
    for revision in revisions(client, client.history.files.get(path, ()), messages):
        revision = replace(revision, on=min(revision.on, as_of))
        if not history or (history[-1].on, history[-1].message) != (revision.on,
                                                                     revision.message):
            history.append(revision)
    return {"updated": history[0] if history else None, "history": history}


def whats_new(client: Client, as_of: date, agency_timezone: str,
              messages: bool) -> list[NewItem]:
    """Documents, milestones and invoices changed in the 30 days up to the end of the build
    date. The build date is a day of the agency's time zone, so its end is too: a change made
    today is new for every client, east or west of the agency (its date is shown in the
    client's zone)."""
    start, end = whats_new_window(as_of, agency_timezone)
    items: list[NewItem] = []
    for kind, title, href, changes in _sources(client):
        recent = [c for c in changes if start <= c.when < end]
        if recent:
            items.append(NewItem(kind, title, href, revisions(client, (recent[0],), messages)[0]))
    return sorted(items, key=lambda i: (i.revision.at, i.href), reverse=True)


def whats_new_window(as_of: date, agency_timezone: str) -> tuple[datetime, datetime]:
    """The moments "what's new" covers: the 30 days up to the end of the build date."""
    end = moment_in(as_of + timedelta(days=1), agency_timezone)
    return end - timedelta(days=WHATS_NEW_DAYS), end


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


def utc_text(moment: datetime) -> str:
    """A moment as the browser compares it with the last visit: ISO 8601 in UTC."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
