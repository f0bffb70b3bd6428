"""`portal publish`: the client portals of a built output folder to a host, and nothing else.

The target is the record. Every portal folder published carries a marker,
`<folder>/.clientportal-portal.json`, naming the agency's project (`project:` in portal.yaml:
a stable id, never a secret, nothing the folder name does not show). Each run lists the
target and removes every folder marked with this project that the build does not hold: a
capability folder superseded by a rotated `PORTAL_SECRET`, a public folder after its client
moved to `link` or `password`, a removed client, a portal uploaded by a failed run. A lost
output folder, an evicted CI cache, a re-shard or a new machine change nothing about what
ends up online. A folder without a marker, or another project's, is never deleted.

Order, so that a kill anywhere leaves nothing a visitor could miss and nothing a rerun
cannot finish: per current folder its marker first (so no folder is ever left unmarked),
then every other file, pages last (a page never points at a file not yet there); only then
files portals no longer have, and last the stale folders, pages first and marker last (a
folder half removed is still marked, and the next run finishes it).

The generator's own files (`.clientportal*`), the agency overview (`_agency*`, unless
`--agency-to` names where) and `_headers.nginx.conf` are never published. A local target
gets one nginx file at a stable name, `.clientportal-nginx.conf`, which includes the location
file each portal folder gets (`.clientportal-nginx-location.conf`).
"""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from generator.errors import UsageError
from generator.pipeline.manifest import Manifest
from generator.pipeline.progress import Progress
from generator.publish.targets import LocalTarget, PublishError, Target, md5_of, open_target
from generator.sink import KILL_AT, MANIFEST, MARKER, OVERVIEW_FOLDER
from generator.web.headers import (
    NGINX_CONF,
    NGINX_LOCATION,
    nginx_portal_conf,
    nginx_server_conf,
    snippet_headers,
)

PORTAL_MARKER = ".clientportal-portal.json"
MARKER_FORMAT = 1
LEGACY_RECORD = ".clientportal-published.json"  # before markers: read once, to adopt
NGINX_SNIPPET = "_headers.nginx.conf"
NEVER_PUBLISHED = (NGINX_SNIPPET,)  # nginx gets the headers from publish's own file
_OVERVIEW = re.compile(rf"^{OVERVIEW_FOLDER}(-[0-9a-f]{{32}})?$")
_TOKEN = re.compile(r"^(.+)-[0-9a-f]{32}$")


@dataclass(frozen=True)
class Build:
    """What one or more output folders (the shards of one build) hold to publish."""

    project: str
    portals: dict[str, Path]  # folder name -> the built folder
    overview: str | None  # the overview's folder name, if built
    shards: tuple[int, frozenset[int]] | None = None  # (N, the shards K held) if partial

    def holds_slug(self, folder: str) -> bool:
        """Whether a folder's client belongs to the shards held (every client when whole)."""
        if self.shards is None:
            return True
        from generator.pipeline.plan import shard_of

        count, held = self.shards
        slug = OVERVIEW_FOLDER if _OVERVIEW.match(folder) else _slug(folder)
        return (1 if slug == OVERVIEW_FOLDER else shard_of(slug, count)) in held


def _slug(folder: str) -> str:
    match = _TOKEN.match(folder)
    return match.group(1) if match else folder


def shown(folder: str) -> str:
    """A folder's name for logs (CI logs are read widely): a capability token left out."""
    match = _TOKEN.match(folder)
    return f"{match.group(1)}-<token>" if match else folder


@dataclass
class FolderChanges:
    """What publishing one folder does at a target."""

    folder: str
    uploads: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0
    adopted: bool = False  # at the target before, without a marker


@dataclass
class PublishReport:
    """What a publish did (or, in a dry run, would do) at one target."""

    address: str
    folders: list[FolderChanges] = field(default_factory=list)
    removed: dict[str, list[str]] = field(default_factory=dict)  # folder -> files, in order

    @property
    def uploaded(self) -> int:
        return sum(len(f.uploads) for f in self.folders)

    @property
    def deleted(self) -> int:
        return (sum(len(f.deletes) for f in self.folders)
                + sum(len(files) for files in self.removed.values()))


