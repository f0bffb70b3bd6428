"""The content folder's shape without parsing a file: client folders, file stats and hashes.

Which client folders there are, and the size, time and hash of each file: what planning an
incremental build needs.

Parsing is `read`'s job; planning imports only this, so a build that finds nothing changed
lists and stats files and reads none.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from generator.errors import Problem, display_path

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"  # a client folder's name, and a milestone id
PORTAL_FILE = "portal.yaml"
AGENCY_FOLDER = "_agency"
DEADLINES = "deadlines.yaml"  # a client's milestones; planning reads its git history

FileStat = tuple[int, int]  # size, mtime in nanoseconds


def client_folders(content_dir: Path) -> tuple[list[str], list[Problem]]:
    """The client slugs in the content folder, and problems with entries that are not clients."""
    if not content_dir.is_dir():
        return [], [Problem(display_path(content_dir, content_dir), None,
                            "content folder not found")]
    folders, problems = [], []
    with os.scandir(content_dir) as listing:  # one pass: the entries' types come with it
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith((".", "_")) or entry.name == PORTAL_FILE:
            continue
        problem = _not_a_client(entry)
        if problem:
            problems.append(Problem(display_path(Path(entry.path), content_dir), None, problem))
        else:
            folders.append(entry.name)
    return folders, problems


def _not_a_client(entry: os.DirEntry[str]) -> str | None:
    if not entry.is_dir(follow_symlinks=False):
        return ("unexpected entry in the content folder; it holds portal.yaml, _agency/ and "
                "one folder per client")
    if not re.match(SLUG_PATTERN, entry.name):
        return (f"'{entry.name}' is not a valid client slug: use lower-case letters, digits "
                "and hyphens")
    return None


def stat_files(folder: Path) -> dict[str, FileStat]:
    """Size and modification time of every file below `folder`, by sorted relative path.

    The one loop a no-op build runs for every input file: plain strings, no Path objects.
    """
    found: dict[str, FileStat] = {}
    stack = [(os.fspath(folder), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as listing:
                for entry in listing:
                    name = entry.name
                    if name[0] == ".":
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{prefix}{name}/"))
                    else:
                        stat = entry.stat(follow_symlinks=False)
                        found[prefix + name] = (stat.st_size, stat.st_mtime_ns)
        except (FileNotFoundError, NotADirectoryError):
            continue
    return dict(sorted(found.items()))


def agency_stats(content_dir: Path) -> dict[str, FileStat]:
    """Size and time of portal.yaml and of every file in _agency/, by path in the content
    folder: the agency's share of every portal's inputs."""
    stats = {f"{AGENCY_FOLDER}/{name}": stat
             for name, stat in stat_files(content_dir / AGENCY_FOLDER).items()}
    portal = content_dir / PORTAL_FILE
    if os.path.lexists(portal):
        found = os.lstat(portal)
        stats[PORTAL_FILE] = (found.st_size, found.st_mtime_ns)
    return dict(sorted(stats.items()))


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file or folder is, said for an error message."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes. Planning runs before validation, so a symbolic link is
    hashed by where it points and a pipe or device by its kind: never followed, never opened
    (a link to /dev/zero, or a pipe, would never end)."""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return hashlib.sha256(b"link\0" + os.fsencode(os.readlink(path))).hexdigest()
    if not stat.S_ISREG(mode):
        return hashlib.sha256(f"special\0{special_kind(mode)}".encode()).hexdigest()
    hasher = hashlib.sha256()
    descriptor = os.open(path, _NO_FOLLOW)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced since the lstat
            return hashlib.sha256(b"special\0").hexdigest()
        for chunk in iter(lambda: file.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()
