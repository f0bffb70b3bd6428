"""The build pipeline: config → load → validate → model → render → write."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from generator.config import BuildOptions, build_date, selected_clients, site_theme
from generator.content import read_site
from generator.credentials import default_secrets_file, load_secrets
from generator.errors import ContentError
from generator.markdown import MarkdownRenderer
from generator.output import OutputFolder
from generator.protect import protect_portal, superseded_folders
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


def build(options: BuildOptions, *, write: bool = True) -> BuildReport:
    """Build the portals; raise ContentError, writing nothing, if any content is wrong."""
    started = time.perf_counter()
    site = validate_site(read_site(options.content_dir))
    slugs = selected_clients(site, options.clients)
    as_of = build_date(options.as_of, site.agency.config.timezone)
    theme = site_theme(site)
    env, markdown = make_environment(theme), MarkdownRenderer(site.agency.config.allow_raw_html)
    secrets = load_secrets(options.secrets_file or default_secrets_file(options.content_dir))
    output, problems, files, folders = OutputFolder(options.out_dir), [], 0, set()
    if write:
        output.claim()
    try:
        for client in (c for c in site.clients if c.slug in slugs):
            portal = render_client(client, site.agency, theme, env, as_of, markdown)
            problems.extend(portal.problems)
            protected = protect_portal(client, portal.files, secrets, env)
            problems.extend(protected.problems)
            files += len(protected.files)
            folders.add(protected.folder)
            if write and not problems:
                old = superseded_folders(client.slug, protected.folder, output.portals())
                output.stage(protected.folder, protected.files, supersedes=old)
        if problems:
            raise ContentError(problems)
        if write:
            output.commit(keep=folders if not options.clients else None)
    finally:
        output.discard()
    return BuildReport(tuple(slugs), files, as_of, time.perf_counter() - started)
