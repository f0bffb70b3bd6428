"""Decide what a build does: the build date, which clients, and which of them need building.

Planning reads no client file's content unless its size or time changed (see `manifest`),
parses nothing, and imports nothing heavy when nothing changed, so a no-op build of a
thousand clients takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from generator.content.folders import DEADLINES, agency_stats, client_folders
from generator.content.history import (
    ClientHistory,
    GitLog,
    changed_since,
    git_head,
    read_blobs,
    read_git_log,
)
from generator.errors import Problem
from generator.pipeline import load_pipeline
from generator.pipeline.manifest import (
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
from generator.pipeline.options import BuildOptions, build_date, selected_clients
from generator.protection.credentials import (
    Secrets,
    default_secrets_file,
    load_secrets,
    secrets_digest,
)


class SecretsLoader:
    """The build's secrets, loaded once and only when needed: a no-op build of public portals
    reads no secrets file."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self._loaded: Secrets | None = None

    def load(self) -> Secrets:
        """The secrets (raises UsageError for a secrets file git does not ignore)."""
        if self._loaded is None:
            path = self.options.secrets_file or default_secrets_file(self.options.content_dir)
            self._loaded = load_secrets(path)
        return self._loaded

    def unchanged(self, entry: ClientEntry) -> bool:
        """Whether the secrets the client was built with still have the same values."""
        return not entry.secrets or (
            secrets_digest(entry.secrets, self.load()) == entry.secrets_digest)


@dataclass(frozen=True, kw_only=True)
class BuildPlan:
    """The outcome of planning: what to build, what to skip, what to remove."""

    as_of: date
    secrets: SecretsLoader
    clients: tuple[str, ...] = ()  # every client folder, selected or not
    to_build: tuple[tuple[str, ClientHistory], ...] = ()
    skipped: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()  # portal folders to remove: their clients are gone
    gone: tuple[str, ...] = ()  # those clients: what the output's cache keeps of them goes too
    manifest: Manifest = field(default_factory=Manifest)  # the last build's, with the agency's inputs now
    entries: Mapping[str, ClientEntry] = field(default_factory=dict)  # the selected clients'
    problems: tuple[Problem, ...] = ()
    common_digest: str = ""  # of agency, theme, generator and date: a builder is valid for it
    # clients whose overview row in the manifest is known to match their files (planned now,
    # or known to a long-lived process): not statted again
    current_rows: frozenset[str] = frozenset()
    manifest_changed: bool = False  # False: saving the manifest would write the same bytes


