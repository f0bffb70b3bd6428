"""Validated scalar types shared by the content models: codes, paths, colours, dates."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Annotated, Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.languages import get_official_languages
from babel.localedata import locale_identifiers
from babel.numbers import list_currencies
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)

from generator.content.folders import SLUG_PATTERN
from generator.errors import did_you_mean

# What a real invoice or plan uses, with room to spare. Beyond these a figure is a mistake,
# and one that exact arithmetic (Decimal, 28 digits) or the calendar could not carry: the
# product of two largest figures, summed over many lines, still fits.
MAX_FIGURE_DIGITS = 11  # before the decimal point: below 100 000 000 000
MAX_DECIMALS = 6  # after it
FIRST_YEAR, LAST_YEAR = 1900, 2199

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
MAX_DURATION_MINUTES = 14 * 24 * 60
_FINGERPRINT = re.compile(r"^sha256:[0-9a-fA-F]{64}$")
_HTTPS_URL = re.compile(r"^https://[\w.-]+(?::\d{1,5})?(?:[/?#][^\s<>\"']*)?$", re.I)


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _check_currency(code: str) -> str:
    if code not in _currencies():
        raise ValueError(f"'{code}' is not an ISO 4217 code{did_you_mean(code, _currencies())}")
    return code


def _check_locale(code: str) -> str:
    try:
        Locale.parse(code, sep="-" if "-" in code else "_")
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"'{code}' is not a known locale{_locale_hint(code)}; "
                         "use a code such as en, pl, ja, sv_SE") from None
    if mistake := _country_for_language(code):
        raise ValueError(mistake)
    return code


def _country_language(code: str) -> str | None:
    """The national language of the country whose ISO 3166 code `code` is (SE: sv)."""
    if len(code) != 2 or code.upper() not in get_global("territory_languages"):
        return None
    official = get_official_languages(code.upper(), de_facto=True)
    return official[0] if official else None


def _locale_hint(code: str) -> str:
    """' (did you mean ...?)' for a locale Babel does not know: a country's language when
    the code is a country's (jp: ja), else a close language code."""
    language = _country_language(code)
    if language and language != code.lower():
        return f" (did you mean '{language}'?)"
    return did_you_mean(code, _languages())


def _country_for_language(code: str) -> str | None:
    """Why a bare code is a country's code written for a language, if it is: `se` is Northern
    Sami to Babel, and Sweden to whoever wrote it, who then gets an English portal marked
    Sami. A language that is a country's national language (sv, ca, ga) is what it says; a
    regional one is written with its country (se_NO, gl_ES, cy_GB)."""
    language = _country_language(code)
    if language is None or language == code or _national_language(code):
        return None
    country = Locale("en").territories.get(code.upper(), code.upper())
    name = Locale("en").languages.get(code, code)
    return (f"'{code}' is the country code of {country}, not a language code "
            f"(did you mean '{language}'?); for {name}, write {_likely(code)}")


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(c for c in locale_identifiers() if "_" not in c)


@lru_cache(maxsize=256)
def _national_language(code: str) -> bool:
    """Whether the language is a national official language of some country."""
    return any(code in get_official_languages(country, regional=False, de_facto=True)
               for country in get_global("territory_languages"))


def _likely(code: str) -> str:
    """The language with its most likely country: se_NO."""
    likely = Locale.parse(get_global("likely_subtags").get(code, code))
    return f"{code}_{likely.territory}" if likely.territory else code


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_timezone(name: str) -> str:
    if name not in _timezones():
        raise ValueError(f"'{name}' is not an IANA time zone{did_you_mean(name, _timezones())}")
    return name


def _check_email(address: str) -> str:
    if not _EMAIL.match(address):
        raise ValueError(f"'{address}' is not an e-mail address")
    return address


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories
                     if isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code))


def _check_country(code: str) -> str:
    if code not in _countries():
        raise ValueError(f"'{code}' is not an ISO 3166 country code (two capital letters, "
                         f"e.g. NL, PL, SE){did_you_mean(code, _countries())}")
    return code


def _check_colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise ValueError(f"'{value}' is not a colour like #1a5fb4")
    return value.lower()


def _check_content_path(value: str) -> str:
    """Reject paths that could leave the folder they are relative to."""
    path = PurePosixPath(value.replace("\\", "/"))
    if _SCHEME.match(value) or value.startswith(("/", "~")) or path.is_absolute():
        raise ValueError(f"'{value}' must be a path relative to the client folder")
    if ".." in path.parts:
        raise ValueError(f"'{value}' leaves the client folder ('..' is not allowed)")
    if not value.strip() or value.endswith("/"):
        raise ValueError(f"'{value}' must name a file")
    return path.as_posix()


def _check_web_url(value: str) -> str:
    """Accept only http(s) addresses: a `javascript:` or `data:` URL never reaches an href."""
    if not re.match(r"^https?://[^\s<>\"']+$", value, re.I):
        raise ValueError(f"'{value}' is not a web address starting with https:// or http://")
    return value


