"""Property-based tests (Hypothesis) of the build's contract over generated content.

Whatever YAML values, Markdown, file names and folder shapes a client folder holds, a build
costs at most the CPU of 15 builds of the small site, ends with exit 0 or 1 and never a
traceback (CliRunner re-raises any exception); a failed build leaves the previous output
untouched, a good one equals a cold build of the same content, and after any sequence of
additions, changes and removals an incremental build equals a cold build. Each test has a
fixed example budget, derandomized and without an example database, so the suite is
deterministic and its time bounded; `--quick-properties` (`make test-fast`) runs a fifth.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile import _scan

import conftest
from conftest import BASE_SITE, build_site, snapshot, write_files
from workbound import reference_build, within_builds

BUILDS = 15  # CPU of one generated site's build, in builds of the small site (workbound)
HANG = 120  # seconds: only a stuck build runs this long, however busy the machine


def budget(examples: int):
    """A fixed, reproducible budget of examples for an end-to-end property (marked
    slow_property): a fifth of it, at least 3, with --quick-properties (`make test-fast`)."""
    if conftest.QUICK_PROPERTIES:
        examples = max(3, examples // 5)
    chosen = settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))

    def apply(test):
        return pytest.mark.slow_property(chosen(test))
    return apply


@contextmanager
def site(changes: dict[str, str | bytes | None] | None = None):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_files(root, {**BASE_SITE, **(changes or {})})
        yield root


@contextmanager
def bounded():
    """At most BUILDS builds' worth of CPU (workbound: work, not the wall clock, which a busy
    machine stretches); a build still running after HANG seconds is stuck, not slow."""
    def expired(*_: object) -> None:
        raise TimeoutError("the build did not end")
    reference_build()  # the unit of work, measured before the clock starts
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(HANG)
    try:
        with within_builds(BUILDS):
            yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _published(out: Path) -> dict[str, bytes]:
    """The output folder's files, but its marker (written before a first build can fail)."""
    return {k: v for k, v in snapshot(out).items() if k != ".clientportal"} if out.is_dir() else {}


def contract(root: Path, *extra: str) -> int:
    """Build; check the contract (bounded time, exit 0 or 1, the output the new build or the
    previous one untouched, no script in a page); return the exit code."""
    out = root / "output"
    before = _published(out)
    with bounded():
        result = build_site(root, *extra)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert _published(out) == before
    elif (out / "acme").is_dir():
        assert _scan(out / "acme") == []
    return result.exit_code


# ------------------------------------------------------------------- YAML values

_KEYS = ["name", "legal_name", "locale", "locales", "currency", "timezone", "address",
         "contacts", "account_manager", "team", "lifecycle_stage", "acquired_on", "contract",
         "retainer", "branding", "access", "feedback", "email", "photo", "amount", "period",
         "starts_on", "ends_on", "accent", "logo", "mode", "x"]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**40, max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.sampled_from(["2026-01-01", "9999-12-31", "0", "0001-01-01",
                                           "2026-13-45", "files/ann.svg", "../x", "EUR", "pl",
                                           "javascript:alert(1)", "#fff", "\ufeff", "\x00"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5)),
    max_leaves=25)


def _json(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


@budget(15)
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=8),
       st.sampled_from(["content/acme/client.yaml", "content/acme/deadlines.yaml",
                        "content/acme/invoices/2026-10.yaml"]))
def test_generated_yaml_values(data, path):
    base = textwrap.dedent(BASE_SITE.get(path, "")).lstrip("\n")
    text = base + "".join(f"{key}: {_json(value)}\n" for key, value in data.items())
    with site({path: text}) as root:
        contract(root)


_YAML_PIECES = ["a: ", "- ", "&x ", "*x ", "[", "]", "{", "}", ", ", ": ", "\n", "  ", "'", '"',
                "!!str ", "!!float ", "? ", "|\n", ">\n", "#", "---\n", "...\n", "\t", "1e999",
                "0x", "~", "<<: ", "\\", "\x85", "\u2028", "\ufeff", "\x07", "9" * 50, "&a [*a]"]


@budget(15)
@given(st.lists(st.sampled_from(_YAML_PIECES) | st.text(max_size=5), max_size=40))
def test_generated_yaml_text(pieces):
    with site({"content/acme/deadlines.yaml": "".join(pieces)}) as root:
        contract(root)


# ------------------------------------------------------------------- Markdown

MARKDOWN_PIECES = [
    "# ", "## ", "- ", "1. ", "> ", "    ", "\n", "\n\n", "*", "**", "_", "`", "```\n", "[",
    "]", "(", ")", "![", "](", "scope.md", "files/brief.pdf", "../x", "#cp-main", "{: ",
    "{: #cp-main }", " }", "|", "---", "<", ">", "&", "&#106;", "javascript:", "data:",
    "<script>window.__pwned=1</script>", '<img src="files/ann.svg" onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">x</a>', '<iframe srcdoc="<script>x</script>">',
    '<svg onload="window.__pwned=1">', '<meta http-equiv="refresh" content="0">',
    "<base href=x>", "<div>", "</div>", "[^1]", "[^1]: note", "\\", "\x00", "\x1b", "\u202e",
]
MARKDOWN = st.lists(st.sampled_from(MARKDOWN_PIECES) | st.text(max_size=4),
                    max_size=60).map("".join)


