"""`portal init-ci` writes workflows that run as written.

Every variant (GitHub and GitLab, plain and `--sharded 4`, each target) passes actionlint,
GitLab's CI schema (as check-jsonschema vendors it) and shellcheck on every script; and the
workflow's own commands — install, secrets, check, build, publish — run in order in a shell,
in a fresh virtual environment, against an S3 server on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
import tomllib
import yaml

from conftest import BASE_SITE, PUBLISHABLE, REPO, WHEELHOUSE, portal, shared_folder
from generator import __version__
from generator.cli import main
from generator.commands.init_ci import (
    INBOX_WORKFLOW,
    REQUIREMENTS,
    SECRETS_VARIABLE,
    TARGETS,
    build_wheel,
    inbox_workflow,
    workflow,
)
from generator.invoicing.fonts import DEBIAN_PACKAGES
from gitrepo import commit, init_repo
from imapserver import imap_server  # noqa: F401  (fixture)
from protected_site import LINK_SITE
from s3server import CREDENTIALS, moto_endpoint, s3  # noqa: F401  (fixtures)
from systemtools import actionlint, system_tools  # noqa: F401  (fixture)

VARIANTS = [(provider, shards, target) for provider in ("github", "gitlab")
            for shards in (None, 4) for target in ("s3", "pages")]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _variant_id(variant: tuple[str, int | None, str]) -> str:
    provider, shards, target = variant
    return f"{provider}-{target}{'-sharded' if shards else ''}"


def _scripts(provider: str, document: dict) -> dict[str, str]:
    """Every shell script of the workflow, by where it is (GitLab: a job's before_script and
    script, as the runner joins them)."""
    scripts: dict[str, str] = {}
    if provider == "github":
        for job_name, job in document["jobs"].items():
            for number, step in enumerate(job["steps"]):
                if "run" in step:
                    scripts[f"{job_name}.{number}"] = step["run"]
        return scripts
    before = document["default"]["before_script"]
    for job_name, job in document.items():
        if isinstance(job, dict) and "script" in job:
            lines = job.get("before_script", before) + job["script"]
            scripts[job_name] = "\n".join(lines) + "\n"
    return scripts


def _portal_lines(scripts: dict[str, str]) -> list[str]:
    return [line.strip() for script in scripts.values() for line in script.splitlines()
            if line.strip().startswith("portal ")]


def _check_portal_command(line: str) -> None:
    for variable, value in (("$SHARD", "1"), ("$CI_NODE_INDEX", "1"), ("$CI_NODE_TOTAL", "2"),
                            ("$PORTAL_BUCKET", "bucket")):
        line = line.replace(variable, value)
    words = shlex.split(line.split(" #", 1)[0])
    command = main.commands[words[1]]  # KeyError: a command the CLI does not have
    assert isinstance(command, click.Command)
    known = {name for p in command.params for name in getattr(p, "opts", [])}
    for word in words[2:]:
        if word.startswith("--"):
            assert word in known, f"{line}: {word} is not an option of portal {words[1]}"
    assert command.make_context("portal", words[2:])  # parses: options and values are valid


@pytest.mark.parametrize("variant", VARIANTS, ids=_variant_id)
def test_workflow_runs_existing_commands_and_installs_from_the_agencys_own_source(variant):
    provider, shards, target = variant
    text = workflow(provider, "content", shards, target)
    scripts = _scripts(provider, yaml.safe_load(text))
    lines = _portal_lines(scripts)
    if provider == "github":  # the inbox has a workflow of its own
        lines += _portal_lines(_scripts(provider, yaml.safe_load(inbox_workflow())))
    assert [line.split()[1] for line in lines] == ["check", "check", "build", "publish",
                                                   "notify", "notify", "inbox"]
    for line in lines:
        _check_portal_command(line)
    assert any(("--shard" in line) == bool(shards) for line in lines)
    installs = [line for s in scripts.values() for line in s.splitlines() if "pip install" in line]
    assert installs and all(line.strip() == f"pip install -r {REQUIREMENTS}" for line in installs)
    assert "pip install clientportal" not in text and "aws s3 sync" not in text


def test_github_jobs_have_least_privilege_and_publish_only_from_the_default_branch():
    for shards in (None, 4):
        s3_flow = yaml.safe_load(workflow("github", "content", shards, "s3"))
        pages_flow = yaml.safe_load(workflow("github", "content", shards, "pages"))
        for document in (s3_flow, pages_flow):
            assert document["permissions"] == {}
            assert "pull_request" in document[True]  # `on:` is YAML 1.1's true
            assert document["jobs"]["check"]["permissions"] == {"contents": "read"}
            assert document["jobs"]["publish"]["permissions"] == {"contents": "read"}
            assert "default_branch" in document["jobs"]["publish"]["if"]
            assert "pull_request" in document["jobs"]["check"]["if"]
            checkout = document["jobs"]["publish"]["steps"][0]
            assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
        assert "pages" not in s3_flow["jobs"]  # an S3-only agency gets no Pages job
        assert s3_flow["jobs"]["publish"]["environment"] == "portals"
        assert pages_flow["jobs"]["pages"]["permissions"] == {"pages": "write",
                                                              "id-token": "write"}
        uploads = [s for s in pages_flow["jobs"]["publish"]["steps"]
                   if s.get("uses", "").startswith("actions/upload")]
        assert [u["with"]["path"] for u in uploads] == ["public/"]  # the portals only
        assert "secrets.AWS" in yaml.safe_dump(s3_flow["jobs"]["publish"])
        assert "secrets.AWS" not in yaml.safe_dump(s3_flow["jobs"]["check"])
        if shards:  # the shards build in a matrix; one job publishes them all
            for document in (s3_flow, pages_flow):
                build, publish = document["jobs"]["build"], document["jobs"]["publish"]
                assert build["permissions"] == {"contents": "read"}
                assert "environment" not in build and "strategy" not in publish
                assert publish["needs"] == "build"
            assert "secrets.AWS" not in yaml.safe_dump(s3_flow["jobs"]["build"])


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v[1]], ids=_variant_id)
def test_a_sharded_workflow_publishes_every_shard_at_once(variant):
    provider, shards, target = variant
    lines = _portal_lines(_scripts(provider, yaml.safe_load(workflow(provider, "content",
                                                                     shards, target))))
    publish = [line for line in lines if line.startswith("portal publish")]
    outs = " ".join(f"--out shards/{index}" for index in range(1, shards + 1))
    assert len(publish) == 1 and f"portal publish {outs} --to" in publish[0]
    assert "--partial" not in publish[0]


def test_gitlab_checks_merge_requests_and_publishes_only_from_the_default_branch():
    for shards in (None, 2):
        s3_flow = yaml.safe_load(workflow("gitlab", "content", shards, "s3"))
        pages_flow = yaml.safe_load(workflow("gitlab", "content", shards, "pages"))
        for document in (s3_flow, pages_flow):
            assert document["variables"]["GIT_DEPTH"] == "0"
            assert document["build"]["cache"]["paths"] == ["output/"]
            assert document["build"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH "
                                                         '&& $CI_PIPELINE_SOURCE != "schedule"'}]
            assert document["check"]["rules"] == [{"if": "$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH "
                                                         '&& $CI_PIPELINE_SOURCE != "schedule"'}]
            # a schedule's pipeline runs the inbox alone (its push starts the rest)
            assert document["inbox"]["rules"] == [
                {"if": '$CI_PIPELINE_SOURCE == "schedule" && $PORTAL_INBOX == "true"'}]
            assert all('$CI_PIPELINE_SOURCE != "schedule"' in rule["if"]
                       for name, job in document.items() if name not in ("inbox", "workflow")
                       and isinstance(job, dict) for rule in job.get("rules", []))
            if shards:
                assert document["build"]["parallel"] == shards
        publisher = "publish" if shards else "build"  # sharded: one job publishes every shard
        assert s3_flow[publisher]["environment"] == {"name": "portals"}
        assert pages_flow["pages"]["artifacts"]["paths"] == ["public/"]
        if shards:
            assert "environment" not in s3_flow["build"]  # no S3 credentials where it builds
            for document in (s3_flow, pages_flow):
                assert document["build"]["artifacts"] == {"paths": ["shards/"],
                                                          "expire_in": "1 day"}
            assert "publish" not in pages_flow and pages_flow["pages"]["needs"] == ["build"]
        else:
            assert "pages" not in s3_flow and "artifacts" not in s3_flow["build"]
            assert pages_flow["build"]["artifacts"]["paths"] == ["public/"]


def _build_job_script(provider: str, document: dict) -> str:
    """The shell text of the job that builds the portals, its steps in order."""
    scripts = _scripts(provider, document)
    job = "build" if provider == "gitlab" or "build" in document["jobs"] else "publish"
    return "\n".join(text for where, text in scripts.items() if where.split(".")[0] == job)


@pytest.mark.parametrize("variant", VARIANTS, ids=_variant_id)
def test_the_build_job_installs_the_pdf_fonts_before_building(variant):
    provider, shards, target = variant
    script = _build_job_script(provider, yaml.safe_load(workflow(provider, "content", shards,
                                                                 target)))
    listed = f'packages="{" ".join(DEBIAN_PACKAGES)}"'
    assert listed in script and script.index(listed) < script.index("portal build")
    assert {"fonts-ipaexfont-gothic", "fonts-nanum", "fonts-noto-cjk"} <= set(DEBIAN_PACKAGES)


def test_the_makefile_installs_the_packages_the_pdfs_need():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    listed = re.search(r"^PDF_PACKAGES := (.*)$", makefile, re.MULTILINE)
    assert listed and sorted(listed.group(1).split()) == sorted(DEBIAN_PACKAGES)


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_the_font_install_asks_apt_only_for_what_is_missing(provider, tmp_path):
    """The install script against stand-ins for dpkg, sudo and apt-get that log their calls:
    nothing to do on a runner that has every package; one that lacks the Japanese font gets
    exactly that one."""
    script = _build_job_script(provider, yaml.safe_load(workflow(provider)))
    script = script[script.index("packages="):script.index("portal build")]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    stand_ins = {
        "dpkg": 'case "$2" in $LACKING) exit 1 ;; esac\n'
                'printf "Package: %s\\nStatus: install ok installed\\n" "$2"\n',
        "apt-get": 'echo "apt-get $*" >> "$LOG"\n',
        "sudo": 'echo "sudo" >> "$LOG"\n"$@"\n'}
    for name, body in stand_ins.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}")
        (bin_dir / name).chmod(0o755)
    for lacking, calls in (("none", []), ("fonts-ipaexfont-gothic", [
            "apt-get update -q",
            "apt-get install -y -q --no-install-recommends fonts-ipaexfont-gothic"])):
        log.unlink(missing_ok=True)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "LOG": str(log), "LACKING": lacking}
        subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                       env=env, check=True, timeout=60)
        logged = log.read_text().splitlines() if log.exists() else []
        assert [line for line in logged if line != "sudo"] == calls
        assert ("sudo" in logged) == (provider == "github" and bool(calls))


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v[0] == "github"], ids=_variant_id)
def test_github_workflows_pass_actionlint(variant, tmp_path, system_tools):  # noqa: F811
    _, shards, target = variant
    path = tmp_path / TARGETS["github"]
    path.parent.mkdir(parents=True)
    path.write_text(workflow("github", "content", shards, target))
    run = actionlint(path)
    assert run.returncode == 0, run.stdout + run.stderr
    inbox = tmp_path / INBOX_WORKFLOW
    inbox.write_text(inbox_workflow())
    run = actionlint(inbox)
    assert run.returncode == 0, run.stdout + run.stderr


def test_actionlint_catches_an_untrusted_expression_in_a_script(tmp_path, system_tools):  # noqa: F811
    """Known-bad: what actionlint must find, so that its passing above means something."""
    path = tmp_path / TARGETS["github"]
    path.parent.mkdir(parents=True)
    path.write_text(workflow("github", "content", None, "s3").replace(
        "run: portal check --content content",
        "run: portal check --content ${{ github.event.pull_request.title }}", 1))
    run = actionlint(path)
    assert run.returncode != 0 and "potentially untrusted" in run.stdout


def _check_gitlab(path: Path) -> subprocess.CompletedProcess[str]:
    assert CHECK_JSONSCHEMA.is_file(), "missing check-jsonschema (pip, the test extra)"
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.gitlab-ci",
                           str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v[0] == "gitlab"], ids=_variant_id)
def test_gitlab_pipelines_pass_gitlabs_ci_schema(variant, tmp_path):
    _, shards, target = variant
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(workflow("gitlab", "content", shards, target))
    run = _check_gitlab(path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_gitlabs_schema_catches_a_misspelt_key(tmp_path):
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(workflow("gitlab", "content", 4, "s3").replace("parallel: 4", "parallell: 4"))
    assert _check_gitlab(path).returncode != 0


def _shellcheck(script: str, where: Path) -> subprocess.CompletedProcess[str]:
    where.write_text("#!/bin/bash\n" + script)
    return subprocess.run(["shellcheck", "--severity=style", str(where)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("variant", VARIANTS, ids=_variant_id)
def test_every_script_passes_shellcheck(variant, tmp_path, system_tools):  # noqa: F811
    provider, shards, target = variant
    scripts = _scripts(provider, yaml.safe_load(workflow(provider, "content", shards, target)))
    if provider == "github":
        scripts |= {f"inbox-{name}": script for name, script in
                    _scripts(provider, yaml.safe_load(inbox_workflow())).items()}
    for name, script in scripts.items():
        assert "${{" not in script, f"{name}: an expression inside a script (use env:)"
        run = _shellcheck(script, tmp_path / f"{name}.sh")
        assert run.returncode == 0, f"{name}:\n{run.stdout}"


def test_shellcheck_catches_an_unquoted_secrets_path(tmp_path, system_tools):  # noqa: F811
    run = _shellcheck(f"cat ${SECRETS_VARIABLE} > .portal-secrets\n", tmp_path / "bad.sh")
    assert run.returncode != 0 and "SC2086" in run.stdout


def test_every_theme_folder_is_packaged_in_the_wheel():
    """The wheel CI installs must carry the default theme (pyproject.toml data-files)."""
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"]
    folders = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "themes").rglob("*")
               if p.is_file()}
    assert {f"share/clientportal/{folder}" for folder in folders} == set(data_files)


def test_init_ci_writes_the_files_and_refuses_to_overwrite(tmp_path, monkeypatch, ci_wheel):
    monkeypatch.chdir(tmp_path)
    result = portal("init-ci", "github", "--generator", ci_wheel)
    assert result.exit_code == 0, result.output
    assert (tmp_path / TARGETS["github"]).is_file() and (tmp_path / INBOX_WORKFLOW).is_file()
    assert (tmp_path / "ci" / ci_wheel.name).is_file()
    requirements = (tmp_path / REQUIREMENTS).read_text()
    assert f"./ci/{ci_wheel.name}\n" in requirements and "jinja2==" in requirements.lower()
    assert "boto3" not in requirements  # Pages needs no S3 client
    assert portal("init-ci", "github", "--generator", ci_wheel).exit_code == 2
    result = portal("init-ci", "github", "--force", "--sharded", "4", "--target", "s3",
                    "--generator", ci_wheel)
    assert result.exit_code == 0, result.output
    assert "--shard" in (tmp_path / TARGETS["github"]).read_text()
    assert f"./ci/{ci_wheel.name}[s3]\n" in (tmp_path / REQUIREMENTS).read_text()
    assert "boto3==" in (tmp_path / REQUIREMENTS).read_text()
    commit_url = "git+https://git.agency.example/tools/clientportal.git@" + "0" * 40
    assert portal("init-ci", "gitlab", "--generator", commit_url).exit_code == 0
    assert f"clientportal @ {commit_url}\n" in (tmp_path / REQUIREMENTS).read_text()
    for unpinned in ("git+https://git.agency.example/x.git", "git+https://x/y.git@main",
                     "clientportal", str(tmp_path / "other.whl")):
        result = portal("init-ci", "gitlab", "--force", "--generator", unpinned)
        assert result.exit_code == 2, unpinned


def _wheelhouse() -> None:
    """pip in these tests installs from the local wheelhouse only (conftest: PIP_NO_INDEX)."""
    from wheelhouse import COMPLETE, requirements

    done = WHEELHOUSE / COMPLETE
    if not done.is_file() or done.read_text(encoding="utf-8").split() != requirements():
        pytest.fail(f"no wheelhouse for these dependencies in {WHEELHOUSE}: run `make setup` "
                    "(python tests/wheelhouse.py; no test reaches the package index)")


@pytest.fixture(scope="session")
def ci_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this generator, built as `portal init-ci` builds it, its build backend from
    the wheelhouse: once a run, by one xdist worker (setuptools builds in the source tree's
    build/ folder, which two builds at once trip over)."""
    _wheelhouse()
    folder = shared_folder(tmp_path_factory, "ci-wheel", _build_wheel_into)
    (wheel,) = folder.glob("clientportal-*.whl")
    return wheel


