"""The shape of the code: a no-op build loads none of the heavy libraries, no function is
above cyclomatic complexity 10, README's tree is the code's, the manifest's generator digest
covers every subpackage."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from radon.complexity import cc_visit

from conftest import EXAMPLE_CONTENT, REPO
from generator.commands.reference import architecture
from generator.pipeline import manifest

GENERATOR = REPO / "generator"
HEAVY = ("pydantic", "jinja2", "markdown", "babel", "cryptography", "nh3", "yaml")
MAX_COMPLEXITY = 10

NO_OP = """
import json, sys
from datetime import date
from pathlib import Path
from generator.pipeline.options import BuildOptions
from generator.pipeline.run import build
report = build(BuildOptions(Path(sys.argv[1]), Path(sys.argv[2]), as_of=date(2026, 11, 23),
                            jobs=2))
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[3].split(",")))
print(json.dumps({"built": list(report.built), "heavy": heavy}))
"""


def _no_op(out: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", NO_OP, str(EXAMPLE_CONTENT), str(out),
                             ",".join(HEAVY)], capture_output=True, text=True, check=True,
                            cwd=REPO)
    return json.loads(result.stdout)


def test_a_no_op_build_imports_no_heavy_library(tmp_path):
    out = tmp_path / "output"
    first = _no_op(out)
    assert first["built"] and set(first["heavy"]) >= {"pydantic", "jinja2", "babel"}  # can fail
    again = _no_op(out)
    assert again == {"built": [], "heavy": []}


def _functions(path: Path):
    return cc_visit(path.read_text(encoding="utf-8"))


def test_no_function_is_above_complexity_ten():
    found = {f"{path.relative_to(REPO)}:{block.lineno} {block.fullname}": block.complexity
             for path in sorted(GENERATOR.rglob("*.py")) for block in _functions(path)}
    assert len(found) > 300  # every module was read
    assert {name: c for name, c in found.items() if c > MAX_COMPLEXITY} == {}


def test_the_complexity_check_catches_a_tangled_function():
    tangled = "def f(a, b, c):\n" + "".join(
        f"    if a == {n} and b or c:\n        return {n}\n" for n in range(6)) + "    return 0\n"
    assert cc_visit(tangled)[0].complexity > MAX_COMPLEXITY


def test_readme_shows_the_code_as_it_is():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tree = architecture()
    assert tree in readme, ("README's architecture is stale; paste the output of "
                            "`python -m generator.commands.reference --architecture`:\n" + tree)
    for path in GENERATOR.rglob("*.py"):  # the tree is made from the files: all are there
        assert f" {path.name} " in tree or path.name == "__init__.py", path


def test_generator_digest_covers_every_subpackage(tmp_path, monkeypatch):
    copy = tmp_path / "generator"
    shutil.copytree(GENERATOR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(manifest, "GENERATOR_DIR", copy)
    before = manifest.generator_digest()
    for module in ("content/dates.py", "render/pages.py", "publish/headers.py",
                   "pipeline/plan.py", "commands/serve.py"):
        path = copy / module
        path.write_text(path.read_text() + "\n# changed\n")
        after = manifest.generator_digest()
        assert after != before, module
        before = after
