"""Write portals atomically and deterministically; the only module that writes to disk.

A build stages every portal in a folder beside the output folder, and swaps each portal in
only when every client rendered without problems; a failed build removes the staging folder
and leaves the last good output as it was. The output folder carries a marker file: a folder
without one is never written into, so a wrong `--out` cannot wipe somebody's directory.

Crash safety. Each portal is swapped whole, in one system call: on Linux `renameat2` with
RENAME_EXCHANGE trades the staged folder and the published one atomically (a portal that is
new is one `rename`), so at every instant a portal is entirely old or entirely new, whenever
the build is killed. Elsewhere (or on a file system without it) the swap is two renames, and
a kill between them leaves that one portal missing until the next build. A build holds a lock
on the output folder's marker while it writes; the next build, holding it, removes whatever a
killed build left: staging folders and temporary manifests.

Test-only: `CLIENTPORTAL_TEST_KILL_AT=<point>[:<n>]` makes the build kill itself (SIGKILL) the
n-th time it reaches a point (`swap`: before a portal's swap; `swapped`: after it, before the
old version is removed; `committed`: after every swap), so a test can stop it exactly there.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.errors import UsageError

log = logging.getLogger(__name__)

# A site's files by path relative to its folder: bytes, or a source file copied as it is.
PortalFiles = dict[str, "bytes | Path"]
OVERVIEW_FOLDER = "_agency"  # the agency overview's folder (and its label for derived keys)

MARKER = ".clientportal"
# What the generator keeps between builds besides the manifest (compiled templates): never
# published, trusted like the rest of the output folder, safe to delete at any time.
CACHE = ".clientportal-cache"
MARKER_TEXT = "This folder is written by `portal build`; its contents are replaced on each build.\n"


KILL_AT = "CLIENTPORTAL_TEST_KILL_AT"  # test-only (see above)
LOCK_WAIT = 10.0  # seconds to wait for another build (or a killed one's workers) to let go
RENAME_EXCHANGE = 2  # linux/fs.h

TOKEN_BYTES = 16  # a capability link's folder is <slug>-<token>, 32 hex digits (see protect)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def superseded_folders(slug: str, folder: str, existing: set[str]) -> set[str]:
    """Other folders of the same client (an old token, or before its mode changed)."""
    old = {name for name in existing
           if name in (slug, f"_draft-{slug}") or (name.startswith(f"{slug}-")
                                                   and _TOKEN.match(name[len(slug) + 1:]))}
    return old - {folder}


class FileCache:
    """Files the generator made once and keeps in its cache folder by the digest of what they
    were made of (invoice PDFs): one folder per client, holding only what its last build used."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, group: str, key: str, suffix: str) -> bytes | None:
        try:
            return (self.folder / group / f"{key}{suffix}").read_bytes()
        except FileNotFoundError:
            return None

    def put(self, group: str, key: str, suffix: str, content: bytes) -> None:
        target = self.folder / group / f"{key}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_bytes(content)
        os.replace(partial, target)  # a reader never sees half a file

    def keep_only(self, group: str, names: set[str]) -> None:
        """Remove the group's files that are not `names` (made for what changed since)."""
        folder = self.folder / group
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name not in names:
                    path.unlink(missing_ok=True)


