"""CI workflows that check, build and publish the portals on every commit (`portal init-ci`).

A workflow installs exactly the generator that wrote it, from a source the agency controls:
by default a wheel of this generator written into `ci/` beside the workflow (committed with
the content), or a pinned git URL (`--generator git+https://…@<commit>`); `ci/requirements.txt`
names it and pins its direct dependencies at the versions it runs with now. Never a bare
package name: `clientportal` is not on PyPI, and whoever registered it would run code in CI.

Every job gets the secrets from one CI secret, `PORTAL_SECRETS_FILE`, holding the whole
`.portal-secrets` file. Pull and merge requests (and other branches) run `portal check` only;
the default branch checks, builds (incrementally, with the output folder cached), and
publishes with `portal publish`: to an S3-compatible bucket (`--target s3`), or to Pages
(`--target pages`). Each job has only the permissions it needs; artifacts hold nothing but the
clients' portals. `--sharded N` splits the build over N jobs of a CI matrix. An optional job
after publishing (`PORTAL_NOTIFY=true`) runs `portal notify`, keeping its record of what each
contact was told in a CI cache of its own, saved after every run, a failed one too.
"""

from __future__ import annotations

import importlib.metadata
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.commands.init_ci_inbox import (
    INBOX_WORKFLOW,
    github_inbox_workflow,
    gitlab_inbox_job,
)
from generator.errors import UsageError
from generator.invoicing.fonts import DEBIAN_PACKAGES

RECORD = ".clientportal-notified.json"  # commands.notify.RECORD (not imported: a light module)

TARGETS = {"github": ".github/workflows/portals.yml", "gitlab": ".gitlab-ci.yml"}
CI_FOLDER = "ci"
REQUIREMENTS = f"{CI_FOLDER}/requirements.txt"
SECRETS_VARIABLE = "PORTAL_SECRETS_FILE"
ON_DEFAULT = ("github.event_name != 'pull_request' && "
              "github.ref_name == github.event.repository.default_branch")
SHARDS = "shards"  # sharded: each shard's output, handed to the one publish job
PYTHON = "3.12"
_PINNED_GIT = re.compile(r"^git\+https://\S+@[0-9a-f]{40}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?")
SOURCE_ROOT = Path(__file__).resolve().parents[2]
# With the commit before this push at hand, contacts without a record yet hear what changed
# since it; otherwise (a first push, a force-push) they start from now.
_NOTIFY = """\
if git cat-file -e "@BEFORE@^{commit}" 2>/dev/null; then
  portal notify --content @CONTENT@ --out output --since "@BEFORE@"
else
  portal notify --content @CONTENT@ --out output
fi
"""
_NOTIFY_NOTE = """\
Optional: e-mail each client's contacts what changed in their portal (`portal notify`).
Set the @WHERE@ PORTAL_NOTIFY to "true", and PORTAL_SMTP_HOST, PORTAL_SMTP_USER and
PORTAL_SMTP_PASSWORD (PORTAL_SMTP_PORT, _SECURITY and _FROM if needed)@SECRETS@. What each
contact was told is kept in a cache of its own, saved after every run, a failed one too:
nothing is sent twice, and a run that failed part-way is finished by the next one.
"""


@dataclass(frozen=True)
class Workflow:
    """What a workflow is written for."""

    provider: str  # github | gitlab
    content_dir: str = "content"
    shards: int | None = None
    target: str = "s3"  # s3 | pages

    @property
    def secrets_file(self) -> str:
        """Where the build looks for `.portal-secrets`: beside the content folder."""
        return posixpath.join(posixpath.dirname(self.content_dir.rstrip("/")), ".portal-secrets")

    @property
    def shard_arg(self) -> str:
        if not self.shards:
            return ""
        which = "$SHARD" if self.provider == "github" else "$CI_NODE_INDEX"
        total = self.shards if self.provider == "github" else "$CI_NODE_TOTAL"
        return f' --shard "{which}/{total}"'


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line if line else line for line in text.splitlines(True))


