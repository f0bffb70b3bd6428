"""Checks of built pages by tools nobody here wrote: axe-core, the Nu Html Checker, Chromium.

Each check returns findings (empty means the page passes), so a test can assert both that the
real pages pass and that a known-bad page is caught. The tools come from npm (`package.json`,
installed into node_modules/ by `make test`); vnu needs Java.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SERIOUS = ("serious", "critical")
WEIGHT_LIMIT = 50 * 1024  # bytes of HTML + CSS + JS a page transfers, images aside
# vnu checks files from disk, where a CSP's 'self' matches no origin, so it warns that every
# stylesheet, script and image "violates" the policy. Chromium, which does enforce the policy,
# loads the same pages over http and from file:// without a CSP report (the load checks).
VNU_CSP_FROM_DISK = re.compile(r"^Resource violates Content Security Policy \(meta tag\)")


def missing_tools() -> list[str]:
    """What `make test` would have installed and is not there."""
    missing = [str(p.relative_to(REPO)) for p in (AXE, VNU) if not p.is_file()]
    return missing + [name for name in ("java",) if shutil.which(name) is None]


def axe_source() -> str:
    """axe-core, to add to a browser context with `add_init_script` (CSP does not apply)."""
    return AXE.read_text(encoding="utf-8")


def start_axe(page: Any) -> None:
    """Start axe in `page` without waiting (after a zero timeout: axe.run itself does much of
    its work before returning), so pages in several tabs can run it at once."""
    page.evaluate("""() => { window.__cpAxe = new Promise(go => setTimeout(go, 0))
        .then(() => axe.run(document, {resultTypes: ['violations'], reporter: 'no-passes',
                                       noHtml: true}))  // the same rules, less to report
        .then(r => r.violations.map(v => ({impact: v.impact, id: v.id, help: v.help,
                                          nodes: v.nodes.map(n => n.target.join(' '))}))); }""")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The violations of the run `start_axe` began (every impact)."""
    return list(page.evaluate("() => window.__cpAxe"))


def run_axe(page: Any) -> list[dict[str, Any]]:
    start_axe(page)
    return axe_violations(page)


def serious(violations: Iterable[dict[str, Any]]) -> list[str]:
    """Serious and critical violations as readable lines."""
    return [f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]})"
            for v in violations if v["impact"] in SERIOUS]


def vnu_messages(files: list[Path]) -> list[dict[str, Any]]:
    """Every message of the Nu Html Checker over `files`, in one Java run."""
    if not files:
        return []
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", *map(str, files)],
                         capture_output=True, text=True, check=False)
    return list(json.loads(run.stderr)["messages"])


def vnu_problems(messages: list[dict[str, Any]], root: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) as 'file:line: message'; the from-disk CSP warning is not one."""
    errors, warnings = [], []
    for message in messages:
        url = message.get("url", "")
        where = Path(urlsplit(url).path).relative_to(root) if url.startswith("file:") else url
        line = f"{where}:{message.get('lastLine')}: {message['message']}"
        if message["type"] in ("error", "non-document-error"):
            errors.append(line)
        elif not VNU_CSP_FROM_DISK.match(message["message"]):
            warnings.append(line)
    return errors, warnings


def horizontal_overflow(page: Any) -> list[str]:
    """What makes the page scroll sideways (on a phone); empty when nothing does."""
    return list(page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        // what a scroller of its own holds (tables, code, the row of sections) scrolls there
        const scrolls = e => { for (let a = e.parentElement; a && a !== document.body;
                                    a = a.parentElement) {
            if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true; }
          return false; };
        const wide = [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > width + 1 && !scrolls(e))
          .slice(0, 5).map(e => e.tagName.toLowerCase()
                           + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
        return wide.length ? wide : ['the document scrolls sideways'];
    }"""))


def crushed_text(page: Any, most: int = 2) -> list[str]:
    """Text laid out at `most` characters a line or fewer because its box is that narrow (a
    column too narrow for its words: a date one glyph a line): each such text run, with its
    lines. A short run that merely crosses the end of a wide line is not crushed; text hidden
    or clipped to nothing (`.visually-hidden`) is not laid out for reading."""
    return list(page.evaluate(r"""most => {
        const clipped = new Map();
        const isClipped = el => {
          if (!el || el === document.body) return false;
          if (!clipped.has(el)) {
            const s = getComputedStyle(el), box = el.getBoundingClientRect();
            clipped.set(el, (s.clip !== 'auto' && s.position === 'absolute')
                            || (s.overflow === 'hidden' && (box.width <= 1 || box.height <= 1))
                            || isClipped(el.parentElement));
          }
          return clipped.get(el);
        };
        // the box the text is laid out in: no wider than `most` + 1 characters of its font
        const narrow = el => {
          let box = el;
          while (box.parentElement && getComputedStyle(box).display.startsWith('inline')
                 && getComputedStyle(box).display !== 'inline-block') box = box.parentElement;
          const s = getComputedStyle(box);
          const inner = box.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
          return inner <= (most + 1) * parseFloat(getComputedStyle(el).fontSize);
        };
        const found = [], range = document.createRange();
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walk.nextNode(); node; node = walk.nextNode()) {
          const chars = [...node.data.replace(/\s+/g, '')].length;
          if (chars <= most || !node.parentElement || isClipped(node.parentElement)) continue;
          range.selectNodeContents(node);
          const lines = new Set([...range.getClientRects()]
            .filter(r => r.width > 0 && r.height > 0).map(r => Math.round(r.top)));
          if (lines.size > 1 && chars / lines.size <= most && narrow(node.parentElement)) {
            const el = node.parentElement;
            found.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className)
              .split(' ')[0] : ''}: "${node.data.trim().slice(0, 30)}" in ${lines.size} lines`);
          }
        }
        return found.slice(0, 5);
    }""", most))


