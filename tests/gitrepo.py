"""Real git repositories in temporary folders, with fixed author and committer dates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(root: Path, *args: str, when: str = "2026-01-01T12:00:00+00:00") -> str:
    """Run git in `root` with a fixed identity and date; return its output."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@agency.test",
           "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@agency.test",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(root)}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True).stdout


def init_repo(root: Path) -> None:
    """Make `root` a git repository that ignores the output folder."""
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("output/\n")


def commit(root: Path, message: str, when: str) -> None:
    """Commit everything in `root` at the date `when` (ISO 8601)."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)
