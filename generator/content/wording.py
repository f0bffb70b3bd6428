"""Messages in an office's words: where a mistake is as a person counts (the second milestone,
'Design sign-off'), and what to write instead of a value written the way people write it on
paper (29.11.2026, 25%, 18 500,00, Done)."""

from __future__ import annotations

import re
from typing import Any

from generator.errors import did_you_mean

# A list's items by what each one is: `milestones` hold milestones.
_ITEM = {"milestones": "milestone", "items": "item", "contacts": "contact", "team": "team member",
         "approvals": "approval", "answers": "answer", "messages": "message",
         "payments": "payment", "accounts": "account", "registrations": "registration",
         "locales": "language", "schedule": "schedule entry"}
_TITLE_KEYS = ("title", "description", "name", "id", "number")
_TITLE_CHARS = 40

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")  # 29.11.2026, 29/11/2026
_YEAR_FIRST = re.compile(r"^\s*(\d{4})[./](\d{1,2})[./](\d{1,2})\s*$")  # 2026/11/29, 2026.11.29
_CURRENCY = re.compile(r"(?i)^\s*(?:[€$£¥₩]|zł|kr|sek|pln|eur|usd|jpy|krw|gbp)\s*|"
                       r"\s*(?:[€$£¥₩円원]|zł|kr|:-|,-|sek|pln|eur|usd|jpy|krw|gbp)\s*$")
_GROUPING = re.compile(r"[\s\u00a0\u202f'’_]")


def place(loc: tuple[Any, ...], data: Any) -> str:
    """Where `loc` is, for a person: `due`, `contract.ends_on`, or with a list item counted
    from one and named by its title, `milestone 2 (Design sign-off), due`."""
    segments: list[str] = []
    keys: list[str] = []
    current = data
    for part in loc:
        if isinstance(part, int):
            name = keys.pop() if keys else "item"
            if keys:
                segments.append(".".join(keys))
            item = current[part] if isinstance(current, list) and 0 <= part < len(current) \
                else None
            segments.append(f"{_ITEM.get(name, name)} {part + 1}{_title(item)}")
            keys, current = [], item
        else:
            keys.append(str(part))
            current = current.get(part) if isinstance(current, dict) else None
    if keys:
        segments.append(".".join(keys))
    return ", ".join(segments)


def _title(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    for key in _TITLE_KEYS:
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            text = str(value).strip()
            short = text if len(text) <= _TITLE_CHARS else text[:_TITLE_CHARS - 1] + "…"
            return f" ({short})"
    return ""


def date_fix(value: object) -> str:
    """What to write instead of `value` where a date belongs."""
    text = str(value)
    if match := _YEAR_FIRST.match(text):
        return f"write dates as {_iso(match[1], match[2], match[3])} (got '{text}')"
    if match := _DAY_FIRST.match(text):
        day, month, year = int(match[1]), int(match[2]), match[3]
        if "/" in text and day <= 12 < month:  # 11/29/2026: month first
            day, month = month, day
        if "/" in text and day <= 12 and month <= 12 and day != month:
            return (f"write dates as YYYY-MM-DD: {_iso(year, month, day)} or "
                    f"{_iso(year, day, month)}? (got '{text}')")
        return f"write dates as {_iso(year, month, day)} (got '{text}')"
    return f"'{text}' is not a date; write dates as YYYY-MM-DD, e.g. 2026-11-29"


def _iso(year: str | int, month: str | int, day: str | int) -> str:
    return f"{int(year):04}-{int(month):02}-{int(day):02}"


def number_fix(value: object) -> str:
    """What to write instead of `value` where a number belongs."""
    text = str(value)
    bare = text.strip()
    if bare.endswith("%") and _plain_number(bare[:-1].strip()):
        return f"write {_plain_number(bare[:-1].strip())}, without % (got '{text}')"
    number = _plain_number(_CURRENCY.sub("", bare))
    if number is not None and number != bare:
        return f"write {number} (got '{text}'): digits, a point before the decimals, " \
               "no spaces or currency"
    return f"'{text}' is not a number; write digits with a point before the decimals, e.g. 2.5"


def _plain_number(text: str) -> str | None:
    """`18 500,00` as `18500.00`, `1.234,5` as `1234.5`, `1,234.50` as `1234.50`; None for
    what is not a number written some national way."""
    digits = _GROUPING.sub("", text)
    if not re.fullmatch(r"-?[\d.,]*\d[\d.,]*", digits):
        return None
    whole, fraction = _split_decimals(digits, grouped=bool(_GROUPING.search(text)))
    if not re.fullmatch(r"-?\d*", whole) or not re.fullmatch(r"\d*", fraction):
        return None
    return f"{whole or '0'}.{fraction}" if fraction else whole


def _split_decimals(digits: str, grouped: bool) -> tuple[str, str]:
    """The whole part and the decimals of a number whose last ',' or '.' is its decimal
    separator, unless it only groups thousands (1,234; 1.234.567)."""
    separators = [c for c in digits if c in ",."]
    if not separators:
        return digits, ""
    decimal = separators[-1]
    whole, _, fraction = digits.rpartition(decimal)
    if decimal in whole or (len(separators) == 1 and len(fraction) == 3 and decimal == ","
                            and not grouped):
        return digits.replace(decimal, ""), ""
    return whole.replace("." if decimal == "," else ",", ""), fraction


def choice_fix(value: object, choices: list[str]) -> str:
    """What to write instead of `value` where one of `choices` belongs."""
    text = str(value)
    same = [c for c in choices if c.casefold() == text.strip().casefold()]
    hint = f" (did you mean '{same[0]}'?)" if same else did_you_mean(text, choices)
    return f"'{text}' is not one of {', '.join(choices)}{hint}"


def choices_in(message: str) -> list[str]:
    """The choices pydantic lists: "Input should be 'a', 'b' or 'c'"."""
    return re.findall(r"'([^']*)'", message.partition("Input should be ")[2])
