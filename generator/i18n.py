"""Locale-aware formatting (Babel) and UI translations for one portal language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent


class Formatter:
    """Formats dates, money and numbers in one locale and time zone."""

    def __init__(self, locale: str, timezone: str) -> None:
        self.locale = Locale.parse(locale, sep="-" if "-" in locale else "_")
        self.tz = ZoneInfo(timezone)

    @property
    def language_tag(self) -> str:
        """The BCP 47 tag for `<html lang>`."""
        return str(self.locale).replace("_", "-")

    def date(self, value: dt.date | dt.datetime, form: str = "medium") -> str:
        """Format a date (a date-time is shown as its day in the portal's time zone)."""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date() if value.tzinfo else value.date()
        return format_date(value, form, locale=self.locale)

    def when(self, value: dt.date | dt.datetime, form: str = "medium") -> str:
        """Format a date, or a date-time with its time of day."""
        if isinstance(value, dt.datetime):
            return format_datetime(self.aware(value), form, tzinfo=self.tz, locale=self.locale)
        return format_date(value, form, locale=self.locale)

    def aware(self, value: dt.datetime) -> dt.datetime:
        """Attach the portal's time zone to a date-time written without an offset."""
        return value if value.tzinfo else value.replace(tzinfo=self.tz)

    def start_of(self, value: dt.date | dt.datetime) -> dt.datetime:
        """The moment a date begins in the portal's time zone (a date-time stays itself)."""
        if isinstance(value, dt.datetime):
            return self.aware(value)
        return dt.datetime.combine(value, dt.time(0), tzinfo=self.tz)

    def money(self, amount: Decimal, currency: str) -> str:
        """Format an amount with the currency's symbol and minor units."""
        return format_currency(amount, currency, locale=self.locale)

    def number(self, value: Decimal | int) -> str:
        """Format a plain number, keeping the decimals it was written with."""
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def percent(self, rate: Decimal) -> str:
        """Format a rate given in percent (23 → 23 %)."""
        return format_percent(rate / 100, locale=self.locale, decimal_quantization=False)

    def days_between(self, start: dt.date, end: dt.date) -> str:
        """Format the distance between two days, e.g. '3 days'."""
        return format_timedelta(end - start, granularity="day", threshold=1.1,
                                locale=self.locale)