def _build_wheel_into(folder: Path) -> None:
    folder.mkdir(parents=True)
    build_wheel(folder)


@pytest.fixture(scope="session")
def ci_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment, as a CI runner's Python: the workflow installs into it."""
    folder = tmp_path_factory.mktemp("ci-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder / "bin"


SECRET = "ci-secret-0123456789-abcdefghijklmnopqrst"


def _expression_values(server, shard: int | None, secrets_text: str) -> dict[str, str]:
    return {"secrets.PORTAL_SECRETS_FILE": secrets_text, "vars.PORTAL_BUCKET": server.bucket,
            "secrets.AWS_ACCESS_KEY_ID": "testing", "secrets.AWS_SECRET_ACCESS_KEY": "testing",
            "vars.AWS_DEFAULT_REGION": "", "vars.AWS_ENDPOINT_URL": server.endpoint,
            "matrix.shard": str(shard)}


def _resolve(value: object, values: dict[str, str]) -> str:
    """A step's env value with its `${{ … }}` expressions replaced; an unknown one fails."""
    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: values[m.group(1)], str(value))


def _ci_env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PORTAL_", "AWS_", "VIRTUAL_ENV"))}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1")
    return env


def _run(script: str, cwd: Path, env: dict[str, str]) -> None:
    run = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, f"{script}\n{run.stdout}\n{run.stderr}"


