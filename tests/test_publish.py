"""`portal publish`: the target is the record. It leaves exactly the current portals of its
project at the target, whatever happened to the output folder, and nothing of another's.

Against a real S3 API (moto's server on 127.0.0.1, read back with the AWS CLI) and against a
local folder: the sequences of the issue that found the leaks (a client public, then on a
capability link, then with PORTAL_SECRET rotated, then removed; the output folder lost
between runs; a run killed between uploads and removals; a re-shard from 2 to 3 shards).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PUBLISHABLE, build_site, portal
from generator.commands.publish import PORTAL_MARKER, marker_bytes
from generator.pipeline.plan import shard_of
from generator.sink import KILL_AT
from generator.web.headers import NGINX_CONF, NGINX_LOCATION
from generator.web.mediatypes import content_type
from s3server import moto_endpoint, s3  # noqa: F401  (fixtures)

SECRETS = ("secret-one-0123456789-abcdefghijklmnopq", "secret-two-0123456789-abcdefghijklmnopq")
PROJECT = "test-agency"
BYSTANDER = {
    "content/zeta/client.yaml": """
        name: Zeta
        account_manager: {name: Ann Manager, email: ann@agency.test}
        contacts: [{name: Zed Zeta, email: zed@zeta.test}]
    """,
}
LINK = "access: {mode: link}\n"
PORTAL = Path(sys.executable).parent / "portal"


def _client(name: str, extra: str = "") -> str:
    return (f"name: {name.title()}\naccount_manager: {{name: Ann Manager, email: ann@agency.test}}\n"
            f"contacts: [{{name: {name.title()} Person, email: p@{name}.test}}]\n{extra}")


# Four clients besides acme: one stays, one is removed, one has its secret rotated, one goes
# from public to password.
FOUR = {f"content/{name}/client.yaml": _client(name, extra) for name, extra in (
    ("stays", ""), ("leaves", ""), ("rotates", LINK), ("locks", ""))}
LOCKS_PASSWORD = {"PORTAL_PASSWORD_LOCKS__LOCKS_PERSON": "locks-correct-horse-battery"}


def _published_files(folder: Path) -> dict[str, str]:
    """What a built portal folder should put at the target: relative path -> MD5."""
    files = {p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
             for p in folder.rglob("*") if p.is_file() and p.name != "_headers.nginx.conf"}
    files[PORTAL_MARKER] = hashlib.md5(marker_bytes(PROJECT)).hexdigest()
    return files


def _expected(*outputs: Path) -> dict[str, str]:
    """Every current portal's files, by key at the target."""
    return {f"{folder.name}/{rel}": md5 for output in outputs for folder in sorted(
        output.iterdir()) if folder.is_dir() and folder.name[0] not in "._"
        for rel, md5 in _published_files(folder).items()}


def _local_listing(www: Path) -> dict[str, str]:
    return {p.relative_to(www).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
            for p in www.rglob("*") if p.is_file() and p.name not in (NGINX_CONF, NGINX_LOCATION)}


def _steps(root: Path, monkeypatch: pytest.MonkeyPatch):
    """Build each step of the sequence; yield its name and the current portal folders."""
    client_yaml = root / "content/acme/client.yaml"
    assert build_site(root).exit_code == 0
    yield "public", {"acme", "zeta"}
    client_yaml.write_text(client_yaml.read_text() + LINK)
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    assert build_site(root).exit_code == 0
    yield "link", {_only(root / "output", "acme"), "zeta"}
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[1])
    assert build_site(root).exit_code == 0
    yield "rotated", {_only(root / "output", "acme"), "zeta"}
    shutil.rmtree(root / "content/acme")
    assert build_site(root).exit_code == 0
    yield "removed", {"zeta"}


def _only(output: Path, slug: str) -> str:
    found = [p.name for p in output.iterdir() if p.name.startswith(f"{slug}-")]
    assert len(found) == 1 and re.fullmatch(rf"{slug}-[0-9a-f]{{32}}", found[0]), found
    return found[0]


def _s3_env(s3, monkeypatch) -> None:  # noqa: F811
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)


def test_publishing_to_s3_leaves_exactly_the_current_portals(make_site, s3, monkeypatch):  # noqa: F811
    root = make_site({**PUBLISHABLE, **BYSTANDER})
    output = root / "output"
    _s3_env(s3, monkeypatch)
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


