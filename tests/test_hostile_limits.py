"""Limits that keep a build finite, and errors instead of tracebacks: links, pipes, devices
and sockets where files belong, names that are not text, numbers and dates no plan has, YAML
that expands without bound, Markdown nested or bracketed to take minutes, a theme inside a
client folder. Each case: exit 1, its exact message with file and line, nothing written, no
traceback, done within 10 s."""

from __future__ import annotations

import os
import signal
import socket
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import BASE_SITE, build_site
from workbound import reference_build, within_builds

CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")
PORTAL = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")
INVOICE = textwrap.dedent(BASE_SITE["content/acme/invoices/2026-10.yaml"]).lstrip("\n")
ACME = "content/acme"
LINK = "is a symbolic link; content must be real files (copy the file instead)"
BUILDS = 15  # CPU of a refused build, in builds of the small site (workbound)


def _doc(body: str) -> str:
    return f"---\ntitle: Doc\n---\n{body}\n"


def _milestone(due: str = "2027-01-15", description: str = "x") -> str:
    return ("milestones:\n  - id: launch\n    title: Launch\n"
            f"    due: {due}\n    description: {description!r}\n")


def _laughs() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdef"):
        previous = "abcdef"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "milestones: []\n" + "\n".join(lines) + "\n"


def _symlink(target: str, link: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / link
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.replace("ROOT", str(root)), path)
    return make


def _fifo(relative: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / relative).unlink(missing_ok=True)
        os.mkfifo(root / relative)
    return make


def _socket(root: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / ACME / "files" / "s.sock"))
    server.close()


def _raw_name(name: bytes) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        with open(os.path.join(os.fsencode(root / ACME / "files"), name), "wb") as file:
            file.write(b"x")
    return make


def _deep(root: Path) -> None:
    folder = root / ACME / "files"
    for level in range(20):
        folder = folder / f"d{level}"
    folder.mkdir(parents=True)
    (folder / "x.pdf").write_bytes(b"%PDF")


def _nothing(root: Path) -> None:
    return None


def _replace_client(old: str, new: str) -> dict[str, str | bytes | None]:
    return {f"{ACME}/client.yaml": CLIENT.replace(old, new)}


def _item(old: str, new: str) -> dict[str, str | bytes | None]:
    return {f"{ACME}/invoices/2026-10.yaml": INVOICE.replace(old, new)}