class OutputFolder:
    """The output folder: staging, atomic swaps, and removal of portals no longer built."""

    def __init__(self, out_dir: Path, staging: Path | None = None) -> None:
        self.out_dir = out_dir
        self.staging = staging or out_dir.parent / f"{self.staging_prefix}{os.getpid()}"
        self._staged: list[str] = []
        self._superseded: set[str] = set()
        self._lock: int | None = None
        self._passed: Counter[str] = Counter()

    @property
    def staging_prefix(self) -> str:
        """Staging folders of this output folder are named this, and a process id."""
        return f".{self.out_dir.name}.staging-"

    def claim(self) -> None:
        """Take the output folder for this build (see `_claim`), lock it, and remove what a
        killed build left in and beside it. Once: later calls find it taken."""
        if self._lock is not None:
            return
        self._claim()
        self._take_lock()
        self._remove_leftovers()

    def _take_lock(self) -> None:
        descriptor = os.open(self.out_dir / MARKER, os.O_RDONLY | os.O_CLOEXEC)
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(descriptor)
                    raise UsageError(f"another `portal build` is writing to {self.out_dir}; "
                                     "run one build at a time") from None
                time.sleep(0.05)
        self._lock = descriptor

    def release(self) -> None:
        """Let go of the output folder (the lock goes with the process, too)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _remove_leftovers(self) -> None:
        """Staging folders and temporary files of builds that were killed (the lock says no
        other build is running)."""
        for entry in self.out_dir.parent.iterdir():
            if entry.name.startswith(self.staging_prefix):  # ours too: a reused process id
                log.info("removing %s, left by a build that did not finish", entry.name)
                shutil.rmtree(entry, ignore_errors=True)
        for entry in self.out_dir.iterdir():
            if entry.name.startswith(".clientportal-manifest.json.tmp-"):
                entry.unlink(missing_ok=True)

    def test_point(self, name: str) -> None:
        """Test-only: kill this process here if CLIENTPORTAL_TEST_KILL_AT asks to."""
        wanted = os.environ.get(KILL_AT)
        if not wanted:
            return
        point, _, count = wanted.partition(":")
        self._passed[name] += 1
        if point == name and self._passed[name] == int(count or 1):
            os.kill(os.getpid(), signal.SIGKILL)

    def _claim(self) -> None:
        """Create the output folder, or refuse one that `portal build` did not create."""
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise UsageError(f"{self.out_dir} exists and is not a folder")
        foreign = self.out_dir.is_dir() and not (self.out_dir / MARKER).is_file()
        if foreign and any(self.out_dir.iterdir()):
            raise UsageError(
                f"{self.out_dir} is not empty and was not created by `portal build` "
                f"(no {MARKER} file); refusing to write into it. Choose another --out.")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        marker = self.out_dir / MARKER
        if not marker.is_file() or marker.read_text(encoding="utf-8") != MARKER_TEXT:
            marker.write_text(MARKER_TEXT, encoding="utf-8")
            os.chmod(marker, 0o644)

    def cache(self, name: str) -> Path:
        """A folder of the generator's cache (made if missing), inside the output folder so
        that CI caches it along with the manifest."""
        folder = self.out_dir / CACHE / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def recall(self, name: str, key: str) -> Any:
        """What `remember` kept under this key in the cache `name`, or None."""
        try:
            text = (self.out_dir / CACHE / name / f"{key}.json").read_text(encoding="utf-8")
            return json.loads(text)
        except (OSError, ValueError):
            return None

    def remember(self, name: str, key: str, data: Any) -> None:
        """Keep JSON data in the cache `name` (atomically: workers may write at once)."""
        target = self.cache(name) / f"{key}.json"
        temporary = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, target)

    def stage(self, name: str, files: PortalFiles, supersedes: set[str] | None = None) -> None:
        """Write one portal into the staging folder; `supersedes` names its old folders."""
        self._superseded |= supersedes or set()
        root = self.staging / name
        for relative, content in sorted(files.items()):
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
            os.chmod(target, 0o644)
        for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o755)
        self._staged.append(name)

    def commit(self) -> None:
        """Swap every staged portal in, and remove the folders they supersede."""
        for name in self._staged:
            self._swap(self.staging / name, self.out_dir / name)
        self.test_point("committed")
        for stale in sorted(self._superseded - set(self._staged)):
            if (self.out_dir / stale).is_dir():
                log.info("removing %s: the client's portal moved", stale)
                shutil.rmtree(self.out_dir / stale)
        self.discard()

    def adopt(self, names: list[str], supersedes: set[str] | None = None) -> None:
        """Count portals staged by worker processes as staged here, to swap them in;
        `supersedes` names their old folders, removed on commit."""
        self._staged.extend(name for name in names if name not in self._staged)
        self._superseded |= supersedes or set()

    def remove(self, names: list[str]) -> None:
        """Remove these portals from the output folder (their clients are gone)."""
        for name in names:
            if (self.out_dir / name).is_dir():
                log.info("removing %s: no such client any more", name)
                shutil.rmtree(self.out_dir / name)

    def discard(self) -> None:
        """Remove the staging folder."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def portals(self) -> set[str]:
        """Names of the portal folders in the output folder."""
        try:
            with os.scandir(self.out_dir) as listing:
                return {e.name for e in listing if e.is_dir() and (
                    e.name.startswith("_draft-") or not e.name.startswith((".", "_")))}
        except (FileNotFoundError, NotADirectoryError):
            return set()

    def place_overview(self, files: PortalFiles, folder: str, agency_out: Path | None,
                       portals: Iterable[str]) -> None:
        """Stage the agency overview with the portals (in `folder`: `_agency`, or
        `_agency-<token>` in link mode), or write it to its own folder (`--agency-out`)."""
        if agency_out is None or agency_out.resolve() == (self.out_dir / OVERVIEW_FOLDER).resolve():
            existing = {p.name for p in self.out_dir.iterdir() if p.is_dir()}
            self.stage(folder, files, superseded_folders(OVERVIEW_FOLDER, folder, existing))
            return
        if folder != OVERVIEW_FOLDER:
            raise UsageError(f"--agency-out {agency_out}: with overview_access mode 'link' the "
                             "overview's unguessable folder name is its protection; build it "
                             "into the output folder, or use mode 'password'")
        self._refuse_inside_portal(agency_out, portals)
        self.replace_folder(agency_out, files)

    def _refuse_inside_portal(self, agency_out: Path, portals: Iterable[str]) -> None:
        target, out = agency_out.resolve(), self.out_dir.resolve()
        for folder in portals:
            portal = (self.out_dir / folder).resolve()
            if target == portal or portal in target.parents:
                raise UsageError(f"--agency-out {agency_out} is inside {folder}'s portal; "
                                 "the agency overview must never be published with a portal")
        if out in target.parents and not target.relative_to(out).parts[0].startswith("_"):
            raise UsageError(f"--agency-out {agency_out} is inside {self.out_dir}: use a folder "
                             f"whose name starts with '_' there (as {OVERVIEW_FOLDER}), or one "
                             "outside it")

    def replace_folder(self, target: Path, files: PortalFiles) -> None:
        """Write `files` as the whole of `target`, a folder outside the output folder."""
        if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
            raise UsageError(f"{target} is not empty and was not created by `portal build` "
                              f"(no {MARKER} file); refusing to write into it")
        name = f".{target.name}.staging"
        self.stage(name, {**files, MARKER: MARKER_TEXT.encode("utf-8")})
        target.parent.mkdir(parents=True, exist_ok=True)
        self._swap(self.staging / name, target)
        self._staged.remove(name)

    def _swap(self, new: Path, current: Path) -> None:
        """Put the folder `new` in the place of `current` in one step (see the module)."""
        self.test_point("swap")
        if not os.path.lexists(current):
            os.rename(new, current)
        elif _exchange(new, current):  # `new` now holds the old portal
            self.test_point("swapped")
            shutil.rmtree(new, ignore_errors=True)
            return
        else:
            old = self.staging / f".old-{current.name}"
            os.replace(current, old)
            os.replace(new, current)
            shutil.rmtree(old, ignore_errors=True)
        self.test_point("swapped")


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where the system or
    the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:  # a C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))
