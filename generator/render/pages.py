"""Which pages a portal has, and the small explicit context each page's template receives.

Everything here is a pure function of one client, the agency and the build date: a template
never sees another client, so nothing of one client can reach another's portal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from generator.content.domain import (
    AgencyContent,
    Balance,
    Client,
    Document,
    InvoiceRecord,
    Thread,
)
from generator.content.satisfaction import survey_round
from generator.content.signoff import awaiting_approval, sign_off
from generator.errors import Problem
from generator.invoicing import payment_block, qr_svg
from generator.render.changes import (
    document_history,
    recent_changes,
    utc_text,
    whats_new,
    whats_new_window,
)
from generator.render.i18n import Formatter
from generator.render.markdown import LinkTargets, MarkdownRenderer, excerpt
from generator.render.timeline import TimelineEntry, axis, timeline_entries
from generator.render.words import amount_in_words

OVERVIEW_DEADLINES = 4
OVERVIEW_CHANGES = 6  # entries of "recent changes"; the count covers them all


@dataclass(frozen=True)
class Page:
    """One HTML page of a portal: where it goes, which template renders it, with what."""

    path: str
    template: str
    section: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    prefix: str = ""  # the folder of the page's language: '' for the default, else 'en/'

    @property
    def root(self) -> str:
        """The relative way back to the portal root, e.g. '../' for 'invoices/x.html': for
        what every language shares (assets/, files/, the calendar)."""
        return "../" * self.path.count("/")

    @property
    def base(self) -> str:
        """The relative way to the pages of the page's own language: the root for the
        default language, '../en/' from 'en/invoices.html'."""
        return self.root + self.prefix


@dataclass(frozen=True)
class RenderedUpdate:
    """An update as the updates page, the overview and the feed show it."""

    document: Document
    html: str
    excerpt: str

    @property
    def meta(self) -> Any:
        return self.document.meta

    @property
    def slug(self) -> str:
        return self.document.slug


@dataclass(frozen=True)
class LanguageView:
    """One language of a portal: its pages, its updates (for the feed), and the problems
    met rendering its Markdown."""

    pages: list[Page]
    updates: list[RenderedUpdate]
    problems: list[Problem]
    milestones: dict[str, str] = field(default_factory=dict)  # id -> description as HTML


@dataclass
class _PageMaker:
    """What every page of one language is made with; collects Markdown problems."""

    client: Client
    agency: AgencyContent
    as_of: date
    markdown: MarkdownRenderer
    fmt: Formatter
    targets: LinkTargets
    problems: list[Problem] = field(default_factory=list)

    @property
    def messages(self) -> bool:
        """Whether commit messages may be shown (portal.yaml opts in; they are internal)."""
        return self.agency.config.show_commit_messages

    def html(self, text: str | None, source: str, first_line: int, root: str = "",
             id_prefix: str = "") -> tuple[str, list[dict[str, Any]]]:
        if not text:
            return "", []
        root = "../" * self.targets.page_prefix.count("/") + root  # from a language folder
        rendered = self.markdown.render(text, self.targets, root=root, id_prefix=id_prefix,
                                        first_line=first_line)
        self.problems.extend(Problem(source, line, message)
                             for line, message in rendered.problems)
        return rendered.html, rendered.toc


def link_targets(client: Client) -> LinkTargets:
    """What the client's Markdown may link to: its documents and its attachments."""
    pages = {"scope.md": "scope.html"} if client.scope else {}
    pages.update({f"requirements/{d.slug}.md": f"requirements/{d.slug}.html"
                  for d in client.requirements})
    pages.update({f"updates/{d.slug}.md": f"updates.html#{d.slug}" for d in client.updates})
    # a portal with such a document is never written: its links only must not add errors
    pages.update({path: path.removesuffix(".md") + ".html" for path in client.unreadable})
    return LinkTargets(pages, frozenset(client.attachments))