def _secrets_script(flow: Workflow) -> str:
    """Write the secrets file from the CI secret, and make git ignore it (portal refuses a
    secrets file git would commit)."""
    source = ('printf \'%s\\n\' "$SECRETS_FILE_TEXT"' if flow.provider == "github"
              else f'cat "${SECRETS_VARIABLE}"')  # a GitLab variable of type File: a path
    test = "$SECRETS_FILE_TEXT" if flow.provider == "github" else f"${{{SECRETS_VARIABLE}:-}}"
    return (f'if [ -n "{test}" ]; then\n'
            "  umask 077\n"
            f'  {source} > "{flow.secrets_file}"\n'
            "  echo '.portal-secrets' >> .git/info/exclude\n"
            "fi\n")


def _pdf_packages_script(flow: Workflow) -> str:
    """Install what the invoice PDFs need (Pango, HarfBuzz, the fonts of every language), the
    packages missing only: a runner with DejaVu alone would otherwise stop the build."""
    sudo = "sudo " if flow.provider == "github" else ""  # GitLab's python image runs as root
    return (f'packages="{" ".join(DEBIAN_PACKAGES)}"\n'
            'missing=""\n'
            'for package in $packages; do\n'
            '  case "$(dpkg -s "$package" 2>/dev/null)" in\n'
            '    *"Status: install ok installed"*) ;;\n'
            '    *) missing="$missing $package" ;;\n'
            '  esac\n'
            'done\n'
            'if [ -n "$missing" ]; then\n'
            f'  {sudo}apt-get update -q\n'
            '  # shellcheck disable=SC2086  # one word a package\n'
            f'  {sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q '
            '--no-install-recommends $missing\n'
            'fi\n')


def _outs(flow: Workflow) -> str:
    """The output folders publish takes: every shard's, merged in one job."""
    if not flow.shards:
        return "--out output"
    return " ".join(f"--out {SHARDS}/{index}" for index in range(1, flow.shards + 1))


def _publish_script(flow: Workflow) -> str:
    if flow.target == "pages":
        return f"portal publish {_outs(flow)} --to public\n"
    return ('if [ -z "${AWS_ENDPOINT_URL:-}" ]; then unset AWS_ENDPOINT_URL; fi\n'
            'export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"\n'
            f'portal publish {_outs(flow)} --to "s3://$PORTAL_BUCKET"\n')


def _keep_shard_script(flow: Workflow) -> str:
    """Copy what publishing a shard needs for the publish job: the build's marker and
    manifest (its project and shard) and the portal folders; not the generator's cache, its
    other records, nor the agency overview (never published by the workflow)."""
    which = "$SHARD" if flow.provider == "github" else "$CI_NODE_INDEX"
    into = f'"{SHARDS}/{which}/"'
    return (f'rm -rf "{SHARDS}/{which}"\n'
            f'mkdir -p "{SHARDS}/{which}"\n'
            f"cp output/.clientportal output/.clientportal-manifest.json {into}\n"
            "find output -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name '_*' "
            f"-exec cp -a {{}} {into} \\;\n")


def _notify_script(flow: Workflow) -> str:
    before = "$BEFORE" if flow.provider == "github" else "$CI_COMMIT_BEFORE_SHA"
    return _NOTIFY.replace("@BEFORE@", before).replace("@CONTENT@", flow.content_dir)


def _comment(text: str, spaces: int) -> str:
    return "".join(" " * spaces + ("# " + line if line.strip() else "#\n")
                   for line in text.splitlines(True))


