"""Build clients in worker processes: each reads, validates, renders and stages its clients.

A client is the unit of work: `build_one` reads the client's folder (through `content`),
validates it, renders it and writes it into the staging folder. Each worker process sets up
the agency, theme, Jinja environment and Markdown renderer once and reuses them for every
client it builds (that cache is the one piece of per-process state, by design).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import Problem
from generator.content.history import ClientHistory

if TYPE_CHECKING:  # imported lazily: a no-op build must not pay for pydantic and Jinja
    from generator.content.domain import Client


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
        from generator.content.domain import Site
        from generator.build.options import site_theme
        from generator.content.read import read_agency
        from generator.render.markdown import MarkdownRenderer
        from generator.publish.output import OutputFolder
        from generator.render.portal import make_environment
        from generator.content.validate import validate_agency

        self.agency = validate_agency(read_agency(job.content_dir))
        self.theme = site_theme(Site(job.content_dir, self.agency, ()))
        compiled = OutputFolder(job.out_dir).cache("templates") if job.write else None
        self.env = make_environment(self.theme, compiled)
        self.markdown = MarkdownRenderer(self.agency.config.allow_raw_html)
        self.retarget(job)

    def retarget(self, job: BuildJob) -> None:
        """Build for another build of the same content, agency and theme (serve's next one,
        or a worker set up before its build's date and secrets were known)."""
        from generator.publish.credentials import Secrets
        from generator.publish.output import OutputFolder

        self.job = job
        self.output = OutputFolder(job.out_dir, staging=job.staging)
        self.secrets = Secrets(job.secrets, os.environ)

    def build_one(self, slug: str, history: ClientHistory) -> ClientResult:
        """Read, validate, render, protect and (unless only checking) stage one client."""
        from generator.render.overview import client_row
        from generator.commands.check import client_dated_warnings
        from generator.render.i18n import load_translations, template_functions
        from generator.publish.protect import protect_portal, secret_names, secrets_digest
        from generator.render.portal import render_client

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
        from generator.content.read import read_client
        from generator.content.validate import validate_client

        sources, problems = read_client(self.job.content_dir, slug)
        client, found = validate_client(sources, self.agency.config)
        problems = problems + found
        if client is None or _errors(problems):
            return None, problems
        return (client if history is None else replace(client, history=history)), problems


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


_WORKER: dict[str, ClientBuilder] = {}  # this worker process's builder, once set up


def _start(setup: BuildJob, eager: Any, go: Any) -> None:
    """Set a worker up: the first at once (while the parent plans); the others wait until
    the build has more than one client for them, and set up with their first client."""
    if eager.acquire(False):
        # A broken agency is reported by planning, or by the first client's build.
        with contextlib.suppress(Exception):
            _WORKER["builder"] = ClientBuilder(setup)
    else:
        go.acquire()


def _build_in_worker(item: tuple[BuildJob, str, ClientHistory]) -> ClientResult:
    job, slug, history = item
    builder = _WORKER.get("builder") or ClientBuilder(job)
    _WORKER["builder"] = builder
    if builder.job != job:
        builder.retarget(job)
    return builder.build_one(slug, history)


class Workers:
    """A build's worker processes, forked when planning finds the first client to build.

    One of them sets up at once (imports, agency, theme, compiled templates) while planning
    goes on, so a build with one client to build finds a worker ready; the others set up
    when given their first client. A build that fails kills them.
    """

    def __init__(self, setup: BuildJob, count: int) -> None:
        self.setup, self.count = setup, count
        self._pool: Any = None
        self._closed = False
        self._go: Any = None  # released once for each worker waiting to set up
        self._waiting = count - 1

    @classmethod
    def usable(cls, setup: BuildJob, jobs: int) -> Workers | None:
        """Workers for a build of `jobs` processes, or None to build in this process."""
        import multiprocessing

        if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        return cls(setup, jobs)

    def start(self) -> None:
        """Fork the workers (once); the first sets up at once."""
        if self._pool is not None or self._closed:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        # A semaphore, not an Event: a killed waiter would make Event.set() wait forever.
        self._go = context.Semaphore(0)
        self._pool = ProcessPoolExecutor(self.count, mp_context=context, initializer=_start,
                                         initargs=(self.setup, context.Semaphore(1), self._go))
        self._pool.submit(int)  # with fork, the pool starts every worker on its first task

    def map(self, job: BuildJob, items: list[tuple[str, ClientHistory]]) -> Iterator[ClientResult]:
        """Build these clients in the workers; results in the order of `items`."""
        self.start()
        if len(items) > 1:
            self._release()  # work for every worker
        chunk = max(1, len(items) // (self.count * 8))
        return self._pool.map(_build_in_worker, [(job, *item) for item in items],
                              chunksize=chunk)

    def close(self, kill: bool = False) -> None:
        """Stop the workers; with `kill`, at once, whatever they are doing."""
        closed, self._closed = self._closed, True
        if closed or self._pool is None:
            return
        if kill:  # the pool has no public way to stop busy workers (before Python 3.14)
            for process in list(getattr(self._pool, "_processes", {}).values()):
                if process.is_alive():
                    process.kill()
        else:
            self._release()  # workers still waiting to set up: on to their way out
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _release(self) -> None:
        for _ in range(self._waiting):
            self._go.release()
        self._waiting = 0


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def build_clients(job: BuildJob, items: list[tuple[str, ClientHistory]],
                  workers: Workers | ClientBuilder | None = None,
                  progress: Callable[[ClientResult], None] | None = None) -> list[ClientResult]:
    """Build every client in `items`, in `workers` (processes) or in this process with a
    builder (set up earlier for the same agency and theme, or now); results in the order of
    `items`. `progress` is told of each client as soon as it is built.
    """
    if not items:
        return []
    if isinstance(workers, Workers):
        return [_told(progress, result) for result in workers.map(job, items)]
    builder = workers or ClientBuilder(job)
    builder.retarget(job)
    return [_told(progress, builder.build_one(*item)) for item in items]


def _told(progress: Callable[[ClientResult], None] | None, result: ClientResult) -> ClientResult:
    if progress is not None:
        progress(result)
    return result
