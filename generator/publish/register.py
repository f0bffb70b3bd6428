"""The register of every message a client's contacts receive from the agency: the digest,
payment reminders and receipts, in each portal language.

One table for all of them, so a digest never speaks to a reader otherwise than the portal and
the reminders do. The words are the catalogue's (themes/default/locales: "Dear %(name)s,",
"Kind regards,"); this table says what each language's greeting calls the reader, and which
familiar forms no message may use (tests/test_digest_register.py reads every string of the
catalogue for them: the portal's pages and the e-mails speak alike).

- en: "Dear Anna Kowalska," … "Kind regards,".
- ja: the full name and 様 ("高橋 健一様", then いつも大変お世話になっております), keigo.
- ko: the full name and 님, spaced as after a full name ("정민호 님, 안녕하십니까."), 하십시오체.
- pl: the plural of respect the portal uses, "Szanowni Państwo," and "Państwa portal" (never
  "Ty", "Twój", "Ciebie"): it needs no name, so no vocative and no guessed Pani/Pan.
- sv: business mail greets by first name ("Hej Elin,"), never by full name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NameForm = Literal["full", "given", "none"]


@dataclass(frozen=True, kw_only=True)
class Register:
    """How one language's messages address their reader."""

    name: NameForm  # what the greeting calls the reader: full name, first name, or nothing
    reader: str  # the form of address, as a native reader would name it
    familiar: tuple[str, ...] = ()  # words of the familiar register no message may use


REGISTERS: dict[str, Register] = {
    "en": Register(name="full", reader="you"),
    "ja": Register(name="full", reader="様, keigo", familiar=("あなた", "君")),
    "ko": Register(name="full", reader="님, 하십시오체", familiar=("당신", "너는", "너의")),
    "pl": Register(name="none", reader="Państwo",
                   familiar=("Twój", "Twoja", "Twoje", "Twoim", "Twojej", "Twoich", "Twojego",
                             "Ciebie", "Tobie", " Ci ", "Jesteś", "możesz", "oceniasz",
                             "polecisz", "odpowiedz ", "zapłaciłeś", "zapłaciłaś")),
    "sv": Register(name="given", reader="du/ni, first name", familiar=("Tjena", "Hejsan")),
}


def register(language: str) -> Register:
    """The register of a language tag ('sv', 'sv-SE', 'ja_JP'); English for one not listed."""
    return REGISTERS.get(language.replace("_", "-").split("-")[0].lower(), REGISTERS["en"])


def addressed(name: str, language: str) -> str:
    """What a message's greeting calls a contact named `name`: 'Elin' for Elin Sandberg in
    Swedish, '高橋 健一' in Japanese; '' where the greeting names nobody (Polish)."""
    form = register(language).name
    if form == "none":
        return ""
    if form == "given":
        return name.split()[0] if name.split() else name
    return name