def portal_pages(client: Client, agency: AgencyContent, as_of: date,
                 markdown: MarkdownRenderer, language: str | None = None,
                 prefix: str = "") -> LanguageView:
    """Every page of the client's portal in one language, its updates and the problems found
    in its Markdown. `language` and `prefix` ('en/') give one language of a portal in
    several languages."""
    fmt = Formatter(language or client.language, client.timezone)
    targets = replace(link_targets(client), page_prefix=prefix)
    maker = _PageMaker(client, agency, as_of, markdown, fmt, targets)
    timeline = _timeline(maker)
    updates = _updates(maker)
    pages = [
        _overview(maker, timeline, updates),
        _scope(maker),
        _requirements(maker),
        *_requirement_pages(maker),
        Page("timeline.html", "timeline.html", "timeline", "Timeline",
             {"entries": timeline, "axis": axis(timeline, as_of),
              "groups": _groups(timeline)}),
        Page("invoices.html", "invoices.html", "invoices", "Invoices",
             {**_invoices(client), "invoice_pdf": agency.config.invoice_pdf}),
        *_invoice_pages(maker),
        Page("updates.html", "updates.html", "updates", "Updates", {"updates": updates}),
        _contact(maker),
        *_questions(maker),
    ]
    if prefix:
        pages = [replace(page, path=prefix + page.path, prefix=prefix) for page in pages]
    return LanguageView(pages, updates, maker.problems,
                        {e.milestone.id: e.description_html for e in timeline})


def _timeline(maker: _PageMaker) -> list[TimelineEntry]:
    client = maker.client
    descriptions = {
        m.id: maker.html(m.description, client.milestones_source or "",
                         client.milestone_lines.get(m.id, 1))[0]
        for m in client.milestones
    }
    return timeline_entries(client.milestones, client.timezone, maker.as_of, descriptions)


def _groups(timeline: list[TimelineEntry]) -> dict[str, list[TimelineEntry]]:
    groups: dict[str, list[TimelineEntry]] = {"overdue": [], "upcoming": [], "done": [],
                                              "cancelled": []}
    for entry in timeline:
        groups[entry.state].append(entry)
    groups["done"].reverse()  # the most recently finished first
    return groups


def _invoices(client: Client) -> dict[str, Any]:
    """The invoices, newest first, and the ledger's balances per currency."""
    return {
        "invoices": list(reversed(client.invoices)),
        "open_balance": _figure(client.balances, "open"),
        "overdue_balance": _figure(client.balances, "overdue"),
        "paid_total": _figure(client.balances, "paid"),
        "refund_balance": _figure(client.balances, "refund"),
    }


def _figure(balances: tuple[Balance, ...], name: str) -> dict[str, Any]:
    """One figure of the ledger by currency, where it is not zero."""
    return {b.currency: getattr(b, name) for b in balances if getattr(b, name)}


def _updates(maker: _PageMaker) -> list[RenderedUpdate]:
    rendered = [(d, maker.html(d.body, d.source, d.body_line, id_prefix=f"{d.slug}-")[0])
                for d in maker.client.updates]
    return [RenderedUpdate(d, html, excerpt(html)) for d, html in rendered]


def _milestone_counts(timeline: list[TimelineEntry]) -> dict[str, Any]:
    """The overview's figures of the timeline: what is next, how much is done or late."""
    open_entries = [e for e in timeline if e.state in ("overdue", "upcoming")]
    counted = [e for e in timeline if e.state != "cancelled"]
    return {
        "next_deadlines": open_entries[:OVERVIEW_DEADLINES],
        "overdue_count": sum(1 for e in timeline if e.state == "overdue"),
        "done_count": sum(1 for e in counted if e.state == "done"),
        "milestone_count": len(counted),
    }


