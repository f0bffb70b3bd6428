"""Sign-off: a document's fingerprint, its recorded approvals, and whether it awaits one.

A document asks for approval with `approval: required`; the client approves a version by
message (or form), naming its fingerprint; the agency records the answer in `approvals`. The
fingerprint is `sha256:` and the hex SHA-256 of the document's text below its front matter
(UTF-8, every line after the closing `---` line, line ends as LF): the front matter, where
status, version and the approvals themselves live, is not part of it. A document is approved
while one of its approvals names its current fingerprint; it "changed since approval" when it
has approvals and none does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from generator.content.domain import Client, Document
from generator.content.models import Approval, UpdateMeta

PREFIX = "sha256:"
SHORT = 12  # hex digits of the short form shown on pages (the messages carry all 64)


def fingerprint(body: str) -> str:
    """The fingerprint of a document's text below its front matter."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def short(value: str) -> str:
    """The short form of a fingerprint shown on a page, e.g. `3f2a9c01b7d4`."""
    return value.removeprefix(PREFIX)[:SHORT]


@dataclass(frozen=True)
class SignOff:
    """A document's approval state: what is asked, what was recorded, what it means now."""

    required: bool
    fingerprint: str
    approvals: tuple[Approval, ...]  # newest first
    current: Approval | None  # the newest approval of the current fingerprint

    @property
    def awaiting(self) -> bool:
        """Approval is asked for, and no approval names the current text."""
        return self.required and self.current is None

    @property
    def changed(self) -> bool:
        """Approved before, but the text has changed since."""
        return self.current is None and bool(self.approvals)

    @property
    def short(self) -> str:
        return short(self.fingerprint)


def sign_off(document: Document) -> SignOff | None:
    """The approval state of a scope or requirement (None for documents without one)."""
    meta = document.meta
    if isinstance(meta, UpdateMeta):
        return None
    # newest first: by day, and of one day the one recorded last
    ordered = [a for _, a in sorted(enumerate(meta.approvals),
                                    key=lambda pair: (pair[1].on, pair[0]), reverse=True)]
    current = next((a for a in ordered if a.fingerprint == document.fingerprint), None)
    return SignOff(meta.approval == "required", document.fingerprint, tuple(ordered), current)


@dataclass(frozen=True)
class Awaiting:
    """A document waiting for the client's approval, and its page in the portal."""

    key: str  # 'scope' or 'requirements/<slug>', as translations name documents
    title: str
    href: str
    version: str | None
    fingerprint: str


def awaiting_approval(client: Client) -> list[Awaiting]:
    """The client's documents that ask for approval of their current text: scope first, then
    requirements by title."""
    found = []
    documents = [("scope", "scope.html", client.scope)] if client.scope else []
    documents += [(f"requirements/{d.slug}", f"requirements/{d.slug}.html", d)
                  for d in sorted(client.requirements, key=lambda d: d.meta.title.casefold())]
    for key, href, document in documents:
        state = sign_off(document)
        if state is not None and state.awaiting:
            found.append(Awaiting(key, document.meta.title, href,
                                  getattr(document.meta, "version", None), state.fingerprint))
    return found
