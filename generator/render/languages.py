"""Portals in several languages: which documents each language shows, and where it lives.

The default language (the first of the client's `locales`) is at the portal root; every other
language is under `<lang>/` with the same page names, sharing `assets/` and `files/`. A document
without a translation is shown in the default language, and carries that language so the
templates can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from babel import Locale

from generator.content.domain import Client, Document
from generator.content.fieldtypes import Texts
from generator.content.models import ClientProfile


@dataclass(frozen=True)
class LanguageLink:
    """One entry of the language switch."""

    tag: str
    name: str
    href: str
    current: bool


def language_prefix(client: Client, language: str) -> str:
    """Where a language's pages live: '' for the default language, else 'en/' and so on."""
    return "" if language == client.language else f"{language}/"


def localized(client: Client, language: str) -> Client:
    """The client's documents, and its texts given per language (milestone titles, its name,
    its people's titles), as a reader of `language` sees them: translated where possible."""
    translated = client.translations.get(language, {})

    def pick(key: str, document: Document) -> Document:
        return translated.get(key) or replace(document, language=client.language)

    return replace(
        client,
        scope=pick("scope", client.scope) if client.scope else None,
        requirements=tuple(pick(f"requirements/{d.slug}", d) for d in client.requirements),
        updates=tuple(pick(f"updates/{d.slug}", d) for d in client.updates),
        profile=_profile_in(client.profile, language),
        milestones=tuple(m.model_copy(update={"title": _in(m.title, language)})
                         for m in client.milestones),
    )


def _in(text: Any, language: str) -> Any:
    """A text given per language, in `language` (a plain text as it is)."""
    return text.in_language(language) if isinstance(text, Texts) else text


def _profile_in(profile: ClientProfile, language: str) -> ClientProfile:
    """The client's name, its contacts' roles and its manager's title in `language`."""
    manager = profile.account_manager
    return profile.model_copy(update={
        "name": _in(profile.name, language),
        "account_manager": manager.model_copy(update={"title": _in(manager.title, language)}),
        "contacts": [c.model_copy(update={"role": _in(c.role, language)})
                     for c in profile.contacts]})


def language_links(client: Client, current: str, path: str, root: str) -> list[LanguageLink]:
    """The same page in each of the client's languages, as links from the page at `path`."""
    if len(client.languages) < 2:
        return []
    return [LanguageLink(tag.replace("_", "-"), autonym(tag),
                         root + language_prefix(client, tag) + path, tag == current)
            for tag in client.languages]


def autonym(tag: str) -> str:
    """A language's name in itself, capitalised for a menu: 'English', '日本語', 'Svenska'."""
    locale = Locale.parse(tag, sep="-" if "-" in tag else "_")
    name = locale.get_display_name(locale) or tag
    return name[:1].upper() + name[1:]
