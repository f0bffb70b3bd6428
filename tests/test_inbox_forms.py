"""`portal inbox --from EXPORT`: the portal's forms, as Formspree, Basin and Netlify Forms
export their submissions (JSON, CSV). The fields are those the built pages post (hidden fields
read from the pages); what the client fills in is added as a browser would. Questions and
survey answers are taken from a contact's address; an approval is listed until the agency
confirms it with --accept; the hostile cases behave as they do by e-mail."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from gitrepo import git
from inboxsite import PORTAL_YAML, build, head, inbox_site, run_inbox
from talk import SCOPE, asking, fingerprint_of

FORMS = {"content/portal.yaml": PORTAL_YAML + "forms: {action: https://forms.example.net/f/portal}\n"}


def posted(root: Path, page: str, kind: str, **filled: str) -> dict[str, str]:
    """The fields a form of a built page posts: its hidden fields, then what is filled in."""
    html = (root / "output" / page).read_text(encoding="utf-8")
    form = next(f for f in re.findall(r"<form .*?</form>", html, re.S)
                if f'name="kind" value="{kind}"' in f)
    fields = {unescape(name): unescape(value) for name, value in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
    return {**fields, **filled}


def formspree(*submissions: dict[str, str]) -> str:
    rows = [{"_id": str(number), "_date": "2026-11-20T09:30:00.000000", **fields}
            for number, fields in enumerate(submissions, 1)]
    return json.dumps({"fields": sorted({k for row in rows for k in row}),
                       "submissions": rows}, ensure_ascii=False)


def basin(*submissions: dict[str, str]) -> str:
    return json.dumps([{"id": 1000 + number, "created_at": "2026-11-20T09:30:00Z",
                        "payload_params": fields}
                       for number, fields in enumerate(submissions, 1)], ensure_ascii=False)


def netlify(*submissions: dict[str, str]) -> str:
    return json.dumps([{"id": f"65f{number:05d}", "number": number,
                        "created_at": "2026-11-20T09:30:00.000Z", "data": fields,
                        "human_fields": {}} for number, fields in enumerate(submissions, 1)],
                      ensure_ascii=False)


def as_csv(*submissions: dict[str, str]) -> str:
    columns = ["id", "created_at", *sorted({k for s in submissions for k in s})]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for number, fields in enumerate(submissions, 1):
        writer.writerow({"id": f"row-{number}", "created_at": "2026-11-20 09:30:00", **fields})
    return out.getvalue()


EXPORTS = {"formspree.json": formspree, "basin.json": basin, "netlify.json": netlify,
           "export.csv": as_csv}


@pytest.fixture
def forms_site(make_site, monkeypatch) -> Path:
    for name, value in {"GIT_AUTHOR_NAME": "Portal Inbox", "GIT_AUTHOR_EMAIL": "ci@agency.test",
                        "GIT_COMMITTER_NAME": "Portal Inbox",
                        "GIT_COMMITTER_EMAIL": "ci@agency.test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTAL_SMTP_HOST", raising=False)
    root = inbox_site(make_site, FORMS)
    build(root)
    return root


def good_submissions(root: Path) -> list[dict[str, str]]:
    return [
        posted(root, "acme/contact.html", "question", about="milestones/launch",
               email="Carl@Acme.test", message="Can we move it a week?\n<b>Please</b>"),
        posted(root, "acme/index.html", "satisfaction", nps="9", csat="4",
               comment="Faster replies.", by="Carl Client", email="carl@acme.test"),
        posted(root, "acme/scope.html", "approval", by="Carl Client", email="carl@acme.test"),
    ]


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_services_export_records_questions_and_answers_and_lists_approvals(
        forms_site, name):
    root = forms_site
    export = root / name
    export.write_text(EXPORTS[name](*good_submissions(root)), encoding="utf-8")
    before = head(root)
    result = run_inbox(root, "--from", export, "--commit", "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert [item["status"] for item in items] == ["recorded", "recorded", "to confirm"]
    approval_id = items[2]["id"]
    assert approval_id.startswith("form:") and f"--accept {approval_id}" in items[2]["reason"]
    assert git(root, "diff", "--name-only", before, "HEAD").split() == [
        "content/acme/questions/milestones-launch.yaml", "content/acme/satisfaction.yaml"]
    thread = yaml.safe_load((root / "content/acme/questions/milestones-launch.yaml").read_text())
    assert thread["messages"][0]["text"] == "Can we move it a week?\n<b>Please</b>\n"

    # the agency confirms the approval: recorded, naming the submission
    result = run_inbox(root, "--from", export, "--commit", "--accept", approval_id)
    assert result.exit_code == 0, result.output
    assert "1 recorded, 2 already recorded, 0 rejected, 0 to confirm" in result.output
    scope = (root / "content/acme/scope.md").read_text()
    assert f"fingerprint: {fingerprint_of(asking(SCOPE))}" in scope
    assert f"message_id: {approval_id}" in scope


def hostile_submissions(root: Path) -> list[tuple[str, dict[str, str], str]]:
    question = posted(root, "acme/contact.html", "question", about="scope",
                      email="carl@acme.test", message="A question")
    approval = posted(root, "acme/scope.html", "approval", by="Carl Client",
                      email="carl@acme.test")
    survey = posted(root, "acme/index.html", "satisfaction", nps="9", csat="4",
                    by="Carl Client", email="carl@acme.test")
    return [
        ("an address that is no contact's", {**question, "email": "carl@acme.test.evil.test"},
         "is not a contact of acme"),
        ("another client's contact", {**question, "email": "zoe@zeta.test"},
         "zoe@zeta.test is a contact of another client (zeta), not of acme"),
        ("the fingerprint of a text never committed",
         {**approval, "fingerprint": "sha256:" + "ab" * 32},
         "matches no committed version of acme/scope.md"),
        ("an approval naming one contact with another's address",
         {**approval, "by": "Dana Doe"}, "names 'Dana Doe' but the address of Carl Client"),
        ("a topic the portal does not show", {**question, "about": "../../etc/passwd"},
         "asks about '../../etc/passwd', which the portal of acme does not show"),
        ("an oversized message", {**question, "message": "x" * 60_000},
         "is longer than 20,000 characters"),
        ("control characters", {**question, "message": "a\x1b[31mred\x00"},
         "holds control characters"),
        ("a score out of range", {**survey, "nps": "11"}, "answers '11' where 0 to 10 is asked"),
        ("no ref field", {k: v for k, v in question.items() if k != "ref"},
         "is not a submission of the portal's forms"),
        ("a ref of another kind", {**question, "kind": "approval"},
         "its kind and ref fields disagree"),
        ("a portal that is no client's",
         {**question, "ref": "Ref: nobody/general"},
         "names the portal 'nobody', which is no client's"),
    ]


@pytest.mark.parametrize("name", list(EXPORTS))
def test_the_hostile_cases_from_an_export_are_rejected_and_write_nothing(forms_site, name):
    root = forms_site
    cases = hostile_submissions(root)
    export = root / name
    export.write_text(EXPORTS[name](*[fields for _, fields, _ in cases]), encoding="utf-8")
    before = head(root)
    result = run_inbox(root, "--from", export, "--commit", "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    for (case, _, reason), item in zip(cases, items, strict=True):
        assert item["status"] == "rejected", case
        assert reason in item["reason"], (case, item["reason"])
    assert head(root) == before and git(root, "status", "--porcelain", "content") == ""


def test_a_replayed_submission_is_recorded_once(forms_site):
    root = forms_site
    question = good_submissions(root)[0]
    export = root / "replayed.json"
    export.write_text(json.dumps({"submissions": [
        {"_id": "7", "_date": "2026-11-20T09:30:00", **question},
        {"_id": "7", "_date": "2026-11-20T09:30:00", **question}]}))
    result = run_inbox(root, "--from", export, "--format", "json")
    items = json.loads(result.stdout)["items"]
    assert [item["status"] for item in items] == ["recorded", "already recorded"]
    assert "a copy of" in items[1]["reason"]


@pytest.mark.parametrize(("content", "name", "expected"), [
    (b'{"submissions": [', "broken.json", "line 1: not JSON"),
    ("kind,ref\nquestion,Ref: acme/scope\n".encode("cp1250") + b"\xb9\n",
     "latin.csv", "not UTF-8 text"),
    (b'[' * 100_000, "deep.json", "nests too deep"),
    (b'{"fields": []}', "other.json", "no list of submissions"),
])
def test_an_export_that_is_no_export_is_an_error_naming_the_file(forms_site, content, name,
                                                                  expected):
    root = forms_site
    (root / name).write_bytes(content)
    result = run_inbox(root, "--from", root / name)
    assert result.exit_code == 1
    assert f"{name}: " in result.output and expected in result.output
    assert git(root, "status", "--porcelain", "content") == ""
