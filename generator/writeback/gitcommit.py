"""Commit what the writer wrote: only those files, with a message listing each origin."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from generator.errors import UsageError, printable
from generator.writeback.edits import Origin

TIMEOUT = 120


def _git(content: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(content), *args], capture_output=True, text=True,
                          check=False, timeout=TIMEOUT)


def preflight(content: Path) -> None:
    """Refuse before writing anything when a commit could not be made: not in git, or git
    has no name and e-mail address to commit with."""
    if _git(content, "rev-parse", "--show-toplevel").returncode != 0:
        raise UsageError(f"{content} is not in a git repository: --commit needs one")
    if _git(content, "var", "GIT_COMMITTER_IDENT").returncode != 0:
        raise UsageError("git has no name and e-mail address to commit with: set user.name "
                         "and user.email (git config), or GIT_AUTHOR_NAME/EMAIL and "
                         "GIT_COMMITTER_NAME/EMAIL")


def commit_message(origins: Sequence[Origin]) -> str:
    """One line naming how many things are recorded, then one line for each origin."""
    kinds = sorted({origin.kind for origin in origins})
    count = len(origins)
    lines = [f"Record {count} {'entry' if count == 1 else 'entries'} from "
             f"{' and '.join(kinds)}", ""]
    lines += [printable(f"- {o.kind} {o.id}: {o.summary}") for o in origins]
    return "\n".join(lines) + "\n"


def commit_files(content: Path, files: Sequence[str], origins: Sequence[Origin]) -> str:
    """Stage exactly `files` (relative to the content folder) and commit them alone; the
    new commit's id."""
    added = _git(content, "add", "--", *files)
    if added.returncode == 0:
        added = _git(content, "commit", "--quiet", "--only", "--no-verify",
                     "-m", commit_message(origins), "--", *files)
    if added.returncode != 0:
        raise UsageError(f"the files were written but git could not commit them: "
                         f"{added.stderr.strip()}")
    return _git(content, "rev-parse", "HEAD").stdout.strip()