def _run_github(root: Path, bin_dir: Path, server, shards: int | None) -> None:
    document = yaml.safe_load((root / TARGETS["github"]).read_text())
    secrets_text = f"PORTAL_SECRET={SECRET}\n"
    for shard in range(1, (shards or 1) + 1):
        values = _expression_values(server, shard if shards else None, secrets_text)
        checkout = _checkout(root, shard)
        for step in document["jobs"]["build" if shards else "publish"]["steps"]:
            if "run" in step:
                env = {**_ci_env(bin_dir), **{k: _resolve(v, values)
                                              for k, v in step.get("env", {}).items()}}
                _run(step["run"], checkout, env)
    if shards:  # the publish job, with every shard's artifact downloaded
        checkout = _with_shards(root, shards)
        values = _expression_values(server, None, secrets_text)
        for step in document["jobs"]["publish"]["steps"]:
            if "run" in step:
                env = {**_ci_env(bin_dir), **{k: _resolve(v, values)
                                              for k, v in step.get("env", {}).items()}}
                _run(step["run"], checkout, env)


def _with_shards(root: Path, shards: int) -> Path:
    """The publish job's checkout, holding what each shard's job handed over (its
    artifact): a fresh one each run, as a CI job starts."""
    checkout = root.parent / "checkout-publish"
    shutil.rmtree(checkout, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(root), str(checkout)], check=True)
    for shard in range(1, shards + 1):
        shutil.copytree(root.parent / f"checkout-{shard}/shards/{shard}",
                        checkout / f"shards/{shard}")
    return checkout


