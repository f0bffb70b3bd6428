"""The build pipeline: config → load → validate → model → render → write."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import jinja2

from generator.agency import write_overview
from generator.checks import dated_warnings
from generator.config import BuildOptions, build_date, selected_clients, site_theme
from generator.content import read_site
from generator.credentials import default_secrets_file, load_secrets
from generator.errors import ContentError, Problem
from generator.markdown import MarkdownRenderer
from generator.output import OutputFolder
from generator.protect import protect_portal, superseded_folders
from generator.render import Theme, make_environment, render_client
from generator.validate import validate_site

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    built: tuple[str, ...]
    files: int
    as_of: date
    seconds: float
    pages: int = 0
    skipped: int = 0
    warnings: tuple[Problem, ...] = ()


def build(options: BuildOptions, *, write: bool = True,
          progress: Callable[[str, int], None] | None = None,
          environment: Callable[[Theme], jinja2.Environment] = make_environment) -> BuildReport:
    """Build the portals; raise ContentError, writing nothing, if any content is wrong.

    `progress` is told each client's slug and page count as soon as it is rendered;
    `environment` makes the Jinja environment (`serve` keeps one across rebuilds).
    """
    started = time.perf_counter()
    site = validate_site(read_site(options.content_dir))
    slugs = selected_clients(site, options.clients)
    as_of = build_date(options.as_of, site.agency.config.timezone)
    theme = site_theme(site)
    env, markdown = environment(theme), MarkdownRenderer(site.agency.config.allow_raw_html)
    secrets = load_secrets(options.secrets_file or default_secrets_file(options.content_dir))
    output, problems, files, pages = OutputFolder(options.out_dir), [], 0, 0
    folders: set[str] = set()
    if write:
        output.claim()
    try:
        for client in (c for c in site.clients if c.slug in slugs):
            portal = render_client(client, site.agency, theme, env, as_of, markdown)
            problems.extend(portal.problems)
            protected = protect_portal(client, portal.files, secrets, env)
            problems.extend(protected.problems)
            files += len(protected.files)
            pages += sum(1 for path in portal.files if path.endswith(".html"))
            folders.add(protected.folder)
            if write and not problems:
                old = superseded_folders(client.slug, protected.folder, output.portals())
                output.stage(protected.folder, protected.files, supersedes=old)
            if progress is not None:
                progress(client.slug, len(protected.files))
        if problems:
            raise ContentError(problems + list(site.warnings))
        if write:
            write_overview(site, as_of, env, theme, output, options.agency_out)
            output.commit(keep=folders if not options.clients else None)
    finally:
        output.discard()
    return BuildReport(tuple(slugs), files, as_of, time.perf_counter() - started, pages,
                       len(site.clients) - len(slugs),
                       (*site.warnings, *dated_warnings(site, as_of)))