def _github_notify(flow: Workflow) -> str:
    """The optional notify job, after the portals are published."""
    needs = "[publish, pages]" if flow.target == "pages" else "[publish]"
    note = _NOTIFY_NOTE.replace("@WHERE@", "repository variable").replace(
        "@SECRETS@", " as secrets")
    cache = "portal-notify-${{ github.run_id }}-${{ github.run_attempt }}"
    smtp = "".join(f"          PORTAL_SMTP_{name}: ${{{{ secrets.PORTAL_SMTP_{name} }}}}\n"
                   for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM"))
    return f"""\
  notify:
{_comment(note, 4)}    needs: {needs}
    if: ${{{{ !cancelled() && needs.publish.result == 'success' && vars.PORTAL_NOTIFY == 'true' }}}}
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
{_github_setup(flow)}      - name: Restore the record of what each contact was told
        uses: actions/cache/restore@v4
        with:
          path: output/{RECORD}
          key: {cache}
          restore-keys: portal-notify-
      - name: E-mail each contact what changed in their portal
        env:
          BEFORE: ${{{{ github.event.before }}}}
{smtp}        run: |
{_indent(_notify_script(flow), 10)}      - name: Keep the record, also after a failed run
        if: ${{{{ always() }}}}
        uses: actions/cache/save@v4
        with:
          path: output/{RECORD}
          key: {cache}
"""


def _gitlab_notify(flow: Workflow) -> str:
    """The optional notify job, after the portals are published."""
    note = _NOTIFY_NOTE.replace("@WHERE@", "CI/CD variable").replace("@SECRETS@", "")
    return f"""\
notify:
{_comment(note, 2)}  stage: notify
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $PORTAL_NOTIFY == "true" && $CI_PIPELINE_SOURCE != "schedule"
  dependencies: []  # not the build's output: the record comes from this job's own cache
  cache:
    key: portal-notify
    paths: [output/{RECORD}]
    when: always
  script:
    - |
{_indent(_notify_script(flow), 6)}"""


def _github_setup(flow: Workflow) -> str:
    """Checkout, Python, the generator and the secrets file: every job's first steps."""
    return f"""\
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # full history: dates "last updated" come from git
          persist-credentials: false
      - uses: actions/setup-python@v5
        with:
          python-version: "{PYTHON}"
      - name: Install the generator that wrote this workflow (from {CI_FOLDER}/)
        run: pip install -r {REQUIREMENTS}
      - name: Write the secrets file from the {SECRETS_VARIABLE} secret
        env:
          SECRETS_FILE_TEXT: ${{{{ secrets.{SECRETS_VARIABLE} }}}}
        run: |
{_indent(_secrets_script(flow), 10)}"""


def github_workflow(flow: Workflow) -> str:
    """The GitHub Actions workflow."""
    on_default = ON_DEFAULT
    key = "portals-${{ matrix.shard }}-" if flow.shards else "portals-"
    matrix = (f"""\
    strategy:
      fail-fast: false
      matrix:
        shard: [{', '.join(str(i) for i in range(1, flow.shards + 1))}]
""" if flow.shards else "")
    shard_env = ("""\
        env:
          SHARD: ${{ matrix.shard }}
""" if flow.shards else "")
    return f"""\
# Written by `portal init-ci github --target {flow.target}` (clientportal {__version__}).
# Pull requests and branches: `portal check` only. The default branch: check, build the
# portals that changed, publish them with `portal publish` (which also removes portals it
# published before that are no longer built). Set up:
#   - secret {SECRETS_VARIABLE}: the whole .portal-secrets file (PORTAL_SECRET and every
#     PORTAL_PASSWORD_*), one secret however many clients and contacts;
{_github_setup_notes(flow)}name: portals
on:
  push:
  pull_request:
  workflow_dispatch:
permissions: {{}}  # none by default: each job asks for what it needs
concurrency:
  group: portals-${{{{ github.ref }}}}
  cancel-in-progress: false
jobs:
  check:
    if: github.event_name == 'pull_request' || github.ref_name != github.event.repository.default_branch
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
{_github_setup(flow)}      - name: Check the content (and that every secret is there)
        run: portal check --content {flow.content_dir}
  {"build" if flow.shards else "publish"}:
    if: {on_default}
    runs-on: ubuntu-latest
    permissions:
      contents: read
{"" if flow.shards else _github_environment(flow)}{matrix}    steps:
{_github_setup(flow)}      - name: Restore the output folder and its build manifest
        uses: actions/cache@v4
        with:
          path: output
          key: {key}${{{{ github.sha }}}}
          restore-keys: {key}
      - name: Check the content (and that every secret is there)
        run: portal check --content {flow.content_dir}
      - name: Install the libraries and fonts of the invoice PDFs (Debian packages)
        run: |
{_indent(_pdf_packages_script(flow), 10)}      - name: Build the portals that changed
{shard_env}        run: portal build --content {flow.content_dir} --out output{flow.shard_arg}
{_github_shard_handover(flow) if flow.shards else _github_publish(flow)}{_github_notify(flow)}"""


def _github_shard_handover(flow: Workflow) -> str:
    """Sharded: each shard hands its output to one publish job, which publishes them all
    at once (a shard published alone would remove the others' portals: refused)."""
    return f"""      - name: Keep this shard's output for the publish job
        env:
          SHARD: ${{{{ matrix.shard }}}}
        run: |
{_indent(_keep_shard_script(flow), 10)}      - uses: actions/upload-artifact@v4
        with:
          name: shard-${{{{ matrix.shard }}}}
          path: {SHARDS}/
          include-hidden-files: true  # the build's marker and manifest
          retention-days: 1
  publish:
    needs: build
    if: {ON_DEFAULT}
    runs-on: ubuntu-latest
    permissions:
      contents: read
{_github_environment(flow)}    steps:
{_github_setup(flow)}      - uses: actions/download-artifact@v4
        with:
          pattern: shard-*
          merge-multiple: true
          path: {SHARDS}
{_github_publish(flow)}"""


# Bank statements are never committed nor handed to CI: they name every client's payers.
PAYMENTS_NOTE = (
    "#   - payments (docs/payments.md): keep the bank's statements (camt.053, MT940, Stripe\n"
    "#     CSV) in a private folder outside this repository, e.g. a shared drive only the\n"
    "#     agency reads; record them from a checkout with\n"
    "#       portal payments import ~/statements/*.xml --commit && git push\n"
    "#     which rebuilds and publishes the portals. Any credential a script fetching\n"
    "#     statements needs goes in .portal-secrets, never here.\n")


def _github_setup_notes(flow: Workflow) -> str:
    return _github_target_notes(flow) + PAYMENTS_NOTE


def _github_target_notes(flow: Workflow) -> str:
    if flow.target == "pages":
        return ("#   - Settings > Pages > Source: GitHub Actions. Each client's portal is a "
                "sub-path of the site.\n")
    return ("#   - variable PORTAL_BUCKET: bucket[/prefix]; optional variables AWS_DEFAULT_REGION,\n"
            "#     AWS_ENDPOINT_URL (R2, MinIO, …); secrets AWS_ACCESS_KEY_ID and\n"
            "#     AWS_SECRET_ACCESS_KEY, in the environment `portals` so that only the job\n"
            "#     that publishes can read them.\n")


def _github_environment(flow: Workflow) -> str:
    return "    environment: portals\n" if flow.target == "s3" else ""


def _github_publish(flow: Workflow) -> str:
    if flow.target == "s3":
        return f"""\
      - name: Publish the portals, removing those no longer built
        env:
          PORTAL_BUCKET: ${{{{ vars.PORTAL_BUCKET }}}}
          AWS_ACCESS_KEY_ID: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}
          AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}
          AWS_DEFAULT_REGION: ${{{{ vars.AWS_DEFAULT_REGION }}}}
          AWS_ENDPOINT_URL: ${{{{ vars.AWS_ENDPOINT_URL }}}}
        run: |
{_indent(_publish_script(flow), 10)}"""
    return f"""\
      - name: Copy the clients' portals, and nothing else, into public/
        run: {_publish_script(flow)}      - name: Keep the portals for the Pages job
        uses: actions/upload-artifact@v4
        with:
          name: portals
          path: public/
          if-no-files-found: error
  pages:
    needs: publish
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: portals
          path: public
      - uses: actions/upload-pages-artifact@v3
        with:
          path: public
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def gitlab_workflow(flow: Workflow) -> str:
    """The GitLab CI pipeline."""
    key = "portals-$CI_NODE_INDEX" if flow.shards else "portals"
    parallel = f"  parallel: {flow.shards}\n" if flow.shards else ""
    script = (f"    - portal check --content {flow.content_dir}\n"
              "    - |\n      # the libraries and fonts of the invoice PDFs (Debian packages)\n"
              f"{_indent(_pdf_packages_script(flow), 6)}"
              f"    - portal build --content {flow.content_dir} --out output{flow.shard_arg}\n")
    if flow.shards:
        script += f"    - |\n{_indent(_keep_shard_script(flow), 6)}"
    else:
        script += "".join(f"    - {line}\n" for line in _publish_script(flow).splitlines())
    return f"""\
# Written by `portal init-ci gitlab --target {flow.target}` (clientportal {__version__}).
# Merge requests and branches: `portal check` only. The default branch: check, build the
# portals that changed, publish them with `portal publish` (which also removes portals it
# published before that are no longer built). Set up, in Settings > CI/CD > Variables:
#   - {SECRETS_VARIABLE}, of type File: the whole .portal-secrets file (PORTAL_SECRET and
#     every PORTAL_PASSWORD_*), one variable however many clients and contacts;
{_gitlab_setup_notes(flow)}workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
      when: never
    - if: $CI_COMMIT_BRANCH
variables:
  GIT_DEPTH: "0"  # full history: dates "last updated" come from git
stages: [inbox, check, build, publish, notify]
default:
  image: python:{PYTHON}
  before_script:
    - pip install -r {REQUIREMENTS}
    - |
{_indent(_secrets_script(flow), 6)}check:
  stage: check
  rules:
    - if: $CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"
  script:
    - portal check --content {flow.content_dir}
build:
  stage: build
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"
{parallel}{_gitlab_build_extra(flow)}  cache:
    key: {key}
    paths: [output/]
  script:
{script}{_gitlab_publish(flow)}{_gitlab_pages(flow)}{_gitlab_notify(flow)}{gitlab_inbox_job(flow)}"""


def _gitlab_publish(flow: Workflow) -> str:
    """Sharded: one job publishes every shard's output at once (a shard published alone
    would remove the others' portals: refused); with Pages, that job is `pages`."""
    if not flow.shards:
        return ""
    name, extra = (("pages", "  artifacts:\n    paths: [public/]\n") if flow.target == "pages"
                   else ("publish", "  environment:\n    name: portals\n"))
    script = "".join(f"    - {line}\n" for line in _publish_script(flow).splitlines())
    return f"""\
{name}:
  stage: publish
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"
  needs: [build]
{extra}  script:
{script}"""


def _gitlab_setup_notes(flow: Workflow) -> str:
    return _gitlab_target_notes(flow) + PAYMENTS_NOTE


def _gitlab_target_notes(flow: Workflow) -> str:
    if flow.target == "pages":
        return "#   - nothing else: GitLab Pages serves each client's portal as a sub-path.\n"
    return ("#   - PORTAL_BUCKET (bucket[/prefix]), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
            "#     optionally AWS_DEFAULT_REGION and AWS_ENDPOINT_URL (R2, MinIO, …), with\n"
            "#     environment scope `portals`: only the job that publishes can read them.\n")


def _gitlab_build_extra(flow: Workflow) -> str:
    if flow.shards:
        return f"  artifacts:\n    paths: [{SHARDS}/]\n    expire_in: 1 day\n"
    if flow.target == "s3":
        return "  environment:\n    name: portals\n"
    return "  artifacts:\n    paths: [public/]\n"


def _gitlab_pages(flow: Workflow) -> str:
    if flow.target != "pages" or flow.shards:
        return ""
    return """\
pages:
  stage: publish
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"
  needs: [build]
  before_script: []
  script:
    - test -d public
  artifacts:
    paths: [public/]
"""


def workflow(provider: str, content_dir: str = "content", shards: int | None = None,
             target: str = "s3") -> str:
    """The workflow text for `provider`, optionally split into `shards` matrix jobs."""
    flow = Workflow(provider, content_dir, shards, target)
    return github_workflow(flow) if provider == "github" else gitlab_workflow(flow)


def _dependency_pins(target: str) -> list[str]:
    """The generator's direct dependencies at the versions installed now."""
    pins = []
    for requirement in importlib.metadata.requires("clientportal") or []:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker and not (target == "s3" and '"s3"' in marker):
            continue
        match = _NAME.match(spec.strip())
        if not match:
            continue
        name = re.sub(r"\[.*\]", "", match.group(0))
        try:
            pins.append(f"{match.group(0)}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pins.append(spec.strip())
    return sorted(set(pins), key=str.lower)


def requirements(generator_line: str, target: str) -> str:
    """`ci/requirements.txt`: the generator, and its dependencies pinned."""
    return "\n".join([
        f"# Written by `portal init-ci` (clientportal {__version__}): CI installs exactly this",
        "# generator, from a source the agency controls, and its direct dependencies at the",
        "# versions it was run with. Write it again with `portal init-ci ... --force`.",
        generator_line, *_dependency_pins(target), ""])


def build_wheel(folder: Path) -> Path:
    """A wheel of this generator, built from its source with pip, into `folder`."""
    if not (SOURCE_ROOT / "pyproject.toml").is_file():
        raise UsageError("this generator was not installed from its source, so it cannot "
                         "build a wheel of itself: pass --generator PATH.whl or "
                         "--generator git+https://…@<commit>")
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                              "--wheel-dir", scratch, str(SOURCE_ROOT)],
                             capture_output=True, text=True, check=False)
        wheels = list(Path(scratch).glob("clientportal-*.whl"))
        if run.returncode != 0 or len(wheels) != 1:
            raise UsageError(f"could not build a wheel of the generator:\n{run.stderr}")
        folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheels[0], folder / wheels[0].name))


