"""The local wheelhouse the CI-workflow tests install from, with no package index.

`make setup` runs this once (it reaches the package index; no test does): wheels of the
generator's dependencies at the versions `portal init-ci` pins (the installed ones), of
everything they need, and of the build backend `pip wheel` of the generator needs. The tests
set PIP_NO_INDEX and PIP_FIND_LINKS to this folder (conftest.py), so a pip they run finds
everything here or fails: it never reaches the network.

    python tests/wheelhouse.py .venv/wheelhouse
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WHEELHOUSE = REPO / ".venv" / "wheelhouse"
COMPLETE = ".complete"  # written last: a folder without it is an interrupted download


def requirements() -> list[str]:
    """What the CI workflow's `pip install -r ci/requirements.txt` and `pip wheel` need."""
    from generator.commands.init_ci import _dependency_pins

    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on 3.10
    backend = re.search(r"^requires = \[(.*?)\]", pyproject, re.M | re.S)
    assert backend, "pyproject.toml: no [build-system] requires"
    return sorted({*_dependency_pins("s3"), *re.findall(r'"([^"]+)"', backend.group(1)),
                   "wheel"})


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / COMPLETE).unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
                    *requirements()], check=True)
    (folder / COMPLETE).write_text("\n".join(requirements()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else WHEELHOUSE)
