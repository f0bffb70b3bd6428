"""The agency overview's pages: every client's stage, manager, balances, deadline, satisfaction.

Built for the agency only, into `output/_agency/` (or `--agency-out`), never into a client's
portal. The figures are `figures.ClientRow`s, the same that `portal report` prints.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import jinja2

from generator.content.models import PortalConfig
from generator.invoicing import sum_by_currency
from generator.render.figures import ClientRow, agency_nps, received_between
from generator.render.i18n import Formatter
from generator.render.theme import DEFAULT_THEME, Theme, published
from generator.sink import PortalFiles

AGENCY_ASSETS = DEFAULT_THEME / "agency"
PAYMENTS_DAYS = 30  # the overview sums the payments received over the last 30 days
STAGES = ["lead", "onboarding", "active", "paused", "former"]


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


def render_overview(rows: list[ClientRow], config: PortalConfig, as_of: date,
                    env: jinja2.Environment, theme: Theme,
                    portals: dict[str, str] | None = None,
                    imported: dict[str, object] | None = None) -> PortalFiles:
    """Every file of the agency overview: the index, one page per manager, assets.
    `portals` are the clients' portal addresses by slug: absolute, or relative to the
    overview's folder; `imported`, the last payments import's entries not recorded."""
    slugs = manager_slugs(rows)
    fmt = Formatter(config.locale, config.timezone)
    common = {"agency": config.agency, "fmt": fmt, "lang": fmt.language_tag, "as_of": as_of,
              "money": _money_text, "manager_slugs": slugs, "stages": STAGES,
              "portals": {r.slug: (portals or {}).get(r.slug) for r in rows},
              "sort_money": sort_money, "totals": _totals(rows),
              "agency_nps": agency_nps(rows), "imported": _with_dates(imported),
              "received_since": as_of - timedelta(days=PAYMENTS_DAYS),
              "received": received_between(rows, as_of - timedelta(days=PAYMENTS_DAYS), as_of)}
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
    files.update({f"assets/{p.name}": published(p) for p in sorted(AGENCY_ASSETS.iterdir())})
    files["assets/style.css"] = theme.published_static()["style.css"]
    # without an icon of its own a browser asks the host for /favicon.ico
    files["assets/favicon.svg"] = theme.static_files()["favicon.svg"]
    return files


def _with_dates(imported: dict[str, object] | None) -> dict[str, object] | None:
    """The last import as the template shows it: its days as dates."""
    if imported is None:
        return None
    entries = imported["unmatched"]
    assert isinstance(entries, list)
    return {"as_of": date.fromisoformat(str(imported["as_of"])),
            "unmatched": [{**entry, "booked": date.fromisoformat(entry["booked"])}
                          for entry in entries]}


@dataclass(frozen=True)
class Totals:
    """The overview's balances summed per currency (never across currencies)."""

    open: dict[str, Decimal]
    overdue: dict[str, Decimal]
    languages: dict[str, str]  # a language each currency is written in: a client's paying it

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.open) | set(self.overdue))


def _totals(rows: list[ClientRow]) -> Totals:
    languages: dict[str, str] = {}
    for row in rows:
        for currency in row.open_balance:
            languages.setdefault(currency, row.language)
    return Totals(sum_by_currency([p for r in rows for p in r.open_balance.items()]),
                  sum_by_currency([p for r in rows for p in r.overdue_balance.items()]),
                  languages)


def sort_money(balance: dict[str, Decimal]) -> str:
    """A money cell's sort key: its currency, then its amount ('PLN 51967.50'); a client with
    several currencies sorts by the first; none sorts last."""
    if not balance:
        return ""
    currency = sorted(balance)[0]
    return f"{currency} {balance[currency]}"


def _money_text(balance: dict[str, Decimal], language: str) -> str:
    """Amounts per currency in the client's own notation, e.g. '51 967,50 zł'."""
    fmt = Formatter(language, "UTC")
    return " + ".join(fmt.money(amount, currency) for currency, amount in balance.items())


def lock_page_assets(theme: Theme) -> PortalFiles:
    """What the lock page of an encrypted overview loads besides the overview's own assets."""
    static = theme.published_static()
    files: PortalFiles = {f"assets/{name}": static[name]
                          for name in ("favicon.svg", "unlock.css", "unlock.js")}
    files["assets/brand.css"] = b"/* the agency overview: the theme's own accent */\n"
    return files