@dataclass
class _Planning:
    """A plan while it is made, client by client."""

    secrets: SecretsLoader
    manifest: Manifest
    common_digest: str
    to_build: list[tuple[str, ClientHistory]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    entries: dict[str, ClientEntry] = field(default_factory=dict)
    manifest_changed: bool = False


@dataclass(frozen=True)
class AgencyInputs:
    """What every portal shares from the content folder: portal.yaml and _agency/ (their
    records and hash) and the settings planning reads from portal.yaml."""

    files: dict[str, FileRecord]
    hash: str
    settings: dict[str, Any]  # time zone, theme folders, commit messages (agency_settings)


def shard_of(slug: str, count: int) -> int:
    """The shard (1..count) a client belongs to: stable across machines and Python runs."""
    return int(hashlib.sha256(slug.encode("utf-8")).hexdigest()[:16], 16) % count + 1


def plan_build(options: BuildOptions, manifest: Manifest, *, built: set[str],
               current_rows: set[str] | None = None,
               on_change: Callable[[], None] | None = None) -> BuildPlan:
    """Work out the build date, the selected clients, and which of them changed.

    `manifest` is the last build's (empty when checking); `built` the portal folders the
    output holds (none when checking); `current_rows` the clients whose
    overview rows a long-lived process knows are current. `on_change` is called once, as soon
    as a client to build is found (the rest are still being planned).
    """
    content = options.content_dir
    slugs, problems = client_folders(content)
    agency = _agency_inputs(content, manifest)
    example = agency.settings.get("example_date")
    as_of = build_date(options.as_of, agency.settings["timezone"],
                       example_date=date.fromisoformat(example) if example else None)
    selected = _select(slugs, options)
    head = git_head(content)
    git = None if _histories_known(manifest, head, selected, options) else (
        read_git_log(content, selected if options.clients else None))
    plan = _Planning(SecretsLoader(options), manifest, _common_digest(agency, as_of))
    _plan_clients(plan, options, selected, built, git, on_change)
    to_build = _with_deadline_texts(content, _histories(plan, content, git))
    _remember_agency_inputs(plan, agency, "" if options.clients else head or "")
    gone = () if options.clients else _gone(manifest, set(slugs), options.shard)
    return BuildPlan(
        as_of=as_of, secrets=plan.secrets, clients=tuple(slugs), to_build=tuple(to_build),
        skipped=tuple(plan.skipped), manifest=manifest, entries=plan.entries,
        stale=() if options.clients else _stale(manifest, built, set(slugs), gone, options.shard),
        gone=gone,
        problems=tuple(problems), common_digest=plan.common_digest,
        current_rows=frozenset(current_rows or ()),
        manifest_changed=plan.manifest_changed or not manifest.clients)  # none yet: save one


def _plan_clients(plan: _Planning, options: BuildOptions, selected: list[str], built: set[str],
                  git: GitLog | None, on_change: Callable[[], None] | None) -> None:
    """Plan each selected client; call `on_change` once, at the first one to build."""
    may_skip = not options.force
    for slug in selected:
        _plan_client(plan, options.content_dir, built, slug, git, may_skip)
        if on_change and plan.to_build:
            on_change()
            on_change = None


def _agency_inputs(content: Path, manifest: Manifest) -> AgencyInputs:
    """The agency's files and settings: portal.yaml is read again only when they changed."""
    files = file_records(content, manifest.agency_files, agency_stats(content))
    agency_hash = records_digest(files)
    settings = manifest.settings if manifest.agency_hash == agency_hash else {}
    if settings.get("content") != str(content.resolve()) or "project" not in settings:
        settings = {}  # a custom theme's folder is found relative to portal.yaml
    return AgencyInputs(files, agency_hash,
                        settings or load_pipeline().settings(content))


def _common_digest(agency: AgencyInputs, as_of: date) -> str:
    """What every client's portal depends on besides its own files: generator, theme, the
    agency's files and settings, the build date."""
    settings = {k: v for k, v in agency.settings.items()
                if k not in ("content", "theme", "project")}  # the project id: publish's only
    return digest(generator_digest(), theme_digest(Path(t) for t in agency.settings["theme"]),
                  agency.hash, as_of.isoformat(), json.dumps(settings, sort_keys=True))


def _remember_agency_inputs(plan: _Planning, agency: AgencyInputs, head: str) -> None:
    """Record the shared inputs in the manifest; a log of some clients only (--client) may
    simplify merges, so its commit is not trusted later."""
    manifest = plan.manifest
    inputs = (agency.hash, agency.settings, agency.files, head)
    if inputs != (manifest.agency_hash, manifest.settings, manifest.agency_files,
                  manifest.git_head):
        plan.manifest_changed = True
        manifest.agency_hash, manifest.settings, manifest.agency_files, manifest.git_head = inputs


def _select(slugs: list[str], options: BuildOptions) -> list[str]:
    selected = selected_clients(slugs, options.clients)
    if options.shard:
        index, count = options.shard
        selected = [slug for slug in selected if shard_of(slug, count) == index]
    if options.changed_since:
        changed = changed_since(options.content_dir, options.changed_since)
        if changed is not None:
            selected = [slug for slug in selected if slug in changed]
    return selected


def _histories_known(manifest: Manifest, head: str | None, selected: list[str],
                     options: BuildOptions) -> bool:
    """Whether the manifest's history hashes are those of the current commit, for every
    selected client: then a build that finds nothing changed runs no `git log`."""
    return bool(head) and not options.clients and head == manifest.git_head and all(
        slug in manifest.clients and manifest.clients[slug].history for slug in selected)


def _plan_client(plan: _Planning, content: Path, built: set[str], slug: str,
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
    if may_skip and previous and _unchanged(plan, previous, records, history_hash, built):
        if records != previous.files:  # new times, same bytes
            previous, plan.manifest_changed = replace(previous, files=records), True
        plan.entries[slug] = previous
        plan.skipped.append(slug)
    else:
        digest_now = client_hash(plan.common_digest, records, history_hash)
        plan.entries[slug] = ClientEntry(digest_now, slug, records, history=history_hash)
        plan.to_build.append((slug, history))


def _unchanged(plan: _Planning, previous: ClientEntry, records: dict[str, FileRecord],
               history_hash: str, built: set[str]) -> bool:
    """Whether a client's inputs (files, history, shared inputs, secrets) are those it was
    last built with, and its portal is still there."""
    same_inputs = records == previous.files and history_hash == previous.history
    if not (same_inputs and previous.shared == plan.common_digest):
        # the same bytes under another name are the same inputs: compare the hash
        same_inputs = client_hash(plan.common_digest, records, history_hash) == previous.hash
    return same_inputs and previous.folder in built and plan.secrets.unchanged(previous)


def _histories(plan: _Planning, content: Path,
               git: GitLog | None) -> list[tuple[str, ClientHistory]]:
    """The histories of the clients to build. Without a log yet, from a `git log` of their
    folders only; if one differs from the history hash known for this commit (which a log of
    the whole content folder gave), from a log of the whole folder, as a full build reads it."""
    if git is not None or not plan.to_build:
        return plan.to_build
    slugs = [slug for slug, _ in plan.to_build]
    git = read_git_log(content, slugs)
    if any(digest(git.for_client(slug).digest()) != plan.entries[slug].history for slug in slugs):
        git = read_git_log(content, None)
    return [(slug, git.for_client(slug)) for slug in slugs]


def _with_deadline_texts(content: Path, to_build: list[tuple[str, ClientHistory]]
                         ) -> list[tuple[str, ClientHistory]]:
    """Give each client to build the committed versions of its deadlines.yaml (one
    `git cat-file` pass), which its milestones' history is made of."""
    blobs = [c.blob for _, h in to_build for c in h.files.get(DEADLINES, ())]
    texts = read_blobs(content, blobs) if blobs else {}
    return [(slug, replace(history, deadline_texts={
        c.blob: texts[c.blob] for c in history.files.get(DEADLINES, ()) if c.blob in texts}))
        for slug, history in to_build]


def _gone(manifest: Manifest, current: set[str], shard: tuple[int, int] | None
          ) -> tuple[str, ...]:
    """Clients the last build built that are gone (in a sharded build, of this shard's)."""
    return tuple(sorted(slug for slug in manifest.clients if slug not in current
                        and (not shard or shard_of(slug, shard[1]) == shard[0])))


def _stale(manifest: Manifest, built: set[str], current: set[str], gone: tuple[str, ...],
           shard: tuple[int, int] | None) -> tuple[str, ...]:
    """Portal folders of the clients `gone` (`_gone`), and in a build of every shard the
    folders the output holds that no client has."""
    # A portal's folder may differ from its slug (capability paths): the manifest knows which.
    folders = {slug: entry.folder for slug, entry in manifest.clients.items()
               if not shard or shard_of(slug, shard[1]) == shard[0]}
    keep = current | {folders[slug] for slug in current if slug in folders}
    unknown = set() if shard else built - keep
    return tuple(sorted(({folders[slug] for slug in gone} | unknown) - keep))
