"""One state, computed once: a document under sign-off is approved only while an approval names
its current text; the agency overview and `portal report` lead with overdue milestones."""

from __future__ import annotations

import json

from conftest import AS_OF, build_site, portal

OLD = "sha256:" + "0" * 64
SCOPE = f"""---
title: Scope of work
status: approved
version: "2.0"
approval: required
approvals:
  - {{by: Carl Client, on: 2026-06-19, version: "2.0", fingerprint: "{OLD}"}}
---
## Goals

Changed since it was approved.
"""


def test_approved_without_an_approval_of_this_text_is_in_review_and_a_warning(make_site,
                                                                               monkeypatch):
    root = make_site({"content/acme/scope.md": SCOPE})
    monkeypatch.chdir(root)
    check = portal("check")
    assert check.exit_code == 0, check.output
    assert "content/acme/scope.md:3: warning: status: approved, but no approval names this " \
           "text" in check.output
    assert build_site(root).exit_code == 0
    page = (root / "output/acme/scope.html").read_text()
    assert "Changed since approval" in page
    assert ">Approved<" not in page
    report = json.loads(_json(root))
    assert report["clients"][0]["awaiting_approval"] == ["Scope of work"]


def _json(root) -> str:
    output = portal("report", "--content", root / "content", "--format", "json",
                    "--as-of", AS_OF).output
    return output[output.index("{"):]


def test_the_overview_and_the_report_lead_with_overdue_milestones(make_site):
    """acme's design sign-off was due 2026-11-01 and is not done: as of 2026-11-23 it is
    overdue, and the next deadline (launch) alone would make the project look on track."""
    root = make_site()
    report = json.loads(_json(root))
    row = report["clients"][0]
    assert row["overdue_milestones"] == 1
    assert row["oldest_overdue"] == {"due": "2026-11-01", "title": "Design sign-off"}
    table = portal("report", "--content", root / "content", "--as-of", AS_OF).output
    assert "1 (oldest 2026-11-01)" in table
    assert build_site(root).exit_code == 0
    overview = (root / "output/_agency/index.html").read_text()
    cell = overview[overview.index('data-label="Next deadline"'):]
    cell = cell[:cell.index("</td>")]
    assert "1 milestone overdue" in cell and "Design sign-off" in cell
    assert cell.index("Design sign-off") < cell.index("Launch")
