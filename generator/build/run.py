"""The build, in one function: plan, build the clients, commit, save the manifest.

Planning (`plan`) decides which clients changed since the last build; each is then read,
validated, rendered, protected and staged by the per-client pipeline (`pipeline`, run by
`workers`); the output folder swaps the staged portals in only when every client built without
errors, then removes portals of clients that are gone. The agency overview is made of every
client's figures, which the manifest keeps, so clients that did not change are not read again.
`portal check` is the same build with `write=False`: everything but writing.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from generator.bank.lastimport import bank_entries_shown, last_import
from generator.build.manifest import ClientEntry, Manifest, digest, file_records, records_digest
from generator.build.options import BuildOptions
from generator.build.plan import BuildPlan, plan_build
from generator.build.progress import Progress
from generator.build.workers import BuildJob, ClientBuilder, ClientResult, InProcess, runner_for
from generator.errors import ContentError, Problem, has_errors, sorted_problems
from generator.publish.credentials import Secrets, secrets_digest
from generator.publish.output import OutputFolder, superseded_folders


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


class BuildFailed(ContentError):
    """Clients had errors: nothing is written, not even the portals that built well."""

    def __init__(self, problems: list[Problem], results: list[ClientResult],
                 unchanged: int, as_of: date) -> None:
        super().__init__(problems)
        self.as_of, self.clients = as_of, len(results) + unchanged
        self.failed = [r.slug for r in results if has_errors(r.problems)]
        self.ready = [r.slug for r in results if not has_errors(r.problems)]
        self.unchanged = unchanged

    def summary(self, seconds: float) -> str:
        """One line: what failed, and that nothing was written."""
        ready = (f"; {len(self.ready)} portal{'s' * (len(self.ready) != 1)} built without "
                 "errors but not written: a build writes all portals or none" if self.ready
                 else "")
        return (f"built 0 portals, {self.unchanged} unchanged, {len(self.failed)} failed"
                f"{' (' + ', '.join(self.failed) + ')' if self.failed else ''} in "
                f"{seconds:.2f}s; nothing was written{ready}")


@dataclass
class BuildState:
    """What a build runs with besides its options: where clients are built, and the manifest
    it starts from.

    A one-shot build reads the manifest from the output folder and builds in worker
    processes. A long-lived process (`serve`) passes one state to every build: its builder in
    this process stays set up, and the manifest saved last stays in memory, with the clients
    whose overview rows it knows are current (a change in a client's folder must then reach
    the state as a build of that client). A failed build drops the manifest, so the next one
    reads the output folder again.
    """

    runner: InProcess = field(default_factory=InProcess)
    keeps: bool = True
    manifest: Manifest | None = None
    current_rows: set[str] = field(default_factory=set)

    @classmethod
    def one_shot(cls, options: BuildOptions, output: OutputFolder) -> BuildState:
        setup = BuildJob(options.content_dir, options.out_dir, output.staging, date.min,
                         options.write)
        return cls(runner_for(setup, options.jobs), keeps=False)

    def take(self, options: BuildOptions) -> tuple[Manifest, set[str]]:
        """The manifest to plan with (the last build's; none when checking) and the clients
        whose rows it knows are current."""
        kept, self.manifest = self.manifest, None
        if kept is not None:
            return kept, self.current_rows
        return (Manifest.load(options.out_dir) if options.write else Manifest()), set()

    def keep(self, plan: BuildPlan) -> None:
        """Keep the manifest a build has just saved, for the next build in this process."""
        if self.keeps:
            self.manifest, self.current_rows = plan.manifest, plan.current_rows | set(plan.entries)


def build(options: BuildOptions, progress: Progress | None = None,
          state: BuildState | None = None) -> BuildReport:
    """Build the portals that changed, or with `options.write` off check them all; raise
    ContentError, writing nothing, on any error."""
    started = time.perf_counter()
    output = OutputFolder(options.out_dir)
    state = state or BuildState.one_shot(options, output)
    manifest, current_rows = state.take(options)
    with state.runner as runner, _discarding(output):
        plan = plan_build(options, manifest, current_rows,
                          on_change=functools.partial(_claim, output, options, runner))
        _claim(output, options)  # only now: a typo in --client leaves no folder behind
        results = _build_clients(runner, options, output, plan, progress)
        entries = _entries(plan, results)
        overview = _overview(options, plan, entries, results, runner)
        if options.write:
            _commit(output, options, plan, results, overview)
            _save_manifest(plan, entries, results, options)
            state.keep(plan)
    return _report(plan, results, entries, started)


def _claim(output: OutputFolder, options: BuildOptions, runner: InProcess | None = None
           ) -> None:
    """Make sure the output folder is ours before anything is written into it (workers
    keep compiled templates there), then start the workers, if any."""
    if options.write:
        output.claim()
    if runner is not None:
        runner.start()


@contextlib.contextmanager
def _discarding(output: OutputFolder) -> Iterator[None]:
    """Remove the staging folder however the build ends."""
    try:
        yield
    finally:
        output.discard()
        output.release()


def _build_clients(runner: InProcess, options: BuildOptions, output: OutputFolder,
                   plan: BuildPlan, progress: Progress | None) -> list[ClientResult]:
    """Build every client planned; raise BuildFailed if any has an error."""
    secrets = plan.secrets.load().from_file if plan.to_build else {}
    job = BuildJob(options.content_dir, options.out_dir, output.staging, plan.as_of,
                   options.write, secrets)
    if progress is not None:
        progress.expect(len(plan.to_build))
    told = None if progress is None else (
        lambda r: progress(r.slug, r.files, has_errors(r.problems)))
    results = runner.build(job, plan.shared, plan.to_build, told)
    problems = plan.problems + [p for r in results for p in r.problems]
    if has_errors(problems):
        raise BuildFailed(problems, results, len(plan.skipped), plan.as_of)
    plan.stale = sorted(set(plan.stale) - {r.folder for r in results})
    return results


def _entries(plan: BuildPlan, results: list[ClientResult]) -> dict[str, ClientEntry]:
    """The manifest entries of the selected clients, with what building them found."""
    entries = dict(plan.entries)
    for result in results:
        warnings = [p for p in result.problems if not p.is_error]
        entries[result.slug] = replace(
            entries[result.slug], folder=result.folder or result.slug, row=result.row,
            warnings=warnings, secrets=result.secrets, secrets_digest=result.secrets_digest,
            shared=plan.shared)
    return entries


def _commit(output: OutputFolder, options: BuildOptions, plan: BuildPlan,
            results: list[ClientResult], overview: Any) -> None:
    """Swap the staged portals (and the overview) in, removing superseded and stale ones."""
    existing = output.portals()  # listed once, not once per client
    for result in results:
        output.adopt([result.folder], superseded_folders(result.slug, result.folder, existing))
    if overview is not None:
        folders = {entry.folder for entry in plan.manifest.clients.values()}
        output.place_overview(overview.files, overview.folder, options.agency_out,
                              sorted(folders | {r.folder for r in results} | set(plan.clients)))
    output.commit()
    output.remove(plan.stale)


def _overview(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry],
              results: list[ClientResult], runner: InProcess) -> Any:
    """The agency overview, rendered and protected as portal.yaml says, when anything it
    shows changed (in a sharded build: shard 1 only); None when the last one stands.

    It is made of every client's row; rows the manifest knows are current are not read
    again, and this process sets up a builder (imports, agency, theme) only to read a client
    or to render the pages.
    """
    if not _makes_overview(options):
        return None
    target = str(options.agency_out or "")
    unchanged = _overview_unchanged(plan, options, target)
    if unchanged and not results and not plan.stale:
        return None  # before setting up a builder: a no-op build stays light
    job = BuildJob(options.content_dir, options.out_dir, options.out_dir, plan.as_of,
                   options.write)
    set_up = functools.cache(lambda: runner.builder(job, plan.shared))
    records = _rows(options, plan, entries, set_up)
    _check_numbers(plan, records)
    folders = _folders(entries, plan)
    imported = bank_entries_shown(last_import(options.out_dir))
    inputs = digest(plan.shared, target, json.dumps([records, folders, imported],
                                                    sort_keys=True, ensure_ascii=False))
    if unchanged and inputs == plan.manifest.overview.get("inputs"):
        return None  # the same figures, agency, theme, date and secrets: the same pages
    protected = set_up().pipeline.overview(records, plan.as_of, plan.secrets.load, folders,
                                           inside_output=options.agency_out is None,
                                           imported=imported)
    if protected.problems:
        raise ContentError(protected.problems)
    _remember_overview(plan, protected.folder, protected.secret_names, target, inputs)
    return protected


def _makes_overview(options: BuildOptions) -> bool:
    """Whether this build makes the overview: not shards but the first, nor a build of some
    portals only while others have errors (serve's)."""
    return options.overview and not (options.shard and options.shard[0] != 1)


def _check_numbers(plan: BuildPlan, records: list[dict[str, Any]]) -> None:
    """The agency-wide invoice numbering rules over every client's numbers (kept in their
    rows): an error fails the build, warnings are reported with the clients'."""
    from generator.invoicing import IssuedNumber, numbering_problems

    problems = numbering_problems(IssuedNumber.from_record(number) for record in records
                                  for number in record.get("invoice_numbers", ()))
    if has_errors(problems):
        raise ContentError(problems)
    plan.problems.extend(problems)


def _folders(entries: dict[str, ClientEntry], plan: BuildPlan) -> dict[str, str]:
    """Where each client's portal is in the output folder (slug-token for a link portal),
    for the overview to link it."""
    folders = {}
    for slug in plan.clients:
        entry = entries.get(slug) or plan.manifest.clients.get(slug)
        folders[slug] = entry.folder if entry and entry.folder else slug
    return folders


def _remember_overview(plan: BuildPlan, folder: str, names: list[str], target: str,
                       inputs: str) -> None:
    """Record where the overview went and what it was made of, for the next build."""
    plan.manifest.overview = {
        "folder": folder, "target": target, "secrets": names, "inputs": inputs,
        "digest": secrets_digest(names, plan.secrets.load() if names else Secrets())}
    plan.manifest_changed = True


def _overview_unchanged(plan: BuildPlan, options: BuildOptions, target: str) -> bool:
    """Whether the overview written last time is still there and its secrets the same."""
    last = plan.manifest.overview
    if not last or last.get("target") != target:
        return False
    folder = options.agency_out or options.out_dir / last["folder"]
    if not folder.is_dir():
        return False
    return not last["secrets"] or (
        secrets_digest(last["secrets"], plan.secrets.load()) == last["digest"])


def _rows(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry],
          set_up: Any) -> list[dict[str, Any]]:
    """Every client's overview row, as manifest records, by client name."""
    records = [_row(options, plan, entries, slug, set_up) for slug in plan.clients]
    return sorted(records, key=lambda record: (record["name"].casefold(), record["slug"]))


def _row(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry], slug: str,
         set_up: Any) -> dict[str, Any]:
    """A client's overview row, as a manifest record: remembered if its files and the shared
    inputs are unchanged, else read and validated now."""
    entry = entries.get(slug) or plan.manifest.clients.get(slug)
    if entry is None or entry.row is None or entry.shared != plan.shared:
        return set_up().pipeline.row(slug, plan.as_of)
    if slug in plan.entries or slug in plan.current_rows:  # its files were just statted
        return entry.row
    current = file_records(options.content_dir / slug, entry.files)
    if records_digest(current) != records_digest(entry.files):
        return set_up().pipeline.row(slug, plan.as_of)
    plan.current_rows.add(slug)
    return entry.row


