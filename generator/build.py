"""The build pipeline: config → load → validate → model → render → write."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from generator.config import BuildOptions, build_date, selected_clients, site_theme
from generator.content import read_site
from generator.errors import ContentError, Problem
from generator.i18n import missing_translations
from generator.markdown import MarkdownRenderer
from generator.output import OutputFolder
from generator.render import make_environment, render_client
from generator.validate import validate_site

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    built: tuple[str, ...]
    files: int
    as_of: date
    seconds: float
    warnings: tuple[Problem, ...] = ()  # e.g. UI strings a catalogue does not translate


def build(options: BuildOptions, *, write: bool = True) -> BuildReport:
    """Build the portals; raise ContentError, writing nothing, if any content is wrong."""
    started = time.perf_counter()
    site = validate_site(read_site(options.content_dir))
    slugs = selected_clients(site, options.clients)
    as_of = build_date(options.as_of, site.agency.config.timezone)
    theme = site_theme(site)
    env, markdown = make_environment(theme), MarkdownRenderer(site.agency.config.allow_raw_html)
    output, problems, files = OutputFolder(options.out_dir), [], 0
    if write:
        output.claim()
    try:
        for client in (c for c in site.clients if c.slug in slugs):
            portal = render_client(client, site.agency, theme, env, as_of, markdown)
            problems.extend(portal.problems)
            files += len(portal.files)
            if write and not problems:
                output.stage(client.slug, portal.files)
        if problems:
            raise ContentError(problems)
        if write:
            output.commit(keep=set(slugs) if not options.clients else None)
    finally:
        output.discard()
    languages = [lang for c in site.clients if c.slug in slugs for lang in c.languages]
    # only `portal check` (write=False) lists untranslated UI strings: it takes a while
    warnings = () if write else tuple(missing_translations(env, theme.folders, languages))
    return BuildReport(tuple(slugs), files, as_of, time.perf_counter() - started, warnings)
