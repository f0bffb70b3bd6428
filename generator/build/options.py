"""Build options: where content and output live, which clients, and the build date."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from generator.errors import ContentError, PortalError, Problem, display_path

if TYPE_CHECKING:  # imported lazily: a no-op build must not pay for pydantic and Jinja
    from generator.content.domain import Site
    from generator.render.portal import Theme


@dataclass(frozen=True)
class BuildOptions:
    """What `portal build` was asked to do."""

    content_dir: Path = Path("content")
    out_dir: Path = Path("output")
    clients: tuple[str, ...] = ()
    as_of: date | None = None
    agency_out: Path | None = None  # the agency overview; None: <out_dir>/_agency
    secrets_file: Path | None = None  # default: .portal-secrets beside the content folder
    jobs: int = 1
    force: bool = False
    shard: tuple[int, int] | None = None  # (K, N): build the clients of shard K of N
    changed_since: str | None = None  # a git ref: build only clients changed since it


def build_date(option: date | None, timezone_name: str,
               environ: Mapping[str, str] = os.environ) -> date:
    """The build date: `--as-of`, else SOURCE_DATE_EPOCH, else today in the agency's zone."""
    if option is not None:
        return option
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError):
            raise PortalError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
        return moment.astimezone(ZoneInfo(timezone_name)).date()
    return datetime.now(ZoneInfo(timezone_name)).date()


def site_theme(site: Site) -> Theme:
    """The theme named in portal.yaml (relative to it), in front of the default theme."""
    from generator.render.portal import theme_for

    name = site.agency.config.theme
    if not name or name == "default":
        return theme_for(None)
    folder = (site.content_dir / name).resolve()
    if not any((folder / part).is_dir() for part in ("templates", "static", "locales")):
        shown = display_path(site.content_dir / "portal.yaml", site.content_dir)
        raise ContentError([Problem(shown, None, f"theme: '{name}' has no templates/ or "
                                                 f"static/ folder (looked in {folder})")])
    return theme_for(folder)


def selected_clients(site: Site, wanted: tuple[str, ...]) -> list[str]:
    """The slugs to build: all, or those asked for (an unknown slug is a usage error)."""
    known = [client.slug for client in site.clients]
    unknown = [slug for slug in wanted if slug not in known]
    if unknown:
        raise PortalError(f"no such client: {', '.join(unknown)} (known: {', '.join(known)})")
    return [slug for slug in known if not wanted or slug in wanted]
