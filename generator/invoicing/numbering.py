"""Invoice numbers: unique per seller, in series, without gaps where the law asks for none.

A number pattern (portal.yaml's `invoicing.number`, or a client's `retainer.invoice_number`)
such as `MV-{year}-{month:02}-{seq:03}` defines series: the pattern with everything but `{seq}`
filled in (`MV-2027-01-…`). One seller (a legal entity: invoices name it by its legal name)
numbers each series once across all its clients, so `portal invoice next` takes the next
sequence number after the highest any client of that seller has, and `portal check` rejects a
number two invoices of one seller share. Where the seller's country asks for continuous
numbering, a missing number in a series is a warning.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from generator.errors import Problem

if TYPE_CHECKING:  # this module is light: the build's agency-wide check loads it alone
    from generator.content.domain import Client, InvoiceRecord

# Countries whose VAT law asks for one continuous sequence (no gaps) in a series.
CONTINUOUS_NUMBERING = frozenset({"PL", "FR", "IT", "ES", "PT"})
_FIELDS = {"year": r"\d{4}", "month": r"\d{1,2}", "slug": r"[a-z0-9-]+"}


@dataclass(frozen=True, kw_only=True)
class IssuedNumber:
    """One invoice number as the agency-wide checks see it (kept in the build manifest)."""

    seller: str  # the issuing entity's legal name
    country: str | None  # the issuing entity's state
    number: str
    file: str
    line: int | None
    series: str | None  # the number with its sequence number left out, if the pattern fits
    seq: int | None

    def record(self) -> list[object]:
        return [self.seller, self.country, self.number, self.file, self.line, self.series,
                self.seq]

    @classmethod
    def from_record(cls, data: list[object]) -> IssuedNumber:
        seller, country, number, file, line, series, seq = data
        return cls(seller=str(seller), country=country if isinstance(country, str) else None,
                   number=str(number), file=str(file),
                   line=line if isinstance(line, int) else None,
                   series=series if isinstance(series, str) else None,
                   seq=seq if isinstance(seq, int) else None)


@cache
def _matcher(pattern: str) -> re.Pattern[str]:
    """A regular expression matching the numbers of `pattern`, `seq` as a group and each
    other field as a group of the series."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if name == "seq":
            parts.append(r"(?P<seq>\d+)")
        elif name is not None:
            parts.append(f"({_FIELDS.get(name, '.+?')})")
    return re.compile("".join(parts) + r"\Z")


def series_of(pattern: str, number: str) -> tuple[str, int] | None:
    """(series, sequence number) of a number written by `pattern`, None if it is not one."""
    matcher = _matcher(pattern)
    match = matcher.match(number)
    if not match or "seq" not in matcher.groupindex:
        return None
    start, end = match.span("seq")
    return number[:start] + "…" + number[end:], int(match.group("seq"))


def number_pattern(client: Client, agency_pattern: str) -> str:
    """The pattern a client's invoices are numbered by."""
    retainer = client.profile.retainer
    return (retainer.invoice_number if retainer and retainer.invoice_number
            else agency_pattern)


def issued_numbers(client: Client, records: Iterable[InvoiceRecord], agency_pattern: str,
                   countries: dict[str, str | None]) -> tuple[IssuedNumber, ...]:
    """Every number of the client's invoices (published or not), with its seller and series;
    `countries` gives each seller's state by legal name."""
    pattern = number_pattern(client, agency_pattern)
    found = []
    for record in records:
        series = series_of(pattern, record.invoice.number)
        found.append(IssuedNumber(
            seller=record.seller.name, country=countries.get(record.seller.name),
            number=record.invoice.number, file=record.source, line=record.number_line,
            series=series[0] if series else None, seq=series[1] if series else None))
    return tuple(found)


def numbering_problems(numbers: Iterable[IssuedNumber]) -> list[Problem]:
    """A number one seller used twice (an error naming both files), and gaps in a series of
    a seller whose country asks for continuous numbering (a warning)."""
    problems: list[Problem] = []
    first: dict[tuple[str, str], IssuedNumber] = {}
    series: dict[tuple[str, str], list[IssuedNumber]] = defaultdict(list)
    for issued in numbers:
        key = (issued.seller, issued.number)
        if key in first and first[key].file != issued.file:
            other = first[key]
            where = f"{other.file}:{other.line}" if other.line else other.file
            problems.append(Problem(issued.file, issued.line, (
                f"invoice number '{issued.number}' is already used by {where}: "
                f"{issued.seller} must number each invoice once, across all its clients")))
        first.setdefault(key, issued)
        if issued.series is not None and issued.country in CONTINUOUS_NUMBERING:
            series[(issued.seller, issued.series)].append(issued)
    for found in series.values():
        problems += _gaps(found)
    return problems


def _gaps(found: list[IssuedNumber]) -> list[Problem]:
    seqs = {n.seq for n in found if n.seq is not None}
    missing = sorted(set(range(min(seqs), max(seqs) + 1)) - seqs) if seqs else []
    if not missing:
        return []
    last = max(found, key=lambda n: n.seq or 0)
    shown = ", ".join(str(seq) for seq in missing[:5]) + (" …" if len(missing) > 5 else "")
    return [Problem(last.file, last.line, (
        f"series {last.series} of {last.seller} misses number(s) {shown}: {last.country} asks "
        "for continuous invoice numbering (a cancelled invoice is corrected, not deleted)"),
        "warning")]


def next_number(pattern: str, day: date, slug: str, seller: str,
                used: Iterable[IssuedNumber]) -> str:
    """The next number of `pattern`'s series for `day`'s month: one above the highest
    sequence number any client of `seller` has in that series (a pattern without `{seq}`
    gives its one number, which the caller finds used or not)."""
    used = list(used)
    probe = pattern.format(year=day.year, month=day.month, seq=0, slug=slug)
    series = series_of(pattern, probe)
    highest = max((n.seq or 0 for n in used
                   if series and n.seller == seller and n.series == series[0]), default=0)
    return pattern.format(year=day.year, month=day.month, seq=highest + 1, slug=slug)