def marker_bytes(project: str) -> bytes:
    """A portal folder's marker: the generator's, and the project's id; nothing else."""
    return (json.dumps({"clientportal": MARKER_FORMAT, "project": project}) + "\n").encode()


def marker_project(text: bytes | None) -> str | None:
    """The project a marker names; None for no marker, '' for one that cannot be read."""
    if text is None:
        return None
    try:
        data = json.loads(text)
        return str(data["project"]) if data.get("clientportal") == MARKER_FORMAT else ""
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def _manifest_of(out_dir: Path) -> Manifest:
    if not (out_dir / MARKER).is_file():
        raise UsageError(f"{out_dir} was not written by `portal build` (no {MARKER} file); "
                         "build first, or pass the build's --out")
    try:
        return Manifest.parse((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except OSError:
        return Manifest()


def read_build(out_dirs: list[Path], partial: bool) -> Build:
    """The portals of the output folders (one build, or every shard of one), their project
    and which shards they hold; refuse a part of a sharded build unless `partial`."""
    manifests = [_manifest_of(out_dir) for out_dir in out_dirs]
    project = _project(out_dirs[0], {m.settings.get("project") for m in manifests})
    portals, overviews = _built_folders(out_dirs)
    return Build(project, portals, overviews[0] if len(overviews) == 1 else None,
                 _shards([m.shard for m in manifests], out_dirs, partial))


def _project(out_dir: Path, projects: set[str | None]) -> str:
    """The one project id the output folders were built with."""
    if None in projects or not projects:
        raise UsageError(f"{out_dir}: portal.yaml names no `project`. Add a line like "
                         "`project: agency-portals` (a stable id for this agency's portals, "
                         "never a secret), build, and publish again: every folder published is "
                         "marked with it, and only folders so marked are ever removed")
    if len(projects) > 1:
        raise UsageError("the output folders are of different projects "
                         f"({', '.join(sorted(str(p) for p in projects))})")
    return str(projects.pop())


def _built_folders(out_dirs: list[Path]) -> tuple[dict[str, Path], list[str]]:
    """The portal folders of the output folders (each in one only), and overview folders."""
    portals: dict[str, Path] = {}
    overviews = []
    for out_dir in out_dirs:
        names = sorted(e.name for e in os.scandir(out_dir) if e.is_dir(follow_symlinks=False))
        overviews += [name for name in names if _OVERVIEW.match(name)]
        for name in (n for n in names if not n.startswith((".", "_"))):
            if name in portals:
                raise UsageError(f"{name} is in both {portals[name].parent} and {out_dir}")
            portals[name] = out_dir / name
    return portals, overviews


def _shards(shards: list[list[int] | None], out_dirs: list[Path], partial: bool
            ) -> tuple[int, frozenset[int]] | None:
    """(N, shards held) of a partial build; None when the output folders hold every client."""
    count = _shard_count(shards)
    if count is None:
        return None
    held = frozenset(shard[0] for shard in shards if shard)
    if held == frozenset(range(1, count + 1)):
        return None
    if not partial:
        _refuse_partial(out_dirs, count, held)
    return count, held


def _shard_count(shards: list[list[int] | None]) -> int | None:
    """N of the shards K/N the output folders were built as; None for one whole build."""
    if all(shard is None for shard in shards):
        if len(shards) > 1:
            raise UsageError("several --out folders are for the shards of one sharded build; "
                             "these were not built with --shard")
        return None
    counts = {shard[1] for shard in shards if shard}
    if None in shards or len(counts) != 1:
        raise UsageError("the --out folders are not shards of one build (--shard K/N with "
                         "the same N in each)")
    return counts.pop()


def _refuse_partial(out_dirs: list[Path], count: int, held: frozenset[int]) -> None:
    missing = sorted(set(range(1, count + 1)) - held)
    raise UsageError(
        f"{', '.join(map(str, out_dirs))}: shard{'s' * (len(held) > 1)} "
        f"{', '.join(map(str, sorted(held)))} of {count} only. Publishing it alone would "
        "remove the portals of the other shards; pass every shard's output folder "
        f"(--out … for shard{'s' * (len(missing) > 1)} {', '.join(map(str, missing))} too), "
        "or --partial to publish these and remove only their own clients' old folders")


def portal_files(folder: Path) -> dict[str, Path]:
    """A built portal's files to publish, by path: all but the nginx snippet."""
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in NEVER_PUBLISHED
            and p.name not in (PORTAL_MARKER, NGINX_LOCATION)}


def _upload_order(relative: str) -> tuple[bool, str]:
    return relative.endswith(".html"), relative  # pages last


def _removal_order(relative: str) -> tuple[int, str]:
    """Pages first (0), then other files (1), the marker last (2)."""
    rank = 2 if relative == PORTAL_MARKER else 0 if relative.endswith(".html") else 1
    return rank, relative


@dataclass
class Plan:
    """Everything a run will do at one target, worked out before anything is done."""

    report: PublishReport
    sources: dict[str, dict[str, bytes | Path]]  # folder -> relative -> what to upload
    project: str
    notes: list[str] = field(default_factory=list)


def plan_publish(target: Target, build: Build, folders: dict[str, Path],
                 legacy: set[str]) -> Plan:
    """List the target; work out uploads, deletions and the stale folders of the project."""
    inventory = target.inventory()
    owners = {folder: marker_project(target.read(folder, PORTAL_MARKER))
              for folder, files in inventory.items() if PORTAL_MARKER in files}
    _refuse_foreign(target, build.project, folders, owners)
    ours = {f for f, owner in owners.items() if owner == build.project}
    ours |= {f for f in legacy & set(inventory) if f not in owners}
    plan = Plan(PublishReport(target.address), {}, build.project)
    for folder, built in sorted(folders.items()):
        _plan_folder(plan, target, folder, built, inventory.get(folder, {}), folder in ours)
    for stale in sorted(ours - set(folders)):
        if build.holds_slug(stale):
            plan.report.removed[stale] = sorted(inventory[stale], key=_removal_order)
    return plan


def _refuse_foreign(target: Target, project: str, folders: dict[str, Path],
                    owners: dict[str, str | None]) -> None:
    """Never write into a folder another project marked."""
    foreign = sorted(f for f in folders if owners.get(f) not in (None, project))
    if foreign:
        raise PublishError(f"{target.address}: {', '.join(f'{shown(f)}/' for f in foreign)} "
                           f"{'is' if len(foreign) == 1 else 'are'} marked as another "
                           f"project's, not '{project}'s: publish there under another "
                           "prefix, or remove them by hand")


def _plan_folder(plan: Plan, target: Target, folder: str, built: Path,
                 there: dict[str, str], ours: bool) -> None:
    """One current folder's uploads and deletions; a folder found unmarked is adopted, and
    nothing of it deleted this time."""
    changes, sources = _folder_changes(folder, built, there, marker_bytes(plan.project))
    if there and not ours:
        changes.adopted, changes.deletes = True, []
        plan.notes.append(f"note: {shown(folder)}/ was at {target.address} without a "
                          "marker; it is now marked as this project's")
    plan.report.folders.append(changes)
    plan.sources[folder] = sources


def _folder_changes(folder: str, built: Path, there: dict[str, str], marker: bytes
                    ) -> tuple[FolderChanges, dict[str, bytes | Path]]:
    """What publishing one folder changes: its marker first, then files that differ or are
    new (pages last); files it no longer has are deleted after every upload."""
    files = portal_files(built)
    result = FolderChanges(folder)
    sources: dict[str, bytes | Path] = {}
    if there.get(PORTAL_MARKER) != md5_of_bytes(marker):
        result.uploads.append(PORTAL_MARKER)
        sources[PORTAL_MARKER] = marker
    for relative in sorted(files, key=_upload_order):
        if there.get(relative) == md5_of(files[relative]):
            result.unchanged += 1
        else:
            result.uploads.append(relative)
            sources[relative] = files[relative]
    result.deletes = sorted(set(there) - set(files) - {PORTAL_MARKER, NGINX_LOCATION})
    return result, sources


def md5_of_bytes(content: bytes) -> str:
    import hashlib

    return hashlib.md5(content, usedforsecurity=False).hexdigest()


Told = Callable[[FolderChanges], None]


def run_plan(target: Target, plan: Plan, folders: dict[str, Path], told: Told | None) -> None:
    """Do what the plan says, in its order (see the module)."""
    nginx = _Nginx(target) if isinstance(target, LocalTarget) else None
    for changes in plan.report.folders:
        for relative in changes.uploads:
            target.put(changes.folder, relative, plan.sources[changes.folder][relative])
        if nginx:
            nginx.write(changes.folder, folders[changes.folder])
        if told:
            told(changes)
    _test_point("uploaded")
    for changes in plan.report.folders:
        if changes.deletes:
            target.delete(changes.folder, changes.deletes)
    _remove_stale(target, plan, nginx)


def _remove_stale(target: Target, plan: Plan, nginx: _Nginx | None) -> None:
    """Remove the stale folders: out of nginx, then pages, other files, the marker."""
    for stale, files in plan.report.removed.items():
        if nginx:
            nginx.remove(stale)
        for group in _removal_groups(files):  # one call each: S3 deletes a batch unordered
            target.delete(stale, group)


def _removal_groups(files: list[str]) -> list[list[str]]:
    """A stale folder's files in the order they go: pages, other files, the marker."""
    groups: list[list[str]] = [[], [], []]
    for relative in files:
        groups[_removal_order(relative)[0]].append(relative)
    return [group for group in groups if group]


def _test_point(name: str) -> None:
    """Test-only: kill this process here if CLIENTPORTAL_TEST_KILL_AT=publish-<name>."""
    if os.environ.get(KILL_AT) == f"publish-{name}":
        os.kill(os.getpid(), signal.SIGKILL)


class _Nginx:
    """The nginx files of a local target: one at a stable name, including the location file
    in each portal folder."""

    def __init__(self, target: LocalTarget) -> None:
        self.target = target
        target.put_file(target.root / NGINX_CONF, nginx_server_conf(target.root.resolve()))

    def write(self, folder: str, built: Path) -> None:
        snippet = built / NGINX_SNIPPET
        pairs = snippet_headers(snippet.read_text(encoding="utf-8")) if snippet.is_file() else []
        conf = self.target.root / folder / NGINX_LOCATION
        text = nginx_portal_conf(folder, pairs)
        if not conf.is_file() or conf.read_bytes() != text:
            self.target.put_file(conf, text)

    def remove(self, folder: str) -> None:
        """Take the portal's location out first: a reload mid-removal serves it no more."""
        self.target.delete(folder, [NGINX_LOCATION])


def legacy_folders(out_dirs: list[Path], address: str) -> set[str]:
    """Folders an older `portal publish` recorded at this target (before markers): adopted
    as this project's, so that a first run with markers still removes what is stale."""
    found: set[str] = set()
    for out_dir in out_dirs:
        try:
            data = json.loads((out_dir / LEGACY_RECORD).read_text(encoding="utf-8"))
            for key, folders in data["targets"].items():
                if key == address or address.startswith(f"{key} at "):
                    found |= set(folders)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return found


def plan_targets(build: Build, out_dirs: list[Path], to: Target, agency_to: Target | None
                 ) -> list[tuple[Target, dict[str, Path]]]:
    """Which folders go to which target: the portals to `to`, the overview only to
    `agency_to` (to the same target as the portals if the agency says so)."""
    if agency_to is None:
        return [(to, build.portals)]
    if build.overview is None:
        raise UsageError(f"--agency-to: {out_dirs[0]} has no agency overview folder "
                         f"({OVERVIEW_FOLDER}/ or {OVERVIEW_FOLDER}-<token>/); was it built "
                         "with --agency-out?")
    overview = {build.overview: next(d / build.overview for d in out_dirs
                                     if (d / build.overview).is_dir())}
    if agency_to.address == to.address:
        return [(to, {**build.portals, **overview})]
    return [(to, build.portals), (agency_to, overview)]


def refuse_inside(out_dir: Path, target: Target) -> None:
    """A local target must not be the output folder, nor inside or around it."""
    root = getattr(target, "root", None)
    if root is None:
        return
    out, there = out_dir.resolve(), Path(root).resolve()
    if out == there or out in there.parents or there in out.parents:
        raise UsageError(f"--to {root}: a target must be outside the output folder {out_dir}, "
                         "and not hold it")


def describe(report: PublishReport) -> list[str]:
    """The lines a dry run prints: every upload, deletion and removal it would do."""
    lines = [f"would upload {c.folder}/{r}" for c in report.folders for r in c.uploads]
    lines += [f"would delete {c.folder}/{r}" for c in report.folders for r in c.deletes]
    lines += [f"would remove {folder}/ ({len(files)} files): marked as this project's, "
              "no longer built" for folder, files in report.removed.items()]
    return lines


def summary(report: PublishReport, dry_run: bool) -> str:
    """One line: what was (or would be) published, deleted and removed."""
    unchanged = sum(c.unchanged for c in report.folders)
    count = len(report.removed)
    names = ", ".join(shown(f) for f in report.removed)
    if dry_run:
        removed = f"; would remove {count} old portal folder{'s' * (count != 1)} ({names})"
        head, verb = "dry run: would publish", "would be"
    else:
        removed = f"; removed {count} old portal folder{'s' * (count != 1)} ({names})"
        head, verb = "published", "were"
    folders = len(report.folders)
    return (f"{head} {folders} folder{'s' * (folders != 1)} to {report.address}: "
            f"{report.uploaded} files {verb} uploaded, {report.deleted} deleted, "
            f"{unchanged} unchanged{removed if count else ''}")


def progress_text(item: FolderChanges) -> str:
    """What publishing one folder did, for its progress line in CI."""
    return (f"{len(item.uploads)} uploaded, {len(item.deletes)} to delete, "
            f"{item.unchanged} unchanged")


def publish_output(out_dirs: list[Path], to: str, agency_to: str | None,
                   endpoint_url: str | None, dry_run: bool, quiet: bool,
                   partial: bool = False) -> None:
    """`portal publish`: the portals to `to`, the overview to `agency_to` if given."""
    target = open_target(to, endpoint_url)
    agency = open_target(agency_to, endpoint_url) if agency_to else None
    for where in (target, *([agency] if agency else [])):
        for out_dir in out_dirs:
            refuse_inside(out_dir, where)
    build = read_build(out_dirs, partial)
    for where, folders in plan_targets(build, out_dirs, target, agency):
        plan = plan_publish(where, build, folders, legacy_folders(out_dirs, where.address))
        for note in plan.notes:
            click.echo(note, err=True)
        if dry_run:
            for line in describe(plan.report):
                click.echo(line)
        else:
            _run_with_progress(where, plan, folders, quiet)
        click.echo(summary(plan.report, dry_run))


def _run_with_progress(target: Target, plan: Plan, folders: dict[str, Path],
                       quiet: bool) -> None:
    progress = Progress(len(folders), "quiet" if quiet else "normal", verb="publishing")
    try:
        run_plan(target, plan, folders, _telling(progress))
    finally:
        progress.close()


def _telling(progress: Progress) -> Told:
    """Tell the progress display each folder published."""
    def told(item: FolderChanges) -> None:
        progress(shown(item.folder), len(item.uploads), what=progress_text(item))
    return told