def _save_manifest(plan: BuildPlan, entries: dict[str, ClientEntry],
                   results: list[ClientResult], options: BuildOptions) -> None:
    """Save the manifest, unless it would be written the same."""
    manifest = plan.manifest
    if not (results or plan.stale or plan.manifest_changed or not manifest.clients):
        return
    manifest.clients.update(entries)
    for slug in [s for s, e in manifest.clients.items()
                 if s in plan.stale or e.folder in plan.stale]:
        del manifest.clients[slug]
    manifest.save(options.out_dir)


def _report(plan: BuildPlan, results: list[ClientResult], entries: dict[str, ClientEntry],
            started: float) -> BuildReport:
    built = tuple(r.slug for r in results)
    return BuildReport(
        built, sum(r.files for r in results), plan.as_of, time.perf_counter() - started,
        sum(r.pages for r in results), tuple(s for s in plan.clients if s not in built),
        tuple(plan.skipped), tuple(plan.stale), _warnings(plan, results, entries))


def _warnings(plan: BuildPlan, results: list[ClientResult],
              entries: dict[str, ClientEntry]) -> tuple[Problem, ...]:
    """Warnings of the clients built, and those remembered for clients left unchanged."""
    found = [p for p in plan.problems if not p.is_error]
    found += [p for r in results for p in r.problems if not p.is_error]
    found += [p for slug in plan.skipped for p in entries[slug].warnings]
    return tuple(sorted_problems(found))


__all__ = ["BuildFailed", "BuildReport", "BuildState", "ClientBuilder", "build"]
