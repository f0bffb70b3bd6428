"""The inbox's rules: who may say what, and the edits that record it.

An authenticated e-mail (trust.py) is taken only from a contact of the client its reference
line names; a reply to a recorded question (by In-Reply-To or References) from that client's
contacts, account manager or team. A form submission is taken from a contact's address; its
approval only once the agency confirms it. An approval names a fingerprint, which must be
that of a committed version of the document (versions.py). What a message says becomes
values in the content, never keys, file names or paths: a thread's file is named after its
topic, one of the portal's own topics, slugged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from generator.content.dates import day_in
from generator.content.domain import Client, Document, Thread
from generator.content.models import AccountManager, Contact, TeamMember
from generator.inbox.forms import form_origin_id
from generator.inbox.mailparse import Mail
from generator.inbox.records import FormEntry, Receipt, Refused
from generator.inbox.versions import Version, committed_versions
from generator.inbox.wording import (
    Reference,
    SurveyAnswer,
    one_fingerprint,
    own_words,
    reference_in,
    survey_answer,
    without_reference,
)
from generator.render.pages import topics
from generator.writeback import AppendItem, Edit, Origin, Scalar

MAX_TEXT_CHARS = 20_000  # as models.ThreadMessage
ROUND = re.compile(r"^(?:\d{4}-Q[1-4]|\d{4}-(?:0[1-9]|1[0-2])|after-[a-z0-9][a-z0-9-]{0,99})$")
SATISFACTION_START = ("# The client's answers to the satisfaction survey (recorded by `portal "
                      "inbox`, or by hand).\nanswers:\n")
FORM_KINDS = {"approval": "approval", "satisfaction": "survey", "question": "question"}
Gettext = Callable[[str], str]


@dataclass(frozen=True, kw_only=True)
class Book:
    """What the rules need of the content: its folder, every client, each recorded message
    of a question thread by its id, and each portal language's messages."""

    content: Path
    clients: Mapping[str, Client]
    threads: Mapping[str, tuple[Client, Thread]]
    gettext: Callable[[str], Gettext]  # a language's gettext
    as_of: date


def with_thread(book: Book, message_id: str, place: tuple[Client, Thread]) -> Book:
    """The book knowing one more message of a thread (recorded earlier in the same run)."""
    return replace(book, threads={**book.threads, message_id: place})


def book_of(content: Path, clients: list[Client], gettext: Callable[[str], Gettext],
            as_of: date) -> Book:
    threads = {entry.message_id: (client, thread) for client in clients
               for thread in client.questions for entry in thread.entries if entry.message_id}
    return Book(content=content, clients={c.slug: c for c in clients}, threads=threads,
                gettext=gettext, as_of=as_of)


@dataclass(frozen=True, kw_only=True)
class Proposal:
    """What an item would record: its origin, the edits, the receipt of an approval."""

    origin: Origin
    edits: tuple[Edit, ...]
    receipt: Receipt | None = None
    duplicate: bool = False  # recorded already under another message (the same approval)
    to_confirm: bool = False  # a form's approval: listed until the agency confirms it
    thread: tuple[Client, Thread] | None = None  # the thread it adds a message to


@dataclass(frozen=True, kw_only=True)
class _Said:
    """One trusted item, whatever its channel: who (a contact of `client`), when, its id."""

    client: Client
    contact: Contact
    day: date
    moment: datetime
    origin_id: str
    kind: Literal["mail", "form"]


# ---------------------------------------------------------------- e-mail