def _run_gitlab(root: Path, bin_dir: Path, server, shards: int | None) -> None:
    document = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    secrets = root.parent / "secrets-file"  # a File variable: the runner gives its path
    secrets.write_text(f"PORTAL_SECRET={SECRET}\n")
    job = document["build"]
    script = "\n".join(document["default"]["before_script"] + job["script"])
    for shard in range(1, (shards or 1) + 1):
        env = {**_ci_env(bin_dir), SECRETS_VARIABLE: str(secrets), "PORTAL_BUCKET": server.bucket,
               **CREDENTIALS, "AWS_ENDPOINT_URL": server.endpoint,
               "CI_NODE_INDEX": str(shard), "CI_NODE_TOTAL": str(shards or 1)}
        _run(script, _checkout(root, shard), env)
    if shards:  # the publish job, with every build job's artifacts
        env = {**_ci_env(bin_dir), SECRETS_VARIABLE: str(secrets), "PORTAL_BUCKET": server.bucket,
               **CREDENTIALS, "AWS_ENDPOINT_URL": server.endpoint}
        script = "\n".join(document["default"]["before_script"] + document["publish"]["script"])
        _run(script, _with_shards(root, shards), env)


def _checkout(root: Path, shard: int) -> Path:
    """The repository as a CI job checks it out: one clone per shard, kept between runs (the
    output folder is what the CI cache keeps)."""
    clone = root.parent / f"checkout-{shard}"
    if clone.exists():
        subprocess.run(["git", "-C", str(clone), "pull", "-q", "--ff-only"], check=True)
    else:
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    return clone