PHONE_SCREEN = 844  # px: the height of a phone's screen (iPhone 12 to 16) at 375-390 px
GLANCE = (".card--balance .card__figure", ".card--deadline .card__figure",
          ".card--changes .changes-count")  # what I owe, what is next, what changed


def below_the_fold(page: Any, selectors: tuple[str, ...] = GLANCE,
                   height: int = PHONE_SCREEN) -> list[str]:
    """Which of `selectors` is missing or not within the first `height` px of the page."""
    return list(page.evaluate("""([selectors, height]) => selectors.filter(s => {
        const e = document.querySelector(s);
        return !e || e.getBoundingClientRect().bottom + scrollY > height;
    })""", [list(selectors), height]))


def page_links(page: Any) -> dict[str, Any]:
    """The page's language and every link it has (`a` and `link rel=alternate`), absolute,
    with its hreflang; what `links_leaving_language` judges."""
    return dict(page.evaluate("""() => ({
        lang: document.documentElement.lang,
        links: [...document.querySelectorAll('a[href], link[rel~="alternate"][href]')]
          .map(e => ({href: e.href, hreflang: e.getAttribute('hreflang'),
                      file: e.dataset.cpFile || null}))
    })"""))


def links_leaving_language(links: dict[str, Any], language_of: Any) -> list[str]:
    """Links from `page_links` to a page or feed in another language than the page's own,
    without hreflang to say so. `language_of(url)` is the language of what a URL leads to
    (None for what all languages share: assets, attachments, the calendar)."""
    own = _primary(links["lang"])
    found = []
    for link in links["links"]:
        target = language_of(link["href"])
        if link["hreflang"] is None and target is not None and _primary(target) != own:
            found.append(f"{link['href']} is in {target}, not {links['lang']}")
    return found


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def document_language(file: Path) -> str | None:
    """The language a built page (`<html lang>`) or feed (`xml:lang`) declares; None for
    any other file, or one that is not there."""
    if file.suffix not in (".html", ".xml") or not file.is_file():
        return None
    head = file.read_text(encoding="utf-8", errors="replace")[:2000]
    match = re.search(r'<html lang="([^"]+)"|<feed [^>]*xml:lang="([^"]+)"', head)
    return (match.group(1) or match.group(2)) if match else None


def transferred_weight(page: Any) -> dict[str, int]:
    """Bytes the page transferred by kind (html, css, js); images, fonts and fetched files
    aside. Resource Timing, so it counts what was loaded, after decryption too."""
    return dict(page.evaluate("""() => {
        const sizes = {html: performance.getEntriesByType('navigation')[0].encodedBodySize,
                       css: 0, js: 0};
        for (const r of performance.getEntriesByType('resource')) {
          const path = new URL(r.name).pathname;
          if (path.endsWith('.css')) sizes.css += r.encodedBodySize;
          else if (path.endsWith('.js')) sizes.js += r.encodedBodySize;
        }
        return sizes;
    }"""))


def blocking_scripts(html: str) -> list[str]:
    """<script> tags that stop the parser: neither defer, async nor a module."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", html)
            if not re.search(r"\b(defer|async)\b|type=\"module\"", tag)]


def pdf_page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


class Recorder:
    """Listens to a page: console errors, script errors, failed or refused requests, and
    requests to any host but the portal's own (file:// has none; blob: is the page's own)."""

    def __init__(self, page: Any, own_host: str) -> None:
        self.page, self.own_host = page, own_host
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self._note(f"console: {m.text}"))
        page.on("pageerror", lambda e: self._note(f"script error: {e}"))
        # ERR_ABORTED is the next navigation cancelling a request, not a broken link.
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                and self._note(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self._note(f"HTTP {r.status}: {r.url}"))
        page.on("request", self._check_host)

    def _check_host(self, request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme == "blob" or (url.scheme == "file" and not self.own_host):
            return
        if url.scheme not in ("http", "https") or url.netloc != self.own_host:
            self._note(f"request to another host: {request.url}")

    def _note(self, problem: str) -> None:
        self.problems.append(f"{self.page.url}: {problem}")