def consider_mail(book: Book, mail: Mail) -> Proposal:
    """The edits recording an authenticated e-mail; Refused when the rules say no."""
    words = own_words(mail.text)
    replied = next((book.threads[i] for i in mail.replies_to if i in book.threads), None)
    if replied is not None:
        return _reply(book, mail, words, *replied)
    reference = reference_in(words)
    if reference is None:
        raise Refused("is not a message of the portal: it has no 'Ref: …' line and "
                      "replies to no recorded question")
    client = _client(book, reference)
    contact = _contact(book, client, mail.sender)
    said = _said(book, client, contact, mail.sent, mail.message_id, "mail")
    if reference.kind == "approval":
        return _approval(book, said, reference.key, one_fingerprint(words))
    if reference.kind == "survey":
        gettext = book.gettext(client.language)
        return _survey(said, reference.key, lambda name: survey_answer(words, gettext, name))
    return _question(said, reference.key, _question_text(book, client, words))


def _reply(book: Book, mail: Mail, words: str, client: Client, thread: Thread) -> Proposal:
    """A reply to a message of a thread: the agency's answer, or the client writing back."""
    agency = _agency_person(client, mail.sender)
    name = agency or _contact(book, client, mail.sender).name
    text = _checked_text(without_reference(words))
    day = _day(book, client, mail.sent)
    item: dict[str, Scalar] = {"on": day, "by": name, "text": text,
                               "message_id": mail.message_id}
    what = "answer" if agency else "follow-up"
    origin = Origin(kind="mail", id=mail.message_id,
                    summary=f"{what} by {name} in the thread about {thread.about} "
                            f"({client.slug})")
    return Proposal(origin=origin, edits=(_thread_edit(client, thread.slug, thread.about, item,
                                                      origin),), thread=(client, thread))


def _client(book: Book, reference: Reference) -> Client:
    client = book.clients.get(reference.slug)
    if client is None:
        raise Refused(f"names the portal '{reference.slug}', which is no client's")
    return client


def _contact(book: Book, client: Client, address: str) -> Contact:
    """The contact of `client` with this address; Refused, saying whose it is, otherwise."""
    contact = _contact_in(client, address)
    if contact is not None:
        return contact
    others = sorted(slug for slug, other in book.clients.items()
                    if slug != client.slug and _contact_in(other, address))
    if others:
        raise Refused(f"{address} is a contact of another client ({', '.join(others)}), not "
                      f"of {client.slug}")
    raise Refused(f"{address} is not a contact of {client.slug} (client.yaml)")


def _contact_in(client: Client, address: str) -> Contact | None:
    wanted = address.casefold()
    return next((c for c in client.profile.contacts
                 if c.email and c.email.casefold() == wanted), None)


def _agency_person(client: Client, address: str) -> str | None:
    """The account manager's or a team member's name, if the address is theirs."""
    people: list[AccountManager | TeamMember] = [client.profile.account_manager,
                                                 *client.profile.team]
    return next((p.name for p in people if p.email and p.email.casefold() == address.casefold()),
                None)


def _said(book: Book, client: Client, contact: Contact, moment: datetime, origin_id: str,
          kind: Literal["mail", "form"]) -> _Said:
    return _Said(client=client, contact=contact, day=_day(book, client, moment), moment=moment,
                 origin_id=origin_id, kind=kind)


def _day(book: Book, client: Client, moment: datetime) -> date:
    """The day something was said, in the client's time zone; Refused when after the run's
    day (a day's slack: the client's day may begin before the agency's)."""
    day = day_in(moment, client.timezone)
    if day > book.as_of + timedelta(days=1):
        raise Refused(f"is dated {day.isoformat()}, after today ({book.as_of.isoformat()})")
    return day


# ---------------------------------------------------------------- the three kinds