def test_every_s3_object_carries_the_cache_control_of_its_kind(make_site, s3, monkeypatch):  # noqa: F811
    root = make_site({"content/portal.yaml": PUBLISHABLE["content/portal.yaml"]
                      + "theme: ../brand\n",
                      "brand/static/theme.0123abcd.css": "/* fingerprinted by its maker */\n"})
    _s3_env(s3, monkeypatch)
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", f"s3://{s3.bucket}")
    assert result.exit_code == 0, result.output
    expected = {"acme/index.html": "no-cache", "acme/calendar.ics": "no-cache",
                "acme/feed.xml": "no-cache", "acme/files/brief.pdf": "no-cache",
                "acme/assets/style.css": "no-cache",
                "acme/assets/theme.0123abcd.css": "public, max-age=31536000, immutable"}
    assert {key: s3.head(key)["cache"] for key in expected} == expected


def test_publishing_to_a_local_folder_leaves_exactly_the_current_portals(
        make_site, monkeypatch, tmp_path):
    root = make_site({**PUBLISHABLE, **BYSTANDER})
    output, www = root / "output", tmp_path / "www"
    for step, current in _steps(root, monkeypatch):
        result = portal("publish", "--out", output, "--to", www)
        assert result.exit_code == 0, result.output
        assert {p.name for p in www.iterdir()} - {NGINX_CONF} == current, step
        assert _local_listing(www) == _expected(output), step
        assert {p.parent.name for p in www.glob(f"*/{NGINX_LOCATION}")} == current, step


class _Local:
    """A local folder as a target, for the scenario below."""

    def __init__(self, www: Path) -> None:
        self.www, self.spec = www, str(www)

    def listing(self) -> dict[str, str]:
        return _local_listing(self.www)

    def put_foreign(self) -> dict[str, str]:
        (self.www / "foreign").mkdir(parents=True)
        (self.www / "foreign/index.html").write_text("not ours")
        (self.www / "other-project/").mkdir()
        (self.www / "other-project" / PORTAL_MARKER).write_bytes(marker_bytes("someone-else"))
        return {"foreign/index.html": hashlib.md5(b"not ours").hexdigest(),
                f"other-project/{PORTAL_MARKER}":
                    hashlib.md5(marker_bytes("someone-else")).hexdigest()}


class _Bucket:
    """A prefix of an S3 bucket as a target (moto's server, read with the AWS CLI)."""

    def __init__(self, server, tmp: Path) -> None:
        self.server, self.tmp = server, tmp
        self.spec = f"s3://{server.bucket}/portals"

    def listing(self) -> dict[str, str]:
        return {key.removeprefix("portals/"): etag for key, etag in self.server.etags().items()}

    def put_foreign(self) -> dict[str, str]:
        foreign = self.tmp / "foreign.html"
        foreign.write_text("not ours")
        marker = self.tmp / "marker.json"
        marker.write_bytes(marker_bytes("someone-else"))
        bucket = f"s3://{self.server.bucket}/portals"
        self.server.aws("s3", "cp", str(foreign), f"{bucket}/foreign/index.html")
        self.server.aws("s3", "cp", str(marker), f"{bucket}/other-project/{PORTAL_MARKER}")
        return {"foreign/index.html": hashlib.md5(b"not ours").hexdigest(),
                f"other-project/{PORTAL_MARKER}":
                    hashlib.md5(marker_bytes("someone-else")).hexdigest()}


@pytest.fixture(params=["local", "s3"])
def target(request, tmp_path, monkeypatch):
    """A local folder, or a prefix of a bucket on moto's server."""
    if request.param == "local":
        return _Local(tmp_path / "www")
    server = request.getfixturevalue("s3")
    _s3_env(server, monkeypatch)
    return _Bucket(server, tmp_path)


def _subprocess_publish(root: Path, spec: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PORTAL), "publish", "--out", str(root / "output"), "--to", spec],
                          capture_output=True, text=True, env={**os.environ, **env},
                          timeout=300, check=False)


