"""Decide what a build does: the build date, which clients, and which of them need building.

Planning reads no client file's content unless its size or time changed (see `incremental`),
and imports nothing heavy when nothing changed, so a no-op build of a thousand clients takes
a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.content.read import client_folders
from generator.errors import ContentError, PortalError, Problem
from generator.content.history import (
    ClientHistory,
    GitLog,
    git_head,
    milestone_history,
    read_blobs,
    read_git_log,
)
from generator.build.manifest import (
    ClientEntry,
    FileRecord,
    Manifest,
    client_hash,
    digest,
    file_records,
    generator_digest,
    records_digest,
    theme_digest,
)

if TYPE_CHECKING:
    from generator.publish.credentials import Secrets

DEADLINES = "deadlines.yaml"


@dataclass
class BuildPlan:
    """The outcome of planning: what to build, what to skip, what to remove."""

    as_of: date
    selected: list[str]
    secrets: SecretsLoader
    clients: list[str] = field(default_factory=list)  # every client folder, selected or not
    to_build: list[tuple[str, ClientHistory]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    manifest: Manifest = field(default_factory=Manifest)
    entries: dict[str, ClientEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    shared: str = ""  # hash of agency, theme, generator and date: a worker set-up is valid for it
    # clients whose overview row in the manifest is known to match their files (planned now,
    # checked by the overview, or known to a long-lived session): not statted again
    current_rows: set[str] = field(default_factory=set)
    manifest_changed: bool = False  # False: saving the manifest would write the same bytes


def shard_of(slug: str, count: int) -> int:
    """The shard (1..count) a client belongs to: stable across machines and Python runs."""
    return int(hashlib.sha256(slug.encode("utf-8")).hexdigest()[:16], 16) % count + 1


def plan_build(options: Any, write: bool, manifest: Manifest | None = None,
               current_rows: set[str] | None = None,
               on_change: Callable[[], None] | None = None) -> BuildPlan:
    """Work out the build date, the selected clients, and which of them changed.

    A long-lived session passes the manifest it keeps (else it is read from the output
    folder) and the clients whose rows it knows are current. `on_change` is called once,
    as soon as a client to build is found (the rest are still being planned).
    """
    content, out = options.content_dir, options.out_dir
    slugs, problems = client_folders(content)
    if manifest is None:
        manifest = Manifest.load(out) if write else Manifest()
    agency_files = _agency_records(content, manifest.agency_files)
    agency_hash = records_digest(agency_files)
    settings = manifest.settings if manifest.agency_hash == agency_hash else {}
    if settings.get("content") != str(content.resolve()):
        settings = {}  # a custom theme's folder is found relative to portal.yaml
    settings = settings or agency_settings(content)
    as_of = _build_date(options.as_of, settings["timezone"])
    selected = _select(slugs, options)
    head = git_head(content)
    git = None if _histories_known(manifest, head, selected) and not options.clients else (
        read_git_log(content, selected if options.clients else None))
    shared = digest(generator_digest(), theme_digest(Path(t) for t in settings["theme"]),
                    agency_hash, as_of.isoformat(),
                    json.dumps({k: v for k, v in settings.items() if k not in ("content", "theme")},
                               sort_keys=True))
    plan = BuildPlan(as_of, selected, SecretsLoader(options), slugs, manifest=manifest,
                     problems=problems, shared=shared, current_rows=set(current_rows or ()))
    from generator.publish.output import OutputFolder

    built = OutputFolder(out).portals()  # listed once, not statted once per client
    for slug in selected:
        _plan_client(plan, content, built, slug, shared, git, write and not options.force)
        if on_change and plan.to_build:
            on_change()
            on_change = None
    if git is None and plan.to_build:
        plan.to_build = _histories(plan, content)
    _add_milestones(plan, content)
    plan.stale = [] if options.clients else _stale(manifest, built, set(slugs), options.shard)
    # A log of some clients only (--client) may simplify merges otherwise: not trusted later.
    shared_files = (agency_hash, settings, agency_files, "" if options.clients else head or "")
    if shared_files != (manifest.agency_hash, manifest.settings, manifest.agency_files,
                        manifest.git_head):
        plan.manifest_changed = True
        (manifest.agency_hash, manifest.settings, manifest.agency_files,
         manifest.git_head) = shared_files
    return plan


def _histories(plan: BuildPlan, content: Path) -> list[tuple[str, ClientHistory]]:
    """The histories of the clients to build, from a `git log` of their folders only; if one
    differs from the history hash known for this commit (which a log of the whole content
    folder gave), from a log of the whole folder, as a full build reads it."""
    slugs = [slug for slug, _ in plan.to_build]
    git = read_git_log(content, slugs)
    if any(digest(git.for_client(slug).digest()) != plan.entries[slug].history for slug in slugs):
        git = read_git_log(content, None)
    return [(slug, git.for_client(slug)) for slug in slugs]


def _histories_known(manifest: Manifest, head: str | None, selected: list[str]) -> bool:
    """Whether the manifest's history hashes are those of the current commit, for every
    selected client: then a build that finds nothing changed runs no `git log`."""
    return bool(head) and head == manifest.git_head and all(
        slug in manifest.clients and manifest.clients[slug].history for slug in selected)


def agency_settings(content: Path) -> dict[str, Any]:
    """What planning needs from portal.yaml: time zone, theme folders, commit messages."""
    from generator.content.domain import Site
    from generator.build.options import site_theme
    from generator.content.read import read_agency
    from generator.content.validate import validate_agency

    try:
        agency = validate_agency(read_agency(content))
    except ContentError:
        _raise_every_problem(content)
        raise
    theme = site_theme(Site(content, agency, ()))
    return {"content": str(content.resolve()), "timezone": agency.config.timezone, "theme": [str(f) for f in theme.folders],
            "show_commit_messages": agency.config.show_commit_messages}


def _raise_every_problem(content: Path) -> None:
    """With portal.yaml broken, still list every client's problems too, in one run."""
    from generator.content.read import read_site
    from generator.content.validate import validate_site

    validate_site(read_site(content))


