"""Read the content folder's files: parse YAML and front matter, list attachments.

It turns files into sources (parsed data with line marks) and problems; it does not judge what
the data means (that is `validate`). Which folders exist, and the files' stats and hashes for
planning, are `folders`' job: planning never parses.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.content.attachments import SNIFF_BYTES, active_content, needs_whole_file
from generator.content.folders import (
    AGENCY_FOLDER,
    DEADLINES,
    PORTAL_FILE,
    SLUG_PATTERN,
    special_kind,
)
from generator.content.history import Change
from generator.content.yaml12 import YamlDocument, YamlSyntaxError, parse_yaml
from generator.errors import Problem, did_you_mean, display_path, printable

log = logging.getLogger(__name__)

CLIENT_FILE = "client.yaml"
CLIENT_ENTRIES = {
    CLIENT_FILE: "file",
    "scope.md": "file",
    "deadlines.yaml": "file",
    "satisfaction.yaml": "file",
    "requirements": "dir",
    "invoices": "dir",
    "updates": "dir",
    "files": "dir",
    "ksef": "dir",
    "questions": "dir",
}
# A translation sits beside its original: scope.en.md, requirements/intake.ja.md.
TRANSLATED = re.compile(r"^(?P<stem>[^.]+)\.(?P<language>[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?)\.md$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:^---[ \t]*\r?$\n?)", re.S | re.M)
MAX_TEXT_BYTES = 1_000_000  # a YAML or Markdown file: far above any real document
MAX_SVG_BYTES = 10_000_000  # an SVG attachment is read whole, to be checked
MAX_NAME_CHARS = 100  # a document's file name (its page's name adds a few characters)
MAX_ATTACHMENT_PATH = 1000  # bytes of an attachment's path below the client folder
MAX_ATTACHMENT_DEPTH = 16  # folders below files/
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass
class YamlSource:
    """A YAML file: where it is, and its parsed content."""

    path: Path
    shown: str
    document: YamlDocument


@dataclass
class MarkdownSource:
    """A Markdown file: its front matter, its body, and the line the body starts on."""

    path: Path
    shown: str
    slug: str
    front_matter: YamlDocument
    body: str
    body_line: int
    language: str | None = None  # set for a translation such as scope.en.md


@dataclass
class ClientSources:
    """Everything read from one client folder."""

    slug: str
    folder: Path
    profile: YamlSource | None = None
    scope: MarkdownSource | None = None
    deadlines: YamlSource | None = None
    satisfaction: YamlSource | None = None
    requirements: list[MarkdownSource] = field(default_factory=list)
    invoices: list[YamlSource] = field(default_factory=list)
    updates: list[MarkdownSource] = field(default_factory=list)
    questions: list[YamlSource] = field(default_factory=list)  # questions/*.yaml: threads
    attachments: dict[str, Path] = field(default_factory=dict)
    ksef_files: dict[str, bytes] = field(default_factory=dict)  # ksef/*.xml: FA(3) files
    # translations of scope.md, requirements/*.md, updates/*.md: (folder or '', source)
    translations: list[tuple[str, MarkdownSource]] = field(default_factory=list)
    # documents there but unreadable ('requirements/intake.md'): links to them are no mistake
    unreadable: list[str] = field(default_factory=list)


@dataclass
class AgencySources:
    """portal.yaml and the agency's files, and every problem met reading them."""

    content_dir: Path
    portal: YamlSource | None
    agency_files: dict[str, Path]
    problems: list[Problem]


