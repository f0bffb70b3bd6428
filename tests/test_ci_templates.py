"""`portal init-ci` writes workflows whose YAML parses and whose commands the CLI has."""

from __future__ import annotations

import re
import shlex
import sys
import textwrap
from pathlib import Path

import click
import pytest
import yaml

from conftest import BASE_SITE, portal
from generator.cli import main
from generator.commands.init_ci import TARGETS, workflow


def _commands(document: object) -> list[str]:
    """Every shell line of the workflow (GitHub `run:`, GitLab `script:`)."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "run" and isinstance(value, str):
                found.extend(value.splitlines())
            elif key == "script" and isinstance(value, list):
                found.extend(line for item in value for line in str(item).splitlines())
            else:
                found.extend(_commands(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(_commands(item))
    return found


def _check_portal_command(line: str) -> None:
    line = line.replace("${{ matrix.shard }}", "1").replace("$CI_NODE_INDEX", "1")
    words = shlex.split(line.split("#", 1)[0].replace("$CI_NODE_TOTAL", "2"))
    command = main.commands[words[1]]  # KeyError: a command the CLI does not have
    assert isinstance(command, click.Command)
    known = {name for p in command.params for name in getattr(p, "opts", [])}
    for word in words[2:]:
        if word.startswith("--"):
            assert word in known, f"{line}: {word} is not an option of portal {words[1]}"
    assert command.make_context("portal", words[2:])  # parses: options and values are valid


@pytest.mark.parametrize("provider", ["github", "gitlab"])
@pytest.mark.parametrize("shards", [None, 4])
def test_workflow_parses_and_runs_existing_commands(provider, shards):
    document = yaml.safe_load(workflow(provider, "content", shards))
    lines = [line.strip() for line in _commands(document)]
    portal_lines = [line for line in lines if line.startswith("portal ")]
    assert [line.split()[1] for line in portal_lines] == ["check", "build", "notify", "notify"]
    for line in portal_lines:
        _check_portal_command(line)
    assert any("aws s3 sync" in line for line in lines)
    if shards:
        assert any(re.search(r"--shard .+/", line) for line in portal_lines)


def test_github_workflow_fetches_history_caches_output_and_publishes_pages():
    document = yaml.safe_load(workflow("github", "content", 3))
    steps = document["jobs"]["build"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == "output"
    assert document["jobs"]["build"]["strategy"]["matrix"]["shard"] == [1, 2, 3]
    uses = [s.get("uses", "") for s in document["jobs"]["pages"]["steps"]]
    assert any(u.startswith("actions/deploy-pages") for u in uses)


def test_gitlab_pipeline_fetches_history_caches_output_and_has_pages():
    document = yaml.safe_load(workflow("gitlab", "content", 2))
    assert document["variables"]["GIT_DEPTH"] == "0"
    assert document["build"]["cache"]["paths"] == ["output/"]
    assert document["build"]["parallel"] == 2
    assert document["pages"]["artifacts"]["paths"] == ["public"]


def test_init_ci_writes_the_file_and_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = portal("init-ci", "github")
    assert result.exit_code == 0, result.output
    assert (tmp_path / TARGETS["github"]).is_file()
    assert portal("init-ci", "github").exit_code == 2
    assert portal("init-ci", "github", "--force", "--sharded", "4").exit_code == 0
    assert "--shard" in (tmp_path / TARGETS["github"]).read_text()
    assert portal("init-ci", "gitlab").exit_code == 0
    assert (tmp_path / ".gitlab-ci.yml").is_file()


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_pages_publish_the_portals_without_the_generators_own_files(provider, make_site):
    """The manifest holds every client's overview figures: it must never be published."""
    import subprocess

    from conftest import build_site

    root = make_site()
    assert build_site(root).exit_code == 0
    assert (root / "output/.clientportal-manifest.json").is_file()
    document = yaml.safe_load(workflow(provider, "content"))
    pages = document["jobs"]["pages"] if provider == "github" else document["pages"]
    published = root / ("output" if provider == "github" else "public")
    for line in _commands(pages):
        subprocess.run(["bash", "-c", line], cwd=root, check=True)
    assert sorted(p.name for p in published.iterdir()) == ["acme"]


def test_s3_sync_publishes_each_client_and_nothing_else(make_site, tmp_path):
    import os
    import subprocess

    from conftest import build_site

    root = make_site()
    assert build_site(root).exit_code == 0
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "aws").write_text('#!/bin/sh\necho "$@" >> "$AWS_LOG"\n')
    (fake / "aws").chmod(0o755)
    document = yaml.safe_load(workflow("github", "content"))
    step = next(s for s in document["jobs"]["build"]["steps"] if "aws s3 sync" in s.get("run", ""))
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "PORTAL_BUCKET": "b",
           "AWS_LOG": str(tmp_path / "aws.log")}
    subprocess.run(["bash", "-c", step["run"]], cwd=root, env=env, check=True)
    assert (tmp_path / "aws.log").read_text().splitlines() == [
        "s3 sync output/acme/ s3://b/acme/ --delete --only-show-errors"]


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_notify_is_optional_after_publishing_and_keeps_its_record_after_a_failure(provider):
    from generator.commands.notify import RECORD

    document = yaml.safe_load(workflow(provider, "content", 2))
    if provider == "github":
        job = document["jobs"]["notify"]
        assert job["needs"] == ["build", "pages"] and "vars.PORTAL_NOTIFY == 'true'" in job["if"]
        assert "strategy" not in job  # once, not per shard
        steps = {s.get("uses", s.get("name")): s for s in job["steps"]}
        restore, save = steps["actions/cache/restore@v4"], steps["actions/cache/save@v4"]
        assert restore["with"]["path"] == save["with"]["path"] == f"output/{RECORD}"
        assert save["if"] == "${{ always() }}"
        assert restore["with"]["restore-keys"] == "portal-notify-"
        assert job["steps"][0]["with"]["fetch-depth"] == 0
    else:
        job = document["notify"]
        assert document["stages"] == ["build", "publish", "notify"]
        assert job["cache"] == {"key": "portal-notify", "paths": [f"output/{RECORD}"],
                                "when": "always"}
        assert '$PORTAL_NOTIFY == "true"' in job["rules"][0]["if"]


def test_the_notify_step_runs(make_site, tmp_path):
    """The workflow's notify lines, run with bash in a git checkout: with the commit before
    the push, and without one (a first push)."""
    import os
    import subprocess

    from gitrepo import commit, git, init_repo

    root = make_site({"content/portal.yaml": textwrap.dedent(
        BASE_SITE["content/portal.yaml"]) + "base_url: https://portals.example.com/\n"})
    init_repo(root)
    commit(root, "first", when="2026-11-01T10:00:00+00:00")
    before = git(root, "rev-parse", "HEAD").strip()
    document = yaml.safe_load(workflow("github", "content"))
    step = next(s for s in document["jobs"]["notify"]["steps"]
                if "portal notify" in s.get("run", ""))
    bin_dir = Path(sys.executable).parent
    for value in (before, "0" * 40):
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "BEFORE": value,
               "PORTAL_SMTP_HOST": ""}
        run = subprocess.run(["bash", "-c", step["run"]], cwd=root, env=env,
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        assert "sent 0 messages; 1 contact had nothing new" in run.stdout
