"""Incremental, parallel, sharded and --changed-since builds, and their determinism."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, REPO, build_site, built, snapshot
from generator.errors import ContentError
from generator.pipeline.plan import shard_of
from generator.sink import CACHE, MANIFEST
from gitrepo import commit, init_repo

CLIENTS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]


def _client(name: str) -> dict[str, str]:
    return {
        f"content/{name}/client.yaml": f"""
            name: {name.title()} Ltd
            account_manager: {{name: Bo, email: bo@agency.test}}
        """,
        f"content/{name}/scope.md": f"---\ntitle: Scope for {name}\n---\nBuild things.\n",
        f"content/{name}/requirements/login.md": "---\ntitle: Login\n---\nUsers log in.\n",
    }


@pytest.fixture
def many(make_site) -> Path:
    files: dict[str, str | bytes | None] = {}
    for name in CLIENTS:
        files.update(_client(name))
    return make_site(files)


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(folder.rglob("*"))}


def test_unchanged_clients_are_not_rebuilt_nor_rewritten(many):
    assert build_site(many).exit_code == 0
    before = _stamps(many / "output")
    result = build_site(many)
    assert "built 0 portals" in result.output and "7 unchanged" in result.output
    after = _stamps(many / "output")
    assert {k: v for k, v in after.items() if MANIFEST not in k} == \
           {k: v for k, v in before.items() if MANIFEST not in k}


def test_a_changed_client_is_rebuilt_and_only_it(many):
    built(many)
    untouched = _stamps(many / "output/alpha")
    scope = many / "content/beta/scope.md"
    scope.write_text(scope.read_text() + "\nA new paragraph.\n")
    result = build_site(many)
    assert "built 1 portal," in result.output and "6 unchanged" in result.output
    assert "A new paragraph." in (many / "output/beta/scope.html").read_text()
    assert _stamps(many / "output/alpha") == untouched


def test_overview_after_one_change_equals_a_full_build(many, tmp_path):
    built(many)
    invoice = many / "content/gamma/invoices/2026-11.yaml"
    invoice.parent.mkdir()
    invoice.write_text("number: G-1\nissued: 2026-10-01\ndue: 2026-10-15\n"
                       "items:\n  - {description: Work, quantity: 2, unit_price: 100.00, "
                       "tax_rate: 0}\n")
    result = build_site(many)
    assert "built 1 portal," in result.output, result.output
    full = tmp_path / "full"
    assert build_site(many, "--out", full, "--force").exit_code == 0
    assert snapshot(many / "output/_agency") == snapshot(full / "_agency")
    assert "G-1" not in (full / "_agency/index.html").read_text()  # figures, not invoices
    assert "data-field=\"overdue\">€200.00" in (full / "_agency/index.html").read_text()


def test_the_overview_is_rewritten_only_when_its_figures_change(many):
    built(many)
    overview = _stamps(many / "output/_agency")
    scope = many / "content/beta/scope.md"
    scope.write_text(scope.read_text() + "\nA new paragraph.\n")  # no figure of the overview
    assert "built 1 portal," in build_site(many).output
    assert _stamps(many / "output/_agency") == overview
    profile = many / "content/beta/client.yaml"
    profile.write_text(profile.read_text().replace("Beta Ltd", "Beta Renamed Ltd"))
    assert "built 1 portal," in build_site(many).output
    assert "Beta Renamed Ltd" in (many / "output/_agency/index.html").read_text()


def test_one_client_build_keeps_every_client_in_the_overview(many):
    built(many)
    (many / "output/.clientportal-manifest.json").unlink()  # rows are then read again
    assert build_site(many, "--client", "beta").exit_code == 0
    overview = (many / "output/_agency/index.html").read_text()
    assert all(f'data-slug="{name}"' in overview for name in CLIENTS)


def test_a_changed_secret_rebuilds_the_protected_portal(many, monkeypatch):
    client = many / "content/alpha/client.yaml"
    client.write_text(client.read_text() + "access: {mode: link}\n")
    monkeypatch.setenv("PORTAL_SECRET", "s" * 40)
    assert build_site(many).exit_code == 0
    first = [p.name for p in (many / "output").iterdir() if p.name.startswith("alpha-")]
    assert "built 0 portals" in build_site(many).output
    monkeypatch.setenv("PORTAL_SECRET", "t" * 40)
    result = build_site(many)
    assert "built 1 portal," in result.output, result.output
    second = [p.name for p in (many / "output").iterdir() if p.name.startswith("alpha-")]
    assert len(first) == len(second) == 1 and first != second  # the old folder is gone


def test_force_rebuilds_everything(many):
    built(many)
    assert "built 7 portals" in build_site(many, "--force").output


def test_a_removed_client_loses_its_portal(many):
    built(many)
    shutil.rmtree(many / "content/gamma")
    result = build_site(many)
    assert "removed 1" in result.output
    assert not (many / "output/gamma").exists()


def test_shared_inputs_and_build_date_rebuild_every_client(many):
    built(many)
    portal_yaml = many / "content/portal.yaml"
    portal_yaml.write_text(portal_yaml.read_text().replace("Test Agency", "Test Agency 2", 1))
    assert "built 7 portals" in build_site(many).output
    result = build_site(many, "--as-of", "2026-11-24")  # the last --as-of wins
    assert "built 7 portals" in result.output


def test_cached_manifest_survives_a_fresh_checkout(many, tmp_path_factory):
    """In CI, a restored manifest meets files with new times but the same bytes."""
    built(many)
    elsewhere = tmp_path_factory.mktemp("checkout")
    shutil.copytree(many / "content", elsewhere / "content")  # new mtimes
    shutil.copytree(many / "output", elsewhere / "output")
    for path in (elsewhere / "content").rglob("*"):
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    result = build_site(elsewhere)
    assert result.exit_code == 0, result.output
    assert re.search(r"built 0 portals, .*\(7 unchanged\), 0 failed", result.output)


def test_jobs_build_the_same_bytes(many, tmp_path):
    assert build_site(many, "--jobs", "1").exit_code == 0
    other = tmp_path / "parallel"
    result = build_site(many, "--jobs", "3", "--out", other, "--force")
    assert result.exit_code == 0, result.output
    assert snapshot(other) == snapshot(many / "output")


def test_shards_are_disjoint_and_their_union_is_the_full_build(many, tmp_path):
    built(many)
    union: dict[str, bytes] = {}
    portals: list[set[str]] = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard-{index}"
        assert build_site(many, "--shard", f"{index}/3", "--out", out).exit_code == 0
        portals.append({p.name for p in out.iterdir() if p.is_dir() and p.name != CACHE})
        union.update(snapshot(out))
    # the agency overview (every client's figures) is written by shard 1 only
    assert ["_agency" in names for names in portals] == [True, False, False]
    clients = [names - {"_agency"} for names in portals]
    assert sum(len(p) for p in clients) == len(set().union(*clients)) == 7
    assert union == snapshot(many / "output")
    assert [shard_of(name, 3) for name in ["acme", "alpha"]] == \
           [shard_of(name, 3) for name in ["acme", "alpha"]]


def test_bad_shard_is_a_usage_error(many):
    assert build_site(many, "--shard", "4/3").exit_code == 2


def test_changed_since_builds_only_changed_clients(many):
    init_repo(many)
    commit(many, "start", "2026-11-01T10:00:00+00:00")
    scope = many / "content/delta/scope.md"
    scope.write_text(scope.read_text() + "\nChanged.\n")
    commit(many, "delta scope", "2026-11-02T10:00:00+00:00")
    result = build_site(many, "--changed-since", "HEAD~1")
    assert result.exit_code == 0, result.output
    assert "built 1 portal," in result.output
    assert sorted(p.name for p in (many / "output").iterdir() if p.is_dir()) == [
        CACHE, "_agency", "delta"]
    portal_yaml = many / "content/portal.yaml"
    portal_yaml.write_text(portal_yaml.read_text() + "base_url: https://portals.test/\n")
    result = build_site(many, "--changed-since", "HEAD")
    assert "built 7 portals" in result.output


def test_changed_since_an_unknown_ref_is_an_error(many):
    init_repo(many)
    commit(many, "start", "2026-11-01T10:00:00+00:00")
    result = build_site(many, "--changed-since", "no-such-ref")
    assert result.exit_code == 2 and "no-such-ref" in result.output


def _build_in_process(content: Path, out: Path, env: dict[str, str], umask: int) -> None:
    code = (f"import os, sys; os.umask({umask}); from generator.cli import main; "
            f"sys.argv=['portal','build','--content',{str(content)!r},'--out',{str(out)!r},"
            f"'--as-of','{AS_OF}','--jobs','2']; main()")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO,
                   capture_output=True)


def test_outputs_are_identical_across_tz_lang_hashseed_umask_and_folder(many, tmp_path):
    init_repo(many)
    commit(many, "start", "2026-11-01T23:30:00+00:00")
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    _build_in_process(many / "content", tmp_path / "a", {**base, "TZ": "UTC", "LANG": "C",
                                                         "PYTHONHASHSEED": "1"}, 0o022)
    moved = tmp_path / "another" / "place"
    shutil.copytree(many, moved)
    _build_in_process(moved / "content", tmp_path / "b",
                      {**base, "TZ": "Pacific/Kiritimati", "LANG": "pl_PL.UTF-8",
                       "LC_ALL": "sv_SE.UTF-8", "PYTHONHASHSEED": "4242"}, 0o077)
    first, second = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert first == second and len(first) > 50
    modes = {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "b").rglob("*")
             if p.is_file() and CACHE not in p.parts}  # the cache is private, not published
    assert modes <= {"0o644"}


def test_serve_session_rebuilds_one_client_and_keeps_the_manifest(many):
    built(many)
    untouched = _stamps(many / "output/alpha")
    session = _session(many)
    scope = many / "content/beta/scope.md"
    for text in ("First edit.", "Second edit."):
        scope.write_text(scope.read_text() + f"\n{text}\n")
        report = session.rebuild("beta")
        assert report.built == ("beta",)
        assert text in (many / "output/beta/scope.html").read_text()
    assert _stamps(many / "output/alpha") == untouched
    assert "built 0 portals" in build_site(many).output  # the manifest knows beta is current


class _Session:
    """Builds as `portal serve` runs them: one BuildState kept across builds, in process."""

    def __init__(self, root: Path) -> None:
        from datetime import date

        from generator.pipeline.options import BuildOptions
        from generator.pipeline.run import BuildState
        from generator.sink import DiskSink

        self.options = BuildOptions(content_dir=root / "content", out_dir=root / "output", as_of=date(2026, 11, 23))
        self.state = BuildState(DiskSink(root / "output"))

    def rebuild(self, *slugs: str):
        from dataclasses import replace

        from generator.pipeline.run import build

        return build(replace(self.options, clients=slugs, force=True), state=self.state)

    def build(self):
        from generator.pipeline.run import build

        return build(self.options, state=self.state)


def _session(root: Path) -> _Session:
    return _Session(root)


def test_serve_session_keeps_the_manifest_in_memory(many):
    built(many)
    session = _session(many)
    session.rebuild("beta")
    (many / "output" / MANIFEST).write_text("{}")  # not read again: the session keeps its own
    profile = many / "content/beta/client.yaml"
    profile.write_text(profile.read_text().replace("Beta Ltd", "Beta Renamed Ltd"))
    assert session.rebuild("beta").built == ("beta",)
    overview = (many / "output/_agency/index.html").read_text()
    assert "Beta Renamed Ltd" in overview
    assert all(f'data-slug="{name}"' in overview for name in CLIENTS)
    assert "built 0 portals" in build_site(many).output  # and saves every client's entry


def test_serve_session_reads_the_manifest_again_after_a_failed_build(many):
    built(many)
    session = _session(many)
    session.rebuild("beta")
    profile = many / "content/beta/client.yaml"
    good = profile.read_text()
    profile.write_text(good + "colour: blue\n")
    with pytest.raises(ContentError):
        session.rebuild("beta")
    other = many / "content/gamma/client.yaml"  # changed while the session was not told
    other.write_text(other.read_text().replace("Gamma Ltd", "Gamma Renamed Ltd"))
    profile.write_text(good)
    session.rebuild("beta")
    overview = (many / "output/_agency/index.html").read_text()
    assert "Gamma Renamed Ltd" in overview  # its row was checked against its files again


def test_git_log_is_read_again_only_for_a_new_commit(many, monkeypatch):
    import generator.pipeline.plan

    init_repo(many)
    commit(many, "Start", "2026-03-01T09:00:00+00:00")
    built(many)
    logs: list[object] = []
    read = generator.pipeline.plan.read_git_log
    monkeypatch.setattr(generator.pipeline.plan, "read_git_log", lambda *a: logs.append(a) or read(*a))
    assert "built 0 portals" in build_site(many).output
    assert logs == []  # the same commit: the manifest's history hashes hold
    login = many / "content/beta/requirements/login.md"
    login.write_text(login.read_text() + "\nNot committed yet.\n")
    assert "built 1 portal," in build_site(many).output
    assert [a[1] for a in logs] == [["beta"]]  # the log of the client built
    commit(many, "Beta's login", "2026-04-02T09:00:00+00:00")
    result = build_site(many)
    assert "built 1 portal," in result.output and "6 unchanged" in result.output
    assert 'datetime="2026-04-02"' in (many / "output/beta/requirements/login.html").read_text()
    full = many.parent / "full"
    assert build_site(many, "--out", full, "--force").exit_code == 0
    assert snapshot(many / "output") == snapshot(full)


def test_workers_start_only_when_there_is_something_to_build(many, monkeypatch):
    import multiprocessing

    from generator.pipeline.workers import WorkerPool

    started: list[int] = []
    start = WorkerPool.start
    monkeypatch.setattr(WorkerPool, "start", lambda self: (started.append(1), start(self))[1])
    assert "built 7 portals" in build_site(many, "--jobs", "2").output
    assert started and not multiprocessing.active_children()
    started.clear()
    assert "built 0 portals" in build_site(many, "--jobs", "2").output
    assert started == []  # a no-op build forks nothing


def test_a_failed_parallel_build_stops_its_workers_and_keeps_the_output(many):
    import multiprocessing

    built(many)
    before = snapshot(many / "output")
    for name in ("beta", "epsilon"):
        (many / f"content/{name}/scope.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    result = build_site(many, "--jobs", "2")
    assert result.exit_code == 1 and "beta/scope.md" in result.output
    assert "epsilon/scope.md" in result.output
    assert not multiprocessing.active_children()
    assert snapshot(many / "output") == before


def test_manifest_is_json_with_a_line_per_client_and_saves_back_as_read(many):
    import json

    from generator.pipeline.manifest import Manifest

    built(many)
    text = (many / "output" / MANIFEST).read_text()
    data = json.loads(text)
    lines = text.splitlines()
    assert len(lines) == 2 + len(data["clients"]) and lines[-1] == "}}"
    assert [line.split(":", 1)[0] for line in lines[1:-1]] == [
        f'"{slug}"' for slug in sorted(data["clients"])]
    assert Manifest.parse(text).text() == text


def test_a_damaged_markdown_cache_is_rendered_again_not_a_failure(many):
    """The kept renderings are the generator's own file; one that is damaged (a disk error,
    a hand edit) is a cache miss: the forced rebuild renders again and gives the same pages."""
    built(many)
    pages = {p.relative_to(many / "output").as_posix(): p.read_bytes()
             for p in sorted((many / "output").glob("*/**/*.html"))}
    kept = sorted((many / "output" / CACHE / "markdown").glob("*.json"))
    assert kept  # can fail: the cache this test damages must exist
    damages = ["{not json", '["a list"]', '{"x": 1}']
    for index, path in enumerate(kept):
        path.write_text(damages[index % len(damages)], encoding="utf-8")
    result = build_site(many, "--force")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert {p.relative_to(many / "output").as_posix(): p.read_bytes()
            for p in sorted((many / "output").glob("*/**/*.html"))} == pages


def test_a_client_that_is_gone_leaves_nothing_in_the_cache(many):
    """The cache keeps each client's renderings (and invoice PDFs) by its name: when the
    client's folder goes, its portal and its cached files go; the others' stay."""
    built(many)
    cache = many / "output" / CACHE
    kept = sorted(p.name for p in (cache / "markdown").iterdir())
    assert "beta.json" in kept  # can fail: the file that must go
    shutil.rmtree(many / "content" / "beta")
    result = build_site(many)
    assert result.exit_code == 0, result.output
    assert not (many / "output" / "beta").exists()
    assert sorted(p.name for p in (cache / "markdown").iterdir()) == [
        name for name in kept if name != "beta.json"]