class _Reader:
    """Reads files relative to the content folder, collecting problems instead of raising."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.problems: list[Problem] = []
        self._folders: dict[Path, str] = {}  # each folder as shown, with a '/' after it

    def shown(self, path: Path) -> str:
        """`display_path(path, content_dir)`, resolving each folder once, not once a file
        (a file is shown as its resolved folder and its own name, character by character)."""
        if path.parent not in self._folders:
            self._folders[path.parent] = display_path(path.parent / "_", self.content_dir)[:-1]
        return self._folders[path.parent] + printable(path.name)

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.shown(path), line, message))

    def read(self, path: Path, limit: int, whole: bool = True) -> bytes | None:
        """A regular file's bytes (with `whole` off, its first `limit` bytes), opened
        without following a link and without waiting on a pipe; None, with a problem, for
        anything else."""
        try:
            descriptor = os.open(path, _OPEN_FLAGS)
        except OSError as error:
            self.problem(path, None, _unreadable(path, error))
            return None
        with os.fdopen(descriptor, "rb") as file:
            kind = special_kind(os.fstat(descriptor).st_mode)
            if kind:
                self.problem(path, None, f"is {kind}, not a file")
                return None
            data = file.read(limit + 1)
        if whole and len(data) > limit:
            self.problem(path, None, f"is larger than {limit // 1_000_000} MB; no content file "
                                     "needs to be")
            return None
        return data[:limit]

    def text(self, path: Path) -> str | None:
        data = self.read(path, MAX_TEXT_BYTES)
        if data is None:
            return None
        try:
            return data.decode("utf-8-sig")  # a byte order mark before the text is skipped
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            self.problem(path, line, f"is not UTF-8 text ({error.reason})")
        return None

    def yaml(self, path: Path) -> YamlSource | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            document = parse_yaml(text)
        except YamlSyntaxError as error:
            self.problem(path, error.line, str(error))
            return None
        self._report_duplicates(path, document)
        return YamlSource(path, self.shown(path), document)

    def markdown(self, path: Path) -> MarkdownSource | None:
        text = self.text(path)
        if text is None:
            return None
        match = _FRONT_MATTER.match(text)
        if not match:
            self.problem(path, 1, "no front matter found; did you forget to start the file "
                                  "with a '---' line, the fields, and a closing '---' line?")
            return None
        try:
            front_matter = parse_yaml(match.group(1), line_offset=1)
        except YamlSyntaxError as error:
            self.problem(path, error.line, f"front matter: {error}")
            return None
        self._report_duplicates(path, front_matter)
        body_line = text.count("\n", 0, match.end()) + 1
        return MarkdownSource(path, self.shown(path), path.stem, front_matter,
                              text[match.end():], body_line)

    def _report_duplicates(self, path: Path, document: YamlDocument) -> None:
        for key, line in document.duplicate_keys:
            self.problem(path, line, f"key '{key}' appears twice; remove one of them")


def _read_client(reader: _Reader, folder: Path) -> ClientSources:
    client = ClientSources(slug=folder.name, folder=folder)
    _check_entries(reader, folder)
    profile_path = folder / CLIENT_FILE
    if profile_path.is_file():
        client.profile = reader.yaml(profile_path)
    elif not os.path.lexists(profile_path):
        reader.problem(profile_path, None, "not found; every client folder needs a client.yaml")
    if (folder / "scope.md").is_file():
        client.scope = reader.markdown(folder / "scope.md")
        client.unreadable += [] if client.scope else ["scope.md"]
    if (folder / DEADLINES).is_file():
        client.deadlines = reader.yaml(folder / DEADLINES)
    if (folder / "satisfaction.yaml").is_file():
        client.satisfaction = reader.yaml(folder / "satisfaction.yaml")
    client.requirements = _read_many(reader, folder, "requirements", ".md",
                                     _noting(reader.markdown, client.unreadable))
    client.invoices = _read_many(reader, folder, "invoices", ".yaml", reader.yaml)
    client.updates = _read_many(reader, folder, "updates", ".md",
                                _noting(reader.markdown, client.unreadable))
    client.questions = _read_many(reader, folder, "questions", ".yaml", reader.yaml)
    client.attachments = _list_files(reader, folder, folder / "files")
    client.ksef_files = _read_ksef_files(reader, folder)
    client.translations = _read_translations(reader, folder)
    return client


def _read_ksef_files(reader: _Reader, folder: Path) -> dict[str, bytes]:
    """The FA(3) files in ksef/ (Poland's KSeF), by path below the client folder: read to be
    checked against their invoices and hashed for KSeF's verification link, never published."""
    files: dict[str, bytes] = {}
    directory = folder / "ksef"
    if not directory.is_dir() or directory.is_symlink():
        return files
    for path, is_folder in _visible_entries(directory):
        problem = entry_problem(path) or (
            "unexpected entry: ksef/ holds only the .xml files submitted to KSeF"
            if is_folder or path.suffix != ".xml" else None)
        if problem:
            reader.problem(path, None, problem)
            continue
        data = reader.read(path, MAX_TEXT_BYTES)
        if data is not None:
            files[f"ksef/{path.name}"] = data
    return files


def _read_translations(reader: _Reader, folder: Path) -> list[tuple[str, MarkdownSource]]:
    """Read `scope.<lang>.md` and `<slug>.<lang>.md` in requirements/ and updates/."""
    found = []
    for kind, directory in (("", folder), ("requirements", folder / "requirements"),
                            ("updates", folder / "updates")):
        for path, match in _translations_in(directory, "scope" if kind == "" else None):
            source = reader.markdown(path)
            if source is not None:
                source.slug, source.language = match["stem"], match["language"]
                found.append((kind, source))
    return found


def _translations_in(directory: Path, stem: str | None) -> list[tuple[Path, re.Match[str]]]:
    """The translated documents in a folder (of the document `stem` only, if given)."""
    if not directory.is_dir() or directory.is_symlink():
        return []
    found = []
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        match = TRANSLATED.match(path.name)
        if match and _is_translation(path, stem):
            found.append((path, match))
    return found


def _check_entries(reader: _Reader, folder: Path) -> None:
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        problem = entry_problem(entry)
        if problem:
            reader.problem(entry, None, problem)
            continue
        kind = CLIENT_ENTRIES.get(entry.name)
        if kind is None and _is_translation(entry, "scope"):
            continue
        if kind is None:
            hint = did_you_mean(entry.name, set(CLIENT_ENTRIES))
            reader.problem(entry, None, f"unexpected entry in a client folder{hint}")
        elif (kind == "dir") != entry.is_dir():
            reader.problem(entry, None, f"should be a {'folder' if kind == 'dir' else 'file'}")


def _read_many(reader: _Reader, folder: Path, name: str, suffix: str,
               read: Callable[[Path], Any]) -> list[Any]:
    directory = folder / name
    if not directory.is_dir() or directory.is_symlink():
        return []
    sources = []
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or (suffix == ".md" and _is_translation(path, None)):
            continue  # hidden, or a translation (read by _read_translations)
        problem = entry_problem(path) or _misnamed(path, name, suffix)
        if problem:
            reader.problem(path, None, problem)
            continue
        source = read(path)
        if source is not None:
            sources.append(source)
    return sources


def _noting(read: Callable[[Path], Any], unreadable: list[str]) -> Callable[[Path], Any]:
    """`read`, noting each file it could not read by its path in the client folder."""
    def read_noting(path: Path) -> Any:
        source = read(path)
        if source is None:
            unreadable.append(f"{path.parent.name}/{path.name}")
        return source
    return read_noting


def _misnamed(path: Path, folder: str, suffix: str) -> str | None:
    """Why a file in requirements/, invoices/ or updates/ cannot be read as one, if so."""
    if path.is_symlink() or not path.is_file() or path.suffix != suffix:
        return f"unexpected entry: {folder}/ holds only {suffix} files"
    if not re.match(SLUG_PATTERN, path.stem.lower()) or path.stem != path.stem.lower():
        return "file names use lower-case letters, digits and hyphens"
    if len(path.stem) > MAX_NAME_CHARS:
        return f"file name longer than {MAX_NAME_CHARS} characters; use a shorter one"
    return None


def entry_problem(path: Path) -> str | None:
    """Why an entry of a content folder is not content: a link, a pipe, a device, a socket,
    a name that is not UTF-8 or has control characters."""
    name = path.name
    if name != name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
        return "has a name that is not valid UTF-8; rename it"
    if _CONTROL.search(name):
        return "has control characters (such as a line break) in its name; rename it"
    try:
        mode = os.lstat(path).st_mode
    except OSError as error:
        return _unreadable(path, error)
    if stat.S_ISLNK(mode):
        return "is a symbolic link; content must be real files (copy the file instead)"
    kind = special_kind(mode)
    return f"is {kind}, not a file" if kind else None


def _unreadable(path: Path, error: OSError) -> str:
    if os.path.islink(path):
        return "is a symbolic link; content must be real files (copy the file instead)"
    return f"cannot be read: {error.strerror}"


def _is_translation(path: Path, stem: str | None) -> bool:
    match = TRANSLATED.match(path.name)
    return bool(match and path.is_file() and not path.is_symlink()
                and (stem is None or match["stem"] == stem))


def _list_files(reader: _Reader, root: Path, directory: Path) -> dict[str, Path]:
    """Map each attachment's path relative to `root` to its file: regular files only (a link,
    pipe or device is a problem, never followed or opened), none a browser would run as a
    page. Hidden files and folders (`.DS_Store`, `.env`) are never published."""
    found: dict[str, Path] = {}
    if not directory.is_dir() or directory.is_symlink():
        return found
    stack = [(directory, 0)]
    while stack:
        folder, depth = stack.pop()
        for path, is_folder in _visible_entries(folder):
            problem = entry_problem(path) or _attachment_path_problem(path, root, depth)
            if problem:
                reader.problem(path, None, problem)
            elif is_folder:
                stack.append((path, depth + 1))
            elif _inert(reader, path):
                found[path.relative_to(root).as_posix()] = path
    return dict(sorted(found.items()))


def _visible_entries(folder: Path) -> list[tuple[Path, bool]]:
    """A folder's entries but hidden ones, by name, and whether each is a real folder."""
    with os.scandir(folder) as listing:
        return [(Path(e.path), e.is_dir(follow_symlinks=False))
                for e in sorted(listing, key=lambda e: e.name) if not e.name.startswith(".")]


def _attachment_path_problem(path: Path, root: Path, depth: int) -> str | None:
    if depth >= MAX_ATTACHMENT_DEPTH:
        return f"is more than {MAX_ATTACHMENT_DEPTH} folders deep in files/; flatten the folders"
    if len(os.fsencode(path.relative_to(root))) > MAX_ATTACHMENT_PATH:
        return f"has a path longer than {MAX_ATTACHMENT_PATH} bytes; use shorter names"
    return None


def _inert(reader: _Reader, path: Path) -> bool:
    """Whether an attachment is safe to publish (else a problem says why)."""
    whole = needs_whole_file(path.name)
    data = reader.read(path, MAX_SVG_BYTES if whole else SNIFF_BYTES, whole=whole)
    if data is None:
        return False
    finding = active_content(path.name, data)
    if finding:
        reader.problem(path, finding[0], finding[1])
    return finding is None


def read_agency(content_dir: Path) -> AgencySources:
    """Read portal.yaml and the agency's files."""
    reader = _Reader(content_dir)
    portal_path = content_dir / PORTAL_FILE
    portal = reader.yaml(portal_path) if portal_path.is_file() else None
    if portal is None and not portal_path.is_file():
        reader.problem(portal_path, None, "not found; every content folder needs a portal.yaml")
    agency_files = _list_files(reader, content_dir, content_dir / AGENCY_FOLDER)
    return AgencySources(content_dir, portal, agency_files, reader.problems)


def read_client(content_dir: Path, slug: str) -> tuple[ClientSources, list[Problem]]:
    """Read one client folder, and the problems met reading it."""
    reader = _Reader(content_dir)
    return _read_client(reader, content_dir / slug), reader.problems


def milestone_history(changes: tuple[Change, ...], texts: dict[str, str]
                      ) -> dict[str, tuple[Change, ...]]:
    """For each milestone id, the commits of deadlines.yaml that changed that milestone, from
    the file's committed versions (`texts`, by blob id)."""
    history: dict[str, list[Change]] = {}
    previous: dict[str, str] = {}
    for change in reversed(changes):  # oldest first
        current = _milestones_of(texts.get(change.blob, ""))
        for milestone_id, text in current.items():
            if previous.get(milestone_id) != text:
                history.setdefault(milestone_id, []).append(change)
        previous = current
    return {k: tuple(reversed(v)) for k, v in sorted(history.items())}


def _milestones_of(text: str) -> dict[str, str]:
    try:
        data: Any = parse_yaml(text).data
    except YamlSyntaxError:
        return {}
    items = data.get("milestones") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return {}
    return {str(m["id"]): json.dumps(m, sort_keys=True, default=str)
            for m in items if isinstance(m, dict) and "id" in m}