def test_a_lost_output_folder_and_a_killed_run_change_nothing_about_what_ends_up_online(
        make_site, monkeypatch, target):
    """publish; delete output/; remove one client, rotate another's secret, switch a third to
    password; rebuild from scratch; a run killed between uploads and removals, then a rerun:
    the target holds exactly the current build, and the foreign folders put there."""
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    for name, value in LOCKS_PASSWORD.items():
        monkeypatch.setenv(name, value)
    root = make_site({**PUBLISHABLE, **FOUR})
    assert build_site(root).exit_code == 0
    foreign = target.put_foreign()
    assert portal("publish", "--out", root / "output", "--to", target.spec).exit_code == 0
    assert target.listing() == {**_expected(root / "output"), **foreign}
    old_token = _only(root / "output", "rotates")

    shutil.rmtree(root / "output")
    shutil.rmtree(root / "content/leaves")
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[1])
    locks = root / "content/locks/client.yaml"
    locks.write_text(locks.read_text() + "access: {mode: password}\n")
    assert build_site(root).exit_code == 0
    assert _only(root / "output", "rotates") != old_token

    killed = _subprocess_publish(root, target.spec, **{KILL_AT: "publish-uploaded"})
    assert killed.returncode == -9, killed.stderr
    listing = target.listing()
    assert set(_expected(root / "output")) <= set(listing)  # all uploaded
    assert {k.split("/")[0] for k in listing} >= {"leaves", old_token}  # nothing removed yet

    rerun = _subprocess_publish(root, target.spec)
    assert rerun.returncode == 0, rerun.stderr
    assert target.listing() == {**_expected(root / "output"), **foreign}
    assert "removed 2 old portal folders (leaves, rotates-<token>)" in rerun.stdout
    assert old_token not in rerun.stdout + rerun.stderr  # a capability is never logged


def _build_shards(root: Path, count: int) -> list[Path]:
    outs = []
    for index in range(1, count + 1):
        out = root / f"shard-{count}-{index}"
        result = portal("build", "--content", root / "content", "--out", out,
                        "--as-of", "2026-11-23", "--shard", f"{index}/{count}")
        assert result.exit_code == 0, result.output
        outs.append(out)
    return outs


