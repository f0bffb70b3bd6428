"""CI workflows that check, build and publish the portals on every commit (`portal init-ci`).

Each workflow checks out the full history (dates "last updated" come from git), restores the
output folder, which holds the incremental build's manifest, from the CI cache, runs
`portal check` and `portal build`, and publishes each client's folder to its own target: an
S3-compatible bucket with `aws s3 sync` (one prefix a client), or GitHub/GitLab Pages (one
sub-path a client). The sharded variant splits the build over a CI matrix with `--shard K/N`.
An optional job after publishing (`PORTAL_NOTIFY=true`) runs `portal notify`, keeping its
record of what each contact was told in a CI cache of its own, saved after every run.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import UsageError

RECORD = ".clientportal-notified.json"  # commands.notify.RECORD (not imported: a light module)

TARGETS = {"github": ".github/workflows/portals.yml", "gitlab": ".gitlab-ci.yml"}

_INSTALL = "pip install clientportal  # or: pip install git+https://<your generator repository>"

_S3_SYNC = """\
for portal in output/*/; do
  client=$(basename "$portal")
  case "$client" in _*) continue ;; esac  # the agency overview: not a client's portal
  aws s3 sync "$portal" "s3://$PORTAL_BUCKET/$client/" --delete --only-show-errors
done"""

# With the commit before this push at hand, contacts without a record yet hear what changed
# since it; otherwise (a first push, a force-push) they start from now.
_NOTIFY = """\
if git cat-file -e "@BEFORE@^{commit}" 2>/dev/null; then
  portal notify --content @CONTENT@ --out output --since "@BEFORE@"
else
  portal notify --content @CONTENT@ --out output
fi"""

GITHUB = """\
# Written by `portal init-ci github`. Rebuilds the portals that changed on each push to main
# and publishes every client's folder. Set the repository variable PORTAL_BUCKET (and the
# secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optionally AWS_ENDPOINT_URL for
# S3-compatible storage) to publish to a bucket, one prefix a client; GitHub Pages publishes
# output/ with one sub-path a client (enable Pages with "GitHub Actions" as its source).
name: portals
on:
  push:
    branches: [main]
  workflow_dispatch: {}
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: portals
  cancel-in-progress: false
jobs:
  build:
    runs-on: ubuntu-latest
@MATRIX@    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # full history: dates "last updated" come from git
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install the generator
        run: @INSTALL@
      - name: Restore the output folder and its build manifest
        uses: actions/cache@v4
        with:
          path: output
          key: portals-@SHARDKEY@${{ github.sha }}
          restore-keys: portals-@SHARDKEY@
      - name: Check the content
        run: portal check --content @CONTENT@
      - name: Build the portals that changed
        run: portal build --content @CONTENT@ --out output@SHARDARG@
      - name: Publish each client's portal to S3-compatible storage
        if: ${{ vars.PORTAL_BUCKET != '' }}
        env:
          PORTAL_BUCKET: ${{ vars.PORTAL_BUCKET }}
          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          AWS_ENDPOINT_URL: ${{ secrets.AWS_ENDPOINT_URL }}
        run: |
@S3@
      - name: Keep the portals for the Pages job
        uses: actions/upload-artifact@v4
        with:
          name: portals@SHARDNAME@
          path: output/
  pages:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - uses: actions/download-artifact@v4
        with:
          pattern: portals*
          merge-multiple: true
          path: output
      # Only the clients' portals: not the generator's own files (its manifest holds every
      # client's figures) nor the agency overview (publish that separately, if at all).
      - name: Keep only the portals
        run: rm -rf output/.clientportal* output/_agency*
      - uses: actions/upload-pages-artifact@v3
        with:
          path: output
      - id: deployment
        uses: actions/deploy-pages@v4
  notify:
    # Optional: e-mail each client's contacts what changed in their portal (`portal notify`).
    # Set the repository variable PORTAL_NOTIFY to "true" and the secrets PORTAL_SMTP_HOST,
    # PORTAL_SMTP_USER and PORTAL_SMTP_PASSWORD (PORTAL_SMTP_PORT, _SECURITY and _FROM if
    # needed; PORTAL_SECRET for protected portals' links). What each contact was told is kept
    # in a cache of its own, saved after every run, a failed one too: nothing is sent twice,
    # and a run that failed part-way is finished by the next one.
    needs: [build, pages]
    if: ${{ !cancelled() && needs.build.result == 'success' && vars.PORTAL_NOTIFY == 'true' }}
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # --since compares with the commit before this push
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install the generator
        run: @INSTALL@
      - name: Restore the record of what each contact was told
        uses: actions/cache/restore@v4
        with:
          path: output/@RECORD@
          key: portal-notify-${{ github.run_id }}-${{ github.run_attempt }}
          restore-keys: portal-notify-
      - name: E-mail each contact what changed in their portal
        env:
          BEFORE: ${{ github.event.before }}
          PORTAL_SECRET: ${{ secrets.PORTAL_SECRET }}
          PORTAL_SMTP_HOST: ${{ secrets.PORTAL_SMTP_HOST }}
          PORTAL_SMTP_PORT: ${{ secrets.PORTAL_SMTP_PORT }}
          PORTAL_SMTP_SECURITY: ${{ secrets.PORTAL_SMTP_SECURITY }}
          PORTAL_SMTP_USER: ${{ secrets.PORTAL_SMTP_USER }}
          PORTAL_SMTP_PASSWORD: ${{ secrets.PORTAL_SMTP_PASSWORD }}
          PORTAL_SMTP_FROM: ${{ secrets.PORTAL_SMTP_FROM }}
        run: |
@NOTIFY@
      - name: Keep the record, also after a failed run
        if: ${{ always() }}
        uses: actions/cache/save@v4
        with:
          path: output/@RECORD@
          key: portal-notify-${{ github.run_id }}-${{ github.run_attempt }}
"""

GITLAB = """\
# Written by `portal init-ci gitlab`. Rebuilds the portals that changed on each commit to the
# default branch and publishes every client's folder. Set the CI/CD variable PORTAL_BUCKET (and
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optionally AWS_ENDPOINT_URL for S3-compatible
# storage) to publish to a bucket, one prefix a client; GitLab Pages publishes the portals with
# one sub-path a client.
variables:
  GIT_DEPTH: "0"  # full history: dates "last updated" come from git
stages: [build, publish, notify]
build:
  stage: build
  image: python:3.12
@PARALLEL@  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  cache:
    key: portals@SHARDKEY@
    paths: [output/]
  script:
    - @INSTALL@
    - portal check --content @CONTENT@
    - portal build --content @CONTENT@ --out output@SHARDARG@
    - |
      if [ -n "$PORTAL_BUCKET" ]; then
        pip install awscli
@S3@
      fi
  artifacts:
    paths: [output/]
pages:
  stage: publish
  image: alpine:3.20
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - rm -rf public && cp -r output public
    # only the clients' portals: not the generator's own files (its manifest holds every
    # client's figures) nor the agency overview (publish that separately, if at all)
    - rm -rf public/.clientportal* public/_agency*
  artifacts:
    paths: [public]
notify:
  # Optional: e-mail each client's contacts what changed in their portal (`portal notify`).
  # Set the CI/CD variables PORTAL_NOTIFY to "true" and PORTAL_SMTP_HOST, PORTAL_SMTP_USER,
  # PORTAL_SMTP_PASSWORD (PORTAL_SMTP_PORT, _SECURITY and _FROM if needed; PORTAL_SECRET for
  # protected portals' links). What each contact was told is kept in a cache of its own,
  # saved after every run, a failed one too: nothing is sent twice, and a run that failed
  # part-way is finished by the next one.
  stage: notify
  image: python:3.12
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $PORTAL_NOTIFY == "true"
  dependencies: []  # not the build's output: the record comes from this job's own cache
  cache:
    key: portal-notify
    paths: [output/@RECORD@]
    when: always
  script:
    - @INSTALL@
    - |
@NOTIFY@
"""


def workflow(provider: str, content_dir: str = "content", shards: int | None = None) -> str:
    """The workflow text for `provider`, optionally split into `shards` matrix jobs."""
    template = GITHUB if provider == "github" else GITLAB
    github = provider == "github"
    indent = " " * (10 if github else 8)
    s3 = "\n".join(indent + line for line in _S3_SYNC.splitlines())
    if shards and github:
        matrix = ("    strategy:\n      fail-fast: false\n      matrix:\n"
                  f"        shard: [{', '.join(str(i) for i in range(1, shards + 1))}]\n")
        parts = {"@MATRIX@": matrix, "@SHARDKEY@": "${{ matrix.shard }}-",
                 "@SHARDARG@": f" --shard ${{{{ matrix.shard }}}}/{shards}",
                 "@SHARDNAME@": "-${{ matrix.shard }}"}
    elif shards:
        parts = {"@PARALLEL@": f"  parallel: {shards}\n", "@SHARDKEY@": "-$CI_NODE_INDEX",
                 "@SHARDARG@": " --shard $CI_NODE_INDEX/$CI_NODE_TOTAL"}
    else:
        parts = {}
    for placeholder in ("@MATRIX@", "@PARALLEL@", "@SHARDKEY@", "@SHARDARG@", "@SHARDNAME@"):
        template = template.replace(placeholder, parts.get(placeholder, ""))
    return (template.replace("@S3@", s3).replace("@NOTIFY@", _notify_script(github, indent))
            .replace("@INSTALL@", _INSTALL).replace("@CONTENT@", content_dir)
            .replace("@RECORD@", RECORD))


def _notify_script(github: bool, indent: str) -> str:
    """The notify step's shell lines, indented for the workflow's block."""
    before = "$BEFORE" if github else "$CI_COMMIT_BEFORE_SHA"
    return "\n".join(indent + line for line in _NOTIFY.replace("@BEFORE@", before).splitlines())


def write_workflow(root: Path, provider: str, content_dir: str, shards: int | None,
                   force: bool) -> Path:
    """Write the workflow file below `root`; refuse to overwrite one unless `force`."""
    target = root / TARGETS[provider]
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow(provider, content_dir, shards), encoding="utf-8")
    return target
