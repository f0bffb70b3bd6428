"""Render one client's portal: the theme's templates and static files, feeds, attachments.

`render_client` is pure: it returns the portal as {relative path: bytes or source file} and
the problems found, and writes nothing. Theme folders are an ordered list: the site's own
theme first, then the default theme; `{% extends "!default/base.html" %}` reaches the default
explicitly, so an override can extend the template it replaces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from generator import __version__
from generator.render.atom import atom_feed
from generator.content.domain import Agency, Client
from generator.errors import PortalError, Problem
from generator.publish.headers import CSP
from generator.render.i18n import Formatter, load_translations, template_functions
from generator.render.ics import calendar_ics
from generator.render.languages import language_links, language_prefix, localized
from generator.render.markdown import MarkdownRenderer
from generator.render.pages import Page, mailto, portal_pages

log = logging.getLogger(__name__)

DEFAULT_THEME = Path(__file__).resolve().parents[2] / "themes" / "default"
ASSETS = "assets"

PortalFiles = dict[str, "bytes | Path"]


class ThemeError(PortalError):
    """A template of the theme is broken: names the template and line."""


@dataclass(frozen=True)
class Theme:
    """Theme folders, most specific first; the default theme is always last."""

    folders: tuple[Path, ...] = (DEFAULT_THEME,)

    def static_files(self) -> dict[str, Path]:
        """Map each static file to the folder that wins for it (earlier folders override)."""
        files: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            if static.is_dir():
                for path in sorted(static.rglob("*")):
                    if path.is_file():
                        files[path.relative_to(static).as_posix()] = path
        return dict(sorted(files.items()))


def theme_for(override: Path | None) -> Theme:
    """The default theme, with `override` in front of it when given."""
    if override is None:
        return Theme()
    return Theme((override, DEFAULT_THEME))


def make_environment(theme: Theme, compiled: Path | None = None) -> jinja2.Environment:
    """A Jinja environment over the theme folders, autoescaping, strict about undefined names.

    With `compiled`, templates compiled once are kept there (keyed by template path and
    source checksum) and loaded by later builds instead of compiling them again.
    """
    by_name = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f / "templates"))
                                   for f in theme.folders])
    explicit = jinja2.PrefixLoader(
        {"!default": jinja2.FileSystemLoader(str(DEFAULT_THEME / "templates"))}, delimiter="/")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([explicit, by_name]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(mailto=mailto, generator_version=__version__,
                       csp=markupsafe.Markup(CSP))  # our constant: no escaping needed
    return env


@dataclass
class RenderedPortal:
    """A portal ready to write, and the problems found while rendering it."""

    files: PortalFiles = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def render_client(client: Client, agency: Agency, theme: Theme, env: jinja2.Environment,
                  as_of: date, markdown: MarkdownRenderer) -> RenderedPortal:
    """Render every file of one client's portal, in each of its languages."""
    portal = RenderedPortal()
    for language in reversed(client.languages):  # the default language last: its updates
        prefix = language_prefix(client, language)
        view = localized(client, language)
        pages, problems = portal_pages(view, agency, as_of, markdown, language, prefix)
        portal.problems.extend(problems)
        fmt = Formatter(language, client.timezone)
        common = _common_context(client, agency, fmt, as_of)
        common.update(template_functions(load_translations(theme.folders, language)),
                      page_language=language)
        for page in pages:
            links = language_links(client, language, page.path[len(prefix):], page.root)
            portal.files[page.path] = _render_page(env, page, {**common, "languages": links})
    updates = next(p for p in pages if p.section == "updates").context["updates"]
    portal.files["feed.xml"] = atom_feed(client, agency, updates, fmt, agency.config.base_url)
    portal.files["calendar.ics"] = calendar_ics(client, agency, as_of)
    portal.files[f"{ASSETS}/brand.css"] = _brand_css(client).encode("utf-8")
    portal.files.update({f"{ASSETS}/{name}": path
                         for name, path in theme.static_files().items()})
    portal.files.update(_agency_files(agency))
    portal.files.update(dict(sorted(client.attachments.items())))
    return portal


def _common_context(client: Client, agency: Agency, fmt: Formatter,
                    as_of: date) -> dict[str, Any]:
    logo = agency.config.agency.logo
    return {
        "agency": agency.config.agency,
        "agency_logo": f"{ASSETS}/agency/{Path(logo).name}" if logo else None,
        "client": client.profile,
        "client_logo": client.profile.branding.logo,
        "currency": client.currency,
        "fmt": fmt,
        "lang": fmt.language_tag,
        "as_of": as_of,
    }


def _render_page(env: jinja2.Environment, page: Page, common: dict[str, Any]) -> bytes:
    try:
        template = env.get_template(page.template)
        html = template.render(**common, **page.context, page=page, root=page.root)
    except jinja2.TemplateSyntaxError as error:
        raise ThemeError(f"{error.filename or error.name}:{error.lineno}: {error.message}") from None
    except (jinja2.UndefinedError, jinja2.TemplateNotFound) as error:
        raise ThemeError(f"{_template_place(error)}{error} (rendering {page.path})") from None
    return html.encode("utf-8")


def _template_place(error: Exception) -> str:
    """The innermost template file and line in the traceback, as 'file:line: '."""
    frame, place = error.__traceback__, ""
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            place = f"{filename}:{frame.tb_lineno}: "
        frame = frame.tb_next
    return place


def _agency_files(agency: Agency) -> PortalFiles:
    logo = agency.config.agency.logo
    if not logo:
        return {}
    return {f"{ASSETS}/agency/{Path(logo).name}": agency.files[logo]}


def _brand_css(client: Client) -> str:
    accent = client.profile.branding.accent
    if not accent:
        return "/* no accent colour set: the theme's own is used */\n"
    return f":root {{\n  --accent: {accent};\n  --accent-strong: {accent};\n}}\n"