def _folders(server) -> set[str]:
    return {key.split("/")[0] for key in server.etags()}


# Sharded: each shard's job, then the one publish job with every shard's output. A CI run
# each, in a fresh virtual environment (from the local wheelhouse): `make test`, not test-fast.
@pytest.mark.tools
@pytest.mark.parametrize("provider,shards", [("github", None), ("gitlab", None), ("gitlab", 4),
                                             ("github", 2)])
def test_the_workflows_commands_install_check_build_and_publish_to_s3(
        provider, shards, make_site, s3, ci_wheel, ci_python, monkeypatch):  # noqa: F811
    site = make_site({**PUBLISHABLE, **LINK_SITE})
    root = site / "repo"
    root.mkdir()
    shutil.move(site / "content", root / "content")
    init_repo(root)
    (root / ".gitignore").write_text("output/\n")  # .portal-secrets: the workflow excludes it
    monkeypatch.chdir(root)
    result = portal("init-ci", provider, "--target", "s3", "--generator", ci_wheel,
                    *(["--sharded", str(shards)] if shards else []))
    assert result.exit_code == 0, result.output
    commit(root, "portals and CI", "2026-11-01T12:00:00+00:00")
    runner = _run_github if provider == "github" else _run_gitlab
    runner(root, ci_python, s3, shards)
    version = subprocess.run([str(ci_python / "portal"), "--version"], capture_output=True,
                             text=True, check=True).stdout
    assert __version__ in version
    folders = _folders(s3)
    assert "acme" in folders and len(folders) == 2
    assert [f for f in folders if f.startswith("zeta-")]  # the secret reached the build
    assert not any(f.startswith(("_", ".")) for f in folders)
    shutil.rmtree(root / "content/acme")
    commit(root, "acme leaves", "2026-11-02T12:00:00+00:00")
    runner(root, ci_python, s3, shards)
    assert {f.split("-")[0] for f in _folders(s3)} == {"zeta"}


