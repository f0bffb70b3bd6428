"""`portal serve`: build, serve on 127.0.0.1, rebuild on change, reload open pages.

A change under a client's folder rebuilds that client; a change to portal.yaml, agency files or
the theme rebuilds everything (Zola's `detect_change_kind`). Requests wait while a build runs,
so no half-built page is served. A client's content error replaces that client's pages with
its error page until the file is fixed (the other portals are built and served as they are);
an error of portal.yaml or the theme replaces every page. Live reload is an external script injected only into served pages, with the
page's Content-Security-Policy widened by `connect-src 'self'` and nothing more: built output
never contains either. The portals are built into memory (`MemorySink`), as Hugo's server
does: serving writes nothing to disk, and `output/` stays what the last `portal build` made.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import mimetypes
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import click
import watchfiles

from generator.content.folders import client_folders
from generator.errors import ContentError, Problem, UsageError, display_path
from generator.pipeline.client import agency_settings
from generator.pipeline.options import BuildOptions, selected_clients
from generator.pipeline.run import BuildFailed, BuildState, build
from generator.render.theme import DEFAULT_THEME
from generator.sink import MemorySink

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
PREFIX = "/_portal/"
WAIT_SECONDS = 25.0
HOLD_SECONDS = 60.0
WATCH_TICK_MS = 100  # how often the watcher wakes with nothing changed
ALL = None  # rebuild every client

LIVERELOAD_JS = """\
// Reloads the page when `portal serve` has rebuilt; injected only by the dev server.
(function () {
  "use strict";
  var version = new URL(document.currentScript.src).searchParams.get("v");
  function poll() {
    fetch("/_portal/wait?v=" + version, {cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (String(data.version) !== version) { window.location.reload(); return; }
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
}());
"""

_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")', re.I)


class LiveSite:
    """The served build: rebuilds it, remembers its error, and holds requests while building."""

    def __init__(self, options: BuildOptions, echo: Callable[[str, bool], None]) -> None:
        self.options = options
        self.echo = echo
        self.version = 0
        self.error: str | None = None  # the agency's (portal.yaml, the theme): every page
        self.client_errors: dict[str, str] = {}  # by slug: that client's pages only
        self.building = False
        self.closed = False
        self._changed = threading.Condition()
        self._build_lock = threading.Lock()
        # The builder (agency, theme, Jinja environment), the manifest and the built files
        # outlive a build; the files are served from memory.
        self.output = MemorySink()
        self.state = BuildState(self.output)

    def rebuild(self, clients: Iterable[str] | None = ALL) -> float:
        """Build `clients` (all when None, or after a failed build); return the seconds it took."""
        with self._build_lock:
            with self._changed:
                self.building = True
            started = time.perf_counter()
            failed_before = self.error or self.client_errors
            wanted = tuple(sorted(clients)) if clients is not None and not failed_before \
                else None
            try:
                # A change in a client's folder rebuilds that client, changed or not (the
                # state trusts what it built last); otherwise, whatever changed.
                self.error, self.client_errors = None, {}
                self._build(wanted)
            except (ContentError, UsageError) as error:
                self.error = error.format_message()
            except Exception as error:  # a bug: show it, and keep the server running
                log.exception("the build crashed")
                self.error = f"the build crashed (a bug in clientportal): {error!r}"
            finally:
                with self._changed:
                    self.building, self.version = False, self.version + 1
                    self._changed.notify_all()
            seconds = time.perf_counter() - started
        what = ", ".join(wanted) if wanted else "all portals"
        if self.error:
            self.echo(f"{self.error}\nserving the error page until the content is fixed", True)
        elif self.client_errors:
            failed = ", ".join(sorted(self.client_errors))
            self.echo("\n".join(self.client_errors.values())
                      + f"\nserving {failed}'s error page until fixed; the other portals "
                        "are current", True)
        else:
            self.echo(f"built {what} in {seconds:.2f}s", False)
        return seconds

    def _build(self, wanted: tuple[str, ...] | None) -> None:
        """Build; when clients fail, keep their errors apart and build the others, so that
        each client's pages show its own state."""
        try:
            build(replace(self.options, clients=wanted or self.options.clients,
                          force=bool(wanted), jobs=1), state=self.state)
        except BuildFailed as error:
            self.client_errors = _by_client(error.problems, error.failed,
                                            self.options.content_dir)
            if set(self.client_errors) != set(error.failed):
                raise  # a problem outside the failed clients' folders: every page shows it
            if error.ready:  # not the agency overview: it needs every client's figures
                build(replace(self.options, clients=tuple(error.ready), force=True, jobs=1,
                              overview=False), state=self.state)

    def error_for(self, folder: str) -> str | None:
        """The error a page of this output folder shows: the agency's, or its client's."""
        if self.error:
            return self.error
        for slug, message in self.client_errors.items():
            if folder in (slug, f"_draft-{slug}") or re.fullmatch(
                    re.escape(slug) + r"-[0-9a-f]{32}", folder):
                return message
        return None

    def wait_idle(self, timeout: float = HOLD_SECONDS) -> None:
        """Block while a build runs, so no half-written page is served."""
        with self._changed:
            self._changed.wait_for(lambda: not self.building or self.closed, timeout)

    def wait_change(self, seen: str, timeout: float = WAIT_SECONDS) -> int:
        """Block until the version differs from `seen` (or time runs out); return it."""
        with self._changed:
            self._changed.wait_for(lambda: str(self.version) != seen or self.closed, timeout)
            return self.version

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def affected_clients(changes: Iterable[Path], content_dir: Path) -> set[str] | None:
    """The clients a set of changed files touches, or None when everything must be rebuilt."""
    root, slugs = content_dir.resolve(), set()
    for path in changes:
        try:
            parts = path.resolve().relative_to(root).parts
        except ValueError:
            return ALL  # the theme, or anything else outside the content folder
        if len(parts) < 2 or parts[0].startswith((".", "_")):
            return ALL  # portal.yaml, agency files
        if not (root / parts[0] / "client.yaml").is_file():
            return ALL  # a client folder appeared or went away
        slugs.add(parts[0])
    return slugs


def _by_client(problems: list[Problem], slugs: list[str], content_dir: Path) -> dict[str, str]:
    """Each failed client's problems as its error message (problems outside their folders
    are left out: the caller then shows every problem on every page)."""
    messages = {}
    for slug in slugs:
        folder = display_path(content_dir / slug, content_dir) + "/"
        own = [p for p in problems if p.path.startswith(folder)]
        if any(p.is_error for p in own):
            messages[slug] = ContentError(own).format_message()
    return messages


def inject_live_reload(page: bytes, version: int) -> bytes:
    """Add the reload script to a served page and let its CSP allow the reload request."""
    text = page.decode("utf-8", errors="replace")

    def widen(match: re.Match[str]) -> str:
        policy = re.sub(r";?\s*connect-src[^;]*", "", match.group(2))
        return f"{match.group(1)}{policy}; connect-src 'self'{match.group(3)}"

    text = _CSP.sub(widen, text, count=1)
    tag = f'<script src="{PREFIX}livereload.js?v={version}" defer></script>'
    text = text.replace("</head>", f"{tag}\n</head>", 1) if "</head>" in text else text + tag
    return text.encode("utf-8")


def error_page(message: str, version: int) -> bytes:
    """The page shown instead of every portal page while the content has errors."""
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'self'">
<title>Build error · portal serve</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem;max-width:70rem}}
pre{{white-space:pre-wrap;background:#fff3f3;border-left:4px solid #b00020;padding:1rem}}</style>
</head>
<body>
<h1 id="portal-build-error">The content has errors</h1>
<p>Fix the files below and save: this page reloads by itself when the build succeeds.</p>
<pre>{html.escape(message)}</pre>
</body>
</html>
"""
    return inject_live_reload(page.encode("utf-8"), version)


class _Handler(BaseHTTPRequestHandler):
    server: DevServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:  # noqa: N802 (stdlib's name)
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        url = urlsplit(self.path)
        live = self.server.live
        if not self._local_host():
            return self._send(HTTPStatus.FORBIDDEN, b"403 Forbidden: unknown Host\n",
                              "text/plain", head)
        if url.path == f"{PREFIX}livereload.js":
            return self._send(HTTPStatus.OK, LIVERELOAD_JS.encode(), "text/javascript", head)
        if url.path == f"{PREFIX}wait":
            seen = parse_qs(url.query).get("v", [""])[0]
            body = json.dumps({"version": live.wait_change(seen)}).encode()
            return self._send(HTTPStatus.OK, body, "application/json", head)
        return self._serve_output(url.path, head)

    def _serve_output(self, path: str, head: bool) -> None:
        """A file of the build (or the error page while the content has errors)."""
        live = self.server.live
        live.wait_idle()
        found = self._resolve(path)
        is_page = path.endswith((".html", "/"))
        error = live.error_for(unquote(path).lstrip("/").split("/", 1)[0])
        if error and is_page and found != HTTPStatus.FORBIDDEN:
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR,
                              error_page(error, live.version), "text/html", head)
        if isinstance(found, HTTPStatus):
            return self._send(found, f"{found.value} {found.phrase}\n".encode(),
                              "text/plain; charset=utf-8", head)
        if found == "":
            return self._send(HTTPStatus.OK, self._listing(live.version), "text/html", head)
        body = live.output.published[found]
        kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
        if found.endswith(".html"):
            body = inject_live_reload(body, live.version)
        return self._send(HTTPStatus.OK, body, kind, head)

    def _local_host(self) -> bool:
        """Refuse a Host other than 127.0.0.1 or localhost: a DNS-rebinding page must not
        read the portals through the visitor's browser."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        return host in ("127.0.0.1", "localhost", "::1")

    def _resolve(self, raw_path: str) -> str | HTTPStatus:
        """The built file a URL path names ("" for the list of portals), or why not."""
        path = unquote(raw_path)
        if "\\" in path or "\x00" in path or ".." in path.split("/"):
            return HTTPStatus.FORBIDDEN
        published = self.server.live.output.published
        name = path.strip("/")
        if not name:
            return ""
        if name in published and not raw_path.endswith("/"):
            return name
        index = f"{name}/index.html"
        if index not in published:
            return HTTPStatus.NOT_FOUND
        return index if raw_path.endswith("/") else HTTPStatus.NOT_FOUND

    def _listing(self, version: int) -> bytes:
        names = sorted({path.split("/", 1)[0] for path in self.server.live.output.published}
                       | set(self.server.live.client_errors))  # a failed one: its error page
        items = "\n".join(f'<li><a href="{html.escape(n)}/index.html">{html.escape(n)}</a></li>'
                          for n in names if not n.startswith("."))
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f"<title>portal serve</title></head><body><h1>Portals</h1><ul>\n{items}\n"
                f"</ul></body></html>\n")
        return inject_live_reload(page.encode("utf-8"), version)

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool) -> None:
        if kind.startswith("text/") and "charset" not in kind:
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            with contextlib.suppress(ConnectionError):  # the page was left: nothing to say
                self.wfile.write(body)


class DevServer(ThreadingHTTPServer):
    """The HTTP server: threads per request, over one LiveSite's build."""

    daemon_threads = True

    def __init__(self, port: int, live: LiveSite) -> None:
        super().__init__((HOST, port), _Handler)
        self.live = live

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that leaves a page while it polls closes its connection (a broken
        pipe): not worth a word. Anything else is one line, its traceback with -vv."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("%s left: %s", client_address, error)
            return
        log.error("serving a request failed: %r", error)
        log.debug("its traceback", exc_info=True)


class Preview:
    """A running `portal serve`: first build, server thread, watcher thread; stop() ends all.

    `ready` is set once the watcher watches: a change saved after that is seen."""

    def __init__(self, content_dir: Path, clients: tuple[str, ...] = (), port: int = 0,
                 as_of: date | None = None,
                 echo: Callable[[str, bool], None] = lambda message, error: None) -> None:
        self.content_dir = content_dir
        self.clients = clients
        selected_clients(client_folders(content_dir)[0], clients)  # a typo is a usage error
        options = BuildOptions(content_dir=content_dir, clients=clients, as_of=as_of)
        self.live = LiveSite(options, echo)
        self.server = DevServer(port, self.live)  # a busy port fails before the first build
        self.live.rebuild()
        self._stop = threading.Event()
        self.ready = threading.Event()  # set while the watcher watches `watching`
        self.watching = self._folders = self.watched()
        self._threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                         threading.Thread(target=self._watch, daemon=True)]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def start(self) -> Preview:
        """Start serving and watching. The threads (and those they start, such as the file
        watcher's own) block Ctrl+C and SIGTERM, so the kernel hands those to the main thread:
        a signal landing on a thread that is not Python's main one may wait unhandled."""
        stops = {signal.SIGINT, signal.SIGTERM}
        masked = hasattr(signal, "pthread_sigmask")
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, stops) if masked else set()
        try:
            for thread in self._threads:
                thread.start()
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.live.close()
        if self._threads[0].is_alive():
            self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def watches(self, folder: Path, timeout: float = 10.0) -> bool:
        """Wait until the watcher watches `folder` (a theme folder newly named, say)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready.is_set() and folder.resolve() in self.watching:
                return True
            time.sleep(0.02)
        return False

    def watched(self) -> list[Path]:
        """The content folder and every theme folder."""
        folders = [self.content_dir, DEFAULT_THEME]
        # A broken site: the content folder is still watched, and a fix rebuilds everything.
        with contextlib.suppress(ContentError, UsageError):
            folders += [Path(f) for f in agency_settings(self.content_dir)["theme"]]
        return sorted({f.resolve() for f in folders if f.is_dir()})

    def _watch(self) -> None:
        while not self._stop.is_set():
            folders = self._folders
            # Timeouts yield an empty set: the first one says the watches are in place.
            for changes in watchfiles.watch(*folders, stop_event=self._stop, debounce=50,
                                            step=25, rust_timeout=WATCH_TICK_MS,
                                            yield_on_timeout=True, raise_interrupt=False):
                self.watching = folders
                self.ready.set()
                if changes and self._rebuild(changes) != folders:
                    self.ready.clear()
                    break  # watch the new set of folders

    def _rebuild(self, changes: set[tuple[watchfiles.Change, str]]) -> list[Path]:
        """Rebuild what the changes touch; return the folders to watch from now on."""
        touched = affected_clients((Path(p) for _, p in changes), self.content_dir)
        if touched is not None and self.clients:
            touched &= set(self.clients)
            if not touched:
                return self._folders
        self.live.rebuild(touched)
        if touched is None:  # portal.yaml may name another theme folder now
            self._folders = self.watched()
        return self._folders


def serve_forever(content_dir: Path, clients: tuple[str, ...], port: int,
                  as_of: date | None) -> None:
    """Run `portal serve` until Ctrl+C or SIGTERM."""

    def echo(message: str, error: bool) -> None:
        click.echo(message, err=error)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if not content_dir.is_dir():
        raise UsageError(f"{content_dir} is not a folder (choose one with --content)")
    try:
        session = Preview(content_dir, clients, port, as_of, echo)
    except OSError as error:
        raise UsageError(f"cannot listen on {HOST}:{port}: {error.strerror}") from None
    # Both stop it, whatever handler the process had before (a host process, such as a test
    # run that used asyncio, may have replaced Python's own Ctrl+C handler).
    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(f"serving {session.url} (Ctrl+C to stop)")
        session.start()
        while True:  # wakes now and then: a Ctrl+C delivered to another thread is handled
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        session.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
