"""The build pipeline: config → load → validate → model → render → protect → write.

Planning (`plan`) decides which clients changed since the last build; workers (`parallel`)
read, validate, render, protect and stage each of them; the output folder swaps them in only
when every client built without errors, then removes portals of clients that are gone. The
agency overview is written from every client's figures, which the manifest keeps, so clients
that did not change are not read again.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from generator.build.options import BuildOptions
from generator.errors import ContentError, Problem
from generator.build.manifest import ClientEntry, Manifest, digest, file_records, records_digest
from generator.publish.output import OutputFolder, superseded_folders
from generator.build.workers import BuildJob, ClientBuilder, ClientResult, Workers, build_clients
from generator.build.plan import BuildPlan, plan_build

if TYPE_CHECKING:
    from generator.build.progress import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    built: tuple[str, ...]
    files: int
    as_of: date
    seconds: float
    pages: int = 0
    skipped: tuple[str, ...] = ()  # not selected, or unchanged since the last build
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()


def build(options: BuildOptions, *, write: bool = True, progress: Progress | None = None,
          session: Session | None = None) -> BuildReport:
    """Build the portals that changed; raise ContentError, writing nothing, on any error."""
    started = time.perf_counter()
    kept = session.take_manifest() if session and write else None
    output = OutputFolder(options.out_dir)
    if write:
        output.claim()
    # Forked as soon as planning finds a client to build: one sets up while planning goes on.
    workers = None if session else Workers.usable(
        BuildJob(options.content_dir, options.out_dir, output.staging, date.min, write),
        options.jobs)
    try:
        manifest, current_rows = kept or (None, None)
        plan = plan_build(options, write, manifest, current_rows,
                          on_change=workers.start if workers else None)
        secrets = plan.secrets.load().from_file if plan.to_build else {}
        job = BuildJob(options.content_dir, options.out_dir, output.staging, plan.as_of, write,
                       secrets)
        builder = session.builder(job, plan.shared) if session else None
        if progress is not None:
            progress.expect(len(plan.to_build))
        told = None if progress is None else lambda r: progress(r.slug, r.files)
        results = build_clients(job, plan.to_build, builder or workers, told)
        problems = plan.problems + [p for r in results for p in r.problems]
        if any(p.severity == "error" for p in problems):
            raise ContentError(problems)
        entries = _entries(plan, results)
        stale = sorted(set(plan.stale) - {r.folder for r in results})
        if write:
            _adopt(output, results)
            _write_overview(options, plan, entries, results, stale, output, builder)
            output.commit(keep=None)
            output.remove(stale)
            if results or stale or plan.manifest_changed or not plan.manifest.clients:
                _save_manifest(plan.manifest, entries, stale, options)
            if session:
                session.keep(plan.manifest, plan.current_rows | set(plan.entries))
    except BaseException:
        if workers:
            workers.close(kill=True)
        raise
    finally:
        if workers:
            workers.close()
        output.discard()
    built = tuple(r.slug for r in results)
    return BuildReport(
        built, sum(r.files for r in results), plan.as_of, time.perf_counter() - started,
        sum(r.pages for r in results), tuple(s for s in plan.clients if s not in built),
        tuple(plan.skipped), tuple(stale), _warnings(plan, results, entries))


class Session:
    """A long-lived build for `serve`: the theme and environment are set up once and reused.

    `Session(options).rebuild(slugs)` rebuilds those clients' portals (and their manifest
    entries) after a change in their folders; `Session.build()` runs a whole incremental
    build. A change of portal.yaml, agency files, theme, generator or build date sets up a
    fresh environment.

    The session keeps the manifest in memory between builds rather than reading it again, and
    trusts the overview rows of clients it built or checked: a change in a client's folder
    must reach it as `rebuild(slug)` (serve's watcher does that). A failed build drops both,
    so the next one starts again from the output folder.
    """

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self._builder: ClientBuilder | None = None
        self._shared = ""
        self._manifest: Manifest | None = None
        self._current_rows: set[str] = set()

    def take_manifest(self) -> tuple[Manifest, set[str]] | None:
        """The manifest kept from the last successful build, and the clients whose overview
        rows it knows are current; None to read it from the output folder."""
        kept, self._manifest = self._manifest, None
        return (kept, self._current_rows) if kept is not None else None

    def keep(self, manifest: Manifest, current_rows: set[str]) -> None:
        """Keep the manifest a build has just saved, for the next build."""
        self._manifest, self._current_rows = manifest, current_rows

    def rebuild(self, *slugs: str) -> BuildReport:
        """Rebuild these clients, in this process, whether or not their inputs changed."""
        return build(replace(self.options, clients=slugs, jobs=1, force=True), session=self)

    def build(self) -> BuildReport:
        """Build every client that changed since the last build, in this process."""
        return build(replace(self.options, jobs=1), session=self)

    def builder(self, job: BuildJob, shared: str) -> ClientBuilder:
        """The builder for this agency, theme and date, set up again when they changed."""
        if self._builder is None or shared != self._shared:
            self._builder, self._shared = ClientBuilder(job), shared
        self._builder.retarget(job)
        return self._builder


def rebuild_client(options: BuildOptions, slug: str) -> BuildReport:
    """Rebuild one client's portal now (a one-off; `serve` keeps a Session instead)."""
    return Session(options).rebuild(slug)


def _adopt(output: OutputFolder, results: list[ClientResult]) -> None:
    """Swap the staged portals in on commit, removing their clients' superseded folders."""
    existing = output.portals()  # listed once, not once per client
    for result in results:
        output.adopt([result.folder], superseded_folders(result.slug, result.folder, existing))


def _entries(plan: BuildPlan, results: list[ClientResult]) -> dict[str, ClientEntry]:
    """The manifest entries of the selected clients, with what building them found."""
    entries = dict(plan.entries)
    for result in results:
        warnings = [[p.path, p.line, p.message, p.severity] for p in result.problems]
        entries[result.slug] = replace(
            entries[result.slug], folder=result.folder or result.slug, row=result.row,
            warnings=warnings, secrets=result.secrets, secrets_digest=result.secrets_digest,
            shared=plan.shared)
    return entries


def _warnings(plan: BuildPlan, results: list[ClientResult],
              entries: dict[str, ClientEntry]) -> tuple[Problem, ...]:
    """Warnings of the clients built, and those remembered for clients left unchanged."""
    found = [p for p in plan.problems if p.severity != "error"]
    found += [p for r in results for p in r.problems if p.severity != "error"]
    found += [Problem(*w) for slug in plan.skipped for w in entries[slug].warnings]
    return tuple(sorted(set(found)))


def _write_overview(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry],
                    results: list[ClientResult], stale: list[str], output: OutputFolder,
                    builder: ClientBuilder | None) -> None:
    """Write the agency overview, protected as portal.yaml says, when anything changed (in a
    sharded build: shard 1 only).

    The overview is made of every client's row; rows the manifest knows are current are not
    read again, and this process sets up a builder (imports, agency, theme) only to read a
    client or to render the pages.
    """
    if options.shard and options.shard[0] != 1:
        return
    target = str(options.agency_out or "")
    unchanged = _overview_unchanged(plan, options, target)
    if not results and not stale and unchanged:
        return  # before importing agency and protect: a no-op build stays light
    job = BuildJob(options.content_dir, options.out_dir, output.staging, plan.as_of)
    set_up = functools.cache(lambda: builder or ClientBuilder(job))  # only when needed

    records = [_row(options, plan, entries, slug, set_up) for slug in plan.clients]
    records.sort(key=lambda record: (record["name"].casefold(), record["slug"]))  # by name
    inputs = digest(plan.shared, str(options.agency_out),
                    json.dumps(records, sort_keys=True, ensure_ascii=False))
    if unchanged and inputs == plan.manifest.overview.get("inputs"):
        return  # the same figures, agency, theme, date and secrets: the same pages
    from generator.render.overview import (
        ClientRow,
        lock_page_assets,
        overview_guard,
        render_overview,
        write_overview,
    )
    from generator.content.read import PORTAL_FILE
    from generator.publish.credentials import Secrets
    from generator.errors import display_path
    from generator.render.i18n import load_translations, template_functions
    from generator.publish.protect import protect, secrets_digest

    builder = set_up()
    config = builder.agency.config
    rows = [ClientRow.from_record(record) for record in records]
    files = render_overview(rows, config, plan.as_of, builder.env, builder.theme)
    shown = display_path(options.content_dir / PORTAL_FILE, options.content_dir)
    guard = overview_guard(config, [(r.manager_name, r.manager_email) for r in rows], shown)
    secrets = plan.secrets.load() if guard.mode != "public" else Secrets()
    if guard.mode == "password":
        files.update(lock_page_assets(builder.theme))
    lock_page = template_functions(load_translations(builder.theme.folders, config.locale))
    protected = protect(guard, files, secrets, builder.env, lock_page)
    if protected.problems:
        raise ContentError(protected.problems)
    folders = {entry.folder for entry in {**plan.manifest.clients, **entries}.values()}
    write_overview(protected.files, output, options.agency_out,
                   sorted(folders | set(plan.clients)), protected.folder)
    names = guard.secret_names()
    plan.manifest.overview = {"folder": protected.folder, "target": target, "secrets": names,
                              "digest": secrets_digest(names, secrets), "inputs": inputs}
    plan.manifest_changed = True


