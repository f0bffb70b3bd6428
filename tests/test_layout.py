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
from generator.commands.reference import PACKAGES, architecture
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
report = build(BuildOptions(content_dir=Path(sys.argv[1]), out_dir=Path(sys.argv[2]),
                            as_of=date(2026, 11, 23),
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
    for module in ("content/dates.py", "render/pages.py", "web/headers.py",
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
    """The temporary-file-then-rename is written once, in the sink (`portal publish` to a
    host folder uses it too)."""
    renames = [path.relative_to(REPO).as_posix() for path in sorted(GENERATOR.rglob("*.py"))
               if "os.replace(temporary" in path.read_text(encoding="utf-8")]
    assert renames == ["generator/sink.py"]


# The packages in the order a build goes through them: each imports only packages before it
# (and the foundation below every package: errors.py, sink.py and the version). The commands
# come last: they run the stages; cli.py and __main__.py import whatever they call.
PIPELINE_ORDER = PACKAGES  # README's architecture lists them in this order too
FOUNDATION = ("__init__", "__version__", "errors", "sink")
ENTRY_POINTS = ("cli", "__main__")


def _imported_parts(tree: ast.AST) -> set[str]:
    """The parts of `generator` a module imports (packages and top-level modules), at any
    level: module, function, or TYPE_CHECKING."""
    parts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] if node.module != "generator" else [
                f"generator.{alias.name}" for alias in node.names]
        else:
            continue
        parts |= {name.split(".")[1] for name in names
                  if name.startswith("generator.") and name.count(".") >= 1}
    return parts


def imports_against_the_order(root: Path) -> list[str]:
    """`module -> part` for each import of a package later in the pipeline's order, or of a
    package from the foundation."""
    rank = {name: i for i, name in enumerate(PIPELINE_ORDER)} | {name: -1 for name in FOUNDATION}
    wrong = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        part = relative.parts[0].removesuffix(".py")
        if part in ENTRY_POINTS:
            continue
        assert part in rank, f"{relative}: add its package to PIPELINE_ORDER"
        for imported in _imported_parts(ast.parse(path.read_text(encoding="utf-8"))):
            if rank.get(imported, len(PIPELINE_ORDER)) > rank[part]:
                wrong.append(f"{relative.as_posix()} -> {imported}")
    return wrong


def test_packages_import_only_packages_before_them():
    assert imports_against_the_order(GENERATOR) == []


def test_the_order_check_catches_render_importing_publish(tmp_path):
    copy = tmp_path / "generator"
    shutil.copytree(GENERATOR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    page = copy / "render" / "pages.py"
    page.write_text(page.read_text(encoding="utf-8") + "\nfrom generator.publish import targets\n",
                    encoding="utf-8")
    assert imports_against_the_order(copy) == ["render/pages.py -> publish"]