def test_a_reshard_from_two_to_three_ends_the_same(make_site, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    root = make_site({**PUBLISHABLE, **FOUR, **BYSTANDER})
    www = tmp_path / "www"
    outs = _build_shards(root, 2)
    refused = portal("publish", "--out", outs[0], "--to", www)
    assert refused.exit_code == 2 and "shard 1 of 2 only" in refused.output
    assert not www.exists()
    args = [arg for out in outs for arg in ("--out", out)]
    result = portal("publish", *args, "--to", www)
    assert result.exit_code == 0, result.output
    assert _local_listing(www) == _expected(*outs)
    # a client that moves shard (2 -> 3) switches to link mode; publish the 3 shards together
    mover = next(slug for slug in ("acme", "zeta", "stays", "leaves", "locks")
                 if shard_of(slug, 2) != shard_of(slug, 3))
    client_yaml = root / f"content/{mover}/client.yaml"
    client_yaml.write_text(client_yaml.read_text() + LINK)
    outs = _build_shards(root, 3)
    result = portal("publish", *[arg for out in outs for arg in ("--out", out)], "--to", www)
    assert result.exit_code == 0, result.output
    assert _local_listing(www) == _expected(*outs)
    assert not (www / mover).exists()


def test_a_partial_shard_publishes_and_removes_only_its_own_clients(make_site, monkeypatch,
                                                                   tmp_path):
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    root = make_site({**PUBLISHABLE, **FOUR, **BYSTANDER})
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    everyone = {p.name for p in www.iterdir()} - {NGINX_CONF}
    gone = {"stays", "leaves", "locks"}
    for slug in gone:
        shutil.rmtree(root / "content" / slug)
    out = _build_shards(root, 2)[0]
    result = portal("publish", "--out", out, "--to", www, "--partial")
    assert result.exit_code == 0, result.output
    left = {p.name for p in www.iterdir()} - {NGINX_CONF}
    removed = {slug for slug in gone if shard_of(slug, 2) == 1}
    assert removed and removed != gone  # the sites' slugs fall in both shards
    assert left == everyone - removed


def test_a_stale_folder_goes_pages_first_and_its_marker_last(make_site, tmp_path,
                                                              monkeypatch):
    from generator.publish import targets

    root = make_site({**PUBLISHABLE, **BYSTANDER})
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    shutil.rmtree(root / "content/zeta")
    assert build_site(root).exit_code == 0
    calls: list[tuple[str, list[str]]] = []
    real_delete = targets.LocalTarget.delete

    def recording_delete(self, folder, relatives):
        relatives = list(relatives)
        calls.append((folder, relatives))
        real_delete(self, folder, relatives)

    monkeypatch.setattr(targets.LocalTarget, "delete", recording_delete)
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    groups = [files for folder, files in calls if folder == "zeta"]
    assert groups[0] == [".clientportal-nginx-location.conf"]  # out of nginx first
    assert all(f.endswith(".html") for f in groups[1])
    assert not any(f.endswith(".html") or f == PORTAL_MARKER for f in groups[2])
    assert groups[-1] == [PORTAL_MARKER] and len(groups) == 4
    assert not (www / "zeta").exists()


def test_publish_uploads_only_what_changed_and_deletes_files_a_portal_lost(make_site, tmp_path):
    root = make_site(PUBLISHABLE)
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
    uploaded = int(re.search(r"(\d+) files were uploaded", result.output).group(1))
    assert 0 < uploaded < len(_published_files(root / "output/acme")) / 2


def test_dry_run_lists_uploads_and_removals_and_changes_nothing(make_site, monkeypatch,
                                                                 tmp_path):
    root = make_site({**PUBLISHABLE, **BYSTANDER})
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    before = sorted(p.relative_to(www).as_posix() for p in www.rglob("*"))
    client_yaml = root / "content/acme/client.yaml"
    client_yaml.write_text(client_yaml.read_text() + LINK)
    monkeypatch.setenv("PORTAL_SECRET", SECRETS[0])
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", www, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    token = _only(root / "output", "acme")
    assert f"would upload {token}/{PORTAL_MARKER}" == lines[0]
    assert f"would upload {token}/index.html" in lines
    assert any(re.fullmatch(r"would remove acme/ \(\d+ files\).*", line) for line in lines)
    assert "would remove 1 old portal folder (acme)" in lines[-1]
    assert "removed" not in result.output.replace("would remove", "")
    assert sorted(p.relative_to(www).as_posix() for p in www.rglob("*")) == before


def test_folders_an_older_publish_recorded_are_adopted_and_unknown_ones_left(make_site,
                                                                            tmp_path):
    """Before markers, a record in the output folder said what was published: a first run
    with markers takes those folders as the project's; a folder named like a current portal
    is marked and kept; anything else without a marker is never touched."""
    root = make_site({**PUBLISHABLE, **BYSTANDER})
    www = tmp_path / "www"
    for folder in ("acme", "old-client", "stranger"):
        (www / folder).mkdir(parents=True)
        (www / folder / "index.html").write_text(folder)
    (www / "acme/stale.html").write_text("kept this once")
    assert build_site(root).exit_code == 0
    address = str(www.resolve())
    (root / "output/.clientportal-published.json").write_text(json.dumps(
        {"format": 1, "targets": {address: ["old-client", "zeta"]}}))
    result = portal("publish", "--out", root / "output", "--to", www)
    assert result.exit_code == 0, result.output
    assert {p.name for p in www.iterdir()} - {NGINX_CONF} == {
        "acme", "zeta", "stranger"}
    assert "acme/ was at" in result.output and (www / "acme/stale.html").is_file()
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    assert not (www / "acme/stale.html").exists()  # marked now: the next run cleans it


def test_a_folder_of_another_project_is_never_overwritten(make_site, tmp_path):
    root = make_site(PUBLISHABLE)
    www = tmp_path / "www"
    (www / "acme").mkdir(parents=True)
    (www / "acme" / PORTAL_MARKER).write_bytes(marker_bytes("someone-else"))
    (www / "acme/index.html").write_text("theirs")
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", www)
    assert result.exit_code == 1
    assert "acme/ is marked as another project's" in result.output
    assert (www / "acme/index.html").read_text() == "theirs"
    assert "Traceback" not in result.output


def test_without_a_project_id_publish_says_what_to_add(make_site, tmp_path):
    root = make_site()  # BASE_SITE has no project
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", tmp_path / "www")
    assert result.exit_code == 2
    assert "portal.yaml names no `project`" in result.output
    assert not (tmp_path / "www").exists()


def test_a_file_where_a_folder_should_be_is_an_error_and_a_rerun_finishes(make_site, tmp_path):
    root = make_site({**PUBLISHABLE, **BYSTANDER})
    www = tmp_path / "www"
    www.mkdir()
    (www / "zeta").write_text("a file named like a portal")
    assert build_site(root).exit_code == 0
    result = portal("publish", "--out", root / "output", "--to", www)
    assert result.exit_code == 1, result.output
    assert f"{www / 'zeta'}" in result.output and "a file is where a folder should be" \
        in result.output
    assert "Traceback" not in result.output
    (www / "zeta").unlink()
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    assert _local_listing(www) == _expected(root / "output")


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device"),
    PermissionError(errno.EACCES, "Permission denied"),  # as root, chmod refuses nothing
])
def test_a_full_disk_or_a_refusal_mid_run_exits_1_and_a_rerun_finishes(make_site, tmp_path,
                                                                       monkeypatch, error):
    from generator import sink

    root = make_site({**PUBLISHABLE, **BYSTANDER})
    www = tmp_path / "www"
    assert build_site(root).exit_code == 0
    real_copy, copies = sink.shutil.copyfileobj, []

    def failing_copy(source, destination, *args):
        copies.append(source)
        if len(copies) == 7:
            raise error
        return real_copy(source, destination, *args)

    monkeypatch.setattr(sink.shutil, "copyfileobj", failing_copy)
    result = portal("publish", "--out", root / "output", "--to", www)
    assert result.exit_code == 1
    assert f"{www}/" in result.output and error.strerror in result.output
    assert "Traceback" not in result.output
    assert len(copies) == 7
    assert not [p for p in www.rglob("*") if sink.is_temporary(p.name)]  # no half-written file
    monkeypatch.setattr(sink.shutil, "copyfileobj", real_copy)
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    assert _local_listing(www) == _expected(root / "output")


