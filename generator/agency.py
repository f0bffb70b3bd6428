"""The agency overview: every client's stage, manager, balances and next deadline.

Built for the agency only, into `output/_agency/` (or `--agency-out`), never into a client's
portal. `overview_rows` is the one source of the figures: the overview pages and `portal report`
both use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from generator.clients import Client, Site, sort_key_when
from generator.errors import PortalError
from generator.i18n import Formatter
from generator.models import Retainer
from generator.money import invoice_status, sum_by_currency
from generator.render import DEFAULT_THEME, PortalFiles, Theme

OVERVIEW_FOLDER = "_agency"
AGENCY_ASSETS = DEFAULT_THEME / "agency"


@dataclass(frozen=True)
class ClientRow:
    """One client's line in the overview."""

    slug: str
    name: str
    language: str
    lifecycle_stage: str
    manager_name: str
    manager_email: str
    acquired_on: date | None
    last_contact_on: date | None
    open_balance: dict[str, Decimal]
    overdue_balance: dict[str, Decimal]
    next_deadline: Any  # Milestone | None
    retainer: Retainer | None
    retainer_currency: str | None


def overview_rows(site: Site, as_of: date) -> list[ClientRow]:
    """The overview's figures for every client, as of the build date, by client name."""
    rows = [_row(client, as_of) for client in site.clients]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.slug))


def _row(client: Client, as_of: date) -> ClientRow:
    statuses = [(r, invoice_status(r.invoice, as_of)) for r in client.invoices]
    unpaid = [(r.currency, r.totals.total) for r, s in statuses if s != "paid"]
    overdue = [(r.currency, r.totals.total) for r, s in statuses if s == "overdue"]
    upcoming = [m for m in client.milestones if m.status not in ("done", "cancelled")
                and sort_key_when(m.due)[0] >= as_of]
    profile, manager = client.profile, client.profile.account_manager
    retainer = profile.retainer
    return ClientRow(
        slug=client.slug, name=profile.name, language=client.language,
        lifecycle_stage=profile.lifecycle_stage, manager_name=manager.name,
        manager_email=manager.email, acquired_on=profile.acquired_on,
        last_contact_on=profile.last_contact_on,
        open_balance=sum_by_currency(unpaid), overdue_balance=sum_by_currency(overdue),
        next_deadline=min(upcoming, key=lambda m: sort_key_when(m.due), default=None),
        retainer=retainer,
        retainer_currency=(retainer.currency or client.currency) if retainer else None,
    )


def manager_slugs(rows: list[ClientRow]) -> dict[str, str]:
    """A file name for each account manager (by e-mail), unique and readable."""
    slugs: dict[str, str] = {}
    for email in sorted({r.manager_email for r in rows}):
        base = _slugify(email.split("@")[0]) or "manager"
        slug, n = base, 2
        while slug in slugs.values():
            slug, n = f"{base}-{n}", n + 1
        slugs[email] = slug
    return slugs


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# ---------------------------------------------------------------- pages


def render_overview(site: Site, as_of: date, env: jinja2.Environment,
                    theme: Theme) -> PortalFiles:
    """Every file of the agency overview: the index, one page per manager, assets."""
    rows = overview_rows(site, as_of)
    slugs = manager_slugs(rows)
    config = site.agency.config
    fmt = Formatter(config.locale, config.timezone)
    common = {"agency": config.agency, "fmt": fmt, "lang": fmt.language_tag, "as_of": as_of,
              "money": _money_text, "when": day_of, "manager_slugs": slugs,
              "stages": ["lead", "onboarding", "active", "paused", "former"]}
    files: PortalFiles = {}
    template = env.get_template("agency/index.html")
    managers = sorted({(r.manager_name, r.manager_email) for r in rows},
                      key=lambda m: (m[0].casefold(), m[1]))
    files["index.html"] = template.render(
        **common, rows=rows, managers=managers, manager=None, root="").encode("utf-8")
    for name, email in managers:
        mine = [r for r in rows if r.manager_email == email]
        files[f"managers/{slugs[email]}.html"] = template.render(
            **common, rows=mine, managers=managers, manager=(name, email),
            root="../").encode("utf-8")
    files.update({f"assets/{p.name}": p for p in sorted(AGENCY_ASSETS.iterdir())})
    files["assets/style.css"] = theme.static_files()["style.css"]
    # without an icon of its own a browser asks the host for /favicon.ico
    files["assets/favicon.svg"] = theme.static_files()["favicon.svg"]
    return files


def _money_text(balance: dict[str, Decimal], language: str) -> str:
    """Amounts per currency in the client's own notation, e.g. '51 967,50 zł'."""
    fmt = Formatter(language, "UTC")
    return " + ".join(fmt.money(amount, currency) for currency, amount in balance.items())


def day_of(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def write_overview(site: Site, as_of: date, env: jinja2.Environment, theme: Theme,
                   output: Any, agency_out: Path | None) -> None:
    """Stage the overview with the portals, or write it to its own folder (`--agency-out`)."""
    files = render_overview(site, as_of, env, theme)
    if agency_out is None or agency_out.resolve() == (output.out_dir / OVERVIEW_FOLDER).resolve():
        output.stage(OVERVIEW_FOLDER, files)
        return
    _refuse_inside_portal(agency_out, output.out_dir, site)
    output.replace_folder(agency_out, files)


def _refuse_inside_portal(agency_out: Path, out_dir: Path, site: Site) -> None:
    target, out = agency_out.resolve(), out_dir.resolve()
    for client in site.clients:
        portal = (out_dir / client.slug).resolve()
        if target == portal or portal in target.parents:
            raise PortalError(f"--agency-out {agency_out} is inside {client.slug}'s portal; "
                              "the agency overview must never be published with a portal")
    if out in target.parents and not target.relative_to(out).parts[0].startswith("_"):
        raise PortalError(f"--agency-out {agency_out} is inside {out_dir}: use a folder whose "
                          f"name starts with '_' there (as {OVERVIEW_FOLDER}), or one outside it")
