"""The scheduled inbox job `portal init-ci` adds: record the mailbox, push, rebuild.

Every 15 minutes, `portal inbox --commit` records what arrived in the portal's mailbox, and
the commit is pushed, which rebuilds and publishes the portals the ordinary way.

It runs only when the agency switches it on (`PORTAL_INBOX` = "true"); its settings come
from the one secrets file (`PORTAL_IMAP_*`, and `PORTAL_SMTP_*` for the receipts). GitHub: a
workflow of its own (`inbox.yml`) whose job may push (contents: write) and start the portals
workflow (actions: write: a push made with the job's token starts no workflow by itself);
the token is handed to git only for the pull and push. GitLab: a job of the pipeline run by a
pipeline schedule, pushing with a project access token (`PORTAL_PUSH_TOKEN`, role Developer,
scope write_repository), whose push starts the ordinary pipeline.

`portal inbox` exits 1 when it recorded the approvals but could not send a receipt: the
commit is pushed all the same, then the job fails, so that someone sees it.
"""

from __future__ import annotations

from typing import Protocol

INBOX_WORKFLOW = ".github/workflows/inbox.yml"
SCHEDULE = "*/15 * * * *"
PUSH_TOKEN = "PORTAL_PUSH_TOKEN"

_RECORD = """\
start="$(git rev-parse HEAD)"
set +e
portal inbox --content @CONTENT@ --commit
status=$?
set -e
if [ "$(git rev-parse HEAD)" != "$start" ]; then
@PUSH@fi
exit "$status"
"""
_GITHUB_PUSH = """\
  auth="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 -w0)"
  git -c "http.extraheader=$auth" pull --rebase --quiet "$REPOSITORY" "$BRANCH"
  git -c "http.extraheader=$auth" push --quiet "$REPOSITORY" "HEAD:$BRANCH"
  gh workflow run @WORKFLOW@ --ref "$BRANCH"
"""
_GITLAB_PUSH = """\
  remote="$CI_SERVER_PROTOCOL://oauth2:$@TOKEN@@$CI_SERVER_HOST:$CI_SERVER_PORT/$CI_PROJECT_PATH.git"
  git pull --rebase --quiet "$remote" "$CI_DEFAULT_BRANCH"
  git push --quiet "$remote" "HEAD:$CI_DEFAULT_BRANCH"
"""
_SETTINGS = """\
Put PORTAL_IMAP_HOST, PORTAL_IMAP_USER and PORTAL_IMAP_PASSWORD (PORTAL_IMAP_PORT, _SECURITY,
_FOLDER, _PROCESSED and _REJECTED if needed) and PORTAL_SMTP_* (for the approval receipts)
into the secrets file, and `inbox: {address, trusted_authserv_ids}` into portal.yaml (see
docs/security.md).
"""
_NOTES = {
    "github": """\
Every 15 minutes, `portal inbox` records the approvals, survey answers and questions that
arrived in the portal's mailbox, commits and pushes them, and starts the portals workflow,
which rebuilds and publishes. It runs only when the repository variable PORTAL_INBOX is
"true".
""",
    "gitlab": """\
On a pipeline schedule (CI/CD > Schedules, e.g. every 15 minutes: */15 * * * *), `portal
inbox` records the approvals, survey answers and questions that arrived in the portal's
mailbox, commits them and pushes with the CI/CD variable PORTAL_PUSH_TOKEN (a project access
token, role Developer, scope write_repository), which starts the pipeline that rebuilds and
publishes. It runs only when the CI/CD variable PORTAL_INBOX is "true".
""",
}


class Flow(Protocol):
    """What init_ci's Workflow tells this module."""

    @property
    def provider(self) -> str: ...

    @property
    def content_dir(self) -> str: ...


def record_script(flow: Flow, workflow_file: str) -> str:
    """Run the inbox, push what it committed, fail afterwards if it failed."""
    push = _GITHUB_PUSH.replace("@WORKFLOW@", workflow_file) if flow.provider == "github" \
        else _GITLAB_PUSH.replace("@TOKEN@", PUSH_TOKEN)
    return _RECORD.replace("@CONTENT@", flow.content_dir).replace("@PUSH@", push)


def note(flow: Flow) -> str:
    return _NOTES[flow.provider] + _SETTINGS


def github_inbox_workflow(flow: Flow, setup_steps: str, workflow_file: str,
                          heading: str) -> str:
    """The GitHub Actions workflow of the scheduled inbox job."""
    comment = "".join("# " + line if line.strip() else "#\n"
                      for line in note(flow).splitlines(True))
    script = "".join(" " * 10 + line for line in record_script(flow, workflow_file)
                     .splitlines(True))
    return f"""\
{heading}
{comment}name: inbox
on:
  schedule:
    - cron: "{SCHEDULE}"
  workflow_dispatch:
permissions: {{}}  # none by default: the job asks for what it needs
concurrency:
  group: portal-inbox
  cancel-in-progress: false
jobs:
  inbox:
    if: vars.PORTAL_INBOX == 'true'
    runs-on: ubuntu-latest
    permissions:
      contents: write  # commit and push what the inbox records
      actions: write  # start the portals workflow (a push by this token starts none)
    steps:
{setup_steps}      - name: Record what arrived in the portal's mailbox, push it, rebuild
        env:
          GH_TOKEN: ${{{{ github.token }}}}
          BRANCH: ${{{{ github.event.repository.default_branch }}}}
          REPOSITORY: ${{{{ github.server_url }}}}/${{{{ github.repository }}}}
          GIT_AUTHOR_NAME: portal inbox
          GIT_AUTHOR_EMAIL: 41898282+github-actions[bot]@users.noreply.github.com
          GIT_COMMITTER_NAME: portal inbox
          GIT_COMMITTER_EMAIL: 41898282+github-actions[bot]@users.noreply.github.com
        run: |
{script}"""


def gitlab_inbox_job(flow: Flow) -> str:
    """The GitLab job run by a pipeline schedule."""
    comment = "".join("  # " + line if line.strip() else "  #\n"
                      for line in note(flow).splitlines(True))
    script = "".join(" " * 6 + line for line in record_script(flow, "").splitlines(True))
    return f"""\
inbox:
{comment}  stage: inbox
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" && $PORTAL_INBOX == "true"
  variables:
    GIT_AUTHOR_NAME: portal inbox
    GIT_AUTHOR_EMAIL: $GITLAB_USER_EMAIL
    GIT_COMMITTER_NAME: portal inbox
    GIT_COMMITTER_EMAIL: $GITLAB_USER_EMAIL
  script:
    - |
{script}"""
