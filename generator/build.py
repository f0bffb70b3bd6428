"""The build pipeline: config → load → validate → model → render → write.

Planning (`plan`) decides which clients changed since the last build; workers (`parallel`)
read, validate, render and stage each of them; the output folder swaps them in only when every
client built without errors, then removes portals of clients that are gone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import date

from generator.config import BuildOptions
from generator.errors import ContentError, Problem
from generator.incremental import ClientEntry, Manifest
from generator.output import OutputFolder
from generator.parallel import BuildJob, ClientBuilder, ClientResult, build_clients
from generator.plan import plan_build

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    built: tuple[str, ...]
    files: int
    as_of: date
    seconds: float
    skipped: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def build(options: BuildOptions, *, write: bool = True,
          session: Session | None = None) -> BuildReport:
    """Build the portals that changed; raise ContentError, writing nothing, on any problem."""
    started = time.perf_counter()
    plan = plan_build(options, write)
    output = OutputFolder(options.out_dir)
    if write:
        output.claim()
    try:
        job = BuildJob(options.content_dir, options.out_dir, output.staging, plan.as_of, write)
        builder = session.builder(job, plan.shared) if session and plan.to_build else None
        results = build_clients(job, plan.to_build, options.jobs, builder)
        _raise_errors(plan.problems + [p for r in results for p in r.problems])
        if write:
            output.adopt([r.slug for r in results if r.staged])
            output.commit(keep=None)
            output.remove(plan.stale)
            _save_manifest(plan.manifest, plan.entries, plan.stale, options)
    finally:
        output.discard()
    return BuildReport(tuple(r.slug for r in results), sum(r.files for r in results),
                       plan.as_of, time.perf_counter() - started, tuple(plan.skipped),
                       tuple(plan.stale))


class Session:
    """A long-lived build for `serve`: the theme and environment are set up once and reused.

    `Session(options).rebuild(slug)` rebuilds one client's portal (and its manifest entry) after
    a change in content/<slug>/; `Session.build()` runs a whole incremental build. A change of
    portal.yaml, agency files, theme, generator or build date sets up a fresh environment.
    """

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self._builder: ClientBuilder | None = None
        self._shared = ""

    def rebuild(self, slug: str) -> BuildReport:
        """Rebuild one client, in this process, whether or not its inputs changed."""
        return build(replace(self.options, clients=(slug,), jobs=1, force=True), session=self)

    def build(self) -> BuildReport:
        """Build every client that changed since the last build, in this process."""
        return build(replace(self.options, jobs=1), session=self)

    def builder(self, job: BuildJob, shared: str) -> ClientBuilder:
        """The builder for this agency, theme and date, set up again when they changed."""
        if self._builder is None or shared != self._shared:
            self._builder, self._shared = ClientBuilder(job), shared
        return self._builder


def rebuild_client(options: BuildOptions, slug: str) -> BuildReport:
    """Rebuild one client's portal now (a one-off; `serve` keeps a Session instead)."""
    return Session(options).rebuild(slug)


def _raise_errors(problems: list[Problem]) -> None:
    if any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    for problem in problems:
        log.warning("%s", problem)


def _save_manifest(manifest: Manifest, entries: dict[str, ClientEntry], stale: list[str],
                   options: BuildOptions) -> None:
    manifest.clients.update(entries)
    for slug in [s for s, e in manifest.clients.items() if s in stale or e.folder in stale]:
        del manifest.clients[slug]
    manifest.save(options.out_dir)


__all__ = ["BuildReport", "ClientResult", "Session", "build", "rebuild_client"]
