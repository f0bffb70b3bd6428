"""A build killed with SIGKILL at any moment leaves every portal entirely old or entirely new,
no worker process behind, and a next build that cleans up and equals a cold build.

Real `portal build` processes (two workers) are killed at precise points through the test-only
hook CLIENTPORTAL_TEST_KILL_AT (before and after each portal's swap, after the last), and at
moments spread over a build's run time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import AS_OF, BASE_SITE, snapshot, write_files
from generator.sink import DiskSink

CLIENTS = ("acme", "beta", "gamma")


def _site(root: Path, version: str) -> Path:
    files: dict[str, str | bytes | None] = {}
    for slug in CLIENTS:
        for path, text in BASE_SITE.items():
            if path.startswith("content/acme/"):
                # each client its own invoice numbers: a seller numbers an invoice once
                files[path.replace("content/acme/", f"content/{slug}/")] = (
                    text.replace('number: "0', f'number: "{slug.upper()}-0'))
    files["content/portal.yaml"] = BASE_SITE["content/portal.yaml"]
    files["content/_agency/logo.svg"] = BASE_SITE["content/_agency/logo.svg"]
    for slug in CLIENTS:
        files[f"content/{slug}/updates/2026-11-20-{version}.md"] = (
            f"---\ntitle: Version {version}\ndate: 2026-11-20\n---\n{version} " * 1 + "\n")
    write_files(root, files)
    return root / "content"


def _build(content: Path, out: Path, run: str, kill_at: str = "") -> subprocess.Popen[bytes]:
    env = {**os.environ, "CLIENTPORTAL_TEST_RUN": run}
    env.pop("CLIENTPORTAL_TEST_KILL_AT", None)
    if kill_at:
        env["CLIENTPORTAL_TEST_KILL_AT"] = kill_at
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--content",
                             str(content), "--out", str(out), "--as-of", AS_OF, "--jobs", "2",
                             "-q"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _processes_of(run: str) -> list[int]:
    """Processes still running with this run's marker in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"CLIENTPORTAL_TEST_RUN={run}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _portals(out: Path) -> dict[str, dict[str, bytes]]:
    return {folder.name: snapshot(folder) for folder in sorted(out.iterdir())
            if folder.is_dir() and not folder.name.startswith(".")}


def _half_portals(out: Path, old: dict[str, dict[str, bytes]],
                  new: dict[str, dict[str, bytes]]) -> list[str]:
    """Portal folders that are neither their old nor their new version."""
    now = _portals(out)
    return [name for name in sorted(set(old) | set(new) | set(now))
            if now.get(name) not in (old.get(name), new.get(name))]


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """The content before and after an edit of every client, the output of each built cold."""
    root = tmp_path_factory.mktemp("crash")
    old_content = _site(root / "old", "one")
    new_content = _site(root / "new", "two")
    outputs = {}
    for name, content in (("old", old_content), ("new", new_content)):
        process = _build(content, root / f"out-{name}", uuid.uuid4().hex)
        assert process.wait(120) == 0, process.stderr.read()  # type: ignore[union-attr]
        outputs[name] = root / f"out-{name}"
    return root, new_content, outputs


def _trial(versions, kill_at: str = "", after: float | None = None
           ) -> tuple[str, subprocess.Popen[bytes], Path]:
    """An incremental build over a copy of the old output, killed as asked."""
    root, content, outputs = versions
    out = root / f"trial-{uuid.uuid4().hex[:8]}" / "output"
    shutil.copytree(outputs["old"], out, symlinks=True)
    run = uuid.uuid4().hex
    started = time.perf_counter()
    process = _build(content, out, run, kill_at)
    if after is not None:
        time.sleep(after)
        process.send_signal(signal.SIGKILL)
    process.wait(120)
    process.duration = time.perf_counter() - started  # type: ignore[attr-defined]
    return run, process, out


def _after_the_kill(versions, run: str, out: Path) -> None:
    _, content, outputs = versions
    old, new = _portals(outputs["old"]), _portals(outputs["new"])
    deadline = time.monotonic() + 5
    while _processes_of(run) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_of(run) == [], "a worker outlived its build"
    assert _half_portals(out, old, new) == []
    again = _build(content, out, uuid.uuid4().hex)
    assert again.wait(120) == 0, again.stderr.read()  # type: ignore[union-attr]
    assert [p.name for p in out.parent.iterdir() if p.name != "output"] == []  # no staging
    assert [p.name for p in out.iterdir() if ".tmp-" in p.name] == []
    assert snapshot(out) == snapshot(outputs["new"])


POINTS = [f"swap:{n}" for n in (1, 2, 3)] + [f"swapped:{n}" for n in (1, 2, 3)] + ["committed"]


@pytest.mark.parametrize("point", POINTS)
def test_killed_inside_the_final_swap(versions, point):
    run, process, out = _trial(versions, kill_at=point)
    assert process.returncode == -signal.SIGKILL
    _after_the_kill(versions, run, out)


def test_killed_at_moments_spread_over_a_build(versions):
    run, process, out = _trial(versions)
    assert process.returncode == 0
    duration = process.duration  # type: ignore[attr-defined]
    _after_the_kill(versions, run, out)
    killed = 0
    for fraction in (0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.9):
        run, process, out = _trial(versions, after=duration * fraction)
        killed += process.returncode == -signal.SIGKILL
        _after_the_kill(versions, run, out)
    assert killed >= 4  # most trials really were killed before the build ended


def test_a_kill_between_swaps_leaves_some_portals_new_and_the_rest_old(versions):
    _, _, outputs = versions
    run, process, out = _trial(versions, kill_at="swap:2")
    old, new = _portals(outputs["old"]), _portals(outputs["new"])
    now = _portals(out)
    assert [name for name in now if now[name] == new[name] != old[name]] == ["acme"]
    _after_the_kill(versions, run, out)


def test_the_check_sees_a_half_portal(versions):
    _, _, outputs = versions
    broken = outputs["old"].parent / "broken"
    shutil.copytree(outputs["old"], broken)
    (broken / "beta" / "_headers").unlink()
    assert _half_portals(broken, _portals(outputs["old"]), _portals(outputs["new"])) == ["beta"]


def test_a_second_build_waits_for_the_first_and_cleans_what_a_killed_one_left(tmp_path,
                                                                               monkeypatch):
    out = tmp_path / "output"
    out.mkdir()
    (out / ".clientportal").write_text("This folder is written by `portal build`; its contents "
                                       "are replaced on each build.\n")
    left = tmp_path / ".output.staging-99999999"
    (left / "acme").mkdir(parents=True)
    (out / ".clientportal-manifest.json.tmp-1").write_text("{")
    first = DiskSink(out)
    first.claim()
    assert not left.exists() and not (out / ".clientportal-manifest.json.tmp-1").exists()
    second = DiskSink(out, tmp_path / ".output.staging-2")
    import generator.sink as output

    pauses: list[float] = []  # the waits between tries: bounded by count, not by the clock
    sleep = time.sleep
    monkeypatch.setattr(output, "LOCK_WAIT", 0.2)
    monkeypatch.setattr(output.time, "sleep", lambda s: (pauses.append(s), sleep(s)))
    with pytest.raises(Exception, match="another `portal build` is writing"):
        second.claim()
    monkeypatch.undo()
    assert len(pauses) <= 0.2 / 0.05 + 1  # tries, each 0.05 s apart, end with LOCK_WAIT
    first.release()
    second.claim()
    second.release()
