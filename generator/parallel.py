"""Build clients in worker processes: each reads, validates, renders and stages its clients.

A client is the unit of work: `build_one` reads the client's folder (through `content`),
validates it, renders it and writes it into the staging folder. Each worker process sets up
the agency, theme, Jinja environment and Markdown renderer once and reuses them for every
client it builds (that cache is the one piece of per-process state, by design).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import Problem
from generator.gitinfo import ClientHistory

if TYPE_CHECKING:  # imported lazily: a no-op build must not pay for pydantic and Jinja
    from generator.clients import Client


@dataclass(frozen=True)
class BuildJob:
    """What every worker needs to know: where content is, where to stage, the build date."""

    content_dir: Path
    out_dir: Path
    staging: Path
    as_of: date
    write: bool = True
    secrets: Mapping[str, str] = field(default_factory=dict)  # from the secrets file; the
    # environment's PORTAL_* variables are read by each worker (a process inherits them)


@dataclass(frozen=True)
class ClientResult:
    """What building one client gave: its problems and how many files its portal has."""

    slug: str
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    staged: bool = False
    folder: str = ""  # the portal's folder: the slug, or slug-token for capability links
    pages: int = 0
    row: dict[str, Any] | None = None  # the agency overview's row, as a manifest record
    secrets: list[str] = field(default_factory=list)  # names of the secrets it was built with
    secrets_digest: str = "public"


class ClientBuilder:
    """Builds clients one by one with an agency, theme and environment set up once."""

    def __init__(self, job: BuildJob) -> None:
        from generator.clients import Site
        from generator.config import site_theme
        from generator.content import read_agency
        from generator.credentials import Secrets
        from generator.markdown import MarkdownRenderer
        from generator.render import make_environment
        from generator.validate import validate_agency

        self.agency = validate_agency(read_agency(job.content_dir))
        self.theme = site_theme(Site(job.content_dir, self.agency, ()))
        self.env = make_environment(self.theme)
        self.markdown = MarkdownRenderer(self.agency.config.allow_raw_html)
        self.secrets = Secrets(job.secrets, os.environ)
        self.retarget(job)

    def retarget(self, job: BuildJob) -> None:
        """Build for another build of the same content, agency and theme (serve's next one)."""
        from generator.output import OutputFolder

        self.job = job
        self.output = OutputFolder(job.out_dir, staging=job.staging)

    def build_one(self, slug: str, history: ClientHistory) -> ClientResult:
        """Read, validate, render, protect and (unless only checking) stage one client."""
        from generator.agency import client_row
        from generator.checks import client_dated_warnings
        from generator.i18n import load_translations, template_functions
        from generator.protect import protect_portal, secret_names, secrets_digest
        from generator.render import render_client

        client, problems = self.client(slug, history)
        if client is None:
            return ClientResult(slug, problems)
        problems += client_dated_warnings(client, self.job.as_of)
        portal = render_client(client, self.agency, self.theme, self.env, self.job.as_of,
                               self.markdown)
        problems += portal.problems
        lock_page = template_functions(load_translations(self.theme.folders, client.language))
        protected = protect_portal(client, portal.files, self.secrets, self.env, lock_page)
        problems += protected.problems
        staged = self.job.write and not _errors(problems)
        if staged:
            self.output.stage(protected.folder, protected.files)
        pages = sum(1 for path in portal.files if path.endswith(".html"))
        names = secret_names(client)
        return ClientResult(slug, problems, len(protected.files), staged, protected.folder,
                            pages, client_row(client, self.job.as_of).record(), names,
                            secrets_digest(names, self.secrets))

    def client(self, slug: str, history: ClientHistory | None = None
               ) -> tuple[Client | None, list[Problem]]:
        """Read and validate one client: the client (None on errors) and the problems found."""
        from generator.content import read_client
        from generator.validate import validate_client

        sources, problems = read_client(self.job.content_dir, slug)
        client, found = validate_client(sources, self.agency.config)
        problems = problems + found
        if client is None or _errors(problems):
            return None, problems
        return (client if history is None else replace(client, history=history)), problems


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


_WORKER: dict[str, ClientBuilder] = {}  # one builder per worker process, set by _start


def _start(job: BuildJob) -> None:
    _WORKER["builder"] = ClientBuilder(job)


def _build_in_worker(item: tuple[str, ClientHistory]) -> ClientResult:
    return _WORKER["builder"].build_one(*item)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def build_clients(job: BuildJob, items: list[tuple[str, ClientHistory]], jobs: int,
                  builder: ClientBuilder | None = None,
                  progress: Callable[[ClientResult], None] | None = None) -> list[ClientResult]:
    """Build every client in `items`, in `jobs` processes; results in the order of `items`.

    With `builder` (set up earlier for the same agency and theme), build in this process.
    `progress` is told of each client as soon as it is built.
    """
    if not items:
        return []
    if builder is not None or jobs <= 1 or len(items) == 1:
        if builder is None:
            builder = ClientBuilder(job)
        builder.retarget(job)
        return [_told(progress, builder.build_one(*item)) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, len(items))
    context: Any = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    chunk = max(1, len(items) // (workers * 8))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(job,)) as pool:
        return [_told(progress, result)
                for result in pool.map(_build_in_worker, items, chunksize=chunk)]


def _told(progress: Callable[[ClientResult], None] | None, result: ClientResult) -> ClientResult:
    if progress is not None:
        progress(result)
    return result
