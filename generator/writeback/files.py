"""The files the writer may touch, read and written safely: inside a client folder, no `..`,
no symbolic links, YAML and Markdown only; each written atomically (a temporary file beside
it, then one rename), so a reader sees the old text or the new, never half of one."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from generator import sink
from generator.content.folders import AGENCY_FOLDER, SLUG_PATTERN

MAX_TEXT_BYTES = 1_000_000  # as generator.content.read: no content file needs to be larger
_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SUFFIXES = (".yaml", ".md")
MAX_PARTS = 3  # <client>/<folder>/<file>
_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class PathError(Exception):
    """A path the writer refuses (its message says why)."""


def checked_path(content: Path, file: str) -> Path:
    """`content / file` when `file` names a YAML or Markdown file below a client folder,
    through real folders only; else PathError."""
    parts = file.split("/")
    if not (1 < len(parts) <= MAX_PARTS) or not all(_PART.match(p) and ".." not in p
                                                    for p in parts):
        raise PathError("is not a path below a client folder (plain names, '/' between)")
    if not re.match(SLUG_PATTERN, parts[0]) or parts[0] == AGENCY_FOLDER:
        raise PathError("is not in a client folder")
    if not file.endswith(SUFFIXES):
        raise PathError("is neither a YAML nor a Markdown file")
    path = content.joinpath(*parts)
    _no_links(content, parts)
    if not (content / parts[0]).is_dir():
        raise PathError(f"names no client folder '{parts[0]}'")
    return path


def _no_links(content: Path, parts: list[str]) -> None:
    """Every part of the path that exists is a real folder or file, not a link."""
    current = content
    for part in parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode):
            raise PathError(f"goes through a symbolic link ({current.name})")


def read_text(path: Path) -> str | None:
    """A file's text, None when it does not exist; PathError for anything but a regular UTF-8
    file of a sensible size."""
    try:
        descriptor = os.open(path, _OPEN)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PathError(f"cannot be read: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise PathError("is not a regular file")
        data = file.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise PathError(f"is larger than {MAX_TEXT_BYTES // 1_000_000} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PathError("is not UTF-8 text") from None


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through the sink's one atomic write (keeping the mode of the
    file it replaces), durably: a person's file survives a power cut once written."""
    try:
        mode: int | None = stat.S_IMODE(os.lstat(path).st_mode)
    except FileNotFoundError:
        mode = None
    sink.write_atomically(path, text.encode("utf-8"), mode=mode, durable=True)