def test_pages_publish_the_portals_without_the_generators_own_files(make_site, monkeypatch):
    """The manifest holds every client's overview figures: it must never be published."""
    from conftest import build_site

    root = make_site(PUBLISHABLE)
    monkeypatch.chdir(root)
    assert build_site(root).exit_code == 0
    assert (root / "output/.clientportal-manifest.json").is_file()
    for provider in ("github", "gitlab"):
        shutil.rmtree(root / "public", ignore_errors=True)
        scripts = _scripts(provider, yaml.safe_load(workflow(provider, "content", None, "pages")))
        line = next(line for s in scripts.values() for line in s.splitlines()
                    if line.startswith("portal publish"))
        assert portal(*shlex.split(line)[1:]).exit_code == 0
        # the portals, and nginx's file, which names none of them (a capability is safe)
        assert sorted(p.name for p in (root / "public").iterdir()) == [
            ".clientportal-nginx.conf", "acme"]
        assert "acme" not in (root / "public/.clientportal-nginx.conf").read_text()
        assert not list((root / "public").rglob("_headers.nginx.conf"))


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_notify_is_optional_after_publishing_and_keeps_its_record_after_a_failure(provider):
    from generator.commands.notify import RECORD

    document = yaml.safe_load(workflow(provider, "content", 2, "pages"))
    if provider == "github":
        job = document["jobs"]["notify"]
        assert job["needs"] == ["publish", "pages"]
        assert "vars.PORTAL_NOTIFY == 'true'" in job["if"]
        assert job["permissions"] == {"contents": "read"}
        assert "strategy" not in job  # once, not per shard
        steps = {s.get("uses", s.get("name")): s for s in job["steps"]}
        restore, save = steps["actions/cache/restore@v4"], steps["actions/cache/save@v4"]
        assert restore["with"]["path"] == save["with"]["path"] == f"output/{RECORD}"
        assert save["if"] == "${{ always() }}"
        assert restore["with"]["restore-keys"] == "portal-notify-"
        assert job["steps"][0]["with"]["fetch-depth"] == 0
    else:
        job = document["notify"]
        assert document["stages"] == ["inbox", "check", "build", "publish", "notify"]
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