def generator_requirement(root: Path, generator: str | None, target: str) -> str:
    """The requirement line installing this generator; writes its wheel into `ci/`."""
    extra = "[s3]" if target == "s3" else ""
    if generator and generator.startswith("git+"):
        if not _PINNED_GIT.match(generator):
            raise UsageError(f"--generator {generator}: pin a commit, as "
                             "git+https://host/agency/clientportal.git@<40-hex commit>")
        return f"clientportal{extra} @ {generator}"
    folder = root / CI_FOLDER
    for old in folder.glob("clientportal-*.whl"):
        old.unlink()
    if generator:
        source = Path(generator)
        if not (source.is_file() and source.name.startswith(f"clientportal-{__version__}-")
                and source.suffix == ".whl"):
            raise UsageError(f"--generator {generator}: expected a clientportal-{__version__}-"
                             "*.whl file (the version running now) or a pinned git URL")
        folder.mkdir(parents=True, exist_ok=True)
        wheel = Path(shutil.copy2(source, folder / source.name))
    else:
        wheel = build_wheel(folder)
    return f"./{CI_FOLDER}/{wheel.name}{extra}"


def inbox_workflow(content_dir: str = "content") -> str:
    """GitHub's scheduled inbox workflow (GitLab's inbox job is part of its pipeline)."""
    flow = Workflow("github", content_dir)
    heading = (f"# Written by `portal init-ci github` (clientportal {__version__}), beside "
               f"{posixpath.basename(TARGETS['github'])}.")
    return github_inbox_workflow(flow, _github_setup(flow), posixpath.basename(
        TARGETS["github"]), heading)


def write_workflow(root: Path, provider: str, content_dir: str, shards: int | None,
                   force: bool, target: str = "s3", generator: str | None = None) -> list[Path]:
    """Write the workflow files and `ci/` below `root`; refuse to overwrite unless `force`."""
    texts = {root / TARGETS[provider]: workflow(provider, content_dir, shards, target)}
    if provider == "github":
        texts[root / INBOX_WORKFLOW] = inbox_workflow(content_dir)
    for path in texts:
        if path.exists() and not force:
            raise UsageError(f"{path} exists; pass --force to overwrite it")
    line = generator_requirement(root, generator, target)
    (root / CI_FOLDER).mkdir(exist_ok=True)
    (root / REQUIREMENTS).write_text(requirements(line, target), encoding="utf-8")
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    written = [*texts, root / REQUIREMENTS]
    return written + sorted((root / CI_FOLDER).glob("clientportal-*.whl"))
