"""Isolation: six clients, every field, document, file name and attachment carrying the
client's own canary; no canary of one client in any byte of another client's portal (pages,
feed, calendar, assets, headers; encrypted portals checked after decryption too), and one
client built alone is byte-identical to the same client in a full build."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import BASE_SITE, build_site, snapshot, write_files
from generator.protection.protect import password_key

SECRET = "isolation-secret-abcdefghijklmnopqrstuvwxyz"
MODES = ["public", "public", "link", "link", "password", "password"]
CANARIES = ["cnryaaq", "cnrybbq", "cnryccq", "cnryddq", "cnryeeq", "cnryffq"]


def _client_files(index: int) -> dict[str, str | bytes | None]:
    c, mode = CANARIES[index], MODES[index]
    slug = f"client-{c}"
    access = {"public": "", "link": "access: {mode: link}",
              "password": f"access: {{mode: password, contacts: [Pat {c}]}}"}[mode]
    base = f"content/{slug}"
    return {
        f"{base}/client.yaml": f"""
            name: Name {c}
            legal_name: Legal {c}
            locale: en
            address: Street {c}
            tax_ids: {{company_number: "{c}"}}
            contacts:
              - {{name: Pat {c}, role: Role {c}, email: pat@{c}.test, phone: "+1 {c}"}}
            account_manager:
              name: Manager {c}
              title: Title {c}
              email: manager@{c}.test
              phone: "+2 {c}"
              photo: files/photo-{c}.svg
            team:
              - {{name: Team {c}, role: Dev {c}}}
            retainer: {{amount: 100, period: monthly, includes: [Include {c}]}}
            branding: {{logo: files/logo-{c}.svg}}
            feedback: {{url: "https://{c}.test/survey", email: feedback@{c}.test}}
            {access}
        """,
        f"{base}/files/photo-{c}.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><!--{c}--></svg>',
        f"{base}/files/logo-{c}.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><!--{c}--></svg>',
        f"{base}/files/brief-{c}.pdf": f"%PDF-1.4 {c}\n%%EOF\n",
        f"{base}/scope.md": f"""
            ---
            title: Scope {c}
            version: "{c}"
            ---
            Scope body {c}, see [brief](files/brief-{c}.pdf) and [req](requirements/req-{c}.md).
        """,
        f"{base}/requirements/req-{c}.md": f"""
            ---
            title: Requirement {c}
            owner: Owner {c}
            version: "{c}"
            ---
            ## Heading {c}

            Requirement body {c}.
        """,
        f"{base}/deadlines.yaml": f"""
            milestones:
              - {{id: m-{c}, title: Milestone {c}, due: 2027-01-01, owner: Owner {c},
                 description: Milestone body {c}}}
              - {{id: d-{c}, title: Done {c}, due: 2026-01-01, status: done}}
        """,
        f"{base}/invoices/inv-{c}.yaml": f"""
            number: "INV-{c}"
            issued: 2026-10-01
            due: 2026-10-15
            po_number: PO-{c}
            notes: Invoice notes {c}
            items:
              - {{description: Item {c}, quantity: 1, unit_price: 10, tax_rate: 21}}
        """,
        f"{base}/updates/up-{c}.md": f"""
            ---
            title: Update {c}
            date: 2026-11-01
            author: Author {c}
            ---
            Update body {c}.
        """,
    }


def _site(root: Path) -> None:
    files: dict[str, str | bytes | None] = {k: v for k, v in BASE_SITE.items()
                                            if not k.startswith("content/acme/")}
    for index in range(len(CANARIES)):
        files.update(_client_files(index))
    write_files(root, files)


@pytest.fixture
def isolation_env(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for index, c in enumerate(CANARIES):
        if MODES[index] == "password":
            monkeypatch.setenv(f"PORTAL_PASSWORD_CLIENT_{c.upper()}__PAT_{c.upper()}", f"password-{c}")


def _decrypted(folder: Path, canary: str) -> list[bytes]:
    """Plaintext of every page and data file of an encrypted portal."""
    plain: list[bytes] = []
    for page in sorted(folder.rglob("*.html")):
        match = re.search(rb'data-vault="([^"]*)"', page.read_bytes())
        assert match
        vault = json.loads(match.group(1).replace(b"&#34;", b'"'))
        salt = base64.b64decode(vault["salt"])
        if not plain:
            kek = password_key(f"password-{canary}", salt)
            slot = base64.b64decode(vault["slots"][0])
            key = AESGCM(kek).decrypt(slot[:12], slot[12:], b"clientportal-slot-v1")
        sealed = base64.b64decode(vault["data"])
        payload = zlib.decompress(AESGCM(key).decrypt(sealed[:12], sealed[12:],
                                                      vault["path"].encode()), -15)
        plain.append(payload)
        for path, name in json.loads(payload)["files"].items():
            data = (folder / name).read_bytes()
            plain.append(AESGCM(key).decrypt(data[:12], data[12:], path.encode()))
    return plain


LOCK_PAGE_SHOWS = ("Name {c}", "Manager {c}", "manager@{c}.test", "+2 {c}", "tel:+2{c}",
                   "logo-{c}.svg")


def _without(blob: bytes, shown: list[bytes]) -> bytes:
    for text in shown:
        blob = blob.replace(text, b"")
    return blob


def test_no_canary_crosses_portals_and_single_builds_are_identical(tmp_path, isolation_env):
    _site(tmp_path)
    result = build_site(tmp_path)
    assert result.exit_code == 0, result.output
    out = tmp_path / "output"
    # _agency is the agency-only overview of every client: published separately, never a portal
    folders = sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    assert len(folders) == len(CANARIES)
    for folder in folders:
        own = next(c for c in CANARIES if c in folder.name)
        others = [c for c in CANARIES if c != own]
        others += [f.name for f in folders if f != folder]  # other portals' tokens
        files = snapshot(folder)
        blobs = list(files.values()) + [name.encode() for name in files]
        if MODES[CANARIES.index(own)] == "password":
            blobs += _decrypted(folder, own)
            # encrypted at rest, but for what a lock page shows by design (docs/security.md):
            # the client's name and logo, and the account manager to ask for help
            public = [s.format(c=own).encode() for s in LOCK_PAGE_SHOWS]
            at_rest = [_without(b, public) for name, b in files.items()
                       if not name.startswith("assets/client/")]
            assert not any(own.encode() in b for b in at_rest)
        else:
            assert any(own.encode() in b for b in files.values())  # the canaries do show up
        for other in others:
            assert not any(other.encode() in blob for blob in blobs), (folder.name, other)
    full = snapshot(out)
    for index, c in enumerate(CANARIES):
        alone = tmp_path / f"alone-{index}"
        result = build_site(tmp_path, "--client", f"client-{c}", "--out", alone)
        assert result.exit_code == 0, result.output
        single = {k: v for k, v in snapshot(alone).items() if not k.startswith("_agency/")}
        assert single.pop(".clientportal") == full[".clientportal"]
        folder = next(f.name for f in folders if c in f.name)
        assert single == {k: v for k, v in full.items() if k.startswith(folder + "/")}
