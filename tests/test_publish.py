"""`portal publish` leaves exactly the current portals at the target, and nothing else.

The sequence of the issue that found the leak: a client public, then on a capability link,
then with PORTAL_SECRET rotated, then removed; publishing after each build. Against a real S3
API (moto's server on 127.0.0.1, read back with the AWS CLI) and against a local folder.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from conftest import build_site, portal
from generator.commands.publish import RECORD
from generator.web.mediatypes import content_type
from s3server import s3  # noqa: F401  (fixture)

SECRETS = ("secret-one-0123456789-abcdefghijklmnopq", "secret-two-0123456789-abcdefghijklmnopq")
BYSTANDER = {
    "content/zeta/client.yaml": """
        name: Zeta
        account_manager: {name: Ann Manager, email: ann@agency.test}
        contacts: [{name: Zed Zeta, email: zed@zeta.test}]
    """,
}
LINK = "access: {mode: link}\n"


def _published_files(output: Path, folder: str) -> dict[str, str]:
    """What a portal folder should put at the target: relative path -> MD5."""
    base = output / folder
    return {p.relative_to(base).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
            for p in base.rglob("*") if p.is_file() and p.name != "_headers.nginx.conf"}


def _expected(output: Path) -> dict[str, str]:
    """Every current portal's files, by key at the target."""
    folders = [p.name for p in output.iterdir() if p.is_dir() and p.name[0] not in "._"]
    return {f"{folder}/{rel}": md5 for folder in sorted(folders)
            for rel, md5 in _published_files(output, folder).items()}


def _steps(root: Path, monkeypatch: pytest.MonkeyPatch):
    """Build each step of the sequence; yield its name and the current portal folders."""
    client_yaml = root / "content/acme/client.yaml"
    assert build_site(root).exit_code == 0
    yield "public", {"acme", "zeta"}
    client_yaml.write_text(client_yaml.read_text() + LINK)
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    assert build_site(root).exit_code == 0
    yield "link", {_only(root, "acme-"), "zeta"}
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[1])
    assert build_site(root).exit_code == 0
    yield "rotated", {_only(root, "acme-"), "zeta"}
    shutil.rmtree(root / "content/acme")
    assert build_site(root).exit_code == 0
    yield "removed", {"zeta"}


def _only(root: Path, prefix: str) -> str:
    found = [p.name for p in (root / "output").iterdir() if p.name.startswith(prefix)]
    assert len(found) == 1 and re.fullmatch(r"acme-[0-9a-f]{32}", found[0]), found
    return found[0]


def test_publishing_to_s3_leaves_exactly_the_current_portals(make_site, s3, monkeypatch):  # noqa: F811
    root = make_site(BYSTANDER)
    output = root / "output"
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    seen: set[str] = set()
    for step, current in _steps(root, monkeypatch):
        result = portal("publish", "--out", output, "--to", f"s3://{s3.bucket}")
        assert result.exit_code == 0, result.output
        etags = s3.etags()
        folders = {key.split("/")[0] for key in etags}
        assert folders == current, step
        assert etags == _expected(output), step
        seen |= folders
    assert len(seen) == 4  # acme, acme-<token 1>, acme-<token 2>, zeta: each one removed
    types = s3.content_types()
    assert types == {key: content_type(key) for key in types}
    assert s3.head("zeta/calendar.ics")["type"] == "text/calendar; charset=utf-8"
    assert s3.head("zeta/feed.xml")["type"] == "application/atom+xml; charset=utf-8"
    assert s3.head("zeta/index.html")["type"] == "text/html; charset=utf-8"


def test_publishing_to_a_local_folder_leaves_exactly_the_current_portals(
        make_site, monkeypatch, tmp_path):
    root = make_site(BYSTANDER)
    output, www = root / "output", tmp_path / "www"
    for step, current in _steps(root, monkeypatch):
        result = portal("publish", "--out", output, "--to", www)
        assert result.exit_code == 0, result.output
        assert {p.name for p in www.iterdir()} == current, step
        there = {p.relative_to(www).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
                 for p in www.rglob("*") if p.is_file()}
        assert there == _expected(output), step