def test_an_s3_error_mid_run_exits_1_and_a_rerun_finishes(make_site, s3, monkeypatch):  # noqa: F811
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    root = make_site({**PUBLISHABLE, **BYSTANDER})
    _s3_env(s3, monkeypatch)
    assert build_site(root).exit_code == 0
    real_call, puts = BaseClient._make_api_call, []

    def failing_call(self, operation, params):
        if operation == "PutObject":
            puts.append(params["Key"])
            if len(puts) == 5:
                raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce "
                                             "your request rate."}}, operation)
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", failing_call)
    result = portal("publish", "--out", root / "output", "--to", f"s3://{s3.bucket}")
    assert result.exit_code == 1
    assert f"s3://{s3.bucket} at {s3.endpoint} ({puts[-1]})" in result.output
    assert "Please reduce your request rate" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setattr(BaseClient, "_make_api_call", real_call)
    result = portal("publish", "--out", root / "output", "--to", f"s3://{s3.bucket}")
    assert result.exit_code == 0, result.output
    assert s3.etags() == _expected(root / "output")


def test_the_endpoint_given_either_way_names_one_target(make_site, s3, monkeypatch):  # noqa: F811
    root = make_site({**PUBLISHABLE, **BYSTANDER})
    _s3_env(s3, monkeypatch)
    assert build_site(root).exit_code == 0
    first = portal("publish", "--out", root / "output", "--to", f"s3://{s3.bucket}")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    shutil.rmtree(root / "content/zeta")
    assert build_site(root).exit_code == 0
    second = portal("publish", "--out", root / "output", "--to", f"s3://{s3.bucket}",
                    "--endpoint-url", s3.endpoint + "/")
    assert second.exit_code == 0, second.output
    address = f"s3://{s3.bucket} at {s3.endpoint}"
    assert address in first.output and address in second.output
    assert {key.split("/")[0] for key in s3.etags()} == {"acme"}


def test_the_agency_overview_is_published_only_where_asked(make_site, tmp_path):
    root = make_site(PUBLISHABLE)
    www, agency = tmp_path / "www", tmp_path / "agency"
    assert build_site(root).exit_code == 0
    assert (root / "output/_agency/index.html").is_file()
    assert portal("publish", "--out", root / "output", "--to", www).exit_code == 0
    assert sorted(p.name for p in www.iterdir()) == sorted(["acme", NGINX_CONF])
    result = portal("publish", "--out", root / "output", "--to", www, "--agency-to", agency)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in www.iterdir()) == sorted(["acme", NGINX_CONF])
    assert sorted(p.name for p in agency.iterdir()) == sorted(["_agency", NGINX_CONF])
    assert (agency / "_agency/index.html").is_file()
    assert not (agency / "_agency/_headers.nginx.conf").exists()


def test_publish_refuses_what_it_must_not_touch(make_site, tmp_path):
    root = make_site(PUBLISHABLE)
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

    root = make_site(PUBLISHABLE)
    assert build_site(root).exit_code == 0
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = portal("publish", "--out", root / "output", "--to", "s3://b",
                    "--endpoint-url", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    assert "s3://b at http://127.0.0.1" in result.output
    assert "Traceback" not in result.output
