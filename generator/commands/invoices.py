"""`portal invoice next`: each retainer client's next invoice file, for the agency to review.

`next_invoice` is pure: the client, the agency and the service period give the invoice's YAML
text. The number comes from a pattern (client.yaml's `retainer.invoice_number`, else
portal.yaml's `invoicing.number`), the period from the retainer (a month or a quarter), the
amount from the retainer, the due date from the payment terms, and the tax from where the
parties are: a sale where the agency is registered (at home, or through `registrations`) is
taxed at that country's standard rate; a sale to a business in another EU state is
reverse-charged; anything else needs `retainer.tax_rate`. `write_next_invoices` writes the
files, never over an existing one.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.content.domain import AgencyContent, Client
from generator.content.models import Invoice, Retainer
from generator.content.parties import EU_COUNTRIES, Party, agency_country, invoice_parties
from generator.content.yaml12 import parse_yaml
from generator.errors import UsageError, did_you_mean

# Standard VAT / consumption tax rates in percent (2026). A rate changes by law now and then:
# every file this command writes is reviewed before it is committed.
STANDARD_RATES: dict[str, Decimal] = {code: Decimal(rate) for code, rate in {
    "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25",
    "EE": "24", "ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27",
    "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "PL": "23", "PT": "23", "RO": "21", "SE": "25", "SI": "22", "SK": "23",
    "GB": "20", "NO": "25", "CH": "8.1", "JP": "10", "KR": "10",
}.items()}
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class NextInvoice:
    """The next invoice of one client: where it goes and its text, or why there is none."""

    slug: str
    path: Path  # relative to the content folder
    text: str | None = None
    number: str = ""
    summary: str = ""
    skipped: str | None = None  # why nothing is written


def parse_month(value: str | None) -> date | None:
    """`--month YYYY-MM` as the month's first day; a usage error otherwise."""
    if value is None:
        return None
    match = MONTH.match(value)
    if not match:
        raise UsageError(f"--month: '{value}' is not a month like 2026-11")
    return date(int(match[1]), int(match[2]), 1)


def service_period(retainer: Retainer, start: date) -> tuple[date, date]:
    """The period billed from `start`'s month: that month, or three months for a quarter."""
    months = 3 if retainer.period == "quarterly" else 1
    last = _add_months(start.replace(day=1), months - 1)
    return start.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1])


def default_start(client: Client, as_of: date) -> date:
    """The month after the latest service period invoiced; the build date's month if none."""
    ends = [r.invoice.period.end for r in client.invoices if r.invoice.period]
    return _add_months(max(ends).replace(day=1), 1) if ends else as_of.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def retainer_tax(seller: Party, buyer: Party, agency: AgencyContent,
                 retainer: Retainer) -> tuple[Decimal, bool] | str:
    """(rate, reverse charge) by the parties' countries, else why it cannot be told."""
    if retainer.tax_rate is not None:
        return retainer.tax_rate, False
    registered = {agency_country(agency.config.agency)} | {
        r.country for r in agency.config.agency.registrations}
    if buyer.country in registered and buyer.country in STANDARD_RATES:
        return STANDARD_RATES[buyer.country], False
    states = {seller.vat_country, buyer.vat_country}
    if len(states) == 2 and states <= EU_COUNTRIES:
        return Decimal(0), True
    return (f"no tax rule for a sale from {seller.country or '?'} to {buyer.country or '?'}: "
            "give retainer.tax_rate in client.yaml")


def next_invoice(client: Client, agency: AgencyContent, start: date, as_of: date,
                 description: str, seq: int) -> NextInvoice:
    """The next retainer invoice of the client for the period starting in `start`'s month."""
    retainer = client.profile.retainer
    assert retainer is not None
    period = service_period(retainer, start)
    path = Path(client.slug) / "invoices" / f"{period[0]:%Y-%m}.yaml"
    seller, buyer = invoice_parties(client.profile, agency.config.agency)
    tax = retainer_tax(seller, buyer, agency, retainer)
    if isinstance(tax, str):
        return NextInvoice(client.slug, path, skipped=tax)
    pattern = retainer.invoice_number or agency.config.invoicing.number
    number = pattern.format(year=period[0].year, month=period[0].month, seq=seq,
                            slug=client.slug)
    used = {r.invoice.number for r in client.invoices}
    if number in used:
        return NextInvoice(client.slug, path, skipped=f"number {number} is already used: "
                           "change the invoice number pattern")
    issued = max(as_of, period[0])
    days = agency.config.invoicing.payment_days
    due = issued + timedelta(days=days if retainer.payment_days is None
                             else retainer.payment_days)
    currency = retainer.currency or client.currency
    text = _invoice_text(number, issued, due, period, description, retainer.amount, tax,
                         None if currency == client.currency else currency, as_of)
    rate = "reverse charge" if tax[1] else f"{tax[0]}% tax"
    return NextInvoice(client.slug, path, text, number,
                       f"{number}, {currency} {retainer.amount} + {rate}, due {due}")