# case: (files changed, what else to make, the exact error line expected)
CASES: dict[str, tuple[dict[str, str | bytes | None], Callable[[Path], None], str]] = {
    # tracebacks before
    "link inside files/": ({}, _symlink("brief.pdf", f"{ACME}/files/alias.pdf"),
                           f"acme/files/alias.pdf: {LINK}"),
    "dangling link in files/": ({}, _symlink("nowhere.pdf", f"{ACME}/files/gone.pdf"),
                                f"acme/files/gone.pdf: {LINK}"),
    "looping link in files/": ({}, _symlink("loop", f"{ACME}/files/loop"),
                               f"acme/files/loop: {LINK}"),
    "link to /dev/zero in files/": ({}, _symlink("/dev/zero", f"{ACME}/files/zero.pdf"),
                                    f"acme/files/zero.pdf: {LINK}"),
    "symlinked files folder": ({f"{ACME}/files/ann.svg": None, f"{ACME}/files/brief.pdf": None,
                                f"{ACME}/client.yaml": CLIENT.replace("    photo: files/ann.svg\n", ""),
                                f"{ACME}/scope.md": _doc("Scope.")},
                               _symlink("ROOT/elsewhere", f"{ACME}/files"),
                               f"acme/files: {LINK}"),
    "symlinked requirements folder": ({}, lambda root: (
        (root / ACME / "requirements").rename(root / "reqs"),
        _symlink("ROOT/reqs", f"{ACME}/requirements")(root)), f"acme/requirements: {LINK}"),
    "name that is not UTF-8": ({}, _raw_name(b"r\xe9sum\xe9.pdf"),
                               "acme/files/r\\xe9sum\\xe9.pdf: has a name that is not valid UTF-8; "
                               "rename it"),
    "line break in a name": ({f"{ACME}/files/a\nb.pdf": "x"}, _nothing,
                             "acme/files/a\\nb.pdf: has control characters (such as a line break)"
                             " in its name; rename it"),
    "very long document name": ({f"{ACME}/requirements/{'a' * 120}.md": _doc("x")}, _nothing,
                                f"acme/requirements/{'a' * 120}.md: file name longer than 100 "
                                "characters; use a shorter one"),
    "attachment 20 folders deep": ({}, _deep, "is more than 16 folders deep in files/; flatten "
                                              "the folders"),
    "integer of 5000 digits": (_replace_client("Ann Manager", "9" * 5000), _nothing,
                               "acme/client.yaml:5: invalid YAML: an integer of 5000 digits is "
                               "more than any figure here needs (at most 30)"),
    "amount with a huge exponent": (_item("unit_price: 1000.00", "unit_price: 1e999999"),
                                    _nothing, "acme/invoices/2026-10.yaml:6: item 1 (Retainer), unit_price:"
                                              " '1E+999999' is larger than any figure here can be"
                                              " (at most 11 digits before the decimal point)"),
    "amount of 34 digits": (_item("unit_price: 1000.00", "unit_price: " + "1" * 34 + ".5"),
                            _nothing, "acme/invoices/2026-10.yaml:6: item 1 (Retainer), unit_price: "
                                      "'11111111111111111111…' is larger than any figure"),
    "amount with 30 decimals": (_item("quantity: 2.5", "quantity: 1e-30"), _nothing,
                                "acme/invoices/2026-10.yaml:7: item 2 (Extra hours), quantity: '1E-30' has "
                                "more than 6 decimal places"),
    "integer of 20 digits": (_item("quantity: 1,", "quantity: 12345678901234567890,"), _nothing,
                             "acme/invoices/2026-10.yaml:6: item 1 (Retainer), quantity: "
                             "'12345678901234567890' is larger than any figure"),
    "milestone in year 9999": ({f"{ACME}/deadlines.yaml": _milestone("9999-12-31")}, _nothing,
                               "acme/deadlines.yaml:4: milestone 1 (Launch), due: '9999-12-31' is not a "
                               "date of a real plan (years 1900 to 2199)"),
    "date written 0": (_item("issued: 2026-10-01", "issued: 0"), _nothing,
                       "acme/invoices/2026-10.yaml:2: issued: '0' is not a date (YYYY-MM-DD)"),
    "alias to itself": ({f"{ACME}/deadlines.yaml": "milestones: &m [*m]\n"}, _nothing,
                        "acme/deadlines.yaml:1: invalid YAML: an alias refers to the value it is "
                        "part of"),
    "YAML nested 100 deep": ({f"{ACME}/deadlines.yaml": "milestones:\n" + "".join(
        "  " * (i + 1) + "- \n" for i in range(100))}, _nothing,
        "invalid YAML: nested more than 64 levels deep"),
    # hangs before
    "pipe as client.yaml": ({}, _fifo(f"{ACME}/client.yaml"),
                            "acme/client.yaml: is a named pipe (FIFO), not a file"),
    "pipe in files/": ({}, _fifo(f"{ACME}/files/brief.pdf"),
                       "acme/files/brief.pdf: is a named pipe (FIFO), not a file"),
    "pipe as a requirement": ({}, _fifo(f"{ACME}/requirements/intake.md"),
                              "acme/requirements/intake.md: is a named pipe (FIFO), not a file"),
    "socket in files/": ({}, _socket, "acme/files/s.sock: is a socket, not a file"),
    "billion laughs": ({f"{ACME}/deadlines.yaml": _laughs()}, _nothing,
                       "acme/deadlines.yaml:6: invalid YAML: aliases expand to more than 100000 "
                       "values; write the values out"),
    "list nested 500 deep": ({f"{ACME}/scope.md": _doc("- " * 500 + "x")}, _nothing,
                             "acme/scope.md:4: lists or quotes nested more than 32 levels deep"),
    "quotes nested 200 deep": ({f"{ACME}/updates/2026-11-02-q.md": (
        "---\ntitle: Q\ndate: 2026-11-02\n---\nok\n\n" + "".join(
            ">" * i + " x\n\n" for i in range(200)))}, _nothing,
        "acme/updates/2026-11-02-q.md:73: lists or quotes nested more than 32 levels deep"),
    "20000 unclosed brackets": ({f"{ACME}/requirements/intake.md": _doc("ok\n\n" + "[" * 20000)},
                                _nothing, "acme/requirements/intake.md:6: too many '[' or '(' "
                                          "that are never closed"),
    "unclosed link targets in a description": (
        {f"{ACME}/deadlines.yaml": _milestone(description="[x](" * 5000)}, _nothing,
        "acme/deadlines.yaml:5: too many '[' or '(' that are never closed"),
    "unclosed images in invoice notes": (
        {f"{ACME}/invoices/2026-10.yaml": INVOICE + "notes: '" + "![" * 8000 + "'\n"}, _nothing,
        "acme/invoices/2026-10.yaml:9: too many '[' or '(' that are never closed"),
    # followed before
    "theme is a client folder": ({"content/portal.yaml": PORTAL + "theme: acme\n"}, _nothing,
                                 "portal.yaml:14: theme: 'acme' is, is inside or holds "
                                 "the client folder 'acme'"),
    "theme inside a client folder": ({"content/portal.yaml": PORTAL + "theme: acme/files\n"},
                                     _nothing, "theme: 'acme/files' is, is inside or holds the "
                                               "client folder 'acme'"),
    "theme holds the client folders": ({"content/portal.yaml": PORTAL + "theme: .\n",
                                        "content/static/x.css": None}, _nothing,
                                       "theme: '.' is, is inside or holds the client folder"),
    "agency file linked into a client": ({}, lambda root: (
        (root / "content/_agency/logo.svg").unlink(),
        _symlink("ROOT/content/acme/files/ann.svg", "content/_agency/logo.svg")(root)),
        f"_agency/logo.svg: {LINK}"),
    "raw HTML pulling another portal in": (
        {"content/portal.yaml": PORTAL + "allow_raw_html: true\n",
         f"{ACME}/scope.md": _doc('ok\n\n<img src="../other/files/x.png">')}, _nothing,
        "acme/scope.md:6: link '../other/files/x.png' leaves the client folder"),
}


@pytest.fixture
def bounded():
    """Fail a test still running after 120 s (a hang, however busy the machine), instead of
    holding the suite."""
    def expired(*_: object) -> None:
        raise TimeoutError("the build did not end")
    reference_build()  # the unit of work, measured before the clock starts
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", sorted(CASES))
def test_limit_is_an_error_with_file_and_line(make_site, bounded, case):
    changes, make, expected = CASES[case]
    root = make_site(changes)
    make(root)
    with within_builds(BUILDS):  # work, not the wall clock a busy machine stretches
        result = build_site(root)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (root / "output" / "acme").exists()


def test_there_are_thirty_and_more_limit_cases():
    assert len(CASES) >= 30
