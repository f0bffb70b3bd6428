"""The shape of the code: a no-op build loads none of the heavy libraries, no function is
above cyclomatic complexity 10, README's tree is the code's, the manifest's generator digest
covers every subpackage."""

from __future__ import annotations

import ast
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


# Modules that write files that are not build output, and why. Everything else the generator
# writes (portals, invoice PDFs, the cache, the manifest, the records of other commands in
# the output folder) goes through the sink, generator/sink.py, and its one atomic write.
WRITERS_NOT_OF_OUTPUT = {
    "generator/sink.py": "the sink itself: the one writer of build output",
    "generator/writeback/checkcopy.py": "a scratch copy of the content, checked before an edit",
    "generator/commands/new.py": "`portal new`: a new client folder in the agency's content",
    "generator/commands/invoices.py": "`portal invoice next`: an invoice file for the agency "
                                      "to review, in its content",
    "generator/commands/init_ci.py": "`portal init-ci`: CI workflows in the agency's repository",
    "generator/commands/schema.py": "`portal schema`: JSON Schema files for the agency's editor",
    "generator/publish/targets.py": "`portal publish`: delivery of built portals to a host "
                                    "folder, after the build",
}
WRITING_CALLS = {"write_text", "write_bytes", "replace", "rename", "copy", "copy2", "copyfile",
                 "copytree", "move"}
WRITING_MODULES = {"os", "shutil"}


def _writes(tree: ast.AST) -> list[int]:
    """Lines of `tree` that write a file: Path.write_text/write_bytes, os.replace/rename,
    shutil's copies and moves, open() or Path.open() with a mode that writes."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value if isinstance(func, ast.Attribute) else None
        if name in {"write_text", "write_bytes"} or (
                name in WRITING_CALLS and isinstance(owner, ast.Name)
                and owner.id in WRITING_MODULES) or name == "open" and _writing_mode(node):
            found.append(node.lineno)
    return found


def _writing_mode(call: ast.Call) -> bool:
    modes = [arg for arg in call.args if isinstance(arg, ast.Constant)
             and isinstance(arg.value, str)]
    modes += [k.value for k in call.keywords if k.arg == "mode"]
    return any(isinstance(m, ast.Constant) and isinstance(m.value, str)
               and set(m.value) & set("wax+") for m in modes)


def test_only_the_sink_writes_build_output():
    writes = {}
    for path in sorted(GENERATOR.rglob("*.py")):
        module = path.relative_to(REPO).as_posix()
        lines = _writes(ast.parse(path.read_text(encoding="utf-8")))
        if lines and module not in WRITERS_NOT_OF_OUTPUT:
            writes[module] = lines
    assert writes == {}, ("write through generator/sink.py (`Sink`, `write_atomically`), or "
                          "add the module to WRITERS_NOT_OF_OUTPUT saying why it is not output")
    assert _writes(ast.parse((GENERATOR / "sink.py").read_text(encoding="utf-8")))  # can fail


def test_the_write_scan_finds_each_kind_of_write():
    code = ("import os, shutil\np.write_text('x')\np.write_bytes(b'')\nos.replace(a, b)\n"
            "open(p, 'w')\nopen(p, mode='xb')\np.open('a')\nshutil.copyfile(a, b)\n"
            "open(p)\np.read_text()\n'a'.replace('a', 'b')\n")
    assert _writes(ast.parse(code)) == [2, 3, 4, 5, 6, 7, 8]


def test_one_temporary_file_then_rename():
    """The temporary-file-then-rename is written once, in the sink (`portal publish` copies
    to a host folder its own way: publish/targets.py, delivery, not the build's output)."""
    renames = [path.relative_to(REPO).as_posix() for path in sorted(GENERATOR.rglob("*.py"))
               if "os.replace(temporary" in path.read_text(encoding="utf-8")]
    assert renames == ["generator/publish/targets.py", "generator/sink.py"]
