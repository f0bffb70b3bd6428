"""A document's committed versions by fingerprint: what an approval may name.

An approval is recorded only when its fingerprint is that of a text of the document some
commit holds (content.signoff: the text below the front matter). The version found is named
by the day it was committed, its `version` then, and its git blob id (`git show <blob>`
prints that very text).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.content.history import read_blobs, read_git_log
from generator.content.signoff import fingerprint
from generator.content.yaml12 import YamlSyntaxError, parse_yaml
from generator.writeback.yamledit import FRONT_MATTER


@dataclass(frozen=True, kw_only=True)
class Version:
    """One committed text of a document."""

    committed: datetime  # the first commit holding this text (UTC)
    version: str | None  # the front matter's `version` in that commit
    blob: str  # its git blob id

    def named(self) -> str:
        """How listings name it: "version 1.0 committed 2026-11-20 (git blob 3f2a9c01b7d4)"."""
        version = f"version {self.version} " if self.version else "the text "
        return f"{version}committed {self.committed:%Y-%m-%d} (git blob {self.blob[:12]})"


def committed_versions(content: Path, client: str, file: str) -> dict[str, Version]:
    """Each committed text of `file` (relative to the client folder) by its fingerprint,
    named by the first commit that held it; empty outside git."""
    log = read_git_log(content, [client])
    changes = log.files.get(f"{client}/{file}", [])
    try:
        texts = read_blobs(content, [change.blob for change in changes])
    except (OSError, subprocess.CalledProcessError):
        return {}
    found: dict[str, Version] = {}
    for change in reversed(changes):  # oldest first: a text keeps its first commit
        text = texts.get(change.blob)
        if text is None:
            continue
        match = FRONT_MATTER.match(text)
        if not match:
            continue
        found.setdefault(fingerprint(text[match.end():]), Version(
            committed=change.when, version=_version(match.group(2)), blob=change.blob))
    return found


def _version(front_matter: str) -> str | None:
    try:
        data = parse_yaml(front_matter).data
    except YamlSyntaxError:
        return None
    value = data.get("version") if isinstance(data, dict) else None
    return None if value is None else str(value)
