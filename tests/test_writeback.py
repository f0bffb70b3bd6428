"""The content writer (generator.writeback): edits a person would make, nothing else; checked
before anything is written; once per origin; paths only below a client folder."""

from __future__ import annotations

import os
import textwrap
from datetime import date
from decimal import Decimal

import pytest

from conftest import AS_OF, BASE_SITE
from generator.writeback import AppendItem, CreateFile, Origin, apply_edits
from gitrepo import commit, git, init_repo

DAY = date.fromisoformat(AS_OF)
ORIGIN = Origin(kind="mail", id="<m-1@acme.test>", summary="survey answered by Carl Client")
PERSONS_FILE = textwrap.dedent("""\
    # kept by Ann: oldest first
    answers:
      - {on: 2026-09-05, by: Carl Client, nps: 8, round: after-kickoff}  # the kickoff call
      # more below
    """)


def answer(message_id: str = "<m-1@acme.test>", **extra: object) -> AppendItem:
    item = {"on": date(2026, 11, 20), "by": "Carl Client", "nps": 9, "csat": None,
            "comment": "Fine.\nReally.", "round": "2026-Q4", "message_id": message_id, **extra}
    return AppendItem(file="acme/satisfaction.yaml", key_path=("answers",), item=item,
                      origin=Origin(kind="mail", id=message_id, summary="an answer"),
                      seen_by="message_id", new_file="answers:\n")


def test_an_append_keeps_the_persons_comments_order_and_flow_style(make_site):
    root = make_site({"content/acme/satisfaction.yaml": PERSONS_FILE})
    outcome = apply_edits(root / "content", [answer()], as_of=DAY)
    assert outcome.written == ("acme/satisfaction.yaml",)
    assert not [p for p in outcome.problems if p.is_error]
    text = (root / "content/acme/satisfaction.yaml").read_text()
    assert text.startswith("# kept by Ann: oldest first\nanswers:\n  - {on: 2026-09-05, by: "
                           "Carl Client, nps: 8, round: after-kickoff}  # the kickoff call\n")
    added = text.split("# the kickoff call\n", 1)[1]
    assert added.startswith("  - on: 2026-11-20\n    by: Carl Client\n    nps: 9\n"
                            "    comment: |\n      Fine.\n      Really.\n")  # text of lines
    assert "csat" not in text  # None leaves the key out, as a person would
    assert text.rstrip().endswith("# more below")  # the comment below the list stays below


def test_the_same_origin_twice_changes_nothing(make_site):
    root = make_site({"content/acme/satisfaction.yaml": PERSONS_FILE})
    apply_edits(root / "content", [answer()], as_of=DAY)
    before = (root / "content/acme/satisfaction.yaml").read_bytes()
    outcome = apply_edits(root / "content", [answer()], as_of=DAY)
    assert outcome.written == () and [o.id for o in outcome.skipped] == ["<m-1@acme.test>"]
    assert (root / "content/acme/satisfaction.yaml").read_bytes() == before


def test_values_are_written_as_a_person_types_them():
    from generator.writeback.yamledit import append_to_yaml

    item = {"on": date(2026, 11, 2), "amount": Decimal("1323.20"), "reference": "yes",
            "note": "0123", "version": "1.0"}
    text = append_to_yaml("# payments\npayments: []\n", ("payments",), item, "reference")
    assert text is not None and text.startswith("# payments\npayments:\n")
    assert "on: 2026-11-02" in text and "amount: 1323.20" in text
    # never read back as true, 123 or 1.0 (a number), never a Python tag
    assert "reference: 'yes'" in text and "note: '0123'" in text and "version: '1.0'" in text
    assert "!!" not in text


