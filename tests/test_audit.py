"""What a build touches, recorded by a Python audit hook: the files it opens (none outside the
content, theme and output folders), the programs it runs (git at most), the network (never),
and the environment variables it reads (its own only)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from conftest import AS_OF, WITH_PDFS
from generator.pipeline.options import BuildOptions
from generator.pipeline.run import build
from generator.render.theme import DEFAULT_THEME
from protected_site import PASSWORDS, SECRET, VAULT_SITE

_events: list[tuple[str, tuple[object, ...]]] = []
_recording: list[bool] = []
WATCHED = {"open", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
           "socket.connect", "socket.getaddrinfo", "socket.sendto", "urllib.Request"}


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _recording and event in WATCHED:
        _events.append((event, args))


sys.addaudithook(_hook)  # hooks cannot be removed: this one records only while asked to

# Where Python and its libraries keep their own code and data (imports, Babel's locale data,
# the time-zone database): read by any Python program, not part of what a build reads.
LIBRARY_ROOTS = tuple({Path(p).resolve() for p in (
    sys.prefix, sys.base_prefix, sys.exec_prefix, Path(os.__file__).parent,
    Path(__file__).resolve().parent.parent / "generator", "/usr/share/zoneinfo",
    Path(__file__).resolve().parent.parent / "clientportal.egg-info",
    "/usr/lib/python3", "/dev/urandom")})


# Variables that libraries look up once, as they are imported, for their own settings: Pillow's
# memory tuning (PIL/Image.py `_apply_env_variables`, imported by WeasyPrint for invoice PDFs),
# xml.sax's parser choice (imported by segno, the QR codes) and pydoc's documentation address
# (imported by python-stdnum, the tax numbers). Named one by one: any other is the build's.
LIBRARY_VARIABLES = ("PILLOW_ALIGNMENT", "PILLOW_BLOCK_SIZE", "PILLOW_BLOCKS_MAX",
                     "PY_SAX_PARSER", "PYTHONDOCS")


class _RecordingEnviron(MutableMapping[str, str]):
    """os.environ, noting every variable name read."""

    def __init__(self, real: MutableMapping[str, str], seen: set[str]) -> None:
        self.real, self.seen = real, seen

    def __getitem__(self, key: str) -> str:
        self.seen.add(key)
        return self.real[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.real[key] = value

    def __delitem__(self, key: str) -> None:
        del self.real[key]

    def __iter__(self) -> Iterator[str]:
        self.seen.add("<every variable>")
        return iter(self.real)

    def __len__(self) -> int:
        return len(self.real)

    def copy(self) -> dict[str, str]:
        self.seen.add("<every variable>")
        return dict(self.real)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def test_build_opens_only_content_theme_and_output(make_site, monkeypatch):
    root = make_site({**VAULT_SITE, **WITH_PDFS})  # with invoice PDFs: WeasyPrint audited too
    (root / ".gitignore").write_text(".portal-secrets*\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    lines = [f"PORTAL_SECRET={SECRET}"] + [f"{k}={v}" for k, v in PASSWORDS.items()]
    (root / ".portal-secrets").write_text("\n".join(lines) + "\n")
    seen: set[str] = set()
    monkeypatch.setattr(os, "environ", _RecordingEnviron(os.environ, seen))
    options = BuildOptions(content_dir=root / "content", out_dir=root / "output")
    _recording.append(True)
    try:
        build(options)
        build(BuildOptions(content_dir=root / "content", out_dir=root / "output",
                           as_of=__import__("datetime").date
                           .fromisoformat(AS_OF)))
    finally:
        _recording.clear()
    assert (root / "output" / "vault" / "index.html").is_file()
    assert (root / "output" / "acme" / "invoices" / "2026-10.pdf").is_file()  # PDFs were made
    allowed = tuple(p.resolve() for p in (root / "content", DEFAULT_THEME, root / "output",
                                          root / ".portal-secrets"))
    # shutil.rmtree (swapping portals in) opens folders by bare name relative to a dir_fd of
    # the folder it removes: os.open, so no mode. Every other open names its full path.
    opens = [args for event, args in _events
             if event == "open" and isinstance(args[0], (str, bytes, os.PathLike))]
    by_dir_fd = [a for a in opens if not Path(os.fsdecode(a[0])).is_absolute() and a[1] is None]
    assert all("/" not in os.fsdecode(a[0]) for a in by_dir_fd)
    opened = {Path(os.fsdecode(a[0])).resolve() for a in opens if a not in by_dir_fd}
    staging = {p for p in opened if p.is_relative_to(root.resolve())
               and p.relative_to(root.resolve()).parts[0].startswith(".output.staging-")}
    outside = sorted(str(p) for p in opened - staging
                     if not _inside(p, allowed) and not _inside(p, LIBRARY_ROOTS))
    assert outside == [], outside
    assert any(_inside(p, (root.resolve() / "content",)) for p in opened)
    programs = [args for event, args in _events if event != "open" and event.startswith(("os.",
                                                                                      "subp"))]
    assert all(Path(os.fsdecode(args[0])).name == "git" for args in programs), programs
    assert not [e for e, _ in _events if e.startswith(("socket.", "urllib."))]
    # subprocess looks git up on PATH, so running git reads PATH; nothing else is read but
    # the test-only kill hook (generator/sink.py), and LIBRARY_VARIABLES.
    names = {os.fsdecode(name) for name in seen}
    assert "PORTAL_SECRET" in names  # the recording sees what the build reads
    assert {name for name in names if not name.startswith("PORTAL_")
            and name not in ("CI", "SOURCE_DATE_EPOCH", "PATH", "CLIENTPORTAL_TEST_KILL_AT",
                             *LIBRARY_VARIABLES)} == set(), names