def _approval(book: Book, said: _Said, key: str, fingerprint: str) -> Proposal:
    """An approval of a document's committed version."""
    client = said.client
    file, document = _document(client, key)
    version = _committed(book, client, file, fingerprint)
    if said.moment < version.committed:
        raise Refused(f"is dated before {version.named()} of {client.slug}/{file}")
    origin = Origin(kind=said.kind, id=said.origin_id,
                    summary=f"approval of {document.meta.title} ({version.named()}) by "
                            f"{said.contact.name}")
    item: dict[str, Scalar] = {"by": said.contact.name, "on": said.day,
                               "version": version.version, "fingerprint": fingerprint,
                               "message_id": said.origin_id}
    edit = AppendItem(file=f"{client.slug}/{file}", key_path=("approvals",), item=item,
                      origin=origin, seen_by="message_id")
    duplicate = any(a.fingerprint == fingerprint and a.by == said.contact.name
                    and a.message_id != said.origin_id
                    for a in getattr(document.meta, "approvals", ()))
    receipt = None if duplicate else Receipt(
        client=client.slug, contact=said.contact.name, address=said.contact.email or "",
        title=document.meta.title, version=version.version, fingerprint=fingerprint,
        on=said.day, replying_to=said.origin_id if said.kind == "mail" else None)
    return Proposal(origin=origin, edits=(edit,), receipt=receipt, duplicate=duplicate)


def _document(client: Client, key: str) -> tuple[str, Document]:
    if key == "scope" and client.scope is not None:
        return "scope.md", client.scope
    name = key.removeprefix("requirements/")
    for document in client.requirements:
        if key.startswith("requirements/") and document.slug == name:
            return f"requirements/{name}.md", document
    raise Refused(f"approves '{key}', which is no document of {client.slug}")


def _committed(book: Book, client: Client, file: str, fingerprint: str) -> Version:
    version = committed_versions(book.content, client.slug, file).get(fingerprint)
    if version is None:
        raise Refused(f"names the fingerprint {fingerprint[:19]}…, which matches no committed "
                      f"version of {client.slug}/{file}")
    return version


def _survey(said: _Said, round_name: str, read: Callable[[str], SurveyAnswer]) -> Proposal:
    """A survey answer for the round the reference names."""
    if not ROUND.match(round_name):
        raise Refused(f"answers the survey '{round_name}', which is not a survey round")
    answer = read(round_name)
    client, name = said.client, said.contact.name
    origin = Origin(kind=said.kind, id=said.origin_id,
                    summary=f"survey {round_name} answered by {name} ({client.slug})")
    comment = _checked_text(answer.comment) if answer.comment else None
    item: dict[str, Scalar] = {"on": said.day, "by": name, "nps": answer.nps,
                               "csat": answer.csat, "comment": comment, "round": round_name,
                               "message_id": said.origin_id}
    edit = AppendItem(file=f"{client.slug}/satisfaction.yaml", key_path=("answers",),
                      item=item, origin=origin, seen_by="message_id",
                      new_file=SATISFACTION_START)
    duplicate = any(a.round == round_name and a.by == name and a.message_id != said.origin_id
                    for a in client.satisfaction)
    return Proposal(origin=origin, edits=(edit,), duplicate=duplicate)


def _question(said: _Said, about: str, text: str) -> Proposal:
    """A question about one of the portal's topics: into that topic's thread."""
    client = said.client
    if about not in topic_keys(client):
        raise Refused(f"asks about '{about}', which the portal of {client.slug} does not show")
    origin = Origin(kind=said.kind, id=said.origin_id,
                    summary=f"question about {about} by {said.contact.name} ({client.slug})")
    item: dict[str, Scalar] = {"on": said.day, "by": said.contact.name, "text": text,
                               "message_id": said.origin_id}
    thread = next((t for t in client.questions if t.about == about), None) or Thread(
        thread_name(about), f"{client.slug}/questions/{thread_name(about)}.yaml", about, ())
    return Proposal(origin=origin, edits=(_thread_edit(client, thread.slug, about, item, origin),),
                    thread=(client, thread))


def _question_text(book: Book, client: Client, words: str) -> str:
    """The question without the greeting the portal prefilled."""
    lines = without_reference(words).strip().split("\n")
    greeting = book.gettext(client.language)("Hello,").strip()
    if lines and lines[0].strip() == greeting:
        lines = lines[1:]
    return _checked_text("\n".join(lines))


