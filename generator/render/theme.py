"""The theme: its folders in order, its static files, and the Jinja environment over them.

The agency's own folder comes first, the default theme last.

`{% extends "!default/base.html" %}` reaches the default theme explicitly, so an agency's
template can extend the one it replaces.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe
import rcssmin
import rjsmin

from generator import __version__
from generator.content.domain import AgencyContent
from generator.content.folders import client_folders
from generator.errors import ContentError, Problem, display_path
from generator.render.pages import mailto
from generator.web.headers import CSP, inline_script_hashes

_SOURCE_THEME = Path(__file__).resolve().parents[2] / "themes" / "default"
# Installed from a wheel, the theme is data below the environment's prefix (pyproject.toml's
# data-files), as a CI workflow installs the generator (`portal init-ci`).
_INSTALLED_THEME = Path(sys.prefix) / "share" / "clientportal" / "themes" / "default"
DEFAULT_THEME = _SOURCE_THEME if _SOURCE_THEME.is_dir() else _INSTALLED_THEME
THEME_PARTS = ("templates", "static", "locales")


def published(path: Path) -> Path | bytes:
    """A file of the theme as published: minified if it is the default theme's CSS or JS."""
    if path.suffix not in (".css", ".js") or not path.is_relative_to(DEFAULT_THEME):
        return path
    return _minified(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _minified(path: Path, _mtime: int) -> bytes:
    text = path.read_text(encoding="utf-8")
    small: str = rcssmin.cssmin(text) if path.suffix == ".css" else rjsmin.jsmin(text)
    return (small.rstrip("\n") + "\n").encode("utf-8")


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

    def published_static(self) -> dict[str, Path | bytes]:
        """The static files as a portal publishes them: the default theme's stylesheets and
        scripts minified (every page pays for them, and a page stays under 50 KB), an
        agency's own files as they are."""
        return {name: published(path) for name, path in self.static_files().items()}

    def templates(self) -> list[Path]:
        """Every template file of every theme folder."""
        return [path for folder in self.folders
                for path in sorted((folder / "templates").rglob("*")) if path.is_file()]

    def script_hashes(self) -> frozenset[str]:
        """`sha256-…` of each inline script written out in the theme's templates (one with
        template code in it cannot be known in advance, so it is not allowed): the only
        inline scripts a page's CSP allows. Never hashed from a rendered page, so nothing
        content adds can run."""
        found: set[str] = set()
        for path in self.templates():
            found |= inline_script_hashes(path.read_bytes(), static_only=True)
        return frozenset(found)

    def element_ids(self) -> frozenset[str]:
        """The ids the theme's templates give elements: content may not take them."""
        return frozenset(match.decode() for path in self.templates()
                         for match in _ELEMENT_ID.findall(path.read_bytes()))


_ELEMENT_ID = re.compile(rb'\bid="([A-Za-z][\w-]*)"')


def theme_for(override: Path | None) -> Theme:
    """The default theme, with `override` in front of it when given."""
    if override is None:
        return Theme()
    return Theme((override, DEFAULT_THEME))


def agency_theme(content_dir: Path, agency: AgencyContent) -> Theme:
    """The theme portal.yaml names (a folder relative to it), in front of the default one."""
    name = agency.config.theme
    if not name or name == "default":
        return theme_for(None)
    folder = (content_dir / name).resolve()
    problem = _client_folder_in(folder, content_dir, name)
    if problem is None and not any((folder / part).is_dir() for part in THEME_PARTS):
        problem = f"theme: '{name}' has no templates/ or static/ folder (looked in {folder})"
    if problem:
        source = agency.portal_file
        raise ContentError([Problem(source.shown, source.document.line_of(("theme",)), problem)])
    return theme_for(folder)


def _client_folder_in(folder: Path, content_dir: Path, name: str) -> str | None:
    """A theme is trusted code and a client folder is not: the theme may not be one, be
    inside one, or hold one."""
    for slug in client_folders(content_dir)[0]:
        client = (content_dir / slug).resolve()
        if folder == client or client in folder.parents or folder in client.parents:
            return (f"theme: '{name}' is, is inside or holds the client folder '{slug}'; a "
                    "theme is trusted code and client folders are not: keep the theme outside "
                    "them (beside the content folder, or in a folder starting with '_')")
    return None


def make_environment(theme: Theme) -> jinja2.Environment:
    """A Jinja environment over the theme folders, autoescaping, strict about undefined names
    (the pipeline gives it a cache of compiled templates, `bytecode_cache`)."""
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
        # An environment serves one theme as it was: a build whose theme changed sets up
        # another (pipeline.workers). Reloading would stat each template at each use.
        auto_reload=False,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(mailto=mailto, generator_version=__version__,
                       csp=markupsafe.Markup(CSP))  # our constant: no escaping needed
    return env


def template_error(error: Exception, rendering: str) -> ContentError:
    """A broken template as a content error naming its file and line."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return ContentError([Problem(display_path(Path(error.filename or error.name or "?"), Path.cwd()),
                                     error.lineno, error.message or str(error))])
    path, line = _template_place(error)
    return ContentError([Problem(display_path(Path(path or rendering), Path.cwd()), line,
                                 f"{error} (rendering {rendering})")])




def _template_place(error: Exception) -> tuple[str | None, int | None]:
    """The innermost template file and line in the traceback."""
    frame = error.__traceback__
    place: tuple[str | None, int | None] = (None, None)
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            place = (filename, frame.tb_lineno)
        frame = frame.tb_next
    return place
