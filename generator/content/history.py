"""Git history of the content folder, read in one `git log` pass per build.

Dates "last updated" come from commits, never from file times (those differ between machines
and checkouts). Outside a git repository there is no history: pages fall back to the dates in
front matter, and the build says so once. Milestones share one file, so their own history is
found by comparing each committed version of deadlines.yaml (read in one `git cat-file --batch`
pass) milestone by milestone (`read.milestone_history`: this module runs git, and parses
nothing).
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from generator.errors import UsageError

log = logging.getLogger(__name__)

# A commit's subject may hold any character but NUL (git cuts a message there), and never a
# line break (%s joins its lines): NUL separates the fields, NUL NUL starts a record, so a
# subject cannot forge a date or another commit.
_RECORD, _FIELD = "\x00\x00", "\x00"
_ENV = {"LC_ALL": "C", "LANG": "C", "TZ": "UTC", "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin"}


@dataclass(frozen=True)
class Change:
    """One commit that changed a file: when (UTC), its blob, and its message (internal)."""

    when: datetime
    message: str
    blob: str = ""


@dataclass(frozen=True)
class ClientHistory:
    """The commits of one client's files, keyed by path relative to the client folder."""

    files: dict[str, tuple[Change, ...]] = field(default_factory=dict)
    milestones: dict[str, tuple[Change, ...]] = field(default_factory=dict)
    tracked: bool = False  # False outside git: no dates at all, not file times
    # the committed versions of deadlines.yaml, by blob id, until `milestones` is made of them
    deadline_texts: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """A stable text of this history, for the incremental build's input hash."""
        rows = [(p, [(c.when.isoformat(), c.message) for c in cs])
                for p, cs in sorted(self.files.items())]
        return json.dumps([self.tracked, rows], ensure_ascii=False)


@dataclass
class GitLog:
    """Every commit of every file below the content folder, newest first."""

    tracked: bool
    files: dict[str, list[Change]] = field(default_factory=dict)

    by_client: dict[str, dict[str, tuple[Change, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path, changes in self.files.items():  # grouped once: no scan per client
            slug, slash, rest = path.partition("/")
            if slash:
                self.by_client.setdefault(slug, {})[rest] = tuple(changes)

    def for_client(self, slug: str) -> ClientHistory:
        """The part of the log about one client's folder (without milestones: see below)."""
        files = self.by_client.get(slug, {})
        return ClientHistory(dict(sorted(files.items())), {}, self.tracked)


def git_head(content_dir: Path) -> str | None:
    """The commit checked out and the content folder's place in the repository: the same
    value means the same `git log`. None outside git, and in a shallow clone (deepening it
    changes the log, not the commit)."""
    try:
        output = _git(content_dir, ["git", "rev-parse", "--is-shallow-repository",
                                    "--show-prefix", "HEAD"])
    except (OSError, subprocess.CalledProcessError):
        return None
    shallow, prefix, commit = (output.decode("utf-8", "replace").split("\n") + ["", ""])[:3]
    return None if shallow != "false" or not commit else f"{commit} {prefix}"


def read_git_log(content_dir: Path, slugs: list[str] | None = None) -> GitLog:
    """Run `git log` once over the content folder (or only these clients' folders).

    Outside git, say so and return no history.
    """
    command = ["git", "-c", "core.quotepath=off", "log", "--relative", "--no-renames",
               "--raw", "--no-abbrev", "--format=%x00%x00%at%x00%s", "--",
               *([f"{slug}/" for slug in slugs] if slugs is not None else ["."])]
    try:
        output = _git(content_dir, command)
    except (OSError, subprocess.CalledProcessError):
        log.warning("%s is not in a git repository: dates 'last updated' come from front "
                    "matter only (file times are not used: they differ between checkouts)",
                    content_dir)
        return GitLog(False)
    return GitLog(True, _parse_log(output))


def _git(cwd: Path, command: list[str], stdin: bytes | None = None) -> bytes:
    return subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, check=True,
                          env=_ENV).stdout


def _parse_log(output: bytes) -> dict[str, list[Change]]:
    files: dict[str, list[Change]] = {}
    for record in output.decode("utf-8", "replace").split(_RECORD)[1:]:
        header, _, body = record.partition("\n")
        epoch, _, message = header.partition(_FIELD)
        when = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        for line in body.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) < 5 or parts[4].startswith("D"):
                continue
            files.setdefault(path, []).append(Change(when, message, parts[3]))
    return files


def read_blobs(content_dir: Path, blobs: Iterable[str]) -> dict[str, str]:
    """Read blobs by id in one `git cat-file --batch` process."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    output = _git(content_dir, ["git", "cat-file", "--batch"],
                  stdin="".join(f"{b}\n" for b in wanted).encode())
    texts, position = {}, 0
    for blob in wanted:
        header_end = output.index(b"\n", position)
        parts = output[position:header_end].split()
        if len(parts) < 3 or parts[1] == b"missing":
            position = header_end + 1
            continue
        size = int(parts[2])
        start = header_end + 1
        texts[blob] = output[start:start + size].decode("utf-8", "replace")
        position = start + size + 1
    return texts


def changed_since(content_dir: Path, ref: str) -> set[str] | None:
    """Client slugs whose folders changed since `ref`; None when a shared file changed."""
    try:
        diff = _git(content_dir, ["git", "-c", "core.quotepath=off", "diff", "--relative",
                                  "--no-renames", "--name-only", ref, "--", "."])
        new = _git(content_dir, ["git", "-c", "core.quotepath=off", "ls-files", "--others",
                                 "--exclude-standard", "--", "."])
    except (OSError, subprocess.CalledProcessError) as error:
        raise UsageError(f"--changed-since {ref}: cannot compare with git "
                          f"({getattr(error, 'stderr', b'') or error!s})") from None
    slugs: set[str] = set()
    for path in (diff + new).decode("utf-8", "replace").splitlines():
        first, slash, _ = path.partition("/")
        if not slash or first.startswith(("_", ".")):
            return None  # portal.yaml, agency files or theme: every portal may change
        slugs.add(first)
    return slugs


def content_at(content_dir: Path, ref: str, target: Path) -> None:
    """Write the content folder as it was at git commit `ref` into the folder `target`."""
    try:
        top, prefix = (_git(content_dir, ["git", "rev-parse", "--show-toplevel",
                                          "--show-prefix"]).decode() + "\n").split("\n")[:2]
        # from the top: in a sub-folder, git archive would also filter by that folder's path
        archive = _git(Path(top), ["git", "archive", "--format=tar", f"{ref}:{prefix}"])
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or str(error).encode()
        raise UsageError(f"--since {ref}: not a commit of the content folder's git repository "
                         f"({detail.decode('utf-8', 'replace').strip()})") from None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+: refuse odd members
            tar.extractall(target, filter="data")
        else:  # pragma: no cover - the archive is git's own, of the agency's repository
            tar.extractall(target)  # noqa: S202
