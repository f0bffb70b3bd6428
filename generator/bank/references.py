"""What in a bank entry can name an invoice: RF references, invoice numbers in the text.

RF creditor references (ISO 11649) are checked by python-stdnum; runs of words in the
remittance text spell a reference or an invoice number once separators and case are put aside
("fv 2026/07-014" spells FV/2026/07/014).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from stdnum import iso11649

_RF = re.compile(r"RF\s?\d\s?\d(?:\s?[A-Z0-9]){1,21}")
_WORD = re.compile(r"[^\W_]+")
_SEPARATORS = frozenset(" -/._")


def compact(text: str) -> str:
    """`text` without separators, in upper case, full-width forms folded: how two spellings
    of one reference compare."""
    return "".join(char for char in unicodedata.normalize("NFKC", text).upper()
                   if char.isalnum())


def looks_like_rf(reference: str) -> bool:
    """Whether a reference is meant as an RF creditor reference: RF and two digits first."""
    return re.match(r"RF\d\d", compact(reference)) is not None


def rf_is_valid(reference: str) -> bool:
    """ISO 11649 check digits, by python-stdnum."""
    return bool(iso11649.is_valid(compact(reference)))


@dataclass(frozen=True, kw_only=True)
class RfInText:
    valid: tuple[str, ...]      # every reading of an RF in the text whose check digits hold
    invalid: tuple[str, ...]    # RF references whose check digits are wrong, as written


def rf_in_text(text: str) -> RfInText:
    """RF references written in free text, spaces between groups or not. Where the text runs
    on after one (SWIFT lines are cut mid-word: "RF18 5390 0754 7034Rechnung"), each
    length is tried: the matcher keeps only readings an open invoice carries."""
    valid: list[str] = []
    invalid: list[str] = []
    for found in _RF.finditer(unicodedata.normalize("NFKC", text).upper()):
        letters = compact(found.group())
        readings = [letters[:end] for end in range(len(letters), 4, -1)
                    if iso11649.is_valid(letters[:end])]
        if readings:
            valid += readings
        else:
            invalid.append(found.group().strip())
    return RfInText(valid=tuple(valid), invalid=tuple(invalid))


@dataclass(frozen=True, kw_only=True)
class Span:
    """Words `first` to `last` of a text, and what they spell compacted."""

    first: int
    last: int
    key: str


def spans(text: str, max_words: int) -> Iterator[Span]:
    """Every run of up to `max_words` words of `text` joined by at most two separator
    characters (space - / . _), compacted."""
    normal = unicodedata.normalize("NFKC", text).upper()
    words = list(_WORD.finditer(normal))
    for first in range(len(words)):
        key = words[first].group()
        yield Span(first=first, last=first, key=key)
        for last in range(first + 1, min(first + max_words, len(words))):
            gap = normal[words[last - 1].end():words[last].start()]
            if len(gap) > 2 or not set(gap) <= _SEPARATORS:
                break
            key += words[last].group()
            yield Span(first=first, last=last, key=key)


def word_count(reference: str) -> int:
    """How many words a reference or invoice number has."""
    return len(_WORD.findall(unicodedata.normalize("NFKC", reference))) or 1


def outermost(found: Iterable[Span]) -> list[Span]:
    """The spans not inside a longer one: "FV/2026/07/014" names that invoice, not also an
    invoice numbered "2026-07" that its middle spells."""
    ordered = sorted(found, key=lambda span: (span.first, -span.last))
    kept: list[Span] = []
    for span in ordered:
        if not any(k.first <= span.first and span.last <= k.last for k in kept):
            kept.append(span)
    return kept


def shape_pattern(numbers: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern of the shapes of invoice numbers that have letters ("FV/2026/07/014" gives
    FV, four digits, two, three): text that has one names an invoice even when it is not
    an open one. Numbers of digits only have no shape: too many other numbers look alike."""
    shapes = sorted({_shape(number) for number in numbers if _has_letter(number)})
    if not shapes:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(shapes) + r")(?![^\W_])")


def _has_letter(number: str) -> bool:
    return any(char.isalpha() for char in number)


def _shape(number: str) -> str:
    parts = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", number).upper()):
        pieces = re.split(r"(\d+)", word)
        parts.append("".join(rf"\d{{{len(piece)}}}" if piece.isdigit() else re.escape(piece)
                             for piece in pieces if piece))
    return r"[-/._ ]?".join(parts)


def natural_key(number: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of an invoice number: its digit runs by value ("9" before "10")."""
    return tuple((0, int(piece), "") if piece.isdigit() else (1, 0, piece)
                 for piece in re.split(r"(\d+)", number) if piece)
