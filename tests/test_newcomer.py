"""A newcomer's first hour: the README's first commands, what next, what `make portals`
installs, and examples that read the same in any year."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date

import pytest

from conftest import AS_OF, REPO, portal, snapshot
from generator.pipeline.options import build_date

README = (REPO / "README.md").read_text(encoding="utf-8")
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")


def test_the_readme_starts_with_two_commands_then_what_next_in_five_lines():
    first = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first and README.index(first.group(0)) < README.index("\n## ")
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make portals", "make test"]
    after = README[first.end():].lstrip("\n").split("\n\n")[0].splitlines()
    assert after[0].startswith("What next") and ".venv/bin/portal" in after[0]
    steps = after[1:]
    assert [line[:3] for line in steps] == ["1. ", "2. ", "3. ", "4. ", "5. "]
    assert all(len(line) <= 100 for line in after)
    said = " ".join(steps)
    for word in ("serve", "new", "check", "build", "publish", "edit"):
        assert word in said.lower(), word


def test_every_portal_command_the_readme_suggests_first_runs():
    """Each `.venv/bin/portal …` of the first steps parses as the README writes it."""
    steps = README.split("What next", 1)[1].split("\n\n")[0]
    suggested = re.findall(r"`\.venv/bin/portal ([^`]*)`", steps)
    assert len(suggested) >= 5
    for command in suggested:
        words = shlex.split(command)
        options = [w for w in words if w.startswith("-") and w != "--help"]
        result = portal(*[w for w in words if w != "--help"][:1], "--help")
        assert result.exit_code == 0, command
        for option in options:
            assert option in result.output, (command, option)


def test_make_portals_installs_only_what_building_needs():
    portal_rule = MAKEFILE.split("$(BIN)/portal: pyproject.toml", 1)[1].split("\n\n")[0]
    assert "pip install --quiet -e ." in portal_rule and "[test]" not in portal_rule
    portals = re.search(r"^portals: (.*)$", MAKEFILE, re.M)
    assert portals and "setup" not in portals.group(1).split()
    test = re.search(r"^test: (.*)$", MAKEFILE, re.M)
    assert test and "setup" in test.group(1).split()


def test_every_apt_call_waits_for_the_dpkg_lock():
    calls = re.findall(r"apt-get[^\n]*", MAKEFILE)
    assert calls and all("-o DPkg::Lock::Timeout=300" in call for call in calls)
    assert "$(APT) install" in MAKEFILE and "sudo) apt-get install" not in MAKEFILE


def test_the_licence_is_an_spdx_expression():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "[A-Za-z0-9.+-]+"$', pyproject, re.M)
    assert "license = {" not in pyproject


def test_the_readme_runs_debian_faketime_with_its_flag():
    assert re.findall(r"faketime '", README) == []
    assert "faketime -f '+365d'" in README


def test_the_example_date_comes_after_the_as_of_option_and_source_date_epoch():
    pinned = date(2026, 11, 23)
    assert build_date(date(2027, 1, 1), "UTC", {}, pinned) == date(2027, 1, 1)
    assert build_date(None, "UTC", {"SOURCE_DATE_EPOCH": "1798761600"}, pinned) \
        == date(2027, 1, 1)
    assert build_date(None, "UTC", {}, pinned) == pinned
    assert build_date(None, "UTC", {}, None) != pinned or date.today() == pinned


@pytest.mark.skipif(shutil.which("faketime") is None,
                    reason="Debian's faketime (make test installs it)")
def test_the_examples_a_year_from_now_read_as_the_day_they_were_written(tmp_path, example):
    """Built with no --as-of and no SOURCE_DATE_EPOCH a year after today, by a clock a year
    ahead, the examples are the examples as of the day they tell (every overdue item in them
    one they mean to show), byte for byte."""
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    ahead = subprocess.run(
        ["faketime", "-f", "+365d", sys.executable, "-m", "generator", "build", "--content",
         str(REPO / "content"), "--out", str(tmp_path / "ahead"), "-q"],
        capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert ahead.returncode == 0, ahead.stderr
    assert f"as of {AS_OF}" in ahead.stdout
    assert snapshot(tmp_path / "ahead") == snapshot(example)  # built --as-of AS_OF
