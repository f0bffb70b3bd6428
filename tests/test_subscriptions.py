"""Subscriptions that work: calendar events with an end, feeds whose links resolve where the
portal is published, webcal:// and "add to" links where the address is known, an honest
download button where it is not, and per-contact secret calendars for password portals."""

from __future__ import annotations

import functools
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import feedparser
import icalendar
import pytest

from conftest import build_site, portal
from protected_site import CANARY, PASSWORDS, SECRET, VAULT_SITE
from s3server import free_port

TIMED = """
    milestones:
      - {id: kickoff, title: Kickoff, due: 2026-09-01, status: done}
      - {id: workshop, title: Workshop, due: "2027-01-10T09:00:00+01:00", duration: 1h30m}
      - id: launch
        title: Launch
        due: "2027-01-15T10:00:00+01:00"
"""
LINK = """
    name: Acme & Co
    locale: en
    account_manager: {name: Ann Manager, email: ann@agency.test, photo: files/ann.svg}
    contacts: [{name: Carl Client, email: carl@acme.test}]
    access: {mode: link}
"""


def _events(ics: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_timed_milestones_end_after_their_duration_or_an_hour(make_site):
    root = make_site({"content/acme/deadlines.yaml": TIMED})
    assert build_site(root).exit_code == 0
    events = _events((root / "output/acme/calendar.ics").read_bytes())
    workshop, launch = events["Workshop"], events["Launch"]
    assert workshop["DTSTART"].dt == datetime(2027, 1, 10, 8, tzinfo=timezone.utc)
    assert workshop["DTEND"].dt - workshop["DTSTART"].dt == timedelta(minutes=90)
    assert launch["DTEND"].dt - launch["DTSTART"].dt == timedelta(hours=1)
    kickoff = events["Kickoff"]  # a day's milestone lasts the day, as before
    assert (kickoff["DTEND"].dt - kickoff["DTSTART"].dt).days == 1


@pytest.mark.parametrize("line,message", [
    ("- {id: x, title: X, due: 2027-01-10, duration: 1h}",
     "duration applies only to a milestone due at a time"),
    ('- {id: x, title: X, due: "2027-01-10T09:00:00Z", duration: 90 minutes}',
     "'90 minutes' is not a duration like 45m, 2h or 1h30m"),
    ('- {id: x, title: X, due: "2027-01-10T09:00:00Z", duration: 0m}',
     "must be more than 0 minutes"),
])
def test_a_wrong_duration_is_a_content_error_with_file_and_line(make_site, line, message):
    root = make_site({"content/acme/deadlines.yaml": f"milestones:\n  {line}\n"})
    result = build_site(root)
    assert result.exit_code == 1
    assert "acme/deadlines.yaml:2: " in result.output and message in result.output


@pytest.fixture
def http_root(tmp_path) -> Iterator[tuple[str, Path]]:
    """A static file server on 127.0.0.1 over a folder, as the published site."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_link_portals_feed_resolves_where_it_is_published(make_site, monkeypatch, http_root):
    base, www = http_root
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    root = make_site({"content/acme/client.yaml": LINK,
                      "content/portal.yaml": (Path(make_site().joinpath("content/portal.yaml"))
                                              .read_text() + f"base_url: {base}\nproject: test-agency\n")})
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    folder = next(p.name for p in www.iterdir() if p.is_dir())
    assert re.fullmatch(r"acme-[0-9a-f]{32}", folder)
    feed_url = f"{base}{folder}/feed.xml"
    parsed = feedparser.parse(feed_url)
    assert not parsed.bozo, parsed.get("bozo_exception")
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [feed_url]  # absolute: no "relative href value on self link"
    links = [urldefrag(link.href)[0] for entry in parsed.entries for link in entry.links]
    links += [urldefrag(link.href)[0] for link in parsed.feed.links]
    assert links and all(link.startswith(f"{base}{folder}/") for link in links)
    assert {link: _status(link) for link in links} == {link: 200 for link in links}
    # Known-bad: the base of before (the bare slug) points where nothing is published.
    assert _status(urljoin(base, "acme/updates.html")) == 404


def test_a_portal_per_subdomain_gets_its_own_base(make_site):
    root = make_site({"content/acme/client.yaml": (
        LINK.replace("access: {mode: link}", "base_url: https://acme.portal.example"))})
    assert build_site(root).exit_code == 0
    feed = (root / "output/acme/feed.xml").read_text()
    assert 'xml:base="https://acme.portal.example/"' in feed
    assert 'href="https://acme.portal.example/feed.xml"' in feed
    timeline = (root / "output/acme/timeline.html").read_text()
    assert 'href="webcal://acme.portal.example/calendar.ics"' in timeline


def test_subscribe_links_where_the_address_is_known_else_an_honest_download(make_site):
    root = make_site()
    assert build_site(root).exit_code == 0
    timeline = (root / "output/acme/timeline.html").read_text()
    assert "webcal://" not in timeline and 'href="calendar.ics">Download the calendar' in timeline
    assert "it does not update by itself" in timeline
    portal_yaml = root / "content/portal.yaml"
    portal_yaml.write_text(portal_yaml.read_text() + "base_url: https://portals.example/\n")
    assert build_site(root).exit_code == 0
    timeline = (root / "output/acme/timeline.html").read_text()
    webcal = "webcal://portals.example/acme/calendar.ics"
    assert f'href="{webcal}"' in timeline
    assert ("https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fportals.example"
            "%2Facme%2Fcalendar.ics") in timeline
    assert ("https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fportals.example"
            "%2Facme%2Fcalendar.ics&amp;name=") in timeline
    assert "it does not update by itself" not in timeline
    assert f'href="{webcal}"' in (root / "output/acme/index.html").read_text()


SECRET_CALENDARS = {**VAULT_SITE, "content/vault/client.yaml": VAULT_SITE[
    "content/vault/client.yaml"].replace("share_link: true}", "share_link: true, "
                                                              "secret_calendars: true}")}


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)


def test_password_portals_give_each_contact_a_secret_calendar_of_titles_and_dates(
        make_site, secrets_env, monkeypatch):
    root = make_site(SECRET_CALENDARS)
    assert build_site(root).exit_code == 0
    calendars = sorted((root / "output/vault/calendars").glob("*.ics"))
    assert len(calendars) == 2 and all(re.fullmatch(r"[0-9a-f]{32}\.ics", c.name)
                                       for c in calendars)
    for path in calendars:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        events = calendar.walk("VEVENT")
        assert [str(e["SUMMARY"]) for e in events] == [f"Launch {CANARY}-MILESTONE"]
        assert all("DESCRIPTION" not in e for e in events)
        text = path.read_text()
        assert "iframe" not in text and "Vault" not in text and "vault" not in text
    lines = portal("links", "--content", root / "content",
                   "--base-url", "https://p.example/").output.splitlines()
    listed = sorted(line.split("\t")[3] for line in lines if "\tcalendar\t" in line)
    assert listed == [f"https://p.example/vault/calendars/{c.name}" for c in calendars]
    timeline = next((root / "output/vault").glob("timeline.html")).read_text()
    assert "webcal://" not in timeline  # the locked page links to nothing that leaks
    # A new password for one contact revokes that contact's calendar address, and only it.
    monkeypatch.setenv("PORTAL_PASSWORD_VAULT__VERA_VAULT", "vera-a-new-password-1")
    assert build_site(root).exit_code == 0
    after = sorted((root / "output/vault/calendars").glob("*.ics"))
    assert len(after) == 2 and len({c.name for c in after} & {c.name for c in calendars}) == 1


def test_without_the_opt_in_a_password_portal_has_no_secret_calendar(make_site, secrets_env):
    root = make_site(VAULT_SITE)
    assert build_site(root).exit_code == 0
    assert not (root / "output/vault/calendars").exists()


def test_secret_calendars_only_in_password_mode(make_site):
    root = make_site({"content/acme/client.yaml": LINK.replace(
        "access: {mode: link}", "access: {mode: link, secret_calendars: true}")})
    result = build_site(root)
    assert result.exit_code == 1
    assert "secret_calendars applies only to mode: password" in result.output
