"""The agency overview is protectable like a portal: a capability folder, or encryption with
one password per account manager; and lock pages speak the portal's language."""

from __future__ import annotations

import hashlib
import hmac

from browser import static_server
from conftest import BASE_SITE, build_site, portal, snapshot
from protected_site import PASSWORDS, SECRET, VAULT_SITE

MANAGER_PASSWORD = "ann-overview-staple-42"
ANN = "PORTAL_AGENCY_PASSWORD__ANN_MANAGER"


def _with_overview_access(access: str) -> dict[str, str | bytes | None]:
    return {"content/portal.yaml": BASE_SITE["content/portal.yaml"].rstrip()
            + f"\n        overview_access: {access}\n"}


def _folders(root) -> list[str]:
    return sorted(p.name for p in (root / "output").iterdir()
                  if p.is_dir() and not p.name.startswith("."))


def test_link_mode_publishes_the_overview_under_an_unguessable_folder(make_site, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    root = make_site()
    assert build_site(root).exit_code == 0  # a plain _agency/ first
    assert "_agency" in _folders(root)
    root = make_site(_with_overview_access("{mode: link}"))
    result = build_site(root, "--force")
    assert result.exit_code == 0, result.output
    token = hmac.new(SECRET.encode(), b"capability\0_agency", hashlib.sha256).digest()[:16].hex()
    assert _folders(root) == [f"_agency-{token}", "acme"]  # the plain folder is gone
    assert "Acme &amp; Co" in (root / f"output/_agency-{token}/index.html").read_text()
    links = portal("links", "--content", root / "content", "--agency").output
    assert f"_agency\tlink\toutput/_agency-{token}/index.html" in links


def test_link_mode_cannot_be_written_elsewhere(make_site, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    root = make_site(_with_overview_access("{mode: link}"))
    result = build_site(root, "--agency-out", tmp_path / "agency-site")
    assert result.exit_code == 2 and "mode 'link'" in result.output
    assert not (tmp_path / "agency-site").exists()


def test_password_mode_encrypts_every_overview_page(make_site, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    monkeypatch.setenv(ANN, MANAGER_PASSWORD)
    root = make_site(_with_overview_access("{mode: password}"))
    result = build_site(root)
    assert result.exit_code == 0, result.output
    overview = root / "output/_agency"
    pages = {path: data for path, data in snapshot(overview).items()}
    assert "index.html" in pages and "assets/unlock.js" in pages
    manager_pages = [p for p in pages if p.startswith("managers/")]
    assert manager_pages and all(p != "managers/ann.html" for p in manager_pages)
    for path, data in pages.items():
        if not path.startswith("assets/"):
            assert b"Acme" not in data and b"Ann Manager" not in data, path


def test_password_mode_names_the_missing_variable_and_writes_nothing(make_site, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    root = make_site()
    assert build_site(root).exit_code == 0
    before = snapshot(root / "output")
    root = make_site(_with_overview_access("{mode: password}"))
    result = build_site(root)
    assert result.exit_code == 1
    assert f"portal.yaml:14: access: no password for account manager 'Ann Manager': " \
           f"set {ANN}" in result.output
    assert snapshot(root / "output") == before


def test_unknown_manager_is_an_error(make_site, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    root = make_site(_with_overview_access("{mode: password, managers: [Bob Nobody]}"))
    result = build_site(root)
    assert result.exit_code == 1
    assert "portal.yaml:14: overview_access.managers: 'Bob Nobody' is not an account " \
           "manager" in result.output


def test_manager_options_need_password_mode(make_site):
    root = make_site(_with_overview_access("{mode: link, managers: [Ann Manager]}"))
    result = build_site(root)
    assert result.exit_code == 1 and "portal.yaml:14: overview_access:" in result.output
    assert "apply only to mode: password" in result.output


def test_lock_page_speaks_the_clients_language(make_site, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    vault = dict(VAULT_SITE)
    vault["content/vault/client.yaml"] = vault["content/vault/client.yaml"].replace(
        "locale: en", "locale: pl")
    root = make_site(vault)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    lock = (root / "output/vault/index.html").read_text()
    assert '<html lang="pl">' in lock
    assert "Ten portal jest zaszyfrowany" in lock and "This portal is encrypted" not in lock


def test_a_manager_opens_the_encrypted_overview(make_site, monkeypatch, page):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    monkeypatch.setenv(ANN, MANAGER_PASSWORD)
    root = make_site(_with_overview_access("{mode: password}"))
    assert build_site(root).exit_code == 0
    with static_server(root / "output") as base:
        page.goto(base + "_agency/index.html")
        page.wait_for_selector("#cp-unlock:not([hidden])")
        assert "Acme" not in page.content()
        page.fill("#cp-password", MANAGER_PASSWORD)
        page.click("#cp-unlock button[type=submit]")
        page.wait_for_selector("tr[data-slug='acme']", timeout=30_000)
        assert "Ann Manager" in page.inner_text("main")
        page.click("td a:has-text('Ann Manager')")  # a manager's page: opaque name, same key
        page.wait_for_selector("h1:has-text('Ann Manager')")
        assert page.locator("#cp-password").count() == 0
    assert page.console_errors == []
    assert page.failed_requests == []


def test_links_print_only_what_publishing_publishes(make_site):
    """Not the agency overview (published only with --agency-to), unless asked; not a draft."""
    draft = BASE_SITE["content/acme/client.yaml"].replace("name: Acme & Co",
                                                          "name: Beta\n        draft: true")
    root = make_site({"content/beta/client.yaml": draft,
                      "content/beta/files/ann.svg": BASE_SITE["content/acme/files/ann.svg"]})
    lines = portal("links", "--content", root / "content").output.splitlines()
    assert lines == ["acme\tpublic\toutput/acme/index.html"]
    asked = portal("links", "--content", root / "content", "--agency").output
    assert "_agency\tpublic\toutput/_agency/index.html" in asked
