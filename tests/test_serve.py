"""`portal serve`: answers on a free port, rebuilds on change, reloads open pages by itself,
shows content errors and recovers, and refuses every path outside the output folder."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.request import urlopen

import pytest

from conftest import AS_OF, REPO, built, portal
from generator.commands.serve import Preview, affected_clients, inject_live_reload

SCOPE = "content/acme/scope.md"


def fetch(url: str) -> tuple[int, str]:
    """GET a URL as a browser would send it; return status and body."""
    parts = re.match(r"http://([^/]+)(/.*)", url)
    assert parts
    connection = http.client.HTTPConnection(parts.group(1), timeout=10)
    try:
        connection.request("GET", parts.group(2))
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.fixture
def session(make_site):
    root = make_site()
    with Preview(root / "content", as_of=None) as running:
        running.root = root  # type: ignore[attr-defined]
        assert running.ready.wait(10), "the watcher did not start"
        yield running


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_affected_clients(tmp_path):
    content = tmp_path / "content"
    (content / "acme").mkdir(parents=True)
    (content / "acme/client.yaml").write_text("name: A\n")
    assert affected_clients([content / "acme/scope.md"], content) == {"acme"}
    assert affected_clients([content / "portal.yaml"], content) is None
    assert affected_clients([content / "_agency/logo.svg"], content) is None
    assert affected_clients([content / "newco/client.yaml"], content) is None
    assert affected_clients([tmp_path / "theme/templates/base.html"], content) is None


def test_live_reload_only_in_served_pages(make_site):
    root = make_site()
    built(root)
    for page in (root / "output").rglob("*.html"):
        text = page.read_text()
        assert "livereload" not in text and "/_portal/" not in text, page
    html = (root / "output/acme/index.html").read_bytes()
    served = inject_live_reload(html, 7).decode()
    assert '<script src="/_portal/livereload.js?v=7" defer></script>\n</head>' in served
    assert "connect-src 'self'" in served  # live reload polls the server


def test_serves_pages_and_refuses_traversal(session):
    status, body = fetch(session.url + "acme/index.html")
    assert status == 200 and "Welcome, Acme &amp; Co" in body
    assert fetch(session.url)[0] == 200
    assert fetch(session.url + "acme/")[0] == 200
    assert fetch(session.url + "_agency/index.html")[0] == 200
    assert fetch(session.url + "acme/nothing.html")[0] == 404
    assert fetch(session.url + "acme")[0] == 404  # a folder is served with its slash
    secret = session.root / "secret.txt"
    secret.write_text("do not serve")
    for path in ["/../secret.txt", "/acme/../../secret.txt", "/%2e%2e/secret.txt",
                 "/acme/%2e%2e/%2e%2e/secret.txt", "/acme/..%2f..%2fsecret.txt",
                 "/%2E%2E%2Fsecret.txt", "/acme/%252e%252e/%252e%252e/secret.txt",
                 "/acme/..%5c..%5csecret.txt", "/acme/%00.html"]:
        status, body = fetch(session.url.rstrip("/") + path)
        assert status in (403, 404), path
        assert "do not serve" not in body, path


def files_below(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns
            for path in folder.rglob("*") if path.is_file()}


def test_serving_writes_nothing_to_disk(make_site, tmp_path, monkeypatch):
    """The portals are served from memory: the site's folder (its output/ included) and the
    temporary folder hold the same files, unchanged, after a first build and a rebuild."""
    root = make_site()
    built(root)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    before, temporary = files_below(root), files_below(tmp_path)
    with Preview(root / "content", as_of=date.fromisoformat(AS_OF)) as running:
        assert fetch(running.url + "acme/scope.html")[0] == 200
        running.live.rebuild()
        assert "Welcome, Acme &amp; Co" in fetch(running.url + "acme/index.html")[1]
    assert files_below(root) == before
    assert files_below(tmp_path) == temporary


def test_refuses_a_foreign_host_header(session):
    port = session.server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", "/acme/index.html", skip_host=True)
    connection.putheader("Host", f"evil.example:{port}")
    connection.endheaders()
    assert connection.getresponse().status == 403
    connection.close()
    assert fetch(f"http://localhost:{port}/acme/index.html")[0] == 200


def test_change_rebuilds_and_error_page_recovers(session):
    assert "Goals" in fetch(session.url + "acme/scope.html")[1]
    edit(session.root / SCOPE, "## Goals", "## Objectives")
    deadline = time.monotonic() + 20
    while "Objectives" not in fetch(session.url + "acme/scope.html")[1]:
        assert time.monotonic() < deadline, "no rebuild"
        time.sleep(0.1)
    edit(session.root / SCOPE, "status: approved", "status: finished")
    while fetch(session.url + "acme/scope.html")[0] != 500:
        assert time.monotonic() < deadline + 20, "no error page"
        time.sleep(0.1)
    status, body = fetch(session.url + "acme/index.html")
    assert status == 500 and "scope.md:3: status:" in body
    assert fetch(session.url + "acme/assets/style.css")[0] == 200
    edit(session.root / SCOPE, "status: finished", "status: approved")
    while fetch(session.url + "acme/index.html")[0] != 200:
        assert time.monotonic() < deadline + 40, "no recovery"
        time.sleep(0.1)


def test_open_page_reloads_by_itself(session, page):
    page.goto(session.url + "acme/scope.html")
    page.evaluate("window.__notReloaded = true")
    started = time.monotonic()
    with page.expect_event("load", timeout=30000):
        edit(session.root / SCOPE, "## Goals", "## Objectives")
    latency = time.monotonic() - started
    print(f"change to reload: {latency:.2f}s")
    assert page.evaluate("window.__notReloaded === undefined")
    assert page.locator("h2", has_text="Objectives").count() == 1
    with page.expect_event("load", timeout=30000):
        edit(session.root / SCOPE, "status: approved", "status: finished")
    assert page.locator("#portal-build-error").count() == 1
    assert "status:" in page.locator("pre").inner_text()
    with page.expect_event("load", timeout=30000):
        edit(session.root / SCOPE, "status: finished", "status: approved")
    assert page.locator("h2", has_text="Objectives").count() == 1
    assert [e for e in page.console_errors if "status of 500" not in e] == []


def test_serve_in_a_subprocess(make_site):
    root = make_site()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--content", str(root / "content"),
         "--port", "0", "--as-of", AS_OF], cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else None
        assert url, "serve did not start"
        with urlopen(url + "acme/index.html", timeout=10) as response:
            assert response.status == 200
        assert fetch(url + "%2e%2e/%2e%2e/etc/passwd")[0] == 403
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    assert process.returncode == 0


def test_serve_through_click_runner(make_site):
    import socket
    import threading

    root = make_site()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    answers: list[int] = []
    before = set(os.listdir("/proc/self/task"))
    masks: list[int] = []

    def visit_then_interrupt() -> None:
        deadline = time.monotonic() + 60
        while not answers and time.monotonic() < deadline:
            try:
                answers.append(fetch(f"http://127.0.0.1:{port}/acme/index.html")[0])
            except OSError:
                time.sleep(0.1)
        # serve's threads (and the file watcher's) block Ctrl+C: it goes to the main thread
        for task in set(os.listdir("/proc/self/task")) - before - {str(threading.get_native_id())}:
            with contextlib.suppress(OSError):  # a request's thread may have ended
                status = Path(f"/proc/self/task/{task}/status").read_text()
                masks.append(int(re.search(r"SigBlk:\s*([0-9a-f]+)", status).group(1), 16))
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C, to the process as a terminal sends it

    visitor = threading.Thread(target=visit_then_interrupt)
    visitor.start()
    result = portal("serve", "--content", root / "content", "--port", port, "--as-of", AS_OF)
    visitor.join(10)
    assert answers == [200]
    sigint, sigterm = 1 << (signal.SIGINT - 1), 1 << (signal.SIGTERM - 1)
    assert len(masks) >= 2 and all(m & sigint and m & sigterm for m in masks), masks
    assert result.exit_code == 0
    assert f"serving http://127.0.0.1:{port}/" in result.output and "stopped" in result.output


def test_serve_usage_errors():
    assert portal("serve", "--port", "70000").exit_code == 2
    result = portal("serve", "--content", "/nonexistent/content")
    assert result.exit_code == 2 and "is not a folder" in result.output
    assert "127.0.0.1" in portal("serve", "--help").output


def test_serve_refuses_a_busy_port(make_site):
    import socket

    root = make_site()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = portal("serve", "--content", root / "content", "--port", port)
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_single_client_only(make_site):
    root = make_site({"content/beta/client.yaml": """
        name: Beta
        account_manager: {name: B, email: b@agency.test}
    """})
    with Preview(root / "content", clients=("beta",)) as running:
        assert fetch(running.url + "beta/index.html")[0] == 200
        assert fetch(running.url + "acme/index.html")[0] == 404


def test_starts_with_broken_content_and_recovers(make_site):
    root = make_site({"content/acme/deadlines.yaml": "milestones: [\n"})
    with Preview(root / "content") as running:
        assert running.ready.wait(10), "the watcher did not start"
        status, body = fetch(running.url + "acme/index.html")
        assert status == 500 and "deadlines.yaml" in body
        assert 'href="acme/index.html"' in fetch(running.url)[1]  # leads to its error page
        (root / "content/acme/deadlines.yaml").write_text("milestones: []\n")
        deadline = time.monotonic() + 30
        while fetch(running.url + "acme/index.html")[0] != 200:
            assert time.monotonic() < deadline, "no recovery"
            time.sleep(0.1)


def test_requests_wait_while_a_build_runs(session, monkeypatch):
    import threading

    class Watched(threading.Condition):
        """The server's condition, telling when a request starts to wait on it."""
        waiting = threading.Event()

        def wait(self, timeout: float | None = None) -> bool:
            self.waiting.set()  # called holding the lock, which wait() then lets go
            return super().wait(timeout)

    live, answers = session.live, []
    monkeypatch.setattr(live, "_changed", Watched())
    with live._changed:
        live.building = True  # as rebuild() does while it runs
    waiting = threading.Thread(target=lambda: answers.append(fetch(session.url + "acme/")))
    waiting.start()
    assert Watched.waiting.wait(30), "the request never waited for the build"
    with live._changed:  # taken only once the request is inside wait(): it is held, not slow
        assert waiting.is_alive() and answers == []
        live.building = False
        live._changed.notify_all()
    waiting.join(30)
    assert answers and answers[0][0] == 200