def _invoice_text(number: str, issued: date, due: date, period: tuple[date, date],
                  description: str, amount: Decimal, tax: tuple[Decimal, bool],
                  currency: str | None, as_of: date) -> str:
    """The invoice file, in the content format (JSON strings are YAML strings)."""
    lines = [f"# Written by `portal invoice next` on {as_of}: review it, then commit it.",
             f"number: {json.dumps(number, ensure_ascii=False)}",
             f"issued: {issued}", f"due: {due}"]
    lines += [f"currency: {currency}"] if currency else []
    lines += ["period:", f"  start: {period[0]}", f"  end: {period[1]}", "items:",
              f"  - description: {json.dumps(description, ensure_ascii=False)}",
              "    quantity: 1", f"    unit_price: {amount}", f"    tax_rate: {tax[0]}"]
    lines += ["reverse_charge: true"] if tax[1] else []
    text = "\n".join(lines) + "\n"
    Invoice.model_validate(parse_yaml(text).data)  # a bug if it fails
    return text


def write_next_invoices(content_dir: Path, invoices: list[NextInvoice]) -> None:
    """Write each new invoice file; an existing file is never replaced."""
    for invoice in invoices:
        if invoice.text is None:
            continue
        target = content_dir / invoice.path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as out:  # "x": fails if it exists
            out.write(invoice.text)


def plan_next_invoices(content_dir: Path, slugs: tuple[str, ...], month: date | None,
                       as_of: date | None) -> tuple[date, list[NextInvoice]]:
    """The build date and the next invoice of each chosen client with a retainer (every such
    client when none is chosen); raise ContentError when the content has errors."""
    from generator.build.options import build_date
    from generator.build.pipeline import ClientPipeline

    pipeline = ClientPipeline(content_dir)
    day = build_date(as_of, pipeline.agency.config.timezone)
    # validated as of the end of time: every invoice counts, published yet or not
    clients = {client.slug: client for client in pipeline.every_client(date.max)}
    for slug in slugs:
        if slug not in clients:
            raise UsageError(f"--client: no client '{slug}' in {content_dir}"
                             f"{did_you_mean(slug, clients)}")
    planned = []
    for slug in slugs or tuple(sorted(clients)):
        client = clients[slug]
        if client.profile.retainer is None:
            if slugs:
                planned.append(NextInvoice(slug, Path(slug), skipped="no retainer in "
                                           "client.yaml"))
            continue
        planned.append(_planned(pipeline, client, month or default_start(client, day), day,
                                content_dir))
    return day, planned


def _planned(pipeline: Any, client: Client, start: date, as_of: date,
             content_dir: Path) -> NextInvoice:
    assert client.profile.retainer is not None
    period = service_period(client.profile.retainer, start)
    invoice = next_invoice(client, pipeline.agency, start, as_of,
                           retainer_description(pipeline, client, period),
                           len(client.invoices) + 1)
    if invoice.text is not None and (content_dir / invoice.path).exists():
        return replace(invoice, text=None, skipped="the file exists (never overwritten)")
    return invoice


def retainer_description(pipeline: Any, client: Client, period: tuple[date, date]) -> str:
    """The invoice line, in the client's language, from the theme's `retainer_line.html`."""
    from generator.render.i18n import Formatter, load_translations, template_functions

    language = client.languages[0]
    months = Formatter(language, client.timezone).months(*period)
    template = pipeline.env.get_template("partials/retainer_line.html")
    text = template.render(**template_functions(load_translations(pipeline.theme.folders,
                                                                  language)), period=months)
    return " ".join(html.unescape(text).split())