def _overview(maker: _PageMaker, timeline: list[TimelineEntry],
              updates: list[RenderedUpdate]) -> Page:
    invoices = _invoices(maker.client)
    client = maker.client
    open_invoices = [r for r in invoices["invoices"] if r.outstanding > 0]
    next_due = min(open_invoices, key=lambda r: r.invoice.due or maker.as_of, default=None)
    changes = recent_changes(whats_new(client, maker.as_of, maker.agency.config.timezone,
                                       maker.messages),
                             client.history.tracked, updates, maker.as_of, client.timezone)
    context = {
        **_milestone_counts(timeline),
        "open_balance": invoices["open_balance"],
        "overdue_balance": invoices["overdue_balance"],
        "open_invoices": open_invoices,
        "next_due": next_due,
        "next_due_days": (next_due.invoice.due - maker.as_of).days
                          if next_due and next_due.invoice.due else None,
        "scope": client.scope,
        "changes": changes[:OVERVIEW_CHANGES],
        "more_changes": sum(e.count for e in changes[OVERVIEW_CHANGES:]),
        "change_count": sum(e.count for e in changes),
        "change_times": " ".join(f"{e.at}*{e.count}" for e in changes if e.at),
        "change_window": utc_text(whats_new_window(maker.as_of,
                                                   maker.agency.config.timezone)[0]),
        "history_tracked": client.history.tracked,
        "awaiting": awaiting_approval(client),
        "survey": survey_round(client, maker.agency.config.satisfaction, maker.as_of),
        "open_questions": open_questions(client),
    }
    return Page("index.html", "overview.html", "overview", "Overview", context)


def _scope(maker: _PageMaker) -> Page:
    scope = maker.client.scope
    body, toc = maker.html(scope.body, scope.source, scope.body_line) if scope else ("", [])
    return Page("scope.html", "scope.html", "scope", "Scope",
                {"document": scope, "body": body, "toc": toc,
                 "sign_off": sign_off(scope) if scope else None,
                 **document_history(maker.client, "scope.md", maker.messages,
                                     maker.as_of)})


def _requirements(maker: _PageMaker) -> Page:
    documents = sorted(maker.client.requirements, key=lambda d: d.meta.title.casefold())
    owners = sorted({d.meta.owner for d in documents if d.meta.owner})  # type: ignore[union-attr]
    return Page("requirements.html", "requirements.html", "requirements", "Requirements",
                {"documents": documents, "owners": owners})


def _requirement_pages(maker: _PageMaker) -> list[Page]:
    pages = []
    for document in maker.client.requirements:
        body, toc = maker.html(document.body, document.source, document.body_line, root="../")
        pages.append(Page(f"requirements/{document.slug}.html", "requirement.html",
                          "requirements", document.meta.title,
                          {"document": document, "body": body, "toc": toc,
                           "sign_off": sign_off(document),
                           **document_history(maker.client,
                                              f"requirements/{document.slug}.md",
                                              maker.messages, maker.as_of)}))
    return pages


def ksef_view(record: InvoiceRecord) -> dict[str, str] | None:
    """A Polish invoice's KSeF number, verification link and its QR code (KOD I)."""
    if record.ksef_url is None or record.invoice.ksef is None:
        return None
    return {"number": record.invoice.ksef.number, "url": record.ksef_url,
            "qr_svg": qr_svg(record.ksef_url)}


def _invoice_pages(maker: _PageMaker) -> list[Page]:
    pages = []
    for record in maker.client.invoices:
        notes, _ = maker.html(record.invoice.notes, record.source, record.notes_line,
                              root="../")
        words = (amount_in_words(record.totals.total, record.currency, str(maker.fmt.locale))
                 if maker.agency.config.amounts_in_words else None)
        pages.append(Page(f"invoices/{record.slug}.html", "invoice.html", "invoices",
                          record.invoice.number, {"record": record, "notes": notes,
                                                  "amount_in_words": words,
                                                  "seller": record.seller,
                                                  "buyer": record.buyer,
                                                  "invoice_pdf": maker.agency.config.invoice_pdf,
                                                  "payment": payment_block(
                                                      record, maker.agency.config.payment_url),
                                                  "ksef": ksef_view(record)}))
    return pages


def _contact(maker: _PageMaker) -> Page:
    client, manager = maker.client, maker.client.profile.account_manager
    address = client.profile.feedback.email or manager.email
    subject = f"{client.profile.name}: "
    context = {"manager": manager, "team": client.profile.team,
               "contacts": client.profile.contacts, "feedback": client.profile.feedback,
               "ask_address": address, "ask_subject": subject, "topics": topics(client)}
    return Page("contact.html", "contact.html", "contact", "Contact", context)