def _solo_site(make_site, portal_yaml: str) -> Path:
    """One client and a theme folder brand/ beside the content (named in portal.yaml or not)."""
    root = make_site({"content/portal.yaml": portal_yaml,
                      "content/acme/client.yaml": """
                          name: Acme
                          account_manager: {name: A, email: a@agency.test}
                      """,
                      "brand/static/extra.css": "body { color: red; }\n"})
    (root / "content/acme/scope.md").unlink()
    return root


def test_theme_change_rebuilds_every_portal(make_site):
    root = _solo_site(make_site, "agency: {name: Solo}\ntheme: ../brand\n")
    with Preview(root / "content") as running:
        assert running.ready.wait(10), "the watcher did not start"
        assert "red" in fetch(running.url + "acme/assets/extra.css")[1]
        (root / "brand/static/extra.css").write_text("body { color: blue; }\n")
        deadline = time.monotonic() + 30
        while "blue" not in fetch(running.url + "acme/assets/extra.css")[1]:
            assert time.monotonic() < deadline, "theme change not rebuilt"
            time.sleep(0.1)


def test_unknown_client_is_a_usage_error(make_site):
    root = make_site()
    result = portal("serve", "--content", root / "content", "--client", "nope")
    assert result.exit_code == 2 and "no such client: nope (known: acme)" in result.output


