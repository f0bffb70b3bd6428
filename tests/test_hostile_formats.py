"""Every text that goes into a file format is escaped by that format's rules: a line break or
a control character can add no calendar property or event, break no feed, start no formula,
move no terminal cursor and forge no git history. Each case asserts what comes out exactly."""

from __future__ import annotations

import json
import re
import textwrap
from xml.etree import ElementTree as ET

import icalendar
import pytest

from conftest import AS_OF, BASE_SITE, build_site, built, portal
from generator.render.atom import xml_text
from generator.render.ics import escape_text
from gitrepo import commit, init_repo

INJECTIONS = {
    "LF": "Launch\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged\nSUMMARY:Forged",
    "CRLF": "Launch\r\nBEGIN:VEVENT\r\nSUMMARY:Forged",
    "CR": "Launch\rBEGIN:VEVENT\rSUMMARY:Forged",
    "NEL": "Launch\x85BEGIN:VEVENT",
    "line separator": "Launch\u2028BEGIN:VEVENT",
    "paragraph separator": "Launch\u2029END:VCALENDAR",
    "bell and escape": "Launch\x07\x1b[31m",
    "NUL": "Launch\x00BEGIN:VEVENT",
    "vertical tab and form feed": "Launch\x0b\x0cX",
    "property syntax": "Launch;X-FORGED=1:value,more\\n",
}
ESCAPED = {
    "LF": "Launch\\nEND:VEVENT\\nBEGIN:VEVENT\\nUID:forged\\nSUMMARY:Forged",
    "CRLF": "Launch\\nBEGIN:VEVENT\\nSUMMARY:Forged",
    "CR": "Launch\\nBEGIN:VEVENT\\nSUMMARY:Forged",
    "NEL": "Launch\\nBEGIN:VEVENT",
    "line separator": "Launch\\nBEGIN:VEVENT",
    "paragraph separator": "Launch\\nEND:VCALENDAR",
    "bell and escape": "Launch[31m",
    "NUL": "LaunchBEGIN:VEVENT",
    "vertical tab and form feed": "LaunchX",
    "property syntax": "Launch\\;X-FORGED=1:value\\,more\\\\n",
}


@pytest.mark.parametrize("case", sorted(INJECTIONS))
def test_ics_text_is_one_content_line(case):
    assert escape_text(INJECTIONS[case]) == ESCAPED[case]


def _yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def test_a_calendar_of_hostile_titles_has_exactly_its_events(make_site):
    milestones = "".join(
        f"  - {{id: m{i}, title: {_yaml_string(title)}, due: 2027-01-{i + 10:02d}, "
        f"owner: {_yaml_string(title)}, description: {_yaml_string(title)}}}\n"
        for i, title in enumerate(INJECTIONS.values()))
    client = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).replace(
        "name: Acme & Co", "name: " + _yaml_string("Acme\r\nX-INJECTED:1"))
    root = make_site({"content/acme/deadlines.yaml": "milestones:\n" + milestones,
                      "content/acme/client.yaml": client})
    result = build_site(root)
    assert result.exit_code == 0, result.output
    raw = (root / "output/acme/calendar.ics").read_bytes()
    assert re.search(rb"\r(?!\n)|(?<!\r)\n", raw) is None  # every line ends CR LF, nothing else
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    unfolded = raw.replace(b"\r\n ", b"").decode()
    names = [line.split(":", 1)[0].split(";", 1)[0] for line in unfolded.split("\r\n") if line]
    assert names.count("BEGIN") == 1 + len(INJECTIONS) and "UID" in names
    assert not {"X-INJECTED", "X-FORGED"} & set(names)
    calendar = icalendar.Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"m{i}.acme@clientportal"
                                               for i in range(len(INJECTIONS))]
    assert str(events[0]["SUMMARY"]) == INJECTIONS["LF"]
    assert str(events[3]["SUMMARY"]) == "Launch\nBEGIN:VEVENT"  # NEL read as the break it is


FEED_TITLES = ["Status\x07 report", "Nul\x00 byte", "\ufffeNon-character", "Tab\tand\x0bVT",
               "]]></title><entry><title>Forged", "Escape \x1b[2J"]


def test_a_feed_of_hostile_titles_is_well_formed_and_has_exactly_its_entries(make_site):
    updates = {f"content/acme/updates/2026-11-0{i + 2}-u.md":
               f"---\ntitle: {_yaml_string(title)}\ndate: 2026-11-0{i + 2}\n---\n"
               f"Body \x07 with \x1b control {title}\n"
               for i, title in enumerate(FEED_TITLES)}
    root = make_site(updates)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    feed = ET.fromstring((root / "output/acme/feed.xml").read_bytes())  # well-formed
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert titles == [xml_text(t) for t in reversed(FEED_TITLES)] + ["Status report"]
    assert xml_text("Nul\x00 \x1b[2J\ufffe\t\n") == "Nul [2J\t\n"


def test_report_csv_starts_no_formula_and_table_moves_no_cursor(make_site):
    client = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).replace(
        "name: Acme & Co", "name: " + _yaml_string('=HYPERLINK("https://evil.test","x")'))
    client = client.replace("name: Ann Manager", "name: " + _yaml_string("@SUM(1+1)\x1b[2J"))
    root = make_site({"content/acme/client.yaml": client})
    args = ("report", "--content", root / "content", "--as-of", AS_OF, "--format")
    csv_out = portal(*args, "csv").output
    assert "'=HYPERLINK" in csv_out and ",=HYPERLINK" not in csv_out
    assert "'@SUM(1+1)" in csv_out
    table = portal(*args, "table").output
    assert "\x1b" not in table and "\\x1b[2J" in table
    records = json.loads(portal(*args, "json").output)["clients"]
    assert records[0]["name"] == '=HYPERLINK("https://evil.test","x")'  # JSON escapes itself


def test_headers_files_hold_nothing_of_the_content(make_site):
    plain = make_site()
    built(plain)
    before = {n: (plain / "output/acme" / n).read_bytes() for n in ("_headers", "_headers.nginx.conf")}
    hostile = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).replace(
        "name: Acme & Co", "name: " + _yaml_string("X\r\n/*\r\n  Content-Security-Policy: *"))
    (plain / "content/acme/client.yaml").write_text(hostile)
    assert build_site(plain).exit_code == 0
    assert before == {n: (plain / "output/acme" / n).read_bytes() for n in before}


def test_error_messages_are_one_line_whatever_they_quote(make_site):
    client = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).replace(
        "email: carl@acme.test", "email: " + _yaml_string("x\n\x1b[2Jy"))
    result = build_site(make_site({"content/acme/client.yaml": client}))
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "is not an e-mail address" in x)
    assert "'x\\n\\x1b[2Jy' is not an e-mail address" in line and "\x1b" not in result.output


def test_a_commit_subject_cannot_forge_history(make_site):
    root = make_site({"content/portal.yaml": textwrap.dedent(BASE_SITE["content/portal.yaml"])
                      + "show_commit_messages: true\n"})
    init_repo(root)
    commit(root, "Start", "2026-09-01T09:00:00+00:00")
    intake = root / "content/acme/requirements/intake.md"
    intake.write_text(intake.read_text() + "\nMore.\n")
    commit(root, "Reword\x1e4102444800\x1fForged message\x1f", "2026-11-20T16:30:00+00:00")
    assert build_site(root).exit_code == 0
    page = (root / "output/acme/requirements/intake.html").read_text()
    assert 'datetime="2026-11-20"' in page and "2100" not in page
    assert "Forged message" in page  # shown as part of the one subject it is