def test_publish_uploads_only_what_changed_and_deletes_files_a_portal_lost(make_site, tmp_path):
    root = make_site()
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    (root / "content/acme/files/brief.pdf").unlink()
    scope = root / "content/acme/scope.md"
    scope.write_text(scope.read_text().replace(" and [the brief](files/brief.pdf)", ""))
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", www)
    assert result.exit_code == 0, result.output
    assert "1 deleted" in result.output and not (www / "acme/files/brief.pdf").exists()
    uploaded = int(re.search(r"(\d+) files uploaded", result.output).group(1))
    assert 0 < uploaded < len(_published_files(root / "output", "acme")) / 2


def test_dry_run_lists_uploads_and_removals_and_changes_nothing(make_site, monkeypatch,
                                                                 tmp_path):
    root = make_site(BYSTANDER)
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    before = sorted(p.relative_to(www).as_posix() for p in www.rglob("*"))
    client_yaml = root / "content/acme/client.yaml"
    client_yaml.write_text(client_yaml.read_text() + LINK)
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    assert build_site(root).exit_code == 0
    record = (root / "output" / RECORD).read_bytes()
    result = portal("publish", "--out", root / "output", "--to", www, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    token = _only(root, "acme-")
    assert f"would upload {token}/index.html" in lines
    assert any(re.fullmatch(r"would remove acme/ \(\d+ files\).*", line) for line in lines)
    assert sorted(p.relative_to(www).as_posix() for p in www.rglob("*")) == before
    assert (root / "output" / RECORD).read_bytes() == record


def test_without_its_record_publish_removes_nothing_and_says_so(make_site, monkeypatch,
                                                                tmp_path):
    """Known-bad: the record is lost (say, CI's cache was evicted). The old public folder
    then stays readable, which the sequence tests above would catch; publish says so."""
    root = make_site(BYSTANDER)
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    (root / "output" / RECORD).unlink()
    client_yaml = root / "content/acme/client.yaml"
    client_yaml.write_text(client_yaml.read_text() + LINK)
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", www)
    assert result.exit_code == 0
    assert "no record of earlier publishing" in result.output
    assert (www / "acme/index.html").is_file()  # left behind: nothing unknown is deleted
    assert {p.name for p in www.iterdir()} != {_only(root, "acme-"), "zeta"}


def test_the_agency_overview_is_published_only_where_asked(make_site, tmp_path):
    root = make_site()
    www, agency = tmp_path / "www", tmp_path / "agency"
    assert build_site(root).exit_code == 0
    assert (root / "output/_agency/index.html").is_file()
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    assert sorted(p.name for p in www.iterdir()) == ["acme"]
    result = portal("publish", "--out", root / "output", "--to", www, "--agency-to", agency)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in www.iterdir()) == ["acme"]
    assert sorted(p.name for p in agency.iterdir()) == ["_agency"]
    assert (agency / "_agency/index.html").is_file()
    assert not (agency / "_agency/_headers.nginx.conf").exists()


def test_publish_refuses_what_it_must_not_touch(make_site, tmp_path):
    root = make_site()
    (tmp_path / "foreign").mkdir()
    assert portal("publish", "--out", tmp_path / "foreign", "--to", tmp_path / "w").exit_code == 2
    assert build_site(root).exit_code == 0
    out = root / "output"
    for bad in (out, out / "acme", root):
        result = portal("publish", "--out", out, "--to", bad)
        assert result.exit_code == 2 and "outside the output folder" in result.output
    assert portal("publish", "--out", out, "--to", "ftp://x/y").exit_code == 2
    assert portal("publish", "--out", out, "--to", "s3://").exit_code == 2
    assert portal("publish", "--out", out, "--to", tmp_path / "w",
                  "--endpoint-url", "http://127.0.0.1:1").exit_code == 2


def test_an_unreachable_s3_host_fails_with_one_line_and_exit_1(make_site, monkeypatch):
    from s3server import CREDENTIALS, free_port

    root = make_site()
    assert build_site(root).exit_code == 0
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = portal("publish", "--out", root / "output", "--to", "s3://b",
                    "--endpoint-url", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    assert "s3://b at http://127.0.0.1" in result.output
    assert "Traceback" not in result.output
