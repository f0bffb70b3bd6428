"""`portal invoice next`: each retainer client's next invoice file, for the agency to review.

The invoice itself is invoicing.retainer's (pure); here the clients are read, every number the
agency's sellers have used is gathered (so two clients never get one number), and the files
are written, never over an existing one.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content.domain import Client
from generator.errors import UsageError
from generator.invoicing.numbering import IssuedNumber, issued_numbers
from generator.invoicing.retainer import (
    NextInvoice,
    default_start,
    next_invoice,
    service_period,
)
from generator.invoicing.sellers import sellers

if TYPE_CHECKING:  # imported where used: `portal invoice` stays light
    from generator.pipeline.client import ClientPipeline

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str | None) -> date | None:
    """`--month YYYY-MM` as the month's first day; a usage error otherwise."""
    if value is None:
        return None
    match = MONTH.match(value)
    if not match:
        raise UsageError(f"--month: '{value}' is not a month like 2026-11")
    return date(int(match[1]), int(match[2]), 1)


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
    from generator.pipeline.client import ClientPipeline
    from generator.pipeline.options import build_date, selected_clients

    pipeline = ClientPipeline(content_dir)
    day = build_date(as_of, pipeline.agency.config.timezone,
                       example_date=pipeline.agency.config.example_date)
    # validated as of the end of time: every invoice counts, published yet or not
    clients = {client.slug: client for client in pipeline.every_client(date.max)}
    chosen = selected_clients(sorted(clients), slugs)
    used = _used_numbers(pipeline, list(clients.values()))
    planned = []
    for slug in chosen:
        if clients[slug].profile.retainer is None:
            planned += [NextInvoice(slug, Path(slug), skipped="no retainer in client.yaml")
                        ] if slugs else []
            continue
        planned.append(_planned(pipeline, clients[slug], month, day, content_dir, used))
    return day, planned


def _used_numbers(pipeline: ClientPipeline, clients: list[Client]) -> list[IssuedNumber]:
    """Every invoice number of every client, with its seller and series."""
    agency = pipeline.agency.config
    countries = {e.party.name: e.country for e in sellers(agency.agency).values()}
    return [number for client in clients
            for number in issued_numbers(client, client.invoices, agency.invoicing.number,
                                         countries)]


def _planned(pipeline: ClientPipeline, client: Client, month: date | None, as_of: date,
             content_dir: Path, used: list[IssuedNumber]) -> NextInvoice:
    """The client's next invoice; its number joins `used`, so the next client's comes after."""
    assert client.profile.retainer is not None
    start = month or default_start(client, as_of)
    period = service_period(client.profile.retainer, start)
    invoice = next_invoice(client, pipeline.agency, start, as_of,
                           retainer_description(pipeline, client, period), used)
    if invoice.text is not None and (content_dir / invoice.path).exists():
        return replace(invoice, text=None, skipped="the file exists (never overwritten)")
    if invoice.text is not None and invoice.numbered is not None:
        used.append(invoice.numbered)
    return invoice


def retainer_description(pipeline: ClientPipeline, client: Client, period: tuple[date, date]) -> str:
    """The invoice line, in the client's language, from the theme's `retainer_line.html`."""
    from generator.render.i18n import Formatter, load_translations, template_functions

    language = client.languages[0]
    months = Formatter(language, client.timezone).months(*period)
    template = pipeline.env.get_template("partials/retainer_line.html")
    text = template.render(**template_functions(load_translations(pipeline.theme.folders,
                                                                  language)), period=months)
    return " ".join(html.unescape(text).split())
