"""The inbox tests' site: BASE_SITE's acme asking for approval of its scope and intake, the
survey on offer (2026-Q4), a second client (zeta) whose contact must not speak for acme, the
portal's mailbox in portal.yaml; committed to git, as the agency's repository is."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import Result

from conftest import AS_OF, BASE_SITE, portal
from gitrepo import commit, git, init_repo
from mailkit import KeyRing
from talk import INTAKE, SCOPE, asking

PORTAL_YAML = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n") + textwrap.dedent("""\
    satisfaction: {schedule: [quarterly], days: 60}
    # The portal's own mailbox: every prefilled e-mail copies it.
    inbox:
      address: portal@agency.test
      trusted_authserv_ids: [mx.agency.test]
    """)

ACME_CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n").replace(
    "  - {name: Carl Client, role: CTO, email: carl@acme.test, decision_maker: true}\n",
    "  - {name: Carl Client, role: CTO, email: carl@acme.test, decision_maker: true}\n"
    "  - {name: Dana Doe, role: Marketing, email: dana@acme.test}\n"
    "team:\n  - {name: Tom Team, role: Developer, email: tom@agency.test}\n")

# A file a person wrote: comments, an order of keys of their own, quoting, a flow mapping.
SATISFACTION = """\
# Answers to the satisfaction survey (kept by Ann).
answers:
  # the first one, from the kickoff call
  - {on: 2026-09-05, by: Dana Doe, nps: 8, csat: 4, round: after-kickoff}
"""

INBOX_SITE: dict[str, str | bytes | None] = {
    "content/portal.yaml": PORTAL_YAML,
    "content/acme/client.yaml": ACME_CLIENT,
    "content/acme/scope.md": asking(SCOPE),
    "content/acme/requirements/intake.md": asking(INTAKE),
    "content/acme/satisfaction.yaml": SATISFACTION,
    "content/zeta/client.yaml": """
        name: Zeta Ltd
        locale: en
        account_manager: {name: Ann Manager, email: ann@agency.test}
        contacts:
          - {name: Zoe Zed, email: zoe@zeta.test}
    """,
}


def inbox_site(make_site, changes: dict[str, str | bytes | None] | None = None) -> Path:
    """The site, committed: approvals can name only committed versions."""
    root = make_site({**INBOX_SITE, **(changes or {})})
    init_repo(root)
    (root / ".gitignore").write_text("output/\n*.eml\n*.mbox\n*.json\n*.csv\n.portal-secrets\n")
    commit(root, "the site", "2026-11-01T10:00:00+00:00")
    return root


def build(root: Path) -> None:
    result = portal("build", "--content", root / "content", "--out", root / "output",
                    "--as-of", AS_OF)
    assert result.exit_code == 0, result.output


def run_inbox(root: Path, *args: str | Path) -> Result:
    """`portal inbox` in-process, from the site's root (git commits need it)."""
    return portal("inbox", "--content", root / "content", "--as-of", AS_OF, *args)


def save(root: Path, name: str, *messages: bytes) -> Path:
    """Messages saved by a mail program: one .eml, or several in an mbox (mboxrd)."""
    path = root / name
    if name.endswith(".eml"):
        (raw,) = messages
        path.write_bytes(raw)
        return path
    with path.open("wb") as mbox:
        for raw in messages:
            mbox.write(b"From MAILER-DAEMON Fri Nov 20 09:30:00 2026\n")
            for line in raw.replace(b"\r\n", b"\n").splitlines(keepends=True):
                quoted = line.lstrip(b">").startswith(b"From ")
                mbox.write(b">" + line if quoted else line)
            mbox.write(b"\n")
    return path


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def dns(monkeypatch, keys: KeyRing) -> None:
    """DKIM keys come from the key ring, never from DNS."""
    monkeypatch.setattr("generator.inbox.trust.lookup_txt", keys.lookup)


def changed_lines(root: Path, since: str) -> list[str]:
    """The lines `git diff` shows added or removed since a commit (without file headers)."""
    diff = git(root, "diff", since, "HEAD", "--unified=0")
    return [line for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def conversation(root: Path, keys: KeyRing) -> list[bytes]:
    """What arrives from the built portal: Carl's approval of the scope, his survey answer and
    his question about the launch (each from its mailto: link), and Ann's answer to it; each
    DKIM-signed by its sender's domain."""
    from datetime import datetime, timezone

    from mailkit import answered, mailto_in, message, page

    carl = "Carl Client <carl@acme.test>"
    approval = mailto_in(page(root, "acme/scope.html"), "approve")
    survey = mailto_in(page(root, "acme/index.html"), "survey-send")
    question = mailto_in(page(root, "acme/timeline.html"),
                         about="Ref: acme/milestones/launch")
    answer = message(sender="Ann Manager <ann@agency.test>", to=carl, subject="Re: launch",
                     message_id="<answer-1@agency.test>", in_reply_to="<question-1@acme.test>",
                     date=datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc),
                     body="Yes: the launch moves to January 22.\n\nOn Fri, Nov 20, 2026 Carl "
                          "Client wrote:\n> Can we move the launch by a week?\n")
    return [
        keys.sign(answered(approval, carl, "<approval-1@acme.test>"), "acme.test"),
        keys.sign(answered(survey, carl, "<survey-1@acme.test>",
                           fill={"Answer: ": "10", "What could we do better?\n": "Nothing."}),
                  "acme.test"),
        keys.sign(answered(question, carl, "<question-1@acme.test>",
                           fill={"Hello,\n\n": "Can we move the launch by a week?\n"
                                 "<img src=x onerror=alert(1)>"}), "acme.test"),
        keys.sign(answer, "agency.test"),
    ]
