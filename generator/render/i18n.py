"""Locale-aware formatting (Babel) and UI translations for one portal language."""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.core import get_global
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    format_time,
    format_timedelta,
    get_datetime_format,
    get_relative_name,
)
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from jinja2.ext import extract_from_ast
from markupsafe import Markup, escape

from generator.content.dates import When, day_in, moment_in, zone
from generator.errors import Problem, display_path

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Formatter:
    """Formats dates, money and numbers in one locale and time zone."""

    def __init__(self, locale: str, timezone: str) -> None:
        self.locale = Locale.parse(locale, sep="-" if "-" in locale else "_")
        self.timezone = timezone
        self.tz = zone(timezone)
        # Babel takes ~1 ms a date or an amount; a portal shows the same ones on many pages
        self._done: dict[tuple[str, str, str, str], str] = {}

    @property
    def language_tag(self) -> str:
        """The BCP 47 tag for `<html lang>`."""
        return str(self.locale).replace("_", "-")

    def date(self, value: When, form: str = "medium") -> str:
        """Format a date (a date-time is shown as its day in the portal's time zone), never
        broken across lines: '30 paź 2026', not '30 / paź 2026'."""
        key = ("date", type(value).__name__, value.isoformat(), form)
        if key not in self._done:
            self._done[key] = unbroken(format_date(day_in(value, self.timezone), form,
                                                   locale=self.locale))
        return self._done[key]

    def when(self, value: When, form: str = "medium") -> str:
        """Format a date, or a date-time with its time of day in hours and minutes (a
        deadline's seconds are noise: '10 gru 2026, 14:00')."""
        if not isinstance(value, dt.datetime):
            return unbroken(format_date(value, form, locale=self.locale))
        moment = moment_in(value, self.timezone).astimezone(self.tz)
        day = format_date(moment, form, locale=self.locale)
        time = format_time(moment, "short", tzinfo=self.tz, locale=self.locale)
        # the language's own way to join them, as Babel's format_datetime does
        pattern = str(get_datetime_format(form, locale=self.locale))  # type: ignore[arg-type]
        return pattern.replace("'", "").replace("{0}", unbroken(time)).replace("{1}",
                                                                             unbroken(day))

    def months(self, start: dt.date, end: dt.date) -> str:
        """A span of whole months: 'October 2026', 'October – December 2026'."""
        if (start.year, start.month) == (end.year, end.month):
            return format_skeleton("yMMMM", start, locale=self.locale)
        return format_interval(start, end, "yMMMM", locale=self.locale)

    def money(self, amount: Decimal, currency: str) -> str:
        """Format an amount with the currency's symbol and minor units."""
        key = ("money", currency, str(amount), type(amount).__name__)  # 1.0 and 1.00 apart
        if key not in self._done:
            self._done[key] = format_currency(amount, currency, locale=self.locale)
        return self._done[key]

    def number(self, value: Decimal | int) -> str:
        """Format a plain number, keeping the decimals it was written with."""
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def quantity(self, value: Decimal | int, unit: str | None) -> str:
        """A quantity with its unit: '2.5 h', and in Chinese, Japanese and Korean with no
        space before a unit in their script, as they write counters ('1ヶ月', '18個', '1개월')."""
        number = self.number(value)
        if not unit:
            return number
        joined = unicodedata.east_asian_width(unit[0]) in ("W", "F")
        return f"{number}{'' if joined else ' '}{unit}"

    def percent(self, rate: Decimal) -> str:
        """Format a rate given in percent (23 → 23 %)."""
        return format_percent(rate / 100, locale=self.locale, decimal_quantization=False)

    def relative(self, value: When, as_of: dt.date) -> str:
        """Say how far a day is from the build date: 'today', 'yesterday', 'tomorrow', else
        'in 3 days', '2 weeks ago'."""
        day = day_in(value, self.timezone)
        offset = (day - as_of).days
        if abs(offset) <= 1:  # the language's own words: "today", "wczoraj", "明日"
            name = get_relative_name("day", offset, locale=self.locale)
            if name:
                return name
        return counted(format_timedelta(day - as_of, granularity="day", threshold=1.1,
                                        add_direction=True, locale=self.locale))

    def join(self, items: Iterable[str]) -> str:
        """A list in the language's own words and marks: 'A, B, and C', 'A、B、C', 'A, B i C'
        (markup items stay markup, the rest is escaped)."""
        parts = [escape(item) for item in items]
        if not parts:
            return Markup("")
        marks = [f"\x00{number}\x00" for number in range(len(parts))]
        joined = str(escape(format_list(marks, locale=self.locale)))
        for mark, part in zip(marks, parts, strict=True):
            joined = joined.replace(mark, str(part))
        return Markup(joined)

    @property
    def first_weekday(self) -> str:
        """The first day of the week where the language is spoken, e.g. 'sunday' for ja."""
        locale = self.locale
        if locale.territory is None:
            likely = get_global("likely_subtags").get(str(locale))
            locale = Locale.parse(likely) if likely else locale
        return WEEKDAYS[locale.first_week_day]

    def country_name(self, code: str) -> str:
        """The name of a country in this locale, e.g. 'オランダ' for 'NL' in Japanese."""
        return str(self.locale.territories.get(code.upper(), code))

    def language_name(self, tag: str) -> str:
        """The name of a language in this locale, e.g. 'Japanese' for 'ja' in English."""
        name = Locale.parse(tag, sep="-" if "-" in tag else "_").get_display_name(self.locale)
        return name or tag