def test_a_newly_named_theme_folder_is_watched(make_site):
    root = _solo_site(make_site, "agency: {name: Solo}\n")
    with Preview(root / "content") as running:
        assert running.ready.wait(10), "the watcher did not start"
        assert fetch(running.url + "acme/assets/extra.css")[0] == 404
        (root / "content/portal.yaml").write_text("agency: {name: Solo}\ntheme: ../brand\n")
        deadline = time.monotonic() + 30
        while "red" not in fetch(running.url + "acme/assets/extra.css")[1]:
            assert time.monotonic() < deadline, "new theme not built"
            time.sleep(0.1)
        assert running.watches(root / "brand"), "brand/ is not watched"
        (root / "brand/static/extra.css").write_text("body { color: blue; }\n")
        while "blue" not in fetch(running.url + "acme/assets/extra.css")[1]:
            assert time.monotonic() < deadline, "change in the new theme folder not rebuilt"
            time.sleep(0.1)


def test_each_client_shows_its_own_error_and_the_others_stay_current(make_site):
    from conftest import BASE_SITE
    beta = {path.replace("/acme/", "/beta/"): text.replace('"012', '"beta-012')
            for path, text in BASE_SITE.items() if path.startswith("content/acme/")}
    root = make_site({**beta, "content/acme/deadlines.yaml": "milestones: [\n"})
    with Preview(root / "content") as running:
        assert running.ready.wait(10), "the watcher did not start"
        status, body = fetch(running.url + "acme/index.html")
        assert status == 500 and "acme/deadlines.yaml" in body and "beta/" not in body
        status, body = fetch(running.url + "beta/index.html")
        assert status == 200 and "Acme &amp; Co" in body
        edit(root / "content/beta/scope.md", "## Goals", "## Objectives")
        deadline = time.monotonic() + 30
        while "Objectives" not in fetch(running.url + "beta/scope.html")[1]:
            assert time.monotonic() < deadline, "beta not rebuilt while acme has errors"
            time.sleep(0.1)
        assert fetch(running.url + "acme/index.html")[0] == 500


def test_a_page_left_while_it_polls_is_no_traceback(session, capfd):
    """The browser closes its long poll when the page is left: the server says nothing."""
    import socket
    host, port = session.server.server_address[:2]
    for _ in range(3):
        with socket.create_connection((host, port)) as sock:
            sock.sendall(b"GET /_portal/wait?v=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    edit(session.root / SCOPE, "## Goals", "## Aims")  # a rebuild answers the polls
    deadline = time.monotonic() + 20
    while "Aims" not in fetch(session.url + "acme/scope.html")[1]:
        assert time.monotonic() < deadline, "no rebuild"
        time.sleep(0.1)
    import threading
    for handler in threading.enumerate():  # the polls answered into closed sockets, and ended
        if handler.name.endswith("(process_request_thread)"):
            handler.join(30)
            assert not handler.is_alive(), "a long poll was never answered"
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "BrokenPipe" not in captured.err + captured.out