def number_problem(value: object) -> str | None:
    """Why a number written in content cannot be a real figure, if it cannot."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    number = Decimal(value)
    shown = str(value) if len(str(value)) <= 24 else f"{str(value)[:20]}…"
    if not number.is_finite():
        return f"'{shown}' is not a finite number"
    if number and number.adjusted() >= MAX_FIGURE_DIGITS:
        return (f"'{shown}' is larger than any figure here can be (at most "
                f"{MAX_FIGURE_DIGITS} digits before the decimal point)")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS and number != number.quantize(
            Decimal(1).scaleb(-MAX_DECIMALS)):
        return f"'{shown}' has more than {MAX_DECIMALS} decimal places"
    return None


def day_problem(value: object) -> str | None:
    """Why a date cannot be one of a real plan or invoice, if it cannot."""
    if isinstance(value, date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        return (f"'{value.isoformat()}' is not a date of a real plan (years {FIRST_YEAR} to "
                f"{LAST_YEAR})")
    return None


def not_a_date(value: object) -> str | None:
    """A number given where a date belongs (pydantic would read 0 as 1970-01-01)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"'{value}' is not a date (YYYY-MM-DD)"
    return None


def _distinct(values: list[str]) -> list[str]:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise ValueError(f"'{value}' is listed twice")
    return values


def duration_minutes(value: str) -> int:
    """Minutes of a duration written like 45m, 2h or 1h30m."""
    match = _DURATION.match(value.strip().lower())
    if not match or not any(match.groups()):
        raise ValueError(f"'{value}' is not a duration like 45m, 2h or 1h30m")
    hours, minutes = (int(group or 0) for group in match.groups())
    return hours * 60 + minutes


def _check_duration(value: str) -> str:
    minutes = duration_minutes(value)
    if not 0 < minutes <= MAX_DURATION_MINUTES:
        raise ValueError(f"'{value}' must be more than 0 minutes and at most 14 days")
    return value


def _check_https_url(value: str) -> str:
    """Accept only https:// addresses: what a form posts must travel encrypted."""
    if not _HTTPS_URL.match(value):
        raise ValueError(f"'{value}' is not an https:// address (a form endpoint must use "
                         "https: what the client writes travels over the internet)")
    return value


def _check_fingerprint(value: str) -> str:
    if not _FINGERPRINT.match(value):
        raise ValueError(f"'{value}' is not a fingerprint: 'sha256:' and 64 hexadecimal "
                         "digits, copied whole from the approval message")
    return value.lower()


def _parse_when(value: object) -> object:
    """Read 'YYYY-MM-DD' as a date and anything with a time as a datetime."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text)
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"'{text}' is not a date (YYYY-MM-DD) or date-time") from None
    if not isinstance(value, (date, datetime)):
        raise ValueError(f"'{value}' is not a date (YYYY-MM-DD) or date-time")
    return value


CurrencyCode = Annotated[str, AfterValidator(_check_currency),
                         Field(description="ISO 4217 currency code, e.g. EUR, PLN, JPY")]
CountryCode = Annotated[str, AfterValidator(_check_country),
                        Field(description="ISO 3166-1 alpha-2 country code, e.g. NL, PL, JP")]
LocaleCode = Annotated[str, AfterValidator(_check_locale),
                       Field(description="Language code, e.g. en, pl, ja, ko, sv")]
TimezoneName = Annotated[str, AfterValidator(_check_timezone),
                         Field(description="IANA time zone, e.g. Europe/Warsaw")]
Email = Annotated[str, AfterValidator(_check_email), Field(description="E-mail address")]
WebUrl = Annotated[str, AfterValidator(_check_web_url),
                   Field(description="Web address starting with https://")]
HttpsUrl = Annotated[str, AfterValidator(_check_https_url),
                     Field(description="Web address starting with https://")]
Fingerprint = Annotated[str, AfterValidator(_check_fingerprint),
                        Field(description="'sha256:' and the 64 hex digits of a document's "
                                          "SHA-256 fingerprint")]
Colour = Annotated[str, AfterValidator(_check_colour),
                   Field(description="CSS hex colour, e.g. #1a5fb4")]
ContentPath = Annotated[str, AfterValidator(_check_content_path),
                        Field(description="Path of a file, relative to its folder; no '..'")]
Locales = Annotated[list[LocaleCode], AfterValidator(_distinct)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN,
                            description="Lower-case letters, digits and hyphens")]
DateOrDateTime = Annotated[
    date | datetime,
    BeforeValidator(_parse_when),
    Field(description="A date (YYYY-MM-DD) or a date-time with optional offset"),
]
Duration = Annotated[str, AfterValidator(_check_duration),
                     Field(description="A length of time like 45m, 2h or 1h30m")]


class Texts(str):
    """A text given per language (`{ja: 開始, en: Kickoff}`): the text of the first language
    given, with every language's in `by_language` (validate puts the portal's first first)."""

    by_language: dict[str, str] = {}  # noqa: RUF012 (set per instance)

    def in_language(self, language: str) -> str:
        """The text in `language`, else this one."""
        return self.by_language.get(language.split("_")[0].split("-")[0]) or \
            self.by_language.get(language) or str(self)


def _texts(value: object, handler: ValidatorFunctionWrapHandler) -> Any:
    if isinstance(value, dict) and value:
        found = {str(key): handler(text) for key, text in value.items()}
        texts = Texts(next(iter(found.values())))
        texts.by_language = found
        return texts
    return handler(value)


def texts_of(value: object) -> dict[str, str]:
    """The languages a text is given in (none for a plain text)."""
    return dict(value.by_language) if isinstance(value, Texts) else {}


_TEXT_SCHEMA = {"anyOf": [
    {"type": "string", "minLength": 1},
    {"type": "object", "additionalProperties": {"type": "string", "minLength": 1},
     "description": "the text per language, e.g. {ja: 開始, en: Kickoff}"}]}
# A text a reader of each of a bilingual portal's languages reads in theirs.
Translatable = Annotated[str, WrapValidator(_texts), WithJsonSchema(_TEXT_SCHEMA)]
