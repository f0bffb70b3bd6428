"""Whole builds of small sites: pages, links, feeds, determinism, atomic and safe output."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import icalendar

from conftest import BASE_SITE, build_site, built, portal, snapshot
from linkcheck import broken_links

PAGES = ["index.html", "scope.html", "requirements.html", "requirements/intake.html",
         "timeline.html", "invoices.html", "invoices/2026-10.html", "invoices/2026-09.html",
         "updates.html", "contact.html", "feed.xml", "calendar.ics", "assets/style.css",
         "assets/brand.css", "assets/agency/logo.svg", "files/brief.pdf", "files/ann.svg"]


def test_build_writes_every_page(make_site):
    root = make_site()
    result = build_site(root)
    assert result.exit_code == 0, result.output
    assert "built 1 portal," in result.output
    portal_dir = root / "output" / "acme"
    for page in PAGES:
        assert (portal_dir / page).is_file(), page
    assert (root / "output" / ".clientportal").is_file()


def test_relative_links_resolve_inside_the_portal(make_site):
    root = make_site()
    result = build_site(root)
    assert result.exit_code == 0, result.output
    assert len(list((root / "output" / "acme").rglob("*.html"))) == len([page for page in PAGES if page.endswith(".html")])
    assert broken_links(root / "output" / "acme") == []


def test_pages_carry_security_and_language_meta(make_site):
    root = make_site()
    result = build_site(root)
    assert result.exit_code == 0, result.output
    pages = sorted((root / "output" / "acme").rglob("*.html"))
    assert len(pages) == len([page for page in PAGES if page.endswith(".html")])
    for page in pages:
        html = page.read_text()
        assert '<html lang="en">' in html
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
        assert '<meta name="referrer" content="strict-origin">' in html
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_invoice_figures_and_status(make_site):
    root = make_site()
    built(root)
    invoices = (root / "output/acme/invoices.html").read_text()
    assert "€1,323.21" in invoices and "€1,210.00" in invoices
    page = (root / "output/acme/invoices/2026-10.html").read_text()
    assert "Overdue" in page
    assert "−€123.88" in page
    assert "Tax 21% on €900.00" in page and "€189.00" in page
    assert "Tax 9% on €214.87" in page and "€19.34" in page
    assert "Invoice 0123" in page
    overview = (root / "output/acme/index.html").read_text()
    assert "€1,323.21" in overview  # the open balance


def test_timeline_groups_on_the_build_date(make_site):
    root = make_site()
    built(root)
    html = (root / "output/acme/timeline.html").read_text()
    overdue = html.index('id="group-overdue"')
    upcoming = html.index('id="group-upcoming"')
    done = html.index('id="group-done"')
    assert overdue < html.index("Design sign-off", overdue) < upcoming
    assert upcoming < html.index("Launch", upcoming) < done
    assert "22 days overdue" in html and "in 53 days" in html


def test_calendar_parses_and_follows_rfc5545(make_site):
    root = make_site()
    built(root)
    raw = (root / "output/acme/calendar.ics").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"kickoff.acme@clientportal", "design.acme@clientportal",
                           "launch.acme@clientportal"}
    kickoff = events["kickoff.acme@clientportal"]
    assert str(kickoff["DTSTART"].dt) == "2026-09-01"
    assert str(kickoff["DTEND"].dt) == "2026-09-02"  # exclusive end of an all-day event
    assert events["launch.acme@clientportal"]["DTSTART"].dt.isoformat() == "2027-01-15T09:00:00+00:00"
    assert str(calendar["REFRESH-INTERVAL"].dt) == "12:00:00"
    assert calendar["X-PUBLISHED-TTL"] == "PT12H"


def test_atom_feed(make_site):
    root = make_site()
    built(root)
    feed = ET.parse(root / "output/acme/feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == ["Status report"]
    assert entries[0].findtext("a:updated", namespaces=ns) == "2026-10-31T23:00:00Z"
    assert entries[0].find("a:link", ns).get("href") == "updates.html#2026-11-01-status"


def test_two_builds_are_byte_identical_wherever_they_run(make_site, tmp_path_factory):
    first = make_site()
    assert build_site(first).exit_code == 0
    other = tmp_path_factory.mktemp("elsewhere")
    from conftest import write_files
    write_files(other, BASE_SITE)
    assert build_site(other).exit_code == 0
    built = snapshot(first / "output")
    assert any(name.endswith("acme/index.html") for name in built)
    assert built == snapshot(other / "output")
    assert build_site(first).exit_code == 0
    assert snapshot(first / "output") == snapshot(other / "output")


def test_build_date_from_source_date_epoch(make_site, monkeypatch):
    root = make_site()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21 UTC
    result = portal("build", "--content", root / "content", "--out", root / "output")
    assert result.exit_code == 0, result.output
    assert "as of 2026-09-21" in result.output
    # dates never break: their spaces are no-break spaces
    assert ("Information as of September\u00a021,\u00a02026."
            in (root / "output/acme/index.html").read_text(encoding="utf-8"))


def test_bad_as_of_is_a_usage_error(make_site):
    root = make_site()
    result = build_site(root, "--as-of", "tomorrow")
    assert result.exit_code == 2
    assert "is not a date" in result.output


def test_refuses_to_write_into_a_foreign_folder(make_site):
    root = make_site()
    precious = root / "output" / "thesis.txt"
    precious.parent.mkdir()
    precious.write_text("years of work")
    result = build_site(root)
    assert result.exit_code == 2
    assert "refusing to write into it" in result.output
    assert precious.read_text() == "years of work"
    assert sorted(p.name for p in (root / "output").iterdir()) == ["thesis.txt"]


def test_removed_client_and_document_leave_nothing_behind(make_site):
    root = make_site({"content/beta/client.yaml": """
        name: Beta
        account_manager: {name: Bo, email: bo@agency.test}
    """})
    built(root)
    assert (root / "output/beta/index.html").is_file()
    os.remove(root / "content/beta/client.yaml")
    os.rmdir(root / "content/beta")
    os.remove(root / "content/acme/requirements/intake.md")
    (root / "content/acme/scope.md").write_text("---\ntitle: S\n---\nNo links.\n")
    (root / "content/acme/deadlines.yaml").write_text("milestones: []\n")
    assert build_site(root).exit_code == 0
    assert not (root / "output/beta").exists()
    assert not (root / "output/acme/requirements/intake.html").exists()


def test_one_client_build_keeps_the_others(make_site):
    root = make_site({"content/beta/client.yaml": """
        name: Beta
        account_manager: {name: Bo, email: bo@agency.test}
    """})
    built(root)
    before = snapshot(root / "output/beta")
    result = build_site(root, "--client", "acme", "--force")
    assert result.exit_code == 0 and "built 1 portal," in result.output
    assert snapshot(root / "output/beta") == before
    assert build_site(root, "--client", "nobody").exit_code == 2


def test_no_staging_folder_is_left_behind(make_site):
    root = make_site()
    built(root)
    (root / "content/acme/scope.md").write_text("no front matter\n")
    assert build_site(root).exit_code == 1  # a failed build leaves none either
    assert sorted(p.name for p in root.iterdir()) == ["content", "output"]


def test_check_writes_nothing(make_site):
    root = make_site()
    result = portal("check", "--content", root / "content", "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert not (root / "output").exists()
    (root / "content/acme/scope.md").write_text("---\ntitle: S\n---\n[x](files/gone.pdf)\n")
    result = portal("check", "--content", root / "content", "--as-of", "2026-11-23")
    assert result.exit_code == 1
    assert "scope.md:4: attachment 'files/gone.pdf' not found" in result.output


def test_html_in_yaml_values_is_escaped(make_site):
    root = make_site({"content/acme/deadlines.yaml": """
        milestones:
          - {id: x, title: "<img src=x onerror=alert(1)>", due: 2026-12-01}
    """})
    built(root)
    html = (root / "output/acme/timeline.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_content_folder_without_clients_builds_nothing(tmp_path: Path):
    from conftest import write_files
    write_files(tmp_path, {"content/portal.yaml": "agency: {name: Solo}\n"})
    result = build_site(tmp_path)
    assert result.exit_code == 0
    assert "built 0 portals" in result.output
