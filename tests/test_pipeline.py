"""One pipeline: `portal check` fails wherever `portal build` fails, with the same file and
line; one rule for a due day and for "what's new" whatever the time zones; one selection of
clients, whose typo is a usage error."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from conftest import AS_OF, BASE_SITE, build_site, portal
from gitrepo import commit, init_repo
from protected_site import PASSWORDS, SECRET, VAULT_SITE

# Content a build fails on, each with the error line it must name (file:line: message).
PROFILE = BASE_SITE["content/acme/client.yaml"].rstrip() + "\n"  # lines indented by 8


def _profile(*lines: str) -> str:
    """acme's client.yaml with these lines added."""
    return PROFILE + "".join(f"        {line}\n" for line in lines)

FAILING = {
    "unknown contact": (
        {"content/acme/client.yaml": _profile("access: {mode: password, contacts: [Nobody Here]}")},
        "acme/client.yaml:13: access.contacts: 'Nobody Here' is not one of the client's contacts"),
    "nobody to open it": (
        {"content/acme/client.yaml": _profile("access: {mode: password}").replace(
            "        contacts:\n          - {name: Carl Client, role: CTO, email: carl@acme.test, "
            "decision_maker: true}\n", "")},
        "acme/client.yaml:11: access: password mode needs at least one contact"),
    "link without a secret": (
        {"content/acme/client.yaml": _profile("access: {mode: link}")},
        "acme/client.yaml:13: access: this portal needs the secret PORTAL_SECRET"),
    "missing password": (
        {**VAULT_SITE},
        "vault/client.yaml:10: access: no password for contact 'Otto Other'"),
    "unknown manager": (
        {"content/portal.yaml": BASE_SITE["content/portal.yaml"].rstrip()
         + "\n        overview_access: {mode: password, managers: [Bob Nobody]}\n"},
        "portal.yaml:14: overview_access.managers: 'Bob Nobody' is not an account manager"),
    "broken template": (
        {"content/portal.yaml": BASE_SITE["content/portal.yaml"].rstrip()
         + "\n        theme: ../brand\n",
         "brand/templates/contact.html": '{% extends "!default/contact.html" %}\n'
                                         "{% block content %}\n{{ nothing.here }}\n"
                                         "{% endblock %}\n"},
        "brand/templates/contact.html:3: 'nothing' is undefined"),
    "long overdue invoice, strict": (
        {"content/acme/invoices/2026-08.yaml": 'number: "0120"\nissued: 2026-08-01\n'
         "due: 2026-08-15\nitems:\n  - {description: R, quantity: 1, unit_price: 1, "
         "tax_rate: 0}\n"},
        "acme/invoices/2026-08.yaml:3: warning: invoice 0120 is unpaid 100 days"),
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_check_fails_where_build_fails_with_the_same_file_and_line(make_site, monkeypatch,
                                                                   case):
    files, expected = FAILING[case]
    monkeypatch.setenv("PORTAL_PASSWORD_VAULT__VERA_VAULT", PASSWORDS[
        "PORTAL_PASSWORD_VAULT__VERA_VAULT"])
    if case == "missing password":
        monkeypatch.setenv("PORTAL_SECRET", SECRET)
    root = make_site(files)
    strict = ("--strict",) if "strict" in case else ()
    checked = portal("check", "--content", root / "content", "--as-of", AS_OF,
                     "--format", "json", *strict)
    assert checked.exit_code == 1, checked.output
    found = {f"{p['path']}:{p['line']}: " + ("warning: " if p["severity"] == "warning" else "")
             + p["message"] for p in json.loads(checked.output)["problems"]}
    assert any(expected in problem for problem in found), found
    built = build_site(root)
    assert expected in built.output
    if strict:  # a warning never stops a build
        assert built.exit_code == 0
        return
    assert built.exit_code == 1
    assert not (root / "output").exists() or not any((root / "output").glob("*/index.html"))
    errors = {line for line in built.output.splitlines()
              if line in found and "warning: " not in line}
    assert errors == {p for p in found if "warning: " not in p}  # the same errors, no more


def test_check_of_a_clean_site_reports_what_build_reports(make_site):
    root = make_site()
    checked = portal("check", "--content", root / "content", "--as-of", AS_OF)
    built = build_site(root)
    assert checked.exit_code == built.exit_code == 0
    warnings = [line for line in built.output.splitlines() if "warning:" in line]
    assert warnings and all(line in checked.output for line in warnings)
    assert "ok: 1 client, 0 errors, 1 warning" in checked.output


# ---------------------------------------------------------------- the due day


def _milestones(due: str, timezone: str) -> dict[str, str | bytes | None]:
    profile = _profile(f"timezone: {timezone}")
    deadlines = f'milestones:\n  - {{id: late, title: Late call, due: "{due}"}}\n'
    return {"content/acme/client.yaml": profile, "content/acme/deadlines.yaml": deadlines}


ZONES = [  # due, client's zone, build date, the day the portal shows it due
    ("2026-11-23T23:30:00-05:00", "Europe/Warsaw", "2026-11-24", "2026-11-24"),
    ("2026-11-24T01:30:00+09:00", "America/New_York", "2026-11-23", "2026-11-23"),
    ("2026-11-24T00:30:00", "Asia/Seoul", "2026-11-24", "2026-11-24"),
    ("2026-11-24T08:00:00Z", "Pacific/Kiritimati", "2026-11-24", "2026-11-24"),
    ("2026-11-24T08:00:00Z", "Pacific/Pago_Pago", "2026-11-23", "2026-11-23"),
]


@pytest.mark.parametrize(("due", "zone", "as_of", "day"), ZONES)
def test_the_overview_next_deadline_is_the_timeline_s(make_site, due, zone, as_of, day):
    from generator.pipeline.client import ClientPipeline
    from generator.render.figures import next_deadline
    from generator.render.timeline import timeline_entries

    root = make_site(_milestones(due, zone))
    client, problems = ClientPipeline(root / "content").client("acme", date.fromisoformat(as_of))
    assert client is not None, problems
    entry = timeline_entries(client.milestones, client.timezone, date.fromisoformat(as_of),
                             {})[0]
    assert entry.day.isoformat() == day and entry.state == "upcoming"
    assert next_deadline(client, date.fromisoformat(as_of)).due == entry.day
    # and the same day in the portal, the agency overview and `portal report`
    assert build_site(root, "--as-of", as_of, "--force").exit_code == 0
    timeline = (root / "output/acme/timeline.html").read_text()
    shown = format_date(date.fromisoformat(day), "medium", locale="en").replace(" ", "\u00a0")
    assert shown in timeline  # dates never break across lines
    report = json.loads(portal("report", "--content", root / "content", "--as-of", as_of,
                               "--format", "json").output)
    assert report["clients"][0]["next_deadline"] == {"due": day, "title": "Late call"}
    overview = (root / "output/_agency/index.html").read_text()
    assert f'data-value="{day}"' in overview


def test_a_milestone_due_the_day_before_is_overdue_and_not_next(make_site):
    root = make_site(_milestones("2026-11-23T23:30:00+01:00", "Europe/Warsaw"))
    report = json.loads(portal("report", "--content", root / "content", "--as-of",
                               "2026-11-24", "--format", "json").output)
    assert report["clients"][0]["next_deadline"] is None


# ---------------------------------------------------------------- what's new


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_a_change_made_late_in_the_day_is_new_east_and_west_of_the_agency(make_site, zone):
    root = make_site({"content/acme/client.yaml": _profile(f"timezone: {zone}")})
    init_repo(root)
    commit(root, "Start", "2026-09-01T09:00:00+00:00")
    intake = root / "content/acme/requirements/intake.md"
    intake.write_text(intake.read_text() + "\nLate news.\n")
    late = "2026-11-23T23:50:00+01:00"  # the agency (Europe/Amsterdam): late on the build date
    commit(root, "Late edit", late)
    assert build_site(root).exit_code == 0  # as of 2026-11-23
    overview = (root / "output/acme/index.html").read_text()
    new = overview.split('id="changes-title"', 1)[1].split("</section>", 1)[0]
    assert "requirements/intake.html" in new
    shown = datetime.fromisoformat(late).astimezone(ZoneInfo(zone)).date().isoformat()
    assert f'datetime="{shown}"' in new  # dated in the client's own zone


def test_a_change_after_the_build_date_is_not_new_yet(make_site):
    root = make_site()
    init_repo(root)
    commit(root, "Start", "2026-09-01T09:00:00+00:00")
    intake = root / "content/acme/requirements/intake.md"
    intake.write_text(intake.read_text() + "\nTomorrow's news.\n")
    commit(root, "Next day", "2026-11-24T00:10:00+01:00")
    assert build_site(root).exit_code == 0
    overview = (root / "output/acme/index.html").read_text()
    changes = overview.split('id="changes-title"', 1)[1].split("</section>", 1)[0]
    assert "requirements/intake.html" not in changes
    assert "Nothing changed in the last 30 days." in changes


# ---------------------------------------------------------------- client selection


def test_an_unknown_client_is_a_usage_error_everywhere(make_site):
    root = make_site()
    built = build_site(root, "--client", "nope")
    assert built.exit_code == 2 and "no such client: nope (known: acme)" in built.output
    served = portal("serve", "--content", root / "content", "--client", "nope")
    assert served.exit_code == 2 and "no such client: nope (known: acme)" in served.output
    assert not (root / "output").exists()


def test_usage_and_content_errors_have_their_own_exit_codes(make_site):
    root = make_site()
    assert build_site(root, "--shard", "3/2").exit_code == 2
    (root / "elsewhere").mkdir()
    (root / "elsewhere/notes.txt").write_text("mine")
    assert portal("build", "--content", root / "content", "--out",
                  root / "elsewhere").exit_code == 2
    (root / "content/acme/scope.md").write_text("no front matter\n")
    assert build_site(root).exit_code == 1
