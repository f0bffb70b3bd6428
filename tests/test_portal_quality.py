"""Every page of every example portal in a real browser (Debian's Chromium), checked by tools
nobody here wrote: clean console and only its own host over http and from file://, axe-core at
1280 and 375 px in light and dark, the Nu Html Checker, no sideways scrolling on a phone,
under 50 KB, no blocking script, invoices on one A4 and one Letter page, keyboard use.

Besides `content/` as it is, the session builds two copies of it: one with hanbit-logistics
password-protected (lock screens, and every page again once opened with its share link) and
nordlys-saas behind a capability link, and one with a 15-line invoice for every client.
Each check is shown to fail on a known-bad page at the end of this file.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from browser import static_server
from conftest import AS_OF, EXAMPLE_CONTENT, REPO, portal
from gitrepo import commit, init_repo
from quality import (
    PHONE_SCREEN,
    WEIGHT_LIMIT,
    Recorder,
    axe_source,
    axe_violations,
    below_the_fold,
    blocking_scripts,
    crushed_text,
    document_language,
    horizontal_overflow,
    links_leaving_language,
    missing_tools,
    page_links,
    pdf_page_count,
    run_axe,
    serious,
    start_axe,
    transferred_weight,
    vnu_messages,
    vnu_problems,
)

ARTIFACTS = REPO / "tests" / "artifacts"
VIEWS = [(1280, "light"), (1280, "dark"), (375, "light"), (375, "dark")]
PHONE = (375, "light")
TABS = 2  # pages checked at once
SECRET = "quality-suite-secret-0123456789abcdef"
PASSWORDS = {"PORTAL_PASSWORD_HANBIT_LOGISTICS__MINHO_JUNG": "quality-suite-password-1"}
LOCKED, LINKED = "hanbit-logistics", "nordlys-saas"
SCREENSHOT_PORTALS = ("kowalski-legal", "sakura-retail", "_agency")  # pl, ja, the agency's
DARK_SCREENSHOT_PORTAL = "kowalski-legal"
# on a phone, every page type in every language: ja, en (sakura-retail/en/), ko, pl, sv
PHONE_SCREENSHOT_PORTALS = {"sakura-retail": "ja", "sakura-retail/en": "en",
                            "hanbit-logistics": "ko", "kowalski-legal": "pl",
                            "nordlys-saas": "sv"}


# ------------------------------------------------------------------------------- the sites

@dataclass
class Sites:
    root: Path       # served over http as it is: example/, protected/, long/
    share_key: str   # the `#key=...` fragment that opens the protected portal

    @property
    def example(self) -> Path:
        return self.root / "example"


def _build(content: Path, out: Path, *extra: str) -> None:
    result = portal("build", "--content", content, "--out", out, "--as-of", AS_OF, *extra)
    assert result.exit_code == 0, result.output


def _protect(content: Path) -> Path:
    """hanbit-logistics by password (one contact, and a share link); nordlys-saas by link."""
    with (content / LOCKED / "client.yaml").open("a", encoding="utf-8") as profile:
        profile.write("access: {mode: password, contacts: [정민호], share_link: true}\n")
    with (content / LINKED / "client.yaml").open("a", encoding="utf-8") as profile:
        profile.write("access: {mode: link}\n")
    return content


def fifteen_line_invoice(client: Path) -> str:
    """The client's own invoice lines (all of them, repeated) on one 15-line invoice.

    Numbered per client: one seller numbers each invoice once, across all its clients."""
    invoices = [yaml.safe_load(p.read_text(encoding="utf-8"))
                for p in sorted((client / "invoices").glob("*.yaml"))]
    lines = [item for invoice in invoices for item in invoice["items"]]
    items = [dict(lines[n % len(lines)], quantity=n + 1) for n in range(15)]
    return yaml.safe_dump({
        "number": f"L15-{client.name[:3].upper()}", "issued": "2026-11-20", "due": "2026-12-20",
        "period": {"start": "2026-11-01", "end": "2026-11-30"}, "items": items,
        "notes": "Fifteen lines, to show the invoice still prints on one page.\n\n"
                 "Questions about this invoice: reply to your account manager.",
    }, allow_unicode=True, sort_keys=False)


def _long_content(folder: Path) -> Path:
    content = folder / "long-content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    for client in sorted(p for p in content.iterdir() if (p / "client.yaml").is_file()):
        (client / "invoices" / "2099-long.yaml").write_text(fifteen_line_invoice(client),
                                                             encoding="utf-8")
    return content


@pytest.fixture(scope="session")
def sites(tmp_path_factory, example) -> Sites:
    """The example portals (a copy of conftest's `example`, built once per run), the
    protected copy and the long-invoice copy, built once."""
    from generator.protection.protect import share_fragment

    if missing_tools():
        pytest.fail(f"missing {', '.join(missing_tools())}: run `make test` (npm ci, apt)")
    root = tmp_path_factory.mktemp("quality")
    shutil.copytree(example, root / "example", symlinks=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PORTAL_SECRET", SECRET)
        for name, value in PASSWORDS.items():
            env.setenv(name, value)
        copy = root / "protected-content"
        shutil.copytree(EXAMPLE_CONTENT, copy)
        init_repo(copy)  # with history, as content lives in git: "what's new" and dates
        commit(copy, "Example content", when="2026-11-20T10:00:00+00:00")
        _build(copy, root / "unprotected", "--client", LINKED)
        _build(_protect(copy), root / "protected", "--client", LOCKED, "--client", LINKED)
    _build(_long_content(root), root / "long")
    return Sites(root, share_fragment(SECRET.encode(), LOCKED))


# ------------------------------------------------------------------------------- the pages

def page_kind(path: str) -> str:
    """The template a page of a portal comes from: overview, scope, invoice, ..."""
    parts = path.removeprefix("en/").split("/")
    if len(parts) == 2:
        return {"requirements": "requirement", "invoices": "invoice",
                "managers": "agency-manager"}[parts[0]]
    return {"index.html": "overview"}.get(parts[0], parts[0].removesuffix(".html"))


def vault_path(page: Path) -> str:
    """The original path of a protected page (its file name may be opaque)."""
    match = re.search(r'data-vault="([^"]+)"', page.read_text(encoding="utf-8"))
    assert match, page
    return str(json.loads(html.unescape(match.group(1)))["path"])


@dataclass(frozen=True)
class Target:
    """One page to check: where it is below Sites.root, and what it is."""

    path: str               # e.g. "example/kowalski-legal/scope.html"
    portal: str             # "kowalski-legal", "_agency"
    kind: str               # "scope", "lock", "agency", ...
    state: str = "public"   # public | locked | unlocked

    @property
    def name(self) -> str:
        return self.path if self.state == "public" else f"{self.path} ({self.state})"


def targets(sites: Sites) -> list[Target]:
    """Every page of the example portals and the agency overview, then the protected
    portal's pages locked, then the same pages opened."""
    found = []
    for page in sorted(sites.example.rglob("*.html")):
        portal_name, *rest = page.relative_to(sites.example).parts
        kind = page_kind("/".join(rest))
        if portal_name == "_agency":
            kind = "agency" if kind == "overview" else kind
        found.append(Target(page.relative_to(sites.root).as_posix(), portal_name, kind))
    locked = sorted((sites.root / "protected" / LOCKED).rglob("*.html"))
    for state in ("locked", "unlocked"):
        found += [Target(p.relative_to(sites.root).as_posix(), LOCKED,
                         "lock" if state == "locked" else page_kind(vault_path(p)), state)
                  for p in locked]
    return found


# ------------------------------------------------------------------------------- the tour

@dataclass
class Tab:
    """One browser tab with its own context: over http (axe added to every page, no cache,
    so each page pays for its CSS and scripts), or from file://."""

    page: Any
    recorder: Recorder
    base: str


@dataclass
class Tour:
    """What the walk over every page found; the tests below assert on it."""

    load: list[str] = field(default_factory=list)
    axe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "page @ view" -> all
    overflow: list[str] = field(default_factory=list)
    weights: dict[str, dict[str, int]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # page name -> kind (for the summary)
    dom_dumps: list[Path] = field(default_factory=list)  # opened protected pages, for vnu
    screenshots: list[Path] = field(default_factory=list)
    crushed: list[str] = field(default_factory=list)  # text at <= 2 characters a line
    fold: dict[str, list[str]] = field(default_factory=dict)  # overview -> answers below 844 px
    leaving: list[str] = field(default_factory=list)  # links out of the page's language
    language_of: Callable[[str], str | None] = lambda url: None


def served_language(root: Path, base: str) -> Callable[[str], str | None]:
    """The language of what a URL below `base` (serving `root`) leads to: a page's
    `<html lang>`, a feed's `xml:lang`; None for anything else."""
    @functools.cache
    def language_of(url: str) -> str | None:
        if not url.startswith(base):
            return None
        path = unquote(urlsplit(url).path[len(urlsplit(base).path):])
        return document_language(root / path)
    return language_of


def _http_tab(browser, base: str, axe: str, seed: str) -> Tab:
    context = browser.new_context()
    context.add_init_script(script=axe)  # not subject to the page's CSP
    context.add_init_script(script=seed)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return Tab(page, Recorder(page, base.split("/")[2]), base)


def _file_tab(browser, base: str, seed: str) -> Tab:
    context = browser.new_context()
    context.add_init_script(script=seed)
    page = context.new_page()
    return Tab(page, Recorder(page, ""), base)


def _seed_last_visits(sites: Sites, base: str) -> str:
    """A script for every page that makes each portal believe its client was last here long
    ago, so pages show their "changed since your last visit" marks (visits.js), checked too."""
    roots = [base + p.relative_to(sites.root).as_posix() + "/"
             for p in sorted(sites.root.glob("*/*/")) if (p / "assets").is_dir()]
    return f"""try {{
      if (!sessionStorage.getItem('quality-seeded')) {{
        sessionStorage.setItem('quality-seeded', '1');
        {json.dumps(roots)}.forEach(root => localStorage.setItem(
            'clientportal:' + root + ':last-visit', '2000-01-01T00:00:00Z'));
      }}
    }} catch (e) {{ /* about:blank has no storage */ }}"""


def _load(tab: Tab, target: Target, fragment: str = "") -> None:
    tab.page.goto(tab.base + target.path + fragment)
    if target.state == "unlocked":
        tab.page.wait_for_selector("#cp-logout", state="attached")
        if tab.base.startswith("http"):  # scripts come after decryption: count them too
            tab.page.wait_for_function("""() => [...document.scripts].every(
                s => !s.src || performance.getEntriesByName(s.src).length)""")
    elif target.state == "locked":
        tab.page.wait_for_selector("#cp-unlock:not([hidden])")


def _screenshot(tab: Tab, target: Target, width: int, scheme: str, tour: Tour) -> None:
    """One per page type, portal and view: Polish (light and dark), Japanese and agency
    pages (light); on a phone every page type in ja, en, ko, pl and sv (light); the
    protected portal's lock screen and opened overview (light)."""
    english = "/en/" in target.path
    portal_name = target.portal + ("-en" if english else "")
    if target.state == "public":
        wanted = target.portal in SCREENSHOT_PORTALS and not english and (
            scheme == "light" or target.portal == DARK_SCREENSHOT_PORTAL)
        wanted = wanted or (width == PHONE[0] and scheme == "light" and portal_name.replace(
            "-en", "/en") in PHONE_SCREENSHOT_PORTALS)
    else:
        wanted = scheme == "light" and target.kind in ("lock", "overview")
    shot = ARTIFACTS / f"{target.kind}-{target.state}-{portal_name}-{width}-{scheme}.png"
    if wanted and shot not in tour.screenshots:
        tab.page.screenshot(path=str(shot), full_page=True)
        tour.screenshots.append(shot)


def _check_views(tabs: list[Tab], group: list[Target], tour: Tour) -> None:
    """axe in every view (the tabs run it at once), overflow on the phone, screenshots."""
    for width, scheme in VIEWS:
        for tab in tabs[:len(group)]:
            tab.page.set_viewport_size({"width": width, "height": 900 if width > 375
                                        else PHONE_SCREEN})
            tab.page.emulate_media(color_scheme=scheme)
            start_axe(tab.page)
        for tab, target in zip(tabs, group, strict=False):
            tour.axe[f"{target.name} @ {width}px {scheme}"] = axe_violations(tab.page)
            _screenshot(tab, target, width, scheme, tour)
            if width == PHONE[0]:  # in light and dark: nothing read at 2 characters a line
                tour.crushed += [f"{target.name} ({scheme}): {e}" for e in crushed_text(tab.page)]
            if (width, scheme) == PHONE:
                tour.overflow += [f"{target.name}: {e}" for e in horizontal_overflow(tab.page)]
                if target.kind == "overview":
                    tour.fold[target.name] = below_the_fold(tab.page)
                tour.leaving += [f"{target.name}: {e}" for e in links_leaving_language(
                    page_links(tab.page), tour.language_of)]


def _visit(tabs: list[Tab], disk: Tab, group: list[Target], tour: Tour, dumps: Path) -> None:
    for tab, target in zip(tabs, group, strict=False):
        _load(tab, target)
        _load(disk, target)
    _check_views(tabs, group, tour)
    for tab, target in zip(tabs, group, strict=False):
        tour.weights[target.name] = transferred_weight(tab.page)
        tour.kinds[target.name] = target.kind if target.state == "public" else \
            f"{target.kind} ({target.state})"
        if target.state == "unlocked":
            dump = dumps / target.path
            dump.parent.mkdir(parents=True, exist_ok=True)
            dump.write_text(tab.page.content(), encoding="utf-8")
            tour.dom_dumps.append(dump)


@pytest.fixture(scope="session")
def tour(browser, sites) -> Tour:
    """Open every page once over http in one of two tabs (two pages at a time: axe is the
    slow part) and once from file://; check it there at each size and colour scheme."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    found, axe = Tour(), axe_source()
    everything = targets(sites)
    with static_server(sites.root) as base:
        found.language_of = served_language(sites.root, base)
        tabs = [_http_tab(browser, base, axe, _seed_last_visits(sites, base))
                for _ in range(TABS)]
        disk_base = sites.root.as_uri() + "/"
        disk = _file_tab(browser, disk_base, _seed_last_visits(sites, disk_base))
        for state in ("public", "locked", "unlocked"):
            phase = [t for t in everything if t.state == state]
            if state == "unlocked":  # the share link opens the portal in each tab
                for tab in [*tabs, disk]:
                    _load(tab, phase[0], sites.share_key)
            for start in range(0, len(phase), TABS):
                _visit(tabs, disk, phase[start:start + TABS], found, sites.root / "unlocked-dom")
        for tab in [*tabs, disk]:
            tab.page.wait_for_timeout(200)  # a late request still counts
            found.load += tab.recorder.problems
            tab.page.context.close()
    return found


# ------------------------------------------------------------------------------- the checks

def test_every_page_is_visited(sites, tour):
    example = [t for t in targets(sites) if t.path.startswith("example/")]
    assert len(example) == len(list(sites.example.rglob("*.html"))) >= 80
    assert {t.kind for t in example} >= {
        "overview", "scope", "requirements", "requirement", "timeline", "invoices", "invoice",
        "updates", "contact", "agency", "agency-manager"}
    assert any("/en/" in t.path for t in example)
    assert len(tour.weights) == len(targets(sites))
    assert {t.state for t in targets(sites)} == {"public", "locked", "unlocked"}


def test_every_page_loads_cleanly_over_http_and_from_file(tour):
    """No console or script error, no failed request, nothing from another host: over http
    and from file://. From file:// an opened protected portal shows its images' alt text
    instead of the images (browsers refuse fetch() there; docs/security.md) and asks for
    nothing, so the same assertion holds for it."""
    assert tour.load == []


def test_no_serious_or_critical_accessibility_violation(tour):
    found = [f"{where}: {line}" for where, violations in tour.axe.items()
             for line in serious(violations)]
    assert found == []


def checked_files(sites: Sites) -> list[Path]:
    """Every page as built: the example portals and agency overview, the protected portals
    (lock screens, and the link portal's pages) and the long invoices."""
    return (sorted(sites.example.rglob("*.html"))
            + sorted((sites.root / "protected").rglob("*.html"))
            + sorted((sites.root / "long").glob("*/invoices/2099-long.html")))


def test_html_is_valid(sites, tour):
    files = checked_files(sites) + tour.dom_dumps
    messages = vnu_messages(files)
    errors, warnings = vnu_problems(messages, sites.root)
    summary = {"files": len(files), "errors": len(errors), "warnings": len(warnings),
               "csp_warnings_from_disk": len(messages) - len(errors) - len(warnings)}
    (ARTIFACTS / "vnu-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    assert errors == []
    assert warnings == []


def test_nothing_overflows_on_a_phone(tour):
    assert tour.overflow == []


def test_no_text_is_crushed_on_a_phone(tour):
    """No text run laid out at two characters a line or fewer at 375 px, light or dark: a
    table column narrower than its words, Japanese dates one glyph a line."""
    assert tour.crushed == []


def test_the_overview_answers_three_questions_on_a_phones_first_screen(tour):
    """At 375 px, the first 844 px of every overview (each portal, each language, the
    opened protected one) show the open balance, the next milestone and the change count."""
    assert len(tour.fold) >= 6
    assert {name: missing for name, missing in tour.fold.items() if missing} == {}


def test_every_link_stays_in_the_pages_language(tour):
    """A link to a page or feed in another language says so with hreflang (the language
    switch, the alternates in <head>); every other link stays in the page's language."""
    assert tour.leaving == []


def test_pages_are_light(tour):
    heavy = {name: w for name, w in tour.weights.items() if sum(w.values()) >= WEIGHT_LIMIT}
    assert heavy == {}
    assert all(w["html"] > 0 and w["css"] > 0 for w in tour.weights.values())


def test_no_blocking_scripts(sites):
    found = {p.relative_to(sites.root).as_posix(): blocking_scripts(p.read_text("utf-8"))
             for p in checked_files(sites)}
    assert {page: tags for page, tags in found.items() if tags} == {}


def test_link_portal_pages_are_the_public_pages_under_another_folder(sites):
    """The capability-link portal is not visited again: its pages are byte for byte those of
    the same content built public, in a folder with an unguessable name. (Those differ from
    the pages visited above only by their git history: one commit, not the project's.)"""
    (folder,) = (sites.root / "protected").glob(f"{LINKED}-*")
    public = sites.root / "unprotected" / LINKED
    assert sorted(p.relative_to(folder) for p in folder.rglob("*.html")) == \
        sorted(p.relative_to(public) for p in public.rglob("*.html"))
    for page in folder.rglob("*.html"):
        assert page.read_bytes() == (public / page.relative_to(folder)).read_bytes(), page


def test_screenshots_of_every_page_type_at_both_widths(tour):
    kinds = {"overview", "scope", "requirements", "requirement", "timeline", "invoices",
             "invoice", "updates", "contact", "agency", "lock"}
    for kind in kinds:
        for width in (1280, 375):
            assert list(ARTIFACTS.glob(f"{kind}-*-{width}-light.png")), (kind, width)
    client_kinds = kinds - {"agency", "lock"}
    for portal_name in PHONE_SCREENSHOT_PORTALS:
        name = portal_name.replace("/", "-")
        assert {k for k in client_kinds
                if (ARTIFACTS / f"{k}-public-{name}-375-light.png").is_file()} == client_kinds


def test_summary_for_the_record(tour):
    """Write page weights per type and axe counts to tests/artifacts/quality-summary.json."""
    weights: dict[str, int] = {}
    for name, sizes in tour.weights.items():
        kind = tour.kinds[name]
        weights[kind] = max(weights.get(kind, 0), sum(sizes.values()))
    impacts = Counter(v["impact"] for found in tour.axe.values() for v in found)
    summary = {"pages": len(tour.weights), "axe_runs": len(tour.axe),
               "max_weight_bytes_by_kind": dict(sorted(weights.items())),
               "axe_violations_by_impact": dict(impacts)}
    (ARTIFACTS / "quality-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    assert summary["pages"] > 0


# ------------------------------------------------------------------------------- print

def _invoices(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/invoices/*.html")) + sorted(folder.glob("*/en/invoices/*.html"))


def test_invoices_print_on_one_a4_and_one_letter_page_without_navigation(browser, sites):
    long = sorted((sites.root / "long").glob("*/invoices/2099-long.html"))
    invoices = _invoices(sites.example) + long
    assert len(invoices) > 20
    context = browser.new_context()
    page = context.new_page()
    page.emulate_media(media="print")
    pages = {}
    for invoice in invoices:
        page.goto(invoice.as_uri())
        assert not page.locator(".site-nav").is_visible(), invoice
        assert not page.locator(".site-header").is_visible(), invoice
        for paper in ("A4", "Letter"):
            name = f"{invoice.relative_to(sites.root).as_posix()} on {paper}"
            pages[name] = pdf_page_count(page.pdf(format=paper))
    context.close()
    assert {name: n for name, n in pages.items() if n != 1} == {}


def test_long_invoices_have_fifteen_lines(sites):
    long = sorted((sites.root / "long").glob("*/invoices/2099-long.html"))
    assert len(long) == 4  # one a client: Polish, Japanese, Swedish, Korean rules and words
    for invoice in long:
        items = invoice.read_text("utf-8").split(' invoice__items"')[1]
        assert items.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == 15, invoice


# ------------------------------------------------------------------------------- keyboard

KEYBOARD_PAGES = ["example/kowalski-legal/index.html", "example/kowalski-legal/invoices/2026-10.html",
                  "example/sakura-retail/en/requirements.html", "example/_agency/index.html"]


def _focus(page) -> dict[str, Any]:
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        const box = e.getBoundingClientRect();
        return {tag: e.tagName.toLowerCase(), cls: e.className, id: e.id, inNav: !!e.closest('nav'), href: e.getAttribute('href'),
                outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                shown: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight}; }""")


@pytest.mark.parametrize("width", [1280, 375])
def test_keyboard_skip_link_visible_focus_and_navigation(browser, sites, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    with static_server(sites.root) as base:
        for path in KEYBOARD_PAGES:
            page.goto(base + path)
            page.keyboard.press("Tab")
            first = _focus(page)
            assert first["cls"] == "skip-link" and first["shown"] and first["outline"], (path, first)
            nav = page.eval_on_selector_all(".site-nav a", "links => links.map(a => a.getAttribute('href'))")
            reached = []
            for _ in range(len(nav) + 6):
                page.keyboard.press("Tab")
                focus = _focus(page)
                if focus["tag"] == "body":
                    break  # past the last link: focus left the page
                assert focus["shown"] and focus["outline"], (path, focus)
                if focus["inNav"]:
                    reached.append(focus["href"])
            assert set(nav) <= set(reached), (path, nav, reached)
            page.goto(base + path)
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "cp-main", path
            assert page.evaluate("location.hash") == "#cp-main", path
    context.close()


def test_keyboard_on_the_lock_screen(browser, sites):
    context = browser.new_context()
    page = context.new_page()
    page.goto((sites.root / "protected" / LOCKED / "index.html").as_uri())
    page.wait_for_selector("#cp-unlock:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "cp-password"
    page.keyboard.type("not the password at all")
    reached = []
    for _ in range(3):  # "Show", "Keep me signed in", "Open portal": each with a focus ring
        page.keyboard.press("Tab")
        assert _focus(page)["outline"]
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.type"))
    assert reached == ["cp-show", "cp-keep", "submit"]
    page.keyboard.press("Enter")
    page.wait_for_selector("#cp-message:not(:empty)")
    context.close()


# ------------------------------------------------------------------------------- the checks catch regressions

@pytest.fixture
def bad_copy(sites, tmp_path):
    """A copy of one built portal, to break on purpose; `serve` yields its base URL."""
    shutil.copytree(sites.example / "kowalski-legal", tmp_path / "kowalski-legal")

    def edit(path: str, old: str, new: str) -> None:
        """Replace `old` by `new` in the copy's `path`; `old` "" appends `new` at the end."""
        file = tmp_path / "kowalski-legal" / path
        text = file.read_text("utf-8")
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1) if old else text + new, encoding="utf-8")

    return tmp_path, edit


def _tab(browser, width: int = 1280, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_init_script(script=axe_source())
    return context, context.new_page()


def test_axe_catches_a_regression(browser, bad_copy):
    root, edit = bad_copy
    edit("index.html", 'alt="Meridian &amp; Vale Advisory"', "")       # logo without alt text
    edit("assets/style.css", "", ".lede { color: #c8c8c8; }\n")  # pale text
    context, page = _tab(browser)
    with static_server(root) as base:
        page.goto(base + "kowalski-legal/index.html")
        found = serious(run_axe(page))
    context.close()
    assert any("image-alt" in v for v in found), found
    assert any("color-contrast" in v for v in found), found


def test_vnu_catches_a_regression(sites, bad_copy):
    root, edit = bad_copy
    edit("scope.html", '<main id="cp-main"', '<div id="cp-main"></div><main id="cp-main"')
    edit("timeline.html", "</h1>", "</h1></p>")
    pages = [root / "kowalski-legal" / "scope.html", root / "kowalski-legal" / "timeline.html"]
    errors, _ = vnu_problems(vnu_messages(pages), root)
    assert any("scope.html" in e and "Duplicate ID" in e for e in errors), errors
    assert any("timeline.html" in e and "No “p” element in scope" in e for e in errors), errors


def test_overflow_check_catches_a_regression(browser, bad_copy):
    root, edit = bad_copy
    edit("assets/style.css", "", ".card { min-width: 30rem; }\n")
    context, page = _tab(browser, 375)
    with static_server(root) as base:
        page.goto(base + "kowalski-legal/index.html")
        found = horizontal_overflow(page)
    context.close()
    assert any(e.startswith("article.card") or e.startswith("section.cards") for e in found), found


def test_load_check_catches_another_host_and_a_missing_file(browser, bad_copy):
    root, edit = bad_copy
    edit("index.html", "</main>", '<img src="https://cdn.example.com/pixel.png" alt=""></main>')
    edit("scope.html", "</main>", '<img src="files/missing.png" alt=""></main>')
    context = browser.new_context()
    page = context.new_page()
    with static_server(root) as base:
        recorder = Recorder(page, base.split("/")[2])
        page.goto(base + "kowalski-legal/index.html")
        page.goto(base + "kowalski-legal/scope.html")
        page.wait_for_timeout(200)
    context.close()
    assert any("cdn.example.com" in p for p in recorder.problems), recorder.problems
    assert any("missing.png" in p for p in recorder.problems), recorder.problems


def test_weight_and_blocking_script_checks_catch_a_regression(browser, bad_copy):
    root, edit = bad_copy
    edit("assets/style.css", "", "/*" + "x" * WEIGHT_LIMIT + "*/\n")
    edit("index.html", "</head>", '<script src="assets/filter.js"></script></head>')
    context = browser.new_context()
    page = context.new_page()
    with static_server(root) as base:
        page.goto(base + "kowalski-legal/index.html")
        weight = transferred_weight(page)
    context.close()
    assert sum(weight.values()) > WEIGHT_LIMIT
    assert blocking_scripts((root / "kowalski-legal" / "index.html").read_text("utf-8"))


def test_crushed_text_check_catches_a_regression(browser, sites, tmp_path):
    """The Japanese invoice list as it was: `overflow-wrap: anywhere` let the table squeeze
    its columns until dates stood one glyph a line."""
    shutil.copytree(sites.example / "sakura-retail", tmp_path / "sakura-retail")
    with (tmp_path / "sakura-retail" / "assets" / "style.css").open("a") as css:
        css.write(":lang(ja) { overflow-wrap: anywhere; word-break: normal; }\n"
                  "@media (max-width: 40rem) { .table--stack, .table--stack tbody,"
                  " .table--stack tr { display: table-row-group; }"
                  " .table--stack tr { display: table-row; } .table--stack thead"
                  " { position: static; display: table-header-group; clip: auto; }"
                  " .table--stack th, .table--stack td { display: table-cell; }"
                  " .table--stack td::before { content: none; } }\n")
    context, page = _tab(browser, 375)
    with static_server(sites.root) as base:
        page.goto(base + "example/sakura-retail/invoices.html")
        clean = crushed_text(page)
    with static_server(tmp_path) as base:
        page.goto(base + "sakura-retail/invoices.html")
        found = crushed_text(page)
    context.close()
    assert clean == []
    assert 'a: "0456" in 2 lines' in found, found  # the invoice number, two digits a line


def test_language_check_catches_a_link_into_another_language(browser, sites, tmp_path):
    """An English page whose logo leads to the Japanese overview (as every English page's
    did), and one whose content links into the Japanese half without hreflang."""
    shutil.copytree(sites.example / "sakura-retail", tmp_path / "sakura-retail")
    english = tmp_path / "sakura-retail" / "en" / "invoices.html"
    html_text = english.read_text("utf-8")
    english.write_text(html_text.replace('class="brand" href="../en/index.html"',
                                         'class="brand" href="../index.html"', 1)
                       .replace("</main>", '<a href="../scope.html">Scope</a></main>', 1),
                       encoding="utf-8")
    context, page = _tab(browser, 375)
    with static_server(tmp_path) as base:
        language_of = served_language(tmp_path, base)
        page.goto(base + "sakura-retail/en/invoices.html")
        found = links_leaving_language(page_links(page), language_of)
        page.goto(base + "sakura-retail/en/scope.html")
        clean = links_leaving_language(page_links(page), language_of)
    context.close()
    assert [f.split("/")[-1] for f in found] == ["index.html is in ja, not en",
                                                 "scope.html is in ja, not en"], found
    assert clean == []


def test_fold_check_catches_an_answer_pushed_down(browser, bad_copy):
    root, edit = bad_copy
    edit("assets/style.css", "", ".page-head { margin-bottom: 600px; }\n")
    context, page = _tab(browser, 375)
    page.set_viewport_size({"width": 375, "height": PHONE_SCREEN})
    with static_server(root) as base:
        page.goto(base + "kowalski-legal/index.html")
        found = below_the_fold(page)
    context.close()
    assert found == [".card--balance .card__figure", ".card--deadline .card__figure",
                     ".card--changes .changes-count"]