def test_an_error_anywhere_in_the_result_writes_nothing(make_site):
    root = make_site({"content/acme/satisfaction.yaml": PERSONS_FILE})
    scope = (root / "content/acme/scope.md").read_bytes()
    bad = answer("<m-2@acme.test>", nps=11)  # out of range: portal check says so
    approval = AppendItem(file="acme/scope.md", key_path=("approvals",),
                          item={"by": "Carl Client", "on": date(2026, 11, 20),
                                "fingerprint": "sha256:" + "0" * 64, "message_id": "<a@x>"},
                          origin=ORIGIN, seen_by="message_id")
    outcome = apply_edits(root / "content", [approval, bad], as_of=DAY)
    assert outcome.written == ()
    assert any("acme/satisfaction.yaml" in p.path and "nps" in p.message
               for p in outcome.problems if p.is_error)
    assert (root / "content/acme/scope.md").read_bytes() == scope
    assert (root / "content/acme/satisfaction.yaml").read_text() == PERSONS_FILE


def test_front_matter_edits_leave_the_text_below_byte_for_byte(make_site):
    document = textwrap.dedent(BASE_SITE["content/acme/scope.md"]).lstrip("\n")
    crlf = document.replace("\n", "\r\n")
    root = make_site({"content/acme/scope.md": crlf.encode()})
    edit = AppendItem(file="acme/scope.md", key_path=("approvals",),
                      item={"by": "Carl Client", "on": date(2026, 11, 20),
                            "fingerprint": "sha256:" + "a" * 64, "message_id": "<a@x>"},
                      origin=ORIGIN, seen_by="message_id")
    assert apply_edits(root / "content", [edit], as_of=DAY).written == ("acme/scope.md",)
    text = (root / "content/acme/scope.md").read_bytes().decode()
    below = crlf.split("---\r\n", 2)[2]
    assert text.endswith("---\r\n" + below) and "\r\napprovals:\r\n" in text
    assert "\n" not in text.replace("\r\n", "")  # its line ends stay CRLF


@pytest.mark.parametrize("file", ["../outside.yaml", "acme/../zeta/x.yaml", "_agency/x.yaml",
                                  "portal.yaml", "acme/files/x.pdf", "acme/.hidden.yaml",
                                  "acme/a/b/c.yaml", "nobody/x.yaml"])
def test_paths_outside_a_client_folder_are_refused(make_site, file):
    root = make_site()
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    edit = CreateFile(file=file, text="x: 1\n", origin=ORIGIN)
    outcome = apply_edits(root / "content", [edit], as_of=DAY)
    assert outcome.written == () and outcome.problems
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before


def test_a_symbolic_link_is_never_written_through(make_site, tmp_path_factory):
    root = make_site()
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "satisfaction.yaml").write_text("answers:\n")
    os.symlink(elsewhere / "satisfaction.yaml", root / "content/acme/satisfaction.yaml")
    outcome = apply_edits(root / "content", [answer()], as_of=DAY)
    assert outcome.written == () and "symbolic link" in outcome.problems[0].message
    assert (elsewhere / "satisfaction.yaml").read_text() == "answers:\n"


def test_commit_stages_only_what_it_wrote(make_site, monkeypatch):
    for name, value in {"GIT_AUTHOR_NAME": "Writer", "GIT_AUTHOR_EMAIL": "w@agency.test",
                        "GIT_COMMITTER_NAME": "Writer",
                        "GIT_COMMITTER_EMAIL": "w@agency.test"}.items():
        monkeypatch.setenv(name, value)
    root = make_site()
    init_repo(root)
    commit(root, "the site", "2026-11-01T10:00:00+00:00")
    (root / "content/acme/deadlines.yaml").write_text(
        (root / "content/acme/deadlines.yaml").read_text() + "# an edit in progress\n")
    outcome = apply_edits(root / "content", [answer()], as_of=DAY, commit=True)
    assert outcome.commit == git(root, "rev-parse", "HEAD").strip()
    assert git(root, "show", "--name-only", "--format=%B", "HEAD").splitlines() == [
        "Record 1 entry from mail", "", "- mail <m-1@acme.test>: an answer", "", "",
        "content/acme/satisfaction.yaml"]
    assert git(root, "status", "--porcelain").strip() == "M content/acme/deadlines.yaml"
