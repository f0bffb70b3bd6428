"""Amounts in words, as Polish invoices may print them ("słownie")."""

from __future__ import annotations

from decimal import Decimal

_UNITS = ("", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć")
_TEENS = ("dziesięć", "jedenaście", "dwanaście", "trzynaście", "czternaście", "piętnaście",
          "szesnaście", "siedemnaście", "osiemnaście", "dziewiętnaście")
_TENS = ("", "", "dwadzieścia", "trzydzieści", "czterdzieści", "pięćdziesiąt", "sześćdziesiąt",
         "siedemdziesiąt", "osiemdziesiąt", "dziewięćdziesiąt")
_HUNDREDS = ("", "sto", "dwieście", "trzysta", "czterysta", "pięćset", "sześćset", "siedemset",
             "osiemset", "dziewięćset")
_GROUPS = (("", "", ""), ("tysiąc", "tysiące", "tysięcy"), ("milion", "miliony", "milionów"),
           ("miliard", "miliardy", "miliardów"))
_CURRENCIES = {"PLN": ("złoty", "złote", "złotych")}


def polish_form(number: int, forms: tuple[str, str, str]) -> str:
    """Pick the form for 1, for 2–4 (not 12–14), or for the rest: złoty, złote, złotych."""
    if number == 1:
        return forms[0]
    if number % 10 in (2, 3, 4) and number % 100 not in (12, 13, 14):
        return forms[1]
    return forms[2]


def _below_thousand(number: int) -> list[str]:
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words = [_HUNDREDS[hundreds]]
    words += [_TEENS[units]] if tens == 1 else [_TENS[tens], _UNITS[units]]
    return [w for w in words if w]


def polish_number(number: int) -> str:
    """Spell out a whole number in Polish: 22755 → 'dwadzieścia dwa tysiące siedemset…'."""
    if number == 0:
        return "zero"
    words: list[str] = []
    for power in range(len(_GROUPS) - 1, -1, -1):
        group = number // 1000 ** power % 1000
        if not group:
            continue
        if power and group == 1:
            words.append(_GROUPS[power][0])
            continue
        words += _below_thousand(group)
        if power:
            words.append(polish_form(group, _GROUPS[power]))
    return " ".join(words)


def amount_in_words(amount: Decimal, currency: str, language: str) -> str | None:
    """The amount in words in the portal's language, where we know how; else None."""
    if language.split("_")[0].split("-")[0] != "pl" or currency not in _CURRENCIES:
        return None
    whole = int(amount)
    cents = int((amount - whole) * 100)
    unit = polish_form(whole, _CURRENCIES[currency])
    return f"{polish_number(whole)} {unit} {cents:02d}/100"
