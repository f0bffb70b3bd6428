"""The agency overview's pages: every client's stage, manager, balances, deadline, satisfaction.

Built for the agency only, into `output/_agency/` (or `--agency-out`), never into a client's
portal. The figures are `figures.ClientRow`s, the same that `portal report` prints.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

import jinja2

from generator.content.figures import ClientRow, agency_nps
from generator.content.models import PortalConfig
from generator.publish.output import PortalFiles
from generator.render.i18n import Formatter
from generator.render.theme import DEFAULT_THEME, Theme

AGENCY_ASSETS = DEFAULT_THEME / "agency"
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
                    env: jinja2.Environment, theme: Theme) -> PortalFiles:
    """Every file of the agency overview: the index, one page per manager, assets."""
    slugs = manager_slugs(rows)
    fmt = Formatter(config.locale, config.timezone)
    common = {"agency": config.agency, "fmt": fmt, "lang": fmt.language_tag, "as_of": as_of,
              "money": _money_text, "manager_slugs": slugs, "stages": STAGES,
              "agency_nps": agency_nps(rows)}
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


def lock_page_assets(theme: Theme) -> PortalFiles:
    """What the lock page of an encrypted overview loads besides the overview's own assets."""
    static = theme.static_files()
    files: PortalFiles = {f"assets/{name}": static[name]
                          for name in ("favicon.svg", "unlock.css", "unlock.js")}
    files["assets/brand.css"] = b"/* the agency overview: the theme's own accent */\n"
    return files