def _thread_edit(client: Client, name: str, about: str, item: Mapping[str, Scalar],
                 origin: Origin) -> AppendItem:
    return AppendItem(file=f"{client.slug}/questions/{name}.yaml", key_path=("messages",),
                      item=item, origin=origin, seen_by="message_id",
                      new_file=f"about: {json.dumps(about)}\nmessages:\n")


def topic_keys(client: Client) -> set[str]:
    """What a question may be about: the portal's topics (render.pages.topics), or general."""
    return {"general", *(topic.key for topic in topics(client))}


def thread_name(about: str) -> str:
    """A thread's file name for a topic: [a-z0-9-], at most 60 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", about.lower()).strip("-")[:60].strip("-")
    return slug or "general"


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise Refused("holds no words of the sender's own")
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(f"is longer than {MAX_TEXT_CHARS:,} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co") and c not in "\n\t" for c in text):
        raise Refused("holds control characters")
    return text


# ---------------------------------------------------------------- form submissions


def consider_form(book: Book, entry: FormEntry, accepted: frozenset[str]) -> Proposal:
    """The edits recording a form submission; an approval is only proposed (to_confirm)
    unless the agency accepted its id. Refused when the rules say no."""
    fields = entry.fields
    reference = reference_in(fields.get("ref", "").replace("\r", ""))
    if reference is None:
        raise Refused("is not a submission of the portal's forms (no ref field)")
    if FORM_KINDS.get(fields.get("kind", "")) != reference.kind:
        raise Refused("its kind and ref fields disagree")
    if entry.created is None:
        raise Refused("has no submission date")
    client = _client(book, reference)
    origin_id = form_origin_id(entry)
    if reference.kind == "approval":
        said = _said(book, client, _form_approver(book, client, fields), entry.created,
                     origin_id, "form")
        proposal = _approval(book, said, reference.key, _form_fingerprint(fields))
        return proposal if origin_id in accepted else _listed(proposal)
    said = _said(book, client, _contact(book, client, fields.get("email", "").strip()),
                 entry.created, origin_id, "form")
    if reference.kind == "survey":
        return _survey(said, reference.key, lambda name: _form_answer(fields, name))
    about = fields.get("about", "").strip() or "general"
    return _question(said, about, _checked_text(fields.get("message", "")))


def _listed(proposal: Proposal) -> Proposal:
    return Proposal(origin=proposal.origin, edits=proposal.edits, receipt=proposal.receipt,
                    duplicate=proposal.duplicate, to_confirm=not proposal.duplicate)


def _form_approver(book: Book, client: Client, fields: Mapping[str, str]) -> Contact:
    """The contact a form's approval names: by address when given, else by the name chosen."""
    address = fields.get("email", "").strip()
    if address:
        contact = _contact(book, client, address)
        if fields.get("by", contact.name).strip() != contact.name:
            raise Refused(f"names {fields.get('by')!r} but the address of {contact.name}")
        return contact
    chosen = fields.get("by", "").strip()
    named = next((c for c in client.profile.contacts if c.name == chosen), None)
    if named is None:
        raise Refused(f"names {chosen!r}, who is not a contact of {client.slug}")
    return named


def _form_fingerprint(fields: Mapping[str, str]) -> str:
    value = fields.get("fingerprint", "").strip()
    return one_fingerprint(value)


def _form_answer(fields: Mapping[str, str], round_name: str) -> SurveyAnswer:
    if fields.get("round", round_name) != round_name:
        raise Refused("its round and ref fields disagree")
    nps, csat = _score(fields.get("nps"), 0, 10), _score(fields.get("csat"), 1, 5)
    if nps is None and csat is None:
        raise Refused("gives no answer (nps or csat)")
    comment = fields.get("comment", "").strip()
    return SurveyAnswer(nps=nps, csat=csat, comment=comment or None)


def _score(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise Refused(f"answers {value.strip()[:20]!r} where {low} to {high} is asked")
    return int(value)
