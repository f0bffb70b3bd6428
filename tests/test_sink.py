"""The sink: where a build's bytes go, chosen once. A failed build changes no byte of the
output folder, its cache included; `check` writes nothing; a build into memory gives the
portals a build into the output folder gives."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLE_CONTENT, portal
from generator.pipeline.options import BuildOptions
from generator.pipeline.run import BuildFailed, BuildState, build
from generator.sink import CACHE, MANIFEST, MemorySink, write_atomically


def _every_byte(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, manifest and cache included."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory, example) -> Path:
    """The example content, copied, and its build with the invoice PDFs (conftest's
    `example`, built once per test run) copied into output/ (the copy has no git history:
    a test builds it only to fail)."""
    root = tmp_path_factory.mktemp("sink")
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    shutil.copytree(example, root / "output", symlinks=True)
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_build_changes_no_byte_of_the_output_folder(built_copy, tmp_path, jobs):
    root = tmp_path / "site"
    shutil.copytree(built_copy, root, symlinks=True)
    before = _every_byte(root / "output")
    assert any(name.startswith(f"{CACHE}/pdf/nordlys-saas/") for name in before)
    # One client's invoice changes (a new PDF to make, the old one no longer used) while
    # another client's invoice is broken: the build fails.
    changed = root / "content/nordlys-saas/invoices/2026-11.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("november 2026",
                                                                   "November 2026"))
    broken = root / "content/kowalski-legal/invoices/2026-08.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("unit_price: 18500.00",
                                                                 "unit_price: [18500"))
    result = portal("build", "--content", root / "content", "--out", root / "output",
                    "--as-of", AS_OF, "--jobs", jobs)
    assert result.exit_code == 1 and "kowalski-legal/invoices/2026-08.yaml" in result.output
    assert _every_byte(root / "output") == before
    assert sorted(p.name for p in root.iterdir()) == ["content", "output"]  # no staging left


def test_check_writes_nothing(built_copy, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(built_copy / "content", content)
    before = _every_byte(tmp_path)
    result = portal("check", "--content", content, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert _every_byte(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]


def test_a_build_into_memory_gives_the_portals_of_the_output_folder(example):
    """The examples built into memory, and into conftest's `example` output folder."""
    sink = MemorySink()
    options = BuildOptions(content_dir=EXAMPLE_CONTENT, as_of=date.fromisoformat(AS_OF))
    report = build(options, state=BuildState.one_shot(options, sink))
    on_disk = {path: content for path, content in _every_byte(example).items()
               if not path.startswith((".", CACHE))}
    assert len(report.built) == 4 and sink.published == on_disk
    assert {kind for kind, _ in sink.cache_files} == {"markdown", "messages", "pdf", "templates"}
    again = build(options, state=BuildState(sink))  # the manifest in memory: nothing changed
    assert again.built == () and sink.published == on_disk


def test_a_failed_build_into_memory_keeps_nothing_of_it(make_site):
    root = make_site({"content/acme/invoices/2026-10.yaml": "number: [\n"})
    sink = MemorySink()
    options = BuildOptions(content_dir=root / "content", as_of=date.fromisoformat(AS_OF))
    with pytest.raises(BuildFailed):
        build(options, state=BuildState.one_shot(options, sink))
    assert sink.published == {} and sink.cache_files == {} and sink.manifest() is None


def test_an_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "folder" / MANIFEST
    write_atomically(target, b"{}")
    write_atomically(target, b"[]", mode=None, durable=True)
    assert target.read_bytes() == b"[]" and [p.name for p in target.parent.iterdir()] == [MANIFEST]