@dataclass(frozen=True)
class ThreadView:
    """A question thread as the Questions page shows it: what it is about (kind and title
    as "Ask about this" names them; general: no kind), the page it links to, its messages."""

    thread: Thread
    kind: str | None
    title: str
    href: str | None


def open_questions(client: Client) -> int:
    """How many of the client's question threads wait for the agency's answer."""
    return sum(1 for thread in client.questions if not thread.answered)


def _questions(maker: _PageMaker) -> list[Page]:
    """The Questions page, when the client has asked anything: each thread, newest first."""
    client = maker.client
    if not client.questions:
        return []
    by_key = {topic.key: topic for topic in topics(client)}
    views = []
    for thread in client.questions:  # newest first (validate)
        topic = by_key.get(thread.about)
        views.append(ThreadView(thread, topic.kind if topic else None,
                                topic.title if topic else "", topic_href(topic)))
    return [Page("questions.html", "questions.html", "questions", "Questions",
                 {"threads": views})]


def topic_href(topic: Topic | None) -> str | None:
    """The page (and place) of a topic, relative to the portal's pages."""
    if topic is None:
        return None
    kind, _, name = topic.key.partition("/")
    return {"scope": "scope.html", "requirements": f"requirements/{name}.html",
            "milestones": f"timeline.html#{name}", "invoices": f"invoices/{name}.html",
            "updates": f"updates.html#{name}"}.get(kind)


@dataclass(frozen=True)
class Topic:
    """Something a client can ask about: its key in `contact.html?about=`, kind and title."""

    key: str
    kind: str  # scope | requirement | milestone | invoice | update
    title: str


def topics(client: Client) -> list[Topic]:
    """Everything in the portal a question can be about, in the order the portal shows it."""
    found = [Topic("scope", "scope", client.scope.meta.title)] if client.scope else []
    found += [Topic(f"requirements/{d.slug}", "requirement", d.meta.title)
              for d in sorted(client.requirements, key=lambda d: d.meta.title.casefold())]
    found += [Topic(f"milestones/{m.id}", "milestone", m.title) for m in client.milestones]
    found += [Topic(f"invoices/{r.slug}", "invoice", r.invoice.number)
              for r in reversed(client.invoices)]
    found += [Topic(f"updates/{d.slug}", "update", d.meta.title) for d in client.updates]
    return found


def mailto(address: str, subject: str, body: str = "", cc: str | None = None) -> str:
    """Build a prefilled mailto: link, percent-encoding subject and body (RFC 6068).

    Text composed in a template arrives HTML-escaped (Markup): it is unescaped first, so
    'Acme & Co' reaches the mail program as written, not as 'Acme &amp; Co'. Letters beyond
    ASCII stay as they are (a URL may hold them; the browser encodes them as UTF-8 when the link
    is followed): '한' is 3 bytes of the page, not the 9 of '%ED%95%9C'. `cc`: the portal's
    inbox (portal.yaml `inbox.address`), so `portal inbox` gets the message too."""
    query = f"cc={_encoded(cc)}&" if cc else ""
    query += f"subject={_encoded(subject)}"
    if body:
        query += f"&body={_encoded(body)}"
    return f"mailto:{address}?{query}"


# What RFC 6068 lets a mailto: field value hold as it is ("some-delims", less "+", which some
# programs read as a space): a message's colons and the inbox's "@" need no escape.
_MAILTO_SAFE = "!$'()*,;:@"


# Characters quote() leaves as they are with that `safe`: only the others are looked at.
_MAILTO_ESCAPE = re.compile(r"[^A-Za-z0-9_.~" + re.escape("-" + _MAILTO_SAFE) + "]")


def _encoded(text: str) -> str:
    plain = text.unescape() if isinstance(text, Markup) else text
    return _MAILTO_ESCAPE.sub(lambda match: _encoded_character(match.group()), plain)


@functools.lru_cache(maxsize=4096)  # a portal's messages use a few hundred characters
def _encoded_character(character: str) -> str:
    if ord(character) > 127 and character.isprintable():
        return character
    return quote(character, safe=_MAILTO_SAFE)
