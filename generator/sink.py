"""Where a build's bytes go, chosen once per build; the only module that writes build output.

A `Sink` takes a build's portals, its cache and its manifest. `DiskSink` is `portal build`'s:
the output folder. `MemorySink` keeps them in memory (tests). `Sink` itself keeps nothing:
`portal check` is the same build with it. Every file goes through `write_atomically`, the one
temporary-file-then-rename of the generator.

The disk sink stages every portal, and every cache file a build makes, in a folder beside the
output folder, and swaps them in only when every client rendered without problems; a failed
build removes the staging folder and leaves every byte of the output folder, its cache
included, as it was. The output folder carries a marker file: a folder without one is never
written into, so a wrong `--out` cannot wipe somebody's directory.

Crash safety. Each portal is swapped whole, in one system call: on Linux `renameat2` with
RENAME_EXCHANGE trades the staged folder and the published one atomically (a portal that is
new is one `rename`), so at every instant a portal is entirely old or entirely new, whenever
the build is killed. Elsewhere (or on a file system without it) the swap is two renames, and
a kill between them leaves that one portal missing until the next build. A build holds a lock
on the output folder's marker while it writes; the next build, holding it, removes whatever a
killed build left: staging folders and temporary files.

Test-only: `CLIENTPORTAL_TEST_KILL_AT=<point>[:<n>]` makes the build kill itself (SIGKILL) the
n-th time it reaches a point (`swap`: before a portal's swap; `swapped`: after it, before the
old version is removed; `committed`: after every swap), so a test can stop it exactly there.
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.errors import UsageError

log = logging.getLogger(__name__)

# A site's files by path relative to its folder: bytes, or a source file copied as it is.
PortalFiles = dict[str, "bytes | Path"]
OVERVIEW_FOLDER = "_agency"  # the agency overview's folder (and its label for derived keys)

MARKER = ".clientportal"
# What the generator keeps between builds besides the manifest (compiled templates): never
# published, trusted like the rest of the output folder, safe to delete at any time.
CACHE = ".clientportal-cache"
MANIFEST = ".clientportal-manifest.json"  # what the last build was made of (pipeline.manifest)
KEEP = ".keep"  # in the staging folder: which cached files each client still uses
TEMPORARY = ".tmp-"  # in a file's name while `write_atomically` writes it
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


def _is_portal(folder: str) -> bool:
    """A portal's folder: not the generator's, nor the overview's; a draft's is one."""
    return folder.startswith("_draft-") or not folder.startswith((".", "_"))


def _write_new(path: Path, content: bytes) -> None:
    """Write a staged file, readable by all whatever the umask: four system calls (a buffered
    `open` adds three more, and a Python file object, for each of a build's thousands)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.fchmod(descriptor, 0o644)
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def write_atomically(path: Path, content: bytes | Path, *, mode: int | None = 0o644,
                     durable: bool = False) -> None:
    """Write `path` in one step: a temporary file beside it, then a rename, so that a reader
    (another worker, the next build, a web server) never sees half a file, whenever this
    process dies. `content`: bytes, or a file to copy.

    `mode`: the file's permissions (None: the umask's). `durable`: on disk before this
    returns, the rename too (a power cut after it keeps the new file), for a person's files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}{TEMPORARY}{os.getpid()}")
    try:
        with open(temporary, "xb") as file:
            if isinstance(content, Path):
                with content.open("rb") as source:
                    shutil.copyfileobj(source, file)
            else:
                file.write(content)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    if durable:
        _sync_folder(path.parent)


def is_temporary(name: str) -> bool:
    """Whether a file name is one of `write_atomically`'s temporary files."""
    return name.startswith(".") and TEMPORARY in name


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (where the system can open a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@dataclass(frozen=True, kw_only=True)
class Overview:
    """The agency overview to publish: its files, its folder (`_agency`, or `_agency-<token>`
    in link mode), and where `--agency-out` puts it instead (None: in the output folder)."""

    files: PortalFiles
    folder: str
    agency_out: Path | None = None
    portals: tuple[str, ...] = ()  # every portal's folder: the overview is never put in one


@dataclass(frozen=True, kw_only=True)
class Commit:
    """What a build that succeeded publishes: its portals (each client's folder), the
    overview, the portals of clients that are gone, and the manifest.

    A client's cached files are named after it (`<kind>/<slug>/…` or `<kind>/<slug>.json`):
    those of the clients `gone` are dropped with their portals."""

    portals: Mapping[str, str] = field(default_factory=dict)  # slug -> its portal's folder
    overview: Overview | None = None
    stale: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()  # clients that are gone: their cached files are dropped
    manifest: str | None = None  # None: the last one stands

    def superseded(self, existing: set[str]) -> set[str]:
        """The `existing` folders its portals replace (an old token, another mode)."""
        return {old for slug, folder in self.portals.items()
                for old in superseded_folders(slug, folder, existing)}


class Sink:
    """Keeps nothing: `portal check`'s sink, the same build writing nothing. The others
    (`DiskSink`, `MemorySink`) take each method's bytes."""

    # Whether a build's output is kept: a sink that keeps nothing is not given what is
    # costly to make only to be kept (invoice PDFs).
    keeps = False
    folder: Path | None = None  # an output folder on disk, for what a build reads back from it

    def claim(self) -> None:
        """Take the output for this build, before anything is staged."""

    def release(self) -> None:
        """Let go of the output, dropping whatever was staged and not committed."""

    def manifest(self) -> str | None:
        """The manifest the last build committed, or None."""
        return None

    def portals(self) -> set[str]:
        """Names of the portal folders published."""
        return set()

    def has(self, folder: str) -> bool:
        """Whether a folder (a portal's, or the overview's) is published."""
        return False

    def cached(self, kind: str, name: str) -> bytes | None:
        """A file kept by an earlier build (or staged by this one) in the cache `kind`."""
        return None

    def cache(self, kind: str, name: str, content: bytes) -> None:
        """Keep a file that is costly to make, for later builds (from the commit on)."""

    def keep_only(self, kind: str, group: str, names: set[str]) -> None:
        """On commit, drop the cached files of `kind`/`group` that are not `names`."""

    def stage(self, folder: str, files: PortalFiles) -> None:
        """Take one portal's files, to be published on commit."""

    def commit(self, commit: Commit) -> None:
        """Publish what was staged, as `commit` says."""


class MemorySink(Sink):
    """Keeps a build's output in memory (tests): `published` by path below the output folder,
    `cached` files by kind and name. Workers do not share it: build in this process."""

    keeps = True

    def __init__(self) -> None:
        self.published: dict[str, bytes] = {}
        self.cache_files: dict[tuple[str, str], bytes] = {}
        self._manifest: str | None = None
        self._staged: dict[str, dict[str, bytes]] = {}
        self._staged_cache: dict[tuple[str, str], bytes] = {}
        self._keep: dict[tuple[str, str], set[str]] = {}

    def release(self) -> None:
        self._staged, self._staged_cache, self._keep = {}, {}, {}

    def manifest(self) -> str | None:
        return self._manifest

    def portals(self) -> set[str]:
        return {path.split("/")[0] for path in self.published
                if _is_portal(path.split("/")[0])}

    def has(self, folder: str) -> bool:
        return any(path.startswith(f"{folder}/") for path in self.published)

    def cached(self, kind: str, name: str) -> bytes | None:
        found = self._staged_cache.get((kind, name))
        return found if found is not None else self.cache_files.get((kind, name))

    def cache(self, kind: str, name: str, content: bytes) -> None:
        self._staged_cache[(kind, name)] = content

    def keep_only(self, kind: str, group: str, names: set[str]) -> None:
        self._keep[(kind, group)] = set(names)

    def stage(self, folder: str, files: PortalFiles) -> None:
        self._staged[folder] = {relative: _bytes(content) for relative, content in files.items()}

    def commit(self, commit: Commit) -> None:
        gone = set(commit.stale) | commit.superseded(self.portals())
        if commit.overview is not None:
            self.stage(commit.overview.folder, commit.overview.files)
        self.published = {path: content for path, content in self.published.items()
                          if path.split("/")[0] not in gone | set(self._staged)}
        for folder, files in self._staged.items():
            self.published.update({f"{folder}/{relative}": content
                                   for relative, content in files.items()})
        self.cache_files.update(self._staged_cache)
        self.cache_files = {key: content for key, content in self.cache_files.items()
                            if self._still_used(*key) and _owner(key[1]) not in commit.gone}
        self._manifest = commit.manifest or self._manifest
        self.release()

    def _still_used(self, kind: str, name: str) -> bool:
        group, _, file = name.rpartition("/")
        return file in self._keep.get((kind, group), {file})


def _owner(name: str) -> str:
    """Whose a cached file is, by its name: `<slug>/…` or `<slug>.json`."""
    return name.partition("/")[0].partition(".")[0]


def _bytes(content: bytes | Path) -> bytes:
    return content.read_bytes() if isinstance(content, Path) else content


class FileCache:
    """One kind of a sink's cache, as the invoice PDFs use it (`invoicing.pdf.PdfCache`):
    one group of files per client, holding only what its last build used."""

    def __init__(self, sink: Sink, kind: str) -> None:
        self.sink, self.kind = sink, kind

    def get(self, group: str, key: str, suffix: str) -> bytes | None:
        return self.sink.cached(self.kind, f"{group}/{key}{suffix}")

    def put(self, group: str, key: str, suffix: str, content: bytes) -> None:
        self.sink.cache(self.kind, f"{group}/{key}{suffix}", content)

    def keep_only(self, group: str, names: set[str]) -> None:
        self.sink.keep_only(self.kind, group, names)


class DiskSink(Sink):
    """The output folder: staging, atomic swaps, the cache, and removal of portals no
    longer built. Picklable: worker processes stage into the same staging folder."""

    keeps = True

    def __init__(self, out_dir: Path, staging: Path | None = None) -> None:
        self.folder = self.out_dir = out_dir
        self.staging = staging or out_dir.parent / f"{self.staging_prefix}{os.getpid()}"
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
        """Remove the staging folder and let go of the output folder (the lock goes with
        the process, too)."""
        shutil.rmtree(self.staging, ignore_errors=True)
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
            if is_temporary(entry.name):
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
            write_atomically(marker, MARKER_TEXT.encode("utf-8"))

    def manifest(self) -> str | None:
        try:
            return (self.out_dir / MANIFEST).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def portals(self) -> set[str]:
        try:
            with os.scandir(self.out_dir) as listing:
                return {e.name for e in listing if e.is_dir() and _is_portal(e.name)}
        except (FileNotFoundError, NotADirectoryError):
            return set()

    def has(self, folder: str) -> bool:
        return (self.out_dir / folder).is_dir()

    def cached(self, kind: str, name: str) -> bytes | None:
        for root in (self.staging / CACHE, self.out_dir / CACHE):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                return (root / kind / name).read_bytes()
        return None

    def cache(self, kind: str, name: str, content: bytes) -> None:
        write_atomically(self.staging / CACHE / kind / name, content)

    def keep_only(self, kind: str, group: str, names: set[str]) -> None:
        write_atomically(self.staging / KEEP / kind / f"{group}.json",
                         json.dumps(sorted(names)).encode("utf-8"))

    def stage(self, folder: str, files: PortalFiles) -> None:
        root = self.staging / folder
        root.mkdir(parents=True, exist_ok=True)
        folders = {PurePosixPath(".")}  # made, relative to root: each once, not once a file
        for relative, content in sorted(files.items()):
            target, parent = root / relative, PurePosixPath(relative).parent
            if parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.update(parent.parents, {parent})
            if isinstance(content, Path):
                shutil.copyfile(content, target)
                os.chmod(target, 0o644)
            else:
                _write_new(target, content)
        for directory in sorted(folders):
            os.chmod(root / directory, 0o755)

    def commit(self, commit: Commit) -> None:
        """Swap every staged portal in, then the cache, the manifest, and remove the folders
        the portals supersede and those of clients that are gone."""
        staged, superseded = list(commit.portals.values()), commit.superseded(self.portals())
        if commit.overview is not None:
            superseded |= self._place_overview(commit.overview, staged)
        for name in staged:
            self._swap(self.staging / name, self.out_dir / name)
        self.test_point("committed")
        self._commit_cache(commit.gone)
        if commit.manifest is not None:
            write_atomically(self.out_dir / MANIFEST, commit.manifest.encode("utf-8"))
        for stale in sorted(superseded - set(staged)):
            if (self.out_dir / stale).is_dir():
                log.info("removing %s: the client's portal moved", stale)
                shutil.rmtree(self.out_dir / stale)
        self._remove(commit.stale)
        shutil.rmtree(self.staging, ignore_errors=True)

    def _commit_cache(self, gone: tuple[str, ...]) -> None:
        """Move the files this build cached into the cache; drop those no longer used, and
        those of the clients `gone`."""
        staged, cache = self.staging / CACHE, self.out_dir / CACHE
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            target = cache / path.relative_to(staged)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        for listing in sorted((self.staging / KEEP).glob("*/*.json")):
            names = set(json.loads(listing.read_text(encoding="utf-8")))
            group = cache / listing.parent.name / listing.stem
            for path in group.iterdir() if group.is_dir() else ():
                if path.name not in names:
                    path.unlink(missing_ok=True)
        if gone and cache.is_dir():
            _drop_owned(cache, set(gone))

    def _remove(self, names: Iterable[str]) -> None:
        """Remove these portals from the output folder (their clients are gone)."""
        for name in names:
            if (self.out_dir / name).is_dir():
                log.info("removing %s: no such client any more", name)
                shutil.rmtree(self.out_dir / name)

    def _place_overview(self, overview: Overview, staged: list[str]) -> set[str]:
        """Stage the agency overview with the portals (the folders it supersedes are
        returned), or write it to its own folder (`--agency-out`)."""
        agency_out, folder = overview.agency_out, overview.folder
        if agency_out is None or agency_out.resolve() == (self.out_dir / OVERVIEW_FOLDER).resolve():
            existing = {p.name for p in self.out_dir.iterdir() if p.is_dir()}
            self.stage(folder, overview.files)
            staged.append(folder)
            return superseded_folders(OVERVIEW_FOLDER, folder, existing)
        if folder != OVERVIEW_FOLDER:
            raise UsageError(f"--agency-out {agency_out}: with overview_access mode 'link' the "
                             "overview's unguessable folder name is its protection; build it "
                             "into the output folder, or use mode 'password'")
        self._refuse_inside_portal(agency_out, overview.portals)
        self._replace_folder(agency_out, overview.files)
        return set()

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

    def _replace_folder(self, target: Path, files: PortalFiles) -> None:
        """Write `files` as the whole of `target`, a folder outside the output folder."""
        if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
            raise UsageError(f"{target} is not empty and was not created by `portal build` "
                              f"(no {MARKER} file); refusing to write into it")
        name = f".{target.name}.staging"
        self.stage(name, {**files, MARKER: MARKER_TEXT.encode("utf-8")})
        target.parent.mkdir(parents=True, exist_ok=True)
        self._swap(self.staging / name, target)

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


def _drop_owned(cache: Path, owners: set[str]) -> None:
    """Remove the cached files (and groups) of these clients, of every kind."""
    for kind in sorted(p for p in cache.iterdir() if p.is_dir()):
        for path in sorted(p for p in kind.iterdir() if _owner(p.name) in owners):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


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
