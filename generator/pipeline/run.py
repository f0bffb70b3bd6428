"""The build, in one function: plan, build the clients, commit, save the manifest.

Planning (`plan`) decides which clients changed since the last build; each is then read,
validated, rendered, protected and staged by the per-client pipeline (`pipeline`, run by
`workers`); the output folder swaps the staged portals in only when every client built without
errors, then removes portals of clients that are gone. The agency overview is made of every
client's figures, which the manifest keeps, so clients that did not change are not read again.
Where the output goes is the build's sink, chosen once (`BuildState.sink`): the output folder
for `portal build` and `serve`, nowhere for `portal check` (the same build), memory in tests.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from generator.bank.lastimport import bank_entries_shown, last_import
from generator.errors import ContentError, Problem, has_errors, sorted_problems
from generator.pipeline.manifest import ClientEntry, Manifest, digest, file_records, records_digest
from generator.pipeline.options import BuildOptions
from generator.pipeline.plan import BuildPlan, plan_build
from generator.pipeline.progress import Progress
from generator.pipeline.workers import BuildJob, ClientBuilder, ClientResult, InProcess, runner_for
from generator.protection.credentials import Secrets, secrets_digest
from generator.sink import Commit, DiskSink, Overview, Sink

if TYPE_CHECKING:  # importing protection loads cryptography: not in a no-op build
    from generator.protection.protect import ProtectedPortal


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
    """What a build runs with besides its options: where its output goes (`sink`), where
    clients are built, and the manifest it starts from.

    A one-shot build reads the manifest from the output folder and builds in worker
    processes. A long-lived process (`serve`) passes one state to every build: its builder in
    this process stays set up, and the manifest saved last stays in memory, with the clients
    whose overview rows it knows are current (a change in a client's folder must then reach
    the state as a build of that client). A failed build drops the manifest, so the next one
    reads the output folder again.
    """

    sink: Sink
    runner: InProcess = field(default_factory=InProcess)
    keeps: bool = True
    manifest: Manifest | None = None
    current_rows: set[str] = field(default_factory=set)

    @classmethod
    def one_shot(cls, options: BuildOptions, sink: Sink | None = None) -> BuildState:
        """A build of its own: into `sink` (by default the output folder), in worker
        processes if `options.jobs` asks for them."""
        sink = DiskSink(options.out_dir) if sink is None else sink
        setup = BuildJob(content_dir=options.content_dir, sink=sink, as_of=date.min)
        return cls(sink, runner_for(setup, options.jobs), keeps=False)

    def take(self) -> tuple[Manifest, set[str]]:
        """The manifest to plan with (the last build's, if the sink kept one) and the
        clients whose rows it knows are current."""
        last, self.manifest = self.manifest, None
        if last is not None:
            return last, self.current_rows
        return Manifest.parse(self.sink.manifest()), set()

    def keep(self, plan: BuildPlan, overview: OverviewOutcome) -> None:
        """Keep the manifest a build has just saved, for the next build in this process."""
        if self.keeps:
            self.manifest = plan.manifest
            self.current_rows = set(plan.current_rows | overview.current_rows | set(plan.entries))


def build(options: BuildOptions, progress: Progress | None = None,
          state: BuildState | None = None) -> BuildReport:
    """Build the portals that changed (into the state's sink: by default the output
    folder); raise ContentError, leaving the output as it was, on any error."""
    started = time.perf_counter()
    state = state or BuildState.one_shot(options)
    sink = state.sink
    manifest, current_rows = state.take()
    with state.runner as runner, _releasing(sink):
        runner.every_client = options.force or not manifest.clients  # known before planning
        plan = plan_build(options, manifest, built=sink.portals(), current_rows=current_rows,
                          on_change=functools.partial(_claim, sink, runner))
        _claim(sink)  # only now: a typo in --client leaves no folder behind
        results = _build_clients(runner, options, sink, plan, progress)
        plan = replace(plan, stale=tuple(sorted(set(plan.stale) - {r.folder for r in results})))
        entries = _entries(plan, results)
        overview = _overview(options, sink, plan, entries, results, runner)
        sink.commit(_commit(options, plan, entries, results, overview))
        state.keep(plan, overview)
    return _report(plan, results, entries, overview, started)


@dataclass(frozen=True, kw_only=True)
class OverviewOutcome:
    """What the overview step gave: its pages (None: the last ones stand), what the manifest
    records of them (None: the same), the agency-wide numbering warnings, and the clients
    whose rows it found current."""

    portal: ProtectedPortal | None = None
    record: dict[str, Any] | None = None
    warnings: tuple[Problem, ...] = ()
    current_rows: frozenset[str] = frozenset()


def _claim(sink: Sink, runner: InProcess | None = None) -> None:
    """Make sure the output is ours before anything is staged for it, then start the
    workers, if any."""
    sink.claim()
    if runner is not None:
        runner.start()


@contextlib.contextmanager
def _releasing(sink: Sink) -> Iterator[None]:
    """Let go of the output however the build ends (what was staged and not committed is
    dropped: a failed build leaves the output as it was)."""
    try:
        yield
    finally:
        sink.release()


def _build_clients(runner: InProcess, options: BuildOptions, sink: Sink,
                   plan: BuildPlan, progress: Progress | None) -> list[ClientResult]:
    """Build every client planned; raise BuildFailed if any has an error."""
    secrets = plan.secrets.load().from_file if plan.to_build else {}
    job = BuildJob(content_dir=options.content_dir, sink=sink, as_of=plan.as_of, secrets=secrets)
    if progress is not None:
        progress.expect(len(plan.to_build))
    on_built = None if progress is None else (
        lambda r: progress(r.slug, r.files, has_errors(r.problems)))
    results = runner.build(job, plan.common_digest, list(plan.to_build), on_built)
    problems = [*plan.problems, *(p for r in results for p in r.problems)]
    if has_errors(problems):
        raise BuildFailed(problems, results, len(plan.skipped), plan.as_of)
    return results


def _entries(plan: BuildPlan, results: list[ClientResult]) -> dict[str, ClientEntry]:
    """The manifest entries of the selected clients, with what building them found."""
    entries = dict(plan.entries)
    for result in results:
        warnings = [p for p in result.problems if not p.is_error]
        entries[result.slug] = replace(
            entries[result.slug], folder=result.folder or result.slug,
            row=result.row.record() if result.row else None,
            warnings=warnings, secrets=result.secrets, secrets_digest=result.secrets_digest,
            shared=plan.common_digest)
    return entries


def _commit(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry],
            results: list[ClientResult], outcome: OverviewOutcome) -> Commit:
    """What the build publishes: its portals, the overview, the stale portals' removal and
    the manifest (when it changed)."""
    published, overview = None, outcome.portal
    if overview is not None:
        folders = {entry.folder for entry in plan.manifest.clients.values()}
        published = Overview(files=overview.files, folder=overview.folder,
                             agency_out=options.agency_out, portals=tuple(sorted(
                                 folders | {r.folder for r in results} | set(plan.clients))))
    return Commit(portals={r.slug: r.folder for r in results}, overview=published,
                  stale=plan.stale, gone=plan.gone, manifest=_manifest_text(plan, entries, results,
                                                            outcome.record, options.shard))


def _makes_overview(options: BuildOptions) -> bool:
    """Whether this build makes the overview: not shards but the first, nor a build of some
    portals only while others have errors (serve's)."""
    return options.overview and not (options.shard and options.shard[0] != 1)


def _overview(options: BuildOptions, sink: Sink, plan: BuildPlan,
              entries: dict[str, ClientEntry], results: list[ClientResult],
              runner: InProcess) -> OverviewOutcome:
    """The agency overview, rendered and protected as portal.yaml says, when anything it
    shows changed (in a sharded build: shard 1 only); None when the last one stands.

    It is made of every client's row; rows the manifest knows are current are not read
    again, and this process sets up a builder (imports, agency, theme) only to read a client
    or to render the pages.
    """
    if not _makes_overview(options):
        return OverviewOutcome()
    target = str(options.agency_out or "")
    unchanged = _overview_unchanged(plan, options, sink, target)
    if unchanged and not results and not plan.stale:
        return OverviewOutcome()  # before setting up a builder: a no-op build stays light
    job = BuildJob(content_dir=options.content_dir, sink=sink, as_of=plan.as_of)
    set_up = functools.cache(lambda: runner.builder(job, plan.common_digest))
    records, current = _rows(options, plan, entries, set_up)
    warnings = _check_numbers(records)
    folders = _folders(entries, plan)
    imported = _imported(sink)
    inputs = digest(plan.common_digest, target, json.dumps([records, folders, imported],
                                                           sort_keys=True, ensure_ascii=False))
    if unchanged and inputs == plan.manifest.overview.get("inputs"):
        # the same figures, agency, theme, date and secrets: the same pages
        return OverviewOutcome(warnings=warnings, current_rows=current)
    protected = _render_overview(set_up(), plan, records, folders, options.agency_out is None,
                                 imported)
    return OverviewOutcome(portal=protected, warnings=warnings, current_rows=current,
                           record=_overview_record(plan, protected, target, inputs))


def _render_overview(builder: ClientBuilder, plan: BuildPlan, records: list[dict[str, Any]],
                     folders: dict[str, str], inside_output: bool,
                     imported: dict[str, object] | None) -> ProtectedPortal:
    """The overview's pages from the rows the manifest records, protected; raise
    ContentError on a problem (a secret it needs is missing)."""
    from generator.render.figures import ClientRow  # the builder has loaded it

    protected = builder.pipeline.overview([ClientRow.from_record(r) for r in records],
                                          plan.as_of, plan.secrets.load, folders,
                                          inside_output=inside_output, imported=imported)
    if protected.problems:
        raise ContentError(protected.problems)
    return protected


def _imported(sink: Sink) -> dict[str, object] | None:
    """What the overview shows of the last payments import, recorded in the output folder."""
    return bank_entries_shown(last_import(sink.folder)) if sink.folder else None


def _check_numbers(records: list[dict[str, Any]]) -> tuple[Problem, ...]:
    """The agency-wide invoice numbering rules over every client's numbers (kept in their
    rows): an error fails the build, warnings are returned."""
    from generator.invoicing import IssuedNumber, numbering_problems

    problems = numbering_problems(IssuedNumber.from_record(number) for record in records
                                  for number in record.get("invoice_numbers", ()))
    if has_errors(problems):
        raise ContentError(problems)
    return tuple(problems)


def _folders(entries: dict[str, ClientEntry], plan: BuildPlan) -> dict[str, str]:
    """Where each client's portal is in the output folder (slug-token for a link portal),
    for the overview to link it."""
    folders = {}
    for slug in plan.clients:
        entry = entries.get(slug) or plan.manifest.clients.get(slug)
        folders[slug] = entry.folder if entry and entry.folder else slug
    return folders


def _overview_record(plan: BuildPlan, protected: ProtectedPortal, target: str,
                     inputs: str) -> dict[str, Any]:
    """Where the overview went and what it was made of, for the next build."""
    names = protected.secret_names
    return {"folder": protected.folder, "target": target, "secrets": names, "inputs": inputs,
            "digest": secrets_digest(names, plan.secrets.load() if names else Secrets())}


def _overview_unchanged(plan: BuildPlan, options: BuildOptions, sink: Sink, target: str
                        ) -> bool:
    """Whether the overview written last time is still there and its secrets the same."""
    last = plan.manifest.overview
    if not last or last.get("target") != target:
        return False
    there = options.agency_out.is_dir() if options.agency_out else sink.has(last["folder"])
    if not there:
        return False
    return not last["secrets"] or (
        secrets_digest(last["secrets"], plan.secrets.load()) == last["digest"])


def _rows(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry],
          set_up: Callable[[], ClientBuilder]
          ) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """Every client's overview row, as manifest records (the overview orders them), and
    the clients whose remembered rows were found current."""
    rows = [_row(options, plan, entries, slug, set_up) for slug in plan.clients]
    return [row for row, _ in rows], frozenset(
        slug for slug, (_, current) in zip(plan.clients, rows, strict=True) if current)


def _row(options: BuildOptions, plan: BuildPlan, entries: dict[str, ClientEntry], slug: str,
         set_up: Callable[[], ClientBuilder]) -> tuple[dict[str, Any], bool]:
    """A client's overview row, as a manifest record, and whether it was remembered and
    found current: remembered if its files and the common inputs are unchanged, else read
    and validated now."""
    entry = entries.get(slug) or plan.manifest.clients.get(slug)
    if entry is None or entry.row is None or entry.shared != plan.common_digest:
        return set_up().pipeline.row(slug, plan.as_of).record(), False
    if slug in plan.entries or slug in plan.current_rows:  # its files were just statted
        return entry.row, False
    current = file_records(options.content_dir / slug, entry.files)
    if records_digest(current) != records_digest(entry.files):
        return set_up().pipeline.row(slug, plan.as_of).record(), False
    return entry.row, True


def _manifest_text(plan: BuildPlan, entries: dict[str, ClientEntry],
                   results: list[ClientResult], overview: dict[str, Any] | None,
                   shard: tuple[int, int] | None) -> str | None:
    """The manifest to save (with the overview's `record`, if it was made again, and the
    shard built, which `portal publish` reads), or None when it would be written the same."""
    manifest = plan.manifest
    built_as = list(shard) if shard else None
    if not (results or plan.stale or plan.manifest_changed or overview
            or manifest.shard != built_as):
        return None
    manifest.shard = built_as
    manifest.overview = overview or manifest.overview
    manifest.clients.update(entries)
    manifest.forget(plan.stale)
    return manifest.text()


def _report(plan: BuildPlan, results: list[ClientResult], entries: dict[str, ClientEntry],
            overview: OverviewOutcome, started: float) -> BuildReport:
    built = tuple(r.slug for r in results)
    return BuildReport(
        built, sum(r.files for r in results), plan.as_of, time.perf_counter() - started,
        sum(r.pages for r in results), tuple(s for s in plan.clients if s not in built),
        plan.skipped, plan.stale, _warnings(plan, results, entries, overview.warnings))


def _warnings(plan: BuildPlan, results: list[ClientResult], entries: dict[str, ClientEntry],
              agency_wide: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """Warnings of the clients built, those remembered for clients left unchanged, and the
    agency-wide ones (invoice numbering)."""
    found = [p for p in (*plan.problems, *agency_wide) if not p.is_error]
    found += [p for r in results for p in r.problems if not p.is_error]
    found += [p for slug in plan.skipped for p in entries[slug].warnings]
    return tuple(sorted_problems(found))


__all__ = ["BuildFailed", "BuildReport", "BuildState", "ClientBuilder", "build"]
