"""Incremental builds: the manifest of every client's input hash, kept in the output folder.

A client's hash covers its own files, its git history, the agency's files (portal.yaml and
_agency/), the theme's files, the generator (version and source) and the build date. A client
whose hash is unchanged is not rebuilt. File contents are hashed only when a file's size or
modification time differs from the manifest, so a no-op build stats files and reads none; after
a fresh checkout (new times, same bytes, as in CI with a cached manifest) the hashes still match.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator import __version__
from generator.content.folders import FileStat, file_digest, stat_files
from generator.errors import Problem

log = logging.getLogger(__name__)

FORMAT = 6  # 3: one client a line; 4: rows keyed by field, deadlines and retainers as objects;
# 5: rows with documents awaiting approval and satisfaction; 6: payments received, days to pay
GENERATOR_DIR = Path(__file__).resolve().parents[1]


class FileRecord(NamedTuple):
    """One input file as the manifest remembers it (a JSON array of the three)."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass
class ClientEntry:
    """What the manifest remembers of one built client."""

    hash: str
    folder: str  # the slug, or slug-token for capability links
    files: dict[str, FileRecord] = field(default_factory=dict)
    row: dict[str, Any] | None = None  # the agency overview's figures (figures.ClientRow)
    warnings: list[Problem] = field(default_factory=list)  # found building it, shown again
    secrets: list[str] = field(default_factory=list)  # PORTAL_* names the portal was built with
    secrets_digest: str = "public"  # keyed digest of their values (credentials.secrets_digest)
    shared: str = ""  # plan.common_digest when its row was computed (a key of the JSON)
    history: str = ""  # hash of the client's git history, as of the manifest's git_head


@dataclass
class Manifest:
    """The manifest: shared inputs, settings read from portal.yaml, and one entry a client."""

    agency_hash: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    agency_files: dict[str, FileRecord] = field(default_factory=dict)
    clients: dict[str, ClientEntry] = field(default_factory=dict)
    # where the overview was written, and a hash of what it was made of ("inputs")
    overview: dict[str, Any] = field(default_factory=dict)
    git_head: str = ""  # the commit (and content folder) the clients' history hashes are of
    # Each entry's JSON, kept for the next save while the entry is the same object (entries
    # are replaced, never changed in place): `serve` saves a thousand clients' manifest after
    # each one-client rebuild without encoding 999 unchanged entries again.
    _encoded: dict[str, tuple[ClientEntry, str]] = field(default_factory=dict, repr=False,
                                                         compare=False)

    @classmethod
    def parse(cls, text: str | None) -> Manifest:
        """The manifest `text` holds, or an empty one when missing, unreadable or of another
        format."""
        if text is None:
            return cls()
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                return cls()
            clients = {slug: _entry(entry) for slug, entry in data["clients"].items()}
            agency_files = {name: FileRecord(*record)
                            for name, record in data["agency_files"].items()}
            manifest = cls(data["agency_hash"], data["settings"], agency_files, clients,
                           data["overview"], data.get("git_head", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()
        # One entry a line, as `text` writes them: an entry that stays the same object until
        # the next save is written back as read, not encoded again.
        for line in text.split("\n")[1:-2]:
            line = line.removesuffix(",")
            key, colon, _ = line.partition(":")
            slug = key.strip('"')  # slugs need no escaping: [a-z0-9-]
            if colon and slug in clients:
                manifest._encoded[slug] = (clients[slug], line)
        return manifest

    def forget(self, folders: Iterable[str]) -> None:
        """Drop the entries of clients whose portal folders (or slugs) are `folders`."""
        gone = set(folders)
        self.clients = {slug: entry for slug, entry in self.clients.items()
                        if slug not in gone and entry.folder not in gone}

    def text(self) -> str:
        """The manifest as the sink writes it (sorted keys: the same builds give the same bytes).

        It is JSON with each client's entry on a line of its own, after everything else.
        """
        data = {"format": FORMAT, "generator": __version__, "agency_hash": self.agency_hash,
                "settings": self.settings, "agency_files": self.agency_files,
                "overview": self.overview, "git_head": self.git_head}
        clients = ",\n".join(self._entry_json(slug, entry)
                             for slug, entry in sorted(self.clients.items()))
        head = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return f'{head[:-1]},"clients":{{\n{clients}\n}}}}\n'

    def _entry_json(self, slug: str, entry: ClientEntry) -> str:
        """The entry as it was read, or encoded anew (tuples become arrays)."""
        cached = self._encoded.get(slug)
        if cached is None or cached[0] is not entry:
            text = json.dumps(vars(entry), sort_keys=True, separators=(",", ":"))
            cached = self._encoded[slug] = (entry, f"{json.dumps(slug)}:{text}")
        return cached[1]


def _entry(data: dict[str, Any]) -> ClientEntry:
    """A client's entry from its JSON: arrays back to typed records."""
    data["files"] = {name: FileRecord(*record) for name, record in data["files"].items()}
    data["warnings"] = [Problem(*warning) for warning in data["warnings"]]
    return ClientEntry(**data)


def file_records(root: Path, previous: dict[str, FileRecord],
                 stats: dict[str, FileStat] | None = None) -> dict[str, FileRecord]:
    """Size, time and hash of every file below `root`, hashing only files whose stat changed."""
    records: dict[str, FileRecord] = {}
    for relative, (size, mtime) in (stats if stats is not None else stat_files(root)).items():
        known = previous.get(relative)
        if known and known.size == size and known.mtime_ns == mtime:
            records[relative] = known
        else:
            records[relative] = FileRecord(size, mtime, file_digest(root / relative))
    return records


def digest(*parts: str | Iterable[tuple[str, str]]) -> str:
    """SHA-256 over text parts and (name, hash) pairs, unambiguously separated."""
    hasher = hashlib.sha256()
    for part in parts:
        rows = [("", part)] if isinstance(part, str) else list(part)
        for name, value in rows:
            # surrogateescape: a file name that is not UTF-8 is an error found later, not here
            hasher.update(f"{len(name)}:{name}{len(value)}:{value}".encode("utf-8",
                                                                          "surrogateescape"))
        hasher.update(b"\x00")
    return hasher.hexdigest()


def records_digest(records: dict[str, FileRecord]) -> str:
    """One hash over a folder's files (names and content hashes, not times)."""
    return digest(sorted((name, record.sha256) for name, record in records.items()))


def generator_digest() -> str:
    """The generator's version and the hash of its source, so a code change rebuilds all."""
    sources = sorted(GENERATOR_DIR.rglob("*.py"))  # every module of every subpackage
    return digest(__version__, [(p.relative_to(GENERATOR_DIR).as_posix(), file_digest(p))
                                for p in sources])


def theme_digest(folders: Iterable[Path]) -> str:
    """The hash of every template, static file and locale of the theme folders."""
    return digest(*(records_digest(file_records(Path(f), {})) for f in folders))


def client_hash(common_digest: str, records: dict[str, FileRecord], history: str) -> str:
    """A client's input hash: the inputs common to every client (agency, theme, generator,
    date), its files, its history."""
    return digest(common_digest, records_digest(records), history)