# ---------------------------------------------------------------- the scheduled inbox job


def test_the_inbox_job_asks_for_the_least_it_needs():
    document = yaml.safe_load(inbox_workflow())
    assert document[True] == {"schedule": [{"cron": "*/15 * * * *"}],
                              "workflow_dispatch": None}
    assert document["permissions"] == {}
    job = document["jobs"]["inbox"]
    assert job["permissions"] == {"contents": "write", "actions": "write"}
    assert job["if"] == "vars.PORTAL_INBOX == 'true'"
    assert job["steps"][0]["with"] == {"fetch-depth": 0, "persist-credentials": False}
    script = job["steps"][-1]["run"]
    assert "gh workflow run portals.yml" in script and " push --quiet " in script
    assert "secrets." not in str(job["steps"][-1]["env"])  # the token, and nothing else
    gitlab = yaml.safe_load(workflow("gitlab", "content", None, "pages"))["inbox"]
    assert "PORTAL_PUSH_TOKEN" in gitlab["script"][0] and "portal inbox" in gitlab["script"][0]


def _fake_gh(folder: Path) -> Path:
    """A `gh` that only notes how it was called."""
    folder.mkdir()
    gh = folder / "gh"
    gh.write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "$(dirname "$0")/calls"\n')
    gh.chmod(0o755)
    return folder / "calls"


def test_the_inbox_jobs_steps_run_in_order(make_site, tmp_path, monkeypatch,
                                           imap_server):  # noqa: F811
    """The workflow's own steps, in order, in a clone of the agency's repository: the
    secrets file, then `portal inbox --commit` reading Dovecot, the push to the repository
    and the start of the portals workflow; a second run finds nothing new and pushes nothing.
    (Installing the generator is the one step left out: this test runs the one installed.)"""
    from inboxsite import INBOX_SITE, build
    from mailkit import answered, mailto_in, page

    site = make_site(INBOX_SITE)
    build(site)
    init_repo(site)
    commit(site, "the site", "2026-11-01T12:00:00+00:00")
    remote = tmp_path / "server" / "agency" / "portals.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(site), str(remote)], check=True)
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(remote), str(checkout)], check=True)
    link = mailto_in(page(site, "acme/scope.html"), "approve")
    imap_server.deliver(b"Authentication-Results: mx.agency.test; dkim=pass header.d=acme.test\r\n"
                        + answered(link, "Carl Client <carl@acme.test>", "<ci-1@acme.test>"))
    calls = _fake_gh(tmp_path / "bin")
    secrets_text = "".join(f"{k}={v}\n" for k, v in imap_server.settings("tls").items())
    values = {"secrets.PORTAL_SECRETS_FILE": secrets_text, "github.token": "test-token",
              "github.event.repository.default_branch": "main",
              "github.server_url": str(tmp_path / "server"),
              "github.repository": "agency/portals.git"}
    env = {**_ci_env(Path(sys.executable).parent), "SSL_CERT_FILE":
           str(imap_server.certificate.cert)}
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    steps = [step for step in yaml.safe_load(inbox_workflow())["jobs"]["inbox"]["steps"]
             if "run" in step]
    assert steps[0]["run"] == f"pip install -r {REQUIREMENTS}"
    for _ in range(2):
        for step in steps[1:]:
            _run(step["run"], checkout, {**env, **{k: _resolve(v, values)
                                                   for k, v in step.get("env", {}).items()}})
    log = subprocess.run(["git", "-C", str(remote), "log", "--format=%s", "main"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert log == ["Record 1 entry from mail", "the site"]
    assert calls.read_text() == "workflow run portals.yml --ref main\n"  # once
    shown = subprocess.run(["git", "-C", str(remote), "show", "main:content/acme/scope.md"],
                           capture_output=True, text=True, check=True).stdout
    assert "message_id: <ci-1@acme.test>" in shown
    assert imap_server.messages("Processed")  # the second run found it recorded