def _overview_unchanged(plan: BuildPlan, options: BuildOptions, target: str) -> bool:
    """Whether the overview written last time is still there and its secrets the same."""
    last = plan.manifest.overview
    if not last or last.get("target") != target:
        return False
    folder = options.agency_out or options.out_dir / last["folder"]
    if not folder.is_dir():
        return False
    if not last["secrets"]:
        return True
    from generator.publish.protect import secrets_digest  # only then: a no-op build stays light

    return secrets_digest(last["secrets"], plan.secrets.load()) == last["digest"]


def _row(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry], slug: str,
         set_up: Callable[[], ClientBuilder]) -> dict[str, Any]:
    """A client's overview row, as a manifest record: remembered if its files and the shared
    inputs are unchanged, else read and validated now."""
    entry = entries.get(slug) or plan.manifest.clients.get(slug)
    if entry is not None and entry.row is not None and entry.shared == plan.shared:
        if slug in plan.entries or slug in plan.current_rows:  # its files were just statted
            return entry.row
        current = file_records(options.content_dir / slug, entry.files)
        if records_digest(current) == records_digest(entry.files):
            plan.current_rows.add(slug)
            return entry.row
    from generator.render.overview import client_row

    client, problems = set_up().client(slug)
    if client is None:
        raise ContentError(problems)
    return client_row(client, plan.as_of).record()


def _save_manifest(manifest: Manifest, entries: dict[str, ClientEntry], stale: list[str],
                   options: BuildOptions) -> None:
    manifest.clients.update(entries)
    for slug in [s for s, e in manifest.clients.items() if s in stale or e.folder in stale]:
        del manifest.clients[slug]
    manifest.save(options.out_dir)


__all__ = ["BuildReport", "ClientResult", "Session", "build", "rebuild_client"]