@budget(20)
@given(MARKDOWN, st.booleans())
def test_generated_markdown(body, raw_html):
    portal_yaml = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")
    with site({"content/acme/scope.md": f"---\ntitle: Scope\n---\n{body}\n",
               "content/portal.yaml": portal_yaml + f"allow_raw_html: {str(raw_html).lower()}\n"}
              ) as root:
        contract(root)


# ------------------------------------------------------------------- file names, folder shapes

NAMES = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
                min_size=1, max_size=120).filter(lambda n: n not in (".", "..")
                                                 and len(n.encode()) <= 255)


@budget(15)
@given(st.lists(NAMES, min_size=1, max_size=4), st.sampled_from(["files", "requirements",
                                                                  "updates", "invoices", ""]))
def test_generated_file_names(names, folder):
    with site() as root:
        for name in names:
            path = root / "content" / "acme" / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"---\ntitle: x\ndate: 2026-11-01\n---\nx\n")
        contract(root)


def _raw_names() -> st.SearchStrategy[bytes]:
    return st.binary(min_size=1, max_size=40).filter(
        lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b".."))


KINDS = ["file", "folder", "link inside", "link outside", "dangling link", "loop", "pipe",
         "link to /dev/zero"]


def _make(path: Path, kind: str, root: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        return
    if kind == "file":
        path.write_bytes(b"%PDF-1.4\n")
    elif kind == "folder":
        path.mkdir()
    elif kind == "pipe":
        os.mkfifo(path)
    else:
        target = {"link inside": root / "content/acme/files/brief.pdf",
                  "link outside": root / "content/portal.yaml", "dangling link": root / "gone",
                  "loop": path, "link to /dev/zero": Path("/dev/zero")}[kind]
        os.symlink(target, path)


@budget(15)
@given(st.lists(st.tuples(st.lists(st.sampled_from(["files", "requirements", "sub", "deep",
                                                    ".hidden", "invoices", "updates"]),
                                   max_size=3),
                          _raw_names(), st.sampled_from(KINDS)), min_size=1, max_size=5))
def test_generated_folder_shapes(entries):
    with site() as root:
        for folders, name, kind in entries:
            parent = os.path.join(os.fsencode(root / "content" / "acme"),
                                  *(f.encode() for f in folders))
            _make(Path(os.fsdecode(os.path.join(parent, name))), kind, root)
        contract(root)


# ------------------------------------------------------------------- incremental == cold

EDITS = {
    "add a requirement": {"content/acme/requirements/extra.md":
                          "---\ntitle: Extra\n---\nMore, see [scope](../scope.md).\n"},
    "add a linked requirement": {"content/acme/requirements/extra.md":
                                 "---\ntitle: Extra\n---\nSee [scope](scope.md).\n"},
    "change the scope": {"content/acme/scope.md": "---\ntitle: Scope v2\n---\nNew text.\n"},
    "remove the update": {"content/acme/updates/2026-11-01-status.md": None},
    "add an update": {"content/acme/updates/2026-11-10-note.md":
                      "---\ntitle: Note\ndate: 2026-11-10\n---\nA note.\n"},
    "add a hidden file": {"content/acme/files/.notes.txt": "internal\n"},
    "change the hidden file": {"content/acme/files/.notes.txt": "changed\n"},
    "add a hidden folder file": {"content/acme/.git-like/x": "x\n"},
    "add an attachment": {"content/acme/files/plan.txt": "plan\n"},
    "remove an attachment": {"content/acme/files/plan.txt": None},
    "change an invoice": {"content/acme/invoices/2026-09.yaml": textwrap.dedent(
        BASE_SITE["content/acme/invoices/2026-09.yaml"]).replace("1000.00", "1200.00")},
    "break the deadlines": {"content/acme/deadlines.yaml": "milestones: [\n"},
    "fix the deadlines": {"content/acme/deadlines.yaml": BASE_SITE["content/acme/deadlines.yaml"]},
    "add a client": {"content/beta/client.yaml": BASE_SITE["content/acme/client.yaml"].replace(
        "    photo: files/ann.svg\n", "")},
    "remove the client": {"content/beta/client.yaml": None},
    "change the agency": {"content/portal.yaml": BASE_SITE["content/portal.yaml"].replace(
        "Test Agency\n", "Test Agency Two\n", 1)},
}


@budget(8)
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=4))
def test_incremental_equals_cold_after_any_edits(edits):
    with site() as root:
        assert contract(root) == 0
        for edit in edits:
            write_files(root, EDITS[edit])
            beta = root / "content" / "beta"
            if beta.is_dir() and not any(beta.rglob("*.yaml")):
                os.rmdir(beta)  # "remove the client" leaves its folder empty: remove it too
            if contract(root) == 0:
                with tempfile.TemporaryDirectory() as cold:
                    result = build_site(root, "--out", str(Path(cold) / "output"))
                    assert result.exit_code == 0, result.output
                    assert snapshot(root / "output") == snapshot(Path(cold) / "output"), edits
