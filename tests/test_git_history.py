"""Dates, histories and "what's new" come from a real git repository, read in one pass."""

from __future__ import annotations

import logging

from conftest import build_site, built
from gitrepo import commit, init_repo


def _history_site(make_site):
    root = make_site()
    init_repo(root)
    commit(root, "Start the portal", "2026-09-01T09:00:00+00:00")
    intake = root / "content/acme/requirements/intake.md"
    intake.write_text(intake.read_text() + "\nMore detail.\n")
    commit(root, "Internal: reword intake after call with Bob", "2026-11-20T16:30:00+00:00")
    return root


def test_last_updated_and_history_come_from_commits(make_site):
    root = _history_site(make_site)
    assert build_site(root).exit_code == 0
    page = (root / "output/acme/requirements/intake.html").read_text()
    assert "Last updated" in page and 'datetime="2026-11-20"' in page
    assert 'data-changed="2026-11-20T16:30:00Z"' in page
    assert 'datetime="2026-09-01"' in page  # the first commit, in the history list
    assert "Internal: reword" not in page  # commit messages are internal by default


def test_whats_new_lists_the_last_30_days_only(make_site):
    root = _history_site(make_site)
    built(root)
    overview = (root / "output/acme/index.html").read_text()
    new = overview.split('id="changes-title"', 1)[1].split("</section>", 1)[0]
    assert "requirements/intake.html" in new
    assert "scope.html" not in new  # last changed 2026-09-01, more than 30 days ago
    assert "assets/visits.js" in overview


def test_commit_messages_are_shown_when_portal_yaml_opts_in(make_site):
    root = _history_site(make_site)
    portal_yaml = root / "content/portal.yaml"
    portal_yaml.write_text(portal_yaml.read_text() + "show_commit_messages: true\n")
    built(root)
    page = (root / "output/acme/requirements/intake.html").read_text()
    assert "Internal: reword intake after call with Bob" in page


def test_outside_git_dates_fall_back_to_front_matter_and_say_so_once(make_site, caplog):
    root = make_site()
    with caplog.at_level(logging.WARNING):
        assert build_site(root).exit_code == 0
    notes = [r for r in caplog.records if "not in a git repository" in r.getMessage()]
    assert len(notes) == 1
    page = (root / "output/acme/requirements/intake.html").read_text()
    assert "Last updated" not in page


def test_calendar_sequence_and_last_modified_follow_each_milestone(make_site):
    root = _history_site(make_site)
    deadlines = root / "content/acme/deadlines.yaml"
    deadlines.write_text(deadlines.read_text().replace("Design sign-off", "Design approval"))
    commit(root, "Rename design milestone", "2026-11-21T08:00:00+00:00")
    built(root)
    calendar = (root / "output/acme/calendar.ics").read_text()
    events = {e.split("UID:", 1)[1].split(".", 1)[0]: e for e in calendar.split("BEGIN:VEVENT")[1:]}
    assert "SEQUENCE:1" in events["design"]
    assert "LAST-MODIFIED:20261121T080000Z" in events["design"]
    assert "SEQUENCE:0" in events["kickoff"]
    assert "LAST-MODIFIED:20260901T090000Z" in events["kickoff"]