# a space between a digit and a kana or kanji (CLDR writes Japanese '6 日前')
_NUMBER_SPACE_WIDE = re.compile(r"(?<=\d)[ \u00a0](?=[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff])")


def counted(text: str) -> str:
    """A number and its counter joined as Chinese and Japanese write them: CLDR's '6 日前'
    becomes '6日前' (Korean writes '6일 전': the space after the counter stays)."""
    return _NUMBER_SPACE_WIDE.sub("", text)


def unbroken(text: str) -> str:
    """`text` with no-break spaces: a date or a time is never split across lines."""
    return text.replace(" ", "\u00a0")


# ---------------------------------------------------------------- UI translations (gettext)


def catalogue_paths(theme_folders: Iterable[Path], language: str) -> list[Path]:
    """The .po files for `language`, most specific theme first (sv_SE falls back to sv)."""
    tags = [language.replace("-", "_")]
    if "_" in tags[0]:
        tags.append(tags[0].split("_")[0])
    return [folder / "locales" / tag / "LC_MESSAGES" / f"{DOMAIN}.po"
            for folder in theme_folders for tag in tags
            if (folder / "locales" / tag / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()]


def load_translations(theme_folders: Iterable[Path], language: str
                      ) -> gettext_module.NullTranslations:
    """Compile the language's catalogues in memory; a missing message falls back to English."""
    paths = catalogue_paths(theme_folders, language)
    if not paths:
        return gettext_module.NullTranslations()
    return _compiled(tuple((p, p.stat().st_mtime_ns) for p in paths), language)


@lru_cache(maxsize=64)
def _compiled(paths: tuple[tuple[Path, int], ...], language: str) -> Translations:
    first: Translations | None = None
    for path, _mtime in paths:
        with path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language.split("-")[0], domain=DOMAIN)
        compiled = BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        translations = Translations(compiled, domain=DOMAIN)
        if first is None:
            first = translations
        else:
            first.add_fallback(translations)
    assert first is not None
    return first


@lru_cache(maxsize=64)  # per catalogue: their caches of done messages serve every portal
def template_functions(translations: gettext_module.NullTranslations) -> dict[str, Callable[..., Any]]:
    """`gettext` and `ngettext` for the render context, as Jinja's new-style i18n calls them.

    Passed per render rather than installed on the shared environment, so portals in different
    languages can be rendered with one environment, even at the same time.
    """

    plain: dict[tuple[str, bool], str] = {}  # messages without variables, done once

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        autoescape = context.eval_ctx.autoescape
        if not variables and (message, autoescape) in plain:
            return plain[message, autoescape]
        text = translations.gettext(message)
        if autoescape:
            text = Markup(text)
        if not variables:
            plain[message, autoescape] = text % variables
            return plain[message, autoescape]
        return text % variables

    @jinja2.pass_context
    def ngettext(context: jinja2.runtime.Context, singular: str, plural: str, num: int,
                 **variables: Any) -> str:
        variables.setdefault("num", num)
        text = translations.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    # `_` too: Jinja's own `_` looks `gettext` up and calls it, a second call for each message
    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def template_messages(env: jinja2.Environment) -> list[tuple[str, int, str | tuple[str, ...]]]:
    """Every message the portal templates translate: (template file, line, msgid).

    The agency overview (templates/agency/) is for agency staff only, in the agency's language.
    """
    found = []
    portal_templates = env.list_templates(
        filter_func=lambda n: not n.startswith(("!", "agency/")))
    for name in portal_templates:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        for line, _function, message in extract_from_ast(env.parse(source)):
            strings = tuple(m for m in (message if isinstance(message, tuple) else (message,)) if m)
            if strings:
                found.append((filename or name, line, strings[0] if len(strings) == 1 else strings))
    return found


def missing_translations(messages: list[tuple[str, int, str | tuple[str, ...]]],
                         theme_folders: Iterable[Path], language: str) -> list[Problem]:
    """A warning for each template message (`template_messages`) that the language's
    catalogue does not translate."""
    if language.split("_")[0].split("-")[0] == SOURCE_LANGUAGE:
        return []
    translations = load_translations(theme_folders, language)
    problems, reported = [], set()
    for filename, line, message in messages:
        msgid = message if isinstance(message, str) else message[0]
        if msgid not in reported and _untranslated(translations, message):
            reported.add(msgid)
            problems.append(Problem(display_path(Path(filename), Path.cwd()), line,
                                    f"no {language} translation for '{msgid}'; "
                                    "the portal shows it in English", "warning"))
    return problems


def _untranslated(translations: gettext_module.NullTranslations,
                  message: str | tuple[str, ...]) -> bool:
    key: Any = message if isinstance(message, str) else (message[0], 0)
    current: Any = translations
    while current is not None:
        if key in getattr(current, "_catalog", {}):  # the compiled .mo's messages
            return False
        current = getattr(current, "_fallback", None)
    return True


