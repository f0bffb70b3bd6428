"""Secrets of protected portals: `PORTAL_*` environment variables, else a git-ignored file.

Secrets never come from the content folder's tracked files. The build reads only the variables
it names (never the whole environment), and a secrets file that git would commit is refused.
"""

from __future__ import annotations

import hmac
import os
import re
import subprocess
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import UsageError

PREFIX = "PORTAL_"
SECRET_VAR = "PORTAL_SECRET"
SECRETS_FILE = ".portal-secrets"
MIN_SECRET_LENGTH = 32
_LINE = re.compile(r"^\s*(?:export\s+)?(PORTAL_[A-Z0-9_]+)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class Secrets:
    """Where secrets are looked up: the environment first, then the secrets file."""

    from_file: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The value of one `PORTAL_*` secret, or None."""
        if not name.startswith(PREFIX):
            raise ValueError(f"{name} is not a PORTAL_* name")  # a bug, not a user mistake
        value = self.environ.get(name) or self.from_file.get(name)
        return value or None


def default_secrets_file(content_dir: Path) -> Path:
    """`.portal-secrets` beside the content folder (the site's root)."""
    return content_dir.resolve().parent / SECRETS_FILE


def load_secrets(path: Path | None, environ: Mapping[str, str] | None = None) -> Secrets:
    """Read the secrets file if there is one; refuse it when git does not ignore it."""
    if environ is None:
        environ = os.environ
    if path is None or not path.is_file():
        return Secrets({}, environ)
    _refuse_tracked(path)
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise UsageError(f"{path}:{number}: expected PORTAL_NAME=value")
        values[match.group(1)] = match.group(2).strip("'\"")
    return Secrets(values, environ)


def _refuse_tracked(path: Path) -> None:
    """A secrets file inside a git work tree must be git-ignored."""
    try:
        result = subprocess.run(["git", "check-ignore", "-q", path.name], cwd=path.parent,
                                capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return  # no git: nothing could commit the file
    if result.returncode == 1:
        raise UsageError(f"{path} is not ignored by git; add '{SECRETS_FILE}*' to .gitignore "
                          "before putting secrets into it")


def env_key(text: str) -> str:
    """Upper-case ASCII letters, digits and underscores: a piece of a variable name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", ascii_text.upper()).strip("_")


def password_variable(client_slug: str, contact_key: str) -> str:
    """`PORTAL_PASSWORD_<CLIENT>__<CONTACT>`: one password per person, per portal."""
    return f"PORTAL_PASSWORD_{env_key(client_slug)}__{contact_key}"


def agency_password_variable(manager_key: str) -> str:
    """`PORTAL_AGENCY_PASSWORD__<MANAGER>`: an account manager's password for the overview."""
    return f"PORTAL_AGENCY_PASSWORD__{manager_key}"


def secrets_digest(names: list[str], secrets: Secrets) -> str:
    """A digest that changes when any of these secrets changes, for incremental builds.

    Keyed with PORTAL_SECRET, so it gives no shortcut to guessing a password.
    """
    if not names:
        return "public"
    master = (secrets.get(SECRET_VAR) or "").encode("utf-8")
    values = [f"{name}={secrets.get(name) or ''}" for name in names]
    return hmac.new(master, "\0".join(values).encode("utf-8"), "sha256").hexdigest()