def _agency_records(content: Path, previous: dict[str, FileRecord]) -> dict[str, FileRecord]:
    from generator.content.read import PORTAL_FILE, stat_files

    stats = {f"_agency/{name}": stat for name, stat in stat_files(content / "_agency").items()}
    portal = content / PORTAL_FILE
    if portal.is_file():
        stat = portal.stat()
        stats[PORTAL_FILE] = (stat.st_size, stat.st_mtime_ns)
    return file_records(content, previous, dict(sorted(stats.items())))


def _build_date(option: date | None, timezone_name: str) -> date:
    from generator.build.options import build_date

    return build_date(option, timezone_name)


def _select(slugs: list[str], options: Any) -> list[str]:
    unknown = [slug for slug in options.clients if slug not in slugs]
    if unknown:
        raise PortalError(f"no such client: {', '.join(unknown)} (known: {', '.join(slugs)})")
    selected = [slug for slug in slugs if not options.clients or slug in options.clients]
    if options.shard:
        index, count = options.shard
        selected = [slug for slug in selected if shard_of(slug, count) == index]
    if options.changed_since:
        from generator.content.history import changed_since

        changed = changed_since(options.content_dir, options.changed_since)
        if changed is not None:
            selected = [slug for slug in selected if slug in changed]
    return selected


class SecretsLoader:
    """The build's secrets, loaded once and only when needed: a no-op build of public portals
    reads no secrets file."""

    def __init__(self, options: Any) -> None:
        self.options = options
        self._loaded: Secrets | None = None

    def load(self) -> Secrets:
        """The secrets (raises PortalError for a secrets file git does not ignore)."""
        from generator.publish.credentials import default_secrets_file, load_secrets

        if self._loaded is None:
            path = self.options.secrets_file or default_secrets_file(self.options.content_dir)
            self._loaded = load_secrets(path)
        return self._loaded

    def unchanged(self, entry: ClientEntry) -> bool:
        """Whether the secrets the client was built with still have the same values."""
        if not entry.secrets:
            return True
        from generator.publish.protect import secrets_digest

        return secrets_digest(entry.secrets, self.load()) == entry.secrets_digest


def _plan_client(plan: BuildPlan, content: Path, built: set[str], slug: str, shared: str,
                 git: GitLog | None, may_skip: bool) -> None:
    """Skip the client if its input hash is unchanged, else plan to build it.

    Without `git` (the commit is the one the manifest knows), the history is the known one,
    read in full later only if the client is built.
    """
    previous = plan.manifest.clients.get(slug)
    records = file_records(content / slug, previous.files if previous else {})
    history = git.for_client(slug) if git is not None else ClientHistory()
    history_hash = (digest(history.digest()) if git is not None or previous is None
                    else previous.history)
    if previous and records == previous.files and history_hash == previous.history:
        client_digest = previous.hash if previous.shared == shared else (
            client_hash(shared, records, history_hash))  # the same inputs: the same hash
    else:
        client_digest = client_hash(shared, records, history_hash)
    if (may_skip and previous and previous.hash == client_digest
            and previous.folder in built and plan.secrets.unchanged(previous)):
        if records != previous.files:  # new times, same bytes
            previous, plan.manifest_changed = replace(previous, files=records), True
        plan.entries[slug] = previous
        plan.skipped.append(slug)
    else:
        plan.entries[slug] = ClientEntry(client_digest, slug, records, history=history_hash)
        plan.to_build.append((slug, history))


def _add_milestones(plan: BuildPlan, content: Path) -> None:
    """Give each client to build the history of its milestones (one `git cat-file` pass)."""
    blobs = [c.blob for _, h in plan.to_build for c in h.files.get(DEADLINES, ())]
    texts = read_blobs(content, blobs) if blobs else {}
    plan.to_build = [
        (slug, ClientHistory(history.files,
                             milestone_history(history.files.get(DEADLINES, ()), texts),
                             history.tracked))
        for slug, history in plan.to_build]


def _stale(manifest: Manifest, built: set[str], current: set[str],
           shard: tuple[int, int] | None) -> list[str]:
    # A portal's folder may differ from its slug (capability paths): the manifest knows which.
    folders = {slug: entry.folder for slug, entry in manifest.clients.items()}
    keep = current | {folders[slug] for slug in current if slug in folders}
    gone = {folders[slug] for slug in folders if slug not in current}
    if shard:
        gone = {folders[s] for s in folders
                if s not in current and shard_of(s, shard[1]) == shard[0]}
        return sorted(gone - keep)
    unknown = {name for name in built if name not in keep}
    return sorted((gone | unknown) - keep)
