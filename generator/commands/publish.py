"""`portal publish`: the client portals of a built output folder to a host, and nothing else.

It uploads each current portal folder (only files that differ from the target's), deletes the
files a portal no longer has, then removes every portal folder it published to that target
before and that is no longer current: a capability folder superseded by a rotated
`PORTAL_SECRET`, a public folder after its client moved to `link` or `password`, a removed
client. It knows what it published from its own record, `.clientportal-published.json` in the
output folder (never published; cached in CI with the build manifest), and never deletes a
folder it has no record of publishing. The generator's own files (`.clientportal*`), the
agency overview (`_agency*`, unless `--agency-to` names where) and `_headers.nginx.conf`
are never published.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from generator.errors import UsageError
from generator.pipeline.progress import Progress
from generator.publish.targets import Target, md5_of, open_target
from generator.sink import MARKER, OVERVIEW_FOLDER, write_atomically

RECORD = ".clientportal-published.json"
RECORD_FORMAT = 1
NEVER_PUBLISHED = ("_headers.nginx.conf",)  # nginx reads it from the output folder
_OVERVIEW = re.compile(rf"^{OVERVIEW_FOLDER}(-[0-9a-f]{{32}})?$")


@dataclass
class FolderChanges:
    """What publishing one folder does at a target."""

    folder: str
    uploads: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class PublishReport:
    """What a publish did (or, in a dry run, would do) at one target."""

    address: str
    folders: list[FolderChanges] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)  # folder -> files deleted
    known: bool = True  # a record of earlier publishing to the target, or an empty target

    @property
    def uploaded(self) -> int:
        return sum(len(f.uploads) for f in self.folders)

    @property
    def deleted(self) -> int:
        return sum(len(f.deletes) for f in self.folders) + sum(self.removed.values())


class Record:
    """Which folders `portal publish` put at each target: its only licence to delete."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / RECORD
        self.targets: dict[str, list[str]] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") == RECORD_FORMAT:
                self.targets = {k: list(v) for k, v in data["targets"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass

    def save(self, address: str, folders: set[str]) -> None:
        """Record `folders` as what the target holds now; written atomically."""
        self.targets[address] = sorted(folders)
        text = json.dumps({"format": RECORD_FORMAT, "targets": self.targets},
                          indent=1, sort_keys=True) + "\n"
        write_atomically(self.path, text.encode("utf-8"))


def built_folders(out_dir: Path) -> tuple[list[str], str | None]:
    """The portal folders of a built output folder, and its agency overview's folder."""
    if not (out_dir / MARKER).is_file():
        raise UsageError(f"{out_dir} was not written by `portal build` (no {MARKER} file); "
                         "build first, or pass the build's --out")
    names = sorted(e.name for e in os.scandir(out_dir) if e.is_dir(follow_symlinks=False))
    portals = [name for name in names if not name.startswith((".", "_"))]
    overviews = [name for name in names if _OVERVIEW.match(name)]
    return portals, (overviews[0] if len(overviews) == 1 else None)


def portal_files(folder: Path) -> dict[str, Path]:
    """A built portal's files to publish, by path: all but the nginx snippet."""
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in NEVER_PUBLISHED}


def changes(target: Target, out_dir: Path, folder: str) -> tuple[FolderChanges, dict[str, Path]]:
    """What publishing `folder` changes: files that differ or are new, files that are gone.
    Assets before pages, so a page never points at a file not yet uploaded."""
    files = portal_files(out_dir / folder)
    there = target.listing(folder)
    result = FolderChanges(folder)
    for relative, source in sorted(files.items(), key=lambda item: (
            item[0].endswith(".html"), item[0])):
        if there.get(relative) == md5_of(source):
            result.unchanged += 1
        else:
            result.uploads.append(relative)
    result.deletes = sorted(set(there) - set(files))
    return result, files


Told = Callable[[FolderChanges], None]


def publish(target: Target, out_dir: Path, folders: list[str], dry_run: bool = False,
            told: Told | None = None) -> PublishReport:
    """Publish `folders` of the output folder to the target, then remove what it published
    there before that is not among them; record what the target holds after each step."""
    record = Record(out_dir)
    address = target.address
    before = set(record.targets.get(address, ()))
    report = PublishReport(address, known=address in record.targets
                           or not target.holds_anything())
    for folder in folders:
        folder_changes, files = changes(target, out_dir, folder)
        report.folders.append(folder_changes)
        if not dry_run:
            for relative in folder_changes.uploads:
                target.put(folder, relative, files[relative])
            if folder_changes.deletes:
                target.delete(folder, folder_changes.deletes)
            before.add(folder)
            record.save(address, before)  # what is there now, so a failure forgets nothing
        if told:
            told(folder_changes)
    for stale in sorted(before - set(folders)):
        leftovers = target.listing(stale)
        report.removed[stale] = len(leftovers)
        if not dry_run:
            target.delete(stale, leftovers)
            record.save(address, before - {stale})
            before.discard(stale)
    return report


def plan_targets(out_dir: Path, to: Target, agency_to: Target | None) -> list[
        tuple[Target, list[str]]]:
    """Which folders go to which target: the portals to `to`, the overview only to
    `agency_to` (to the same target as the portals if the agency says so)."""
    portals, overview = built_folders(out_dir)
    if agency_to is None:
        return [(to, portals)]
    if overview is None:
        raise UsageError(f"--agency-to: {out_dir} has no agency overview folder "
                         f"({OVERVIEW_FOLDER}/ or {OVERVIEW_FOLDER}-<token>/); was it built "
                         "with --agency-out?")
    if agency_to.address == to.address:
        return [(to, sorted([*portals, overview]))]
    return [(to, portals), (agency_to, [overview])]


def refuse_inside(out_dir: Path, target: Target) -> None:
    """A local target must not be the output folder, nor inside or around it."""
    root = getattr(target, "root", None)
    if root is None:
        return
    out, there = out_dir.resolve(), Path(root).resolve()
    if out == there or out in there.parents or there in out.parents:
        raise UsageError(f"--to {root}: a target must be outside the output folder {out_dir}, "
                         "and not hold it")


def describe(report: PublishReport, dry_run: bool) -> list[str]:
    """The lines a dry run prints: every upload, deletion and removal."""
    verb = "would " if dry_run else ""
    lines = [f"{verb}upload {c.folder}/{r}" for c in report.folders for r in c.uploads]
    lines += [f"{verb}delete {c.folder}/{r}" for c in report.folders for r in c.deletes]
    lines += [f"{verb}remove {folder}/ ({count} files): published before, no longer built"
              for folder, count in report.removed.items()]
    return lines


def summary(report: PublishReport, dry_run: bool) -> str:
    """One line: what was (or would be) published, deleted and removed."""
    unchanged = sum(c.unchanged for c in report.folders)
    removed = (f"; removed {len(report.removed)} old portal folder"
               f"{'s' * (len(report.removed) != 1)} ({', '.join(report.removed)})"
               if report.removed else "")
    head = "dry run: would publish" if dry_run else "published"
    return (f"{head} {len(report.folders)} folder{'s' * (len(report.folders) != 1)} to "
            f"{report.address}: {report.uploaded} files uploaded, {report.deleted} deleted, "
            f"{unchanged} unchanged{removed}")


def unknown_note(report: PublishReport) -> str | None:
    """A note when there is no record of earlier publishing to this target."""
    if report.known:
        return None
    return (f"note: no record of earlier publishing to {report.address} in this output "
            f"folder ({RECORD}); folders published there before, if any, are not known and "
            "nothing was removed: check the target by hand once")


def progress_text(item: FolderChanges) -> str:
    """What publishing one folder did, for its progress line in CI."""
    return (f"{len(item.uploads)} uploaded, {len(item.deletes)} deleted, "
            f"{item.unchanged} unchanged")


def publish_output(out_dir: Path, to: str, agency_to: str | None, endpoint_url: str | None,
                   dry_run: bool, quiet: bool) -> None:
    """`portal publish`: the portals to `to`, the overview to `agency_to` if given."""
    target = open_target(to, endpoint_url)
    agency = open_target(agency_to, endpoint_url) if agency_to else None
    for where in (target, agency):
        if where is not None:
            refuse_inside(out_dir, where)
    for where, folders in plan_targets(out_dir, target, agency):
        progress = Progress(len(folders), "quiet" if quiet or dry_run else "normal",
                            verb="publishing")
        try:
            report = publish(where, out_dir, folders, dry_run, _telling(progress))
        finally:
            progress.close()
        for line in describe(report, dry_run) if dry_run else ():
            click.echo(line)
        note = unknown_note(report)
        if note:
            click.echo(note, err=True)
        click.echo(summary(report, dry_run))


def _telling(progress: Progress) -> Told:
    """Tell the progress display each folder published."""
    def told(item: FolderChanges) -> None:
        progress(item.folder, len(item.uploads), what=progress_text(item))
    return told
