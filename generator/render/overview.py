"""The agency overview: every client's stage, manager, balances and next deadline.

Built for the agency only, into `output/_agency/` (or `--agency-out`), never into a client's
portal. `overview_rows` is the one source of the figures: the overview pages and `portal report`
both use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from generator.content.domain import Client, Site, sort_key_when
from generator.publish.credentials import agency_password_variable
from generator.errors import PortalError, Problem
from generator.render.i18n import Formatter
from generator.content.models import PortalConfig
from generator.content.money import invoice_status, sum_by_currency
from generator.publish.output import superseded_folders
from generator.publish.protect import OVERVIEW_NAME, Guard, person_keys
from generator.render.portal import DEFAULT_THEME, PortalFiles, Theme

OVERVIEW_FOLDER = OVERVIEW_NAME
AGENCY_ASSETS = DEFAULT_THEME / "agency"


@dataclass(frozen=True)
class NextDeadline:
    """The milestone a client's row shows as next: when, and what."""

    due: date | datetime
    title: str


@dataclass(frozen=True)
class RetainerFee:
    """The recurring fee a client's row shows."""

    amount: Decimal
    period: str
    currency: str


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
    next_deadline: NextDeadline | None
    retainer: RetainerFee | None

    @property
    def retainer_currency(self) -> str | None:
        return self.retainer.currency if self.retainer else None

    def record(self) -> dict[str, Any]:
        """The row as JSON-able data (kept in the build manifest: unchanged clients are not
        read again to write the overview); `from_record` turns it back."""
        deadline, retainer = self.next_deadline, self.retainer
        return {
            "slug": self.slug, "name": self.name, "language": self.language,
            "lifecycle_stage": self.lifecycle_stage, "manager_name": self.manager_name,
            "manager_email": self.manager_email,
            "acquired_on": _iso(self.acquired_on), "last_contact_on": _iso(self.last_contact_on),
            "open_balance": {c: str(a) for c, a in self.open_balance.items()},
            "overdue_balance": {c: str(a) for c, a in self.overdue_balance.items()},
            "next_deadline": [deadline.due.isoformat(), deadline.title] if deadline else None,
            "retainer": ([str(retainer.amount), retainer.period, retainer.currency]
                         if retainer else None),
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ClientRow:
        deadline, retainer = data["next_deadline"], data["retainer"]
        return cls(
            slug=data["slug"], name=data["name"], language=data["language"],
            lifecycle_stage=data["lifecycle_stage"], manager_name=data["manager_name"],
            manager_email=data["manager_email"],
            acquired_on=_day(data["acquired_on"]), last_contact_on=_day(data["last_contact_on"]),
            open_balance={c: Decimal(a) for c, a in data["open_balance"].items()},
            overdue_balance={c: Decimal(a) for c, a in data["overdue_balance"].items()},
            next_deadline=(NextDeadline(_when(deadline[0]), deadline[1]) if deadline else None),
            retainer=(RetainerFee(Decimal(retainer[0]), retainer[1], retainer[2])
                      if retainer else None),
        )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _when(text: str) -> date | datetime:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def overview_rows(site: Site, as_of: date) -> list[ClientRow]:
    """The overview's figures for every client, as of the build date, by client name."""
    return sorted_rows(client_row(client, as_of) for client in site.clients)


def sorted_rows(rows: Iterable[ClientRow]) -> list[ClientRow]:
    """Rows in the overview's order: by client name."""
    return sorted(rows, key=lambda r: (r.name.casefold(), r.slug))


def client_row(client: Client, as_of: date) -> ClientRow:
    """One client's figures as of the build date."""
    statuses = [(r, invoice_status(r.invoice, as_of)) for r in client.invoices]
    unpaid = [(r.currency, r.totals.total) for r, s in statuses if s != "paid"]
    overdue = [(r.currency, r.totals.total) for r, s in statuses if s == "overdue"]
    upcoming = [m for m in client.milestones if m.status not in ("done", "cancelled")
                and sort_key_when(m.due)[0] >= as_of]
    profile, manager = client.profile, client.profile.account_manager
    retainer = profile.retainer
    deadline = min(upcoming, key=lambda m: sort_key_when(m.due), default=None)
    return ClientRow(
        slug=client.slug, name=profile.name, language=client.language,
        lifecycle_stage=profile.lifecycle_stage, manager_name=manager.name,
        manager_email=manager.email, acquired_on=profile.acquired_on,
        last_contact_on=profile.last_contact_on,
        open_balance=sum_by_currency(unpaid), overdue_balance=sum_by_currency(overdue),
        next_deadline=NextDeadline(deadline.due, deadline.title) if deadline else None,
        retainer=(RetainerFee(retainer.amount, retainer.period,
                              retainer.currency or client.currency) if retainer else None),
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


def render_overview(rows: list[ClientRow], config: PortalConfig, as_of: date,
                    env: jinja2.Environment, theme: Theme) -> PortalFiles:
    """Every file of the agency overview: the index, one page per manager, assets."""
    slugs = manager_slugs(rows)
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


def overview_folder(out_dir: Path, agency_out: Path | None) -> Path:
    """Where the overview goes: `<out>/_agency/`, or `--agency-out`."""
    return agency_out if agency_out is not None else out_dir / OVERVIEW_FOLDER


def overview_guard(config: PortalConfig, people: Iterable[tuple[str, str]],
                   shown: str) -> Guard:
    """The overview's protection (portal.yaml `overview_access`): which of the account
    managers (name, e-mail) may open it, and how."""
    access = config.overview_access
    managers: dict[str, str] = {}  # e-mail -> name
    for name, email in sorted(people, key=lambda m: (m[1], m[0])):
        managers.setdefault(email, name)
    wanted = access.managers
    known = set(managers) | set(managers.values())
    problems = tuple(Problem(shown, None, f"overview_access.managers: '{name}' is not an "
                                          "account manager of any client")
                     for name in sorted(set(wanted or ()) - known))
    chosen = [(name, email) for email, name in sorted(managers.items(),
                                                      key=lambda m: (m[1].casefold(), m[0]))
              if wanted is None or name in wanted or email in wanted]
    variables = {agency_password_variable(key): name
                 for key, name in person_keys(chosen).items()}
    return Guard(OVERVIEW_NAME, access.mode, access.share_link, variables, config.locale, shown,
                 problems)


def lock_page_assets(theme: Theme) -> PortalFiles:
    """What the lock page of an encrypted overview loads besides the overview's own assets."""
    static = theme.static_files()
    files: PortalFiles = {f"assets/{name}": static[name]
                          for name in ("favicon.svg", "unlock.css", "unlock.js")}
    files["assets/brand.css"] = b"/* the agency overview: the theme's own accent */\n"
    return files


def write_overview(files: PortalFiles, output: Any, agency_out: Path | None,
                   portals: Iterable[str], folder: str = OVERVIEW_FOLDER) -> None:
    """Stage the overview with the portals (in `folder`, `_agency-<token>` for link mode),
    or write it to its own folder (`--agency-out`)."""
    if agency_out is None or agency_out.resolve() == (output.out_dir / OVERVIEW_FOLDER).resolve():
        existing = {p.name for p in output.out_dir.iterdir() if p.is_dir()}
        output.stage(folder, files, supersedes=superseded_folders(OVERVIEW_NAME, folder,
                                                                  existing))
        return
    if folder != OVERVIEW_FOLDER:
        raise PortalError(f"--agency-out {agency_out}: with overview_access mode 'link' the "
                          "overview's unguessable folder name is its protection; build it into "
                          "the output folder, or use mode 'password'")
    _refuse_inside_portal(agency_out, output.out_dir, portals)
    output.replace_folder(agency_out, files)


def _refuse_inside_portal(agency_out: Path, out_dir: Path, portals: Iterable[str]) -> None:
    target, out = agency_out.resolve(), out_dir.resolve()
    for folder in portals:
        portal = (out_dir / folder).resolve()
        if target == portal or portal in target.parents:
            raise PortalError(f"--agency-out {agency_out} is inside {folder}'s portal; "
                              "the agency overview must never be published with a portal")
    if out in target.parents and not target.relative_to(out).parts[0].startswith("_"):
        raise PortalError(f"--agency-out {agency_out} is inside {out_dir}: use a folder whose "
                          f"name starts with '_' there (as {OVERVIEW_FOLDER}), or one outside it")
