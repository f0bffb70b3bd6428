"""`portal init-ci` writes workflows whose YAML parses and whose commands the CLI has."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import yaml

from conftest import portal
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
    assert [line.split()[1] for line in portal_lines] == ["check", "build"]
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
