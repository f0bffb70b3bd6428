"""What a prefilled message says, read back: its reference line, words, fingerprint, answers.

The reference line that ends it, the client's own words (without the quoted message they
reply to), a fingerprint, and the survey's answers.

Every prefilled message (themes/default/templates/partials/talk.html) ends with a line the
same in every language: `Ref: <client>/approval/<document>` (scope or requirements/<name>),
`Ref: <client>/survey/<round>`, or, for a question, `Ref: <client>/<topic>` (a topic's key
never begins with approval/ or survey/; short, as a page may hold many such links). The
words around it are the client's, in the portal's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.inbox.records import Refused

KINDS = ("approval", "survey", "question")
REFERENCE = re.compile(r"^[ \t]*Ref:[ \t]*(?P<slug>[a-z0-9][a-z0-9-]{0,59})/"
                       r"(?:(?P<kind>approval|survey)/)?"
                       r"(?P<key>[a-z0-9][a-zA-Z0-9/._-]{0,199})[ \t]*$", re.M)
FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")
# Where a reply's quoted message begins, as common mail programs write it.
_QUOTE_STARTS = re.compile(
    r"^(?:-{2,}\s*(?:Original Message|Oryginalna wiadomość|Ursprungligt meddelande"
    r"|元のメッセージ|원본 메시지)\s*-{2,}"
    r"|(?:On|W dniu|Den|El|Le|Am)\s.{0,300}(?:wrote|napisał\(a\)|napisał|napisała|skrev"
    r"|escribió|a écrit|schrieb)(?:\s.{0,100})?:"
    r"|.{0,300}(?:のメッセージ|작성|wrote)\s*:"
    r"|_{10,})\s*$", re.M)
_HEADER_BLOCK = re.compile(r"^(?:From|Från|Od|差出人|보낸 사람):\s.*\n(?:.*\n){0,3}?"
                           r"(?:Sent|Date|Skickat|Wysłano|送信日時|보낸 날짜):", re.M)


@dataclass(frozen=True, kw_only=True)
class Reference:
    """The message's reference line: which portal, what kind of message, about what."""

    slug: str
    kind: str
    key: str


def own_words(text: str) -> str:
    """The sender's own words: the text above a quoted message, less lines quoted with '>'."""
    cut = len(text)
    for pattern in (_QUOTE_STARTS, _HEADER_BLOCK):
        match = pattern.search(text)
        if match:
            cut = min(cut, match.start())
    lines = [line for line in text[:cut].split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip("\n")


def reference_in(words: str) -> Reference | None:
    """The reference line of the client's words; Refused when they hold two that differ."""
    found = {(m["slug"], m["kind"] or "question", m["key"]) for m in REFERENCE.finditer(words)}
    if len(found) > 1:
        raise Refused("names more than one portal reference (Ref: lines)")
    if not found:
        return None
    slug, kind, key = found.pop()
    if ".." in key or "//" in key or key.endswith("/"):
        raise Refused("its Ref: line is not one the portal writes")
    return Reference(slug=slug, kind=kind, key=key)


def without_reference(words: str) -> str:
    """The words without the reference line."""
    return REFERENCE.sub("", words).strip("\n")


def one_fingerprint(words: str) -> str:
    """The one fingerprint the words name; Refused when they name none or several."""
    found: set[str] = set(FINGERPRINT.findall(words))
    if len(found) != 1:
        raise Refused("names no fingerprint (sha256:…)" if not found
                      else "names more than one fingerprint")
    return found.pop()


@dataclass(frozen=True, kw_only=True)
class SurveyAnswer:
    """The answers read from a survey message."""

    nps: int | None
    csat: int | None
    comment: str | None


def survey_answer(words: str, gettext: Callable[[str], str], round_name: str) -> SurveyAnswer:
    """The survey's answers: the numbers after the first and second "Answer:" lines (the
    recommendation, 0-10, and the satisfaction, 1-5), and what follows "What could we do
    better?", each label in the portal's language; Refused when no number is given or one is
    out of range."""
    label = _bare(gettext("Answer:"))
    numbers = [_number(line.strip()[len(label):]) for line in words.split("\n")
               if _bare(line.strip()).startswith(label) and label]
    numbers += [None, None]
    nps, csat = numbers[0], numbers[1]
    if nps is None and csat is None:
        raise Refused("gives no answer (a number after the survey's answer lines)")
    if nps is not None and not 0 <= nps <= 10:
        raise Refused(f"answers {nps} where 0 to 10 is asked")
    if csat is not None and not 1 <= csat <= 5:
        raise Refused(f"answers {csat} where 1 to 5 is asked")
    return SurveyAnswer(nps=nps, csat=csat, comment=_comment(words, gettext, round_name))


def _bare(text: str) -> str:
    """A label as compared: without its colon (either width) and surrounding space."""
    return text.strip().rstrip(":：").strip()


def _number(rest: str) -> int | None:
    match = re.search(r"\d{1,3}", rest)
    return int(match.group()) if match else None


def _comment(words: str, gettext: Callable[[str], str], round_name: str) -> str | None:
    """The lines after the question "What could we do better?" up to the survey's name."""
    question = gettext("What could we do better?").strip()
    closing = (gettext("Survey: %(round)s") % {"round": round_name}).strip()
    lines = words.split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == question), None)
    if start is None:
        return None
    kept = []
    for line in lines[start:]:
        if line.strip() == closing or REFERENCE.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip() or None
