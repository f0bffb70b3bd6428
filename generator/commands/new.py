"""`portal new`: a new client folder that validates and builds at once.

`client_files` is pure (the files as text); `create_client` checks the slug and writes them.
Each YAML file starts with a `# yaml-language-server: $schema=` comment so editors validate
and complete it (the schema files come from `portal schema`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click
from pydantic import TypeAdapter, ValidationError

from generator.commands.schema import SCHEMAS, schema_comment, write_schemas
from generator.content.fieldtypes import CountryCode, CurrencyCode, LocaleCode
from generator.content.folders import SLUG_PATTERN
from generator.content.read import read_agency
from generator.content.validate import validate_agency
from generator.errors import UsageError
from generator.pipeline.options import build_date

FIRST_REQUIREMENT = "first-requirement"


@dataclass(frozen=True, kw_only=True)
class Codes:
    """The codes given on the command line, each checked; None when not given."""

    locale: str | None = None
    currency: str | None = None
    country: str | None = None


def check_slug(slug: str) -> str:
    """Refuse a slug that is not lower-case letters, digits and hyphens."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise click.BadParameter(f"'{slug}' is not a slug: use lower-case letters, digits and "
                                 "hyphens, starting with a letter or digit (e.g. acme-retail)")
    return slug


def check_code(kind: type, value: str | None, what: str) -> str | None:
    """Validate a locale or currency code given on the command line."""
    if value is None:
        return None
    try:
        return str(TypeAdapter(kind).validate_python(value))
    except ValidationError as error:
        message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise click.BadParameter(f"{what}: {message}") from None


def _yaml_text(value: str) -> str:
    """A YAML 1.2 double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _country_lines(country: str | None) -> list[str]:
    """The country, and the address and tax numbers an invoice to the client needs."""
    if not country:
        return ["# country: PL               # the client's country: it decides which of the "
                "agency's entities invoices it, and the VAT"]
    return [f"country: {country}",
            "# legal_name: \"…\"            # the name on invoices, if not the name above",
            "# address: |                # printed on invoices",
            "#   Street 1",
            "#   00-000 City",
            "# tax_ids: {eu_vat: …}       # the client's tax numbers (see docs/content-format.md)"]


def client_files(slug: str, name: str, codes: Codes, today: date,
                 comments: dict[str, str]) -> dict[str, str]:
    """Every file of a new client folder, by path relative to it."""
    profile = [comments["client.yaml"].rstrip("\n"), f"name: {_yaml_text(name)}"]
    profile += [f"locale: {codes.locale}"] if codes.locale else []
    profile += [f"currency: {codes.currency}"] if codes.currency else []
    profile += _country_lines(codes.country)
    profile += [
        "lifecycle_stage: onboarding",
        f"acquired_on: {today.isoformat()}",
        f"last_contact_on: {today.isoformat()}",
        "account_manager:            # the agency's manager for this client: change these",
        "  name: Account Manager",
        "  email: manager@example.com",
        "contacts:",
        "  - name: Main Contact      # the client's contact: change these",
        "    email: contact@example.com",
        "    decision_maker: true",
    ]
    return {
        "client.yaml": "\n".join(profile) + "\n",
        "scope.md": f"""---
title: Scope of work
status: draft
version: "0.1"
---
## Goals

What {name} gets from this engagement.

## Deliverables

See [the first requirement](requirements/{FIRST_REQUIREMENT}.md).
""",
        f"requirements/{FIRST_REQUIREMENT}.md": """---
title: First requirement
status: draft
priority: medium
---
## Purpose

Describe the need, then the acceptance criteria.
""",
        "deadlines.yaml": f"""{comments["deadlines.yaml"]}milestones:
  - id: kickoff
    title: Kickoff meeting
    due: {(today + timedelta(days=7)).isoformat()}
    status: planned
""",
        "invoices/001.yaml": f"""{comments["invoice.yaml"]}number: {_yaml_text(f"{slug.upper()}-001")}
issued: {today.isoformat()}
due: {(today + timedelta(days=14)).isoformat()}
items:
  - description: Onboarding
    quantity: 1
    unit: day
    unit_price: 1000
    tax_rate: 0              # set your country's rate, e.g. 23
""",
    }


def create_client(content_dir: Path, slug: str, name: str | None, codes: Codes,
                  schemas: Path) -> list[Path]:
    """Write a new client folder dated the build date (SOURCE_DATE_EPOCH, else today in the
    agency's time zone); refuse an existing one. Return the files written."""
    if not (content_dir / "portal.yaml").is_file():
        raise UsageError(f"{content_dir} has no portal.yaml; is --content right?")
    today = build_date(None, validate_agency(read_agency(content_dir)).config.timezone)
    folder = content_dir / slug
    if folder.exists():
        raise UsageError(f"{folder} already exists; choose another slug")
    if not all((schemas / file).is_file() for file in SCHEMAS):
        write_schemas(schemas)
    comments = {
        "client.yaml": schema_comment(schemas / "client.schema.json", folder / "client.yaml"),
        "deadlines.yaml": schema_comment(schemas / "deadlines.schema.json",
                                         folder / "deadlines.yaml"),
        "invoice.yaml": schema_comment(schemas / "invoice.schema.json",
                                       folder / "invoices/001.yaml"),
    }
    files = client_files(slug, name or slug.replace("-", " ").title(), codes, today, comments)
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


__all__ = ["Codes", "CountryCode", "CurrencyCode", "LocaleCode", "check_code", "check_slug", "client_files",
           "create_client"]
