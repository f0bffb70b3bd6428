"""Protection: capability folders, key-slot encryption checked with `cryptography` directly,
security headers, secrets, and what a rebuild does to old and revoked access."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from conftest import BASE_SITE, WITH_PDFS, build_site, built, portal, snapshot, write_files
from generator.web.headers import CSP
from protected_site import CANARY, PASSWORDS, SECRET, VAULT_INVOICE, VAULT_SITE

VERA = PASSWORDS["PORTAL_PASSWORD_VAULT__VERA_VAULT"]
LINK_ACCESS = "access: {mode: link}\n"


@pytest.fixture
def secrets_env(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def _vault(html: bytes) -> dict:
    match = re.search(rb'data-vault="([^"]*)"', html)
    assert match, "no vault in the page"
    return json.loads(match.group(1).replace(b"&#34;", b'"').replace(b"&quot;", b'"'))


# ---- an independent implementation of the format, with the primitives only ----

def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)


def _content_key(vault: dict, password: str) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32,
                     salt=base64.b64decode(vault["salt"]), iterations=vault["iterations"])
    kek = kdf.derive(password.encode())
    for slot in vault["slots"]:
        try:
            return _open(kek, base64.b64decode(slot), b"clientportal-slot-v1")
        except Exception:
            continue
    raise AssertionError("no slot opens with this password")


def test_known_answer_pages_and_files_decrypt_with_the_primitives(make_site, secrets_env):
    root = make_site(VAULT_SITE)
    assert build_site(root).exit_code == 0
    out = root / "output" / "vault"
    vault = _vault((out / "scope.html").read_bytes())
    assert vault["iterations"] >= 600_000 and len(base64.b64decode(vault["salt"])) == 16
    key = _content_key(vault, VERA)
    assert len(key) == 32
    assert vault["v"] == 2  # the payload is raw DEFLATE
    payload = json.loads(zlib.decompress(_open(key, base64.b64decode(vault["data"]),
                                               b"scope.html"), -15))
    assert f"Plan {CANARY}-SCOPE" in payload["html"]
    opaque = payload["files"]["files/secret-plan.pdf"]
    attachment = _open(key, (out / opaque).read_bytes(), b"files/secret-plan.pdf")
    assert attachment == VAULT_SITE["content/vault/files/secret-plan.pdf"].lstrip("\n").encode()
    feed = _open(key, (out / payload["files"]["feed.xml"]).read_bytes(), b"feed.xml")
    assert f"{CANARY}-UPDATE".encode() in feed
    with pytest.raises(Exception):  # noqa: B017 (any failure of the tag will do)
        _open(key, base64.b64decode(vault["data"]), b"index.html")  # a page moved elsewhere


def test_no_plaintext_canary_in_an_encrypted_portal(make_site, secrets_env):
    """Nothing of the portal is readable but what its lock page shows by design (whose portal
    it is, to whom to turn: docs/security.md): the client's name, and the account manager."""
    root = make_site(VAULT_SITE)
    assert build_site(root).exit_code == 0
    files = snapshot(root / "output" / "vault")
    shown_name = html.escape(f"Vault {CANARY} <script>window.__pwned=1</script>",
                             quote=True).encode()
    for name, content in files.items():
        assert content.count(shown_name) == (2 if name.endswith(".html") else 0), name
        content = content.replace(shown_name, b"")  # the name, in <title> and <h1>
        assert b"CANARY" not in content, name
        assert b"Vault" not in content and b"vera" not in content.lower(), name
        assert "secret-plan" not in name and "CANARY" not in name
    assert not any(name in files for name in ("feed.xml", "calendar.ics", "files/photo.svg"))


def test_invoice_pdf_and_e_invoice_of_a_password_portal_are_encrypted(make_site, secrets_env):
    import io

    from pypdf import PdfReader

    root = make_site({**VAULT_SITE, **VAULT_INVOICE, **WITH_PDFS})
    assert build_site(root).exit_code == 0
    files = snapshot(root / "output" / "vault")
    assert not [name for name in files if name.endswith((".pdf", ".xml"))]
    shown_name = html.escape(f"Vault {CANARY} <script>window.__pwned=1</script>",
                             quote=True).encode()
    for name, content in files.items():  # neither a PDF nor an invoice in the clear
        content = content.replace(shown_name, b"")  # what the lock page shows by design
        assert b"%PDF" not in content and b"V-2026-10" not in content, name
        assert b"CANARY" not in content and b"urn:oasis:names" not in content, name
    # decrypted, they are the very files a public portal of the same client publishes
    public = root / "public"
    write_files(public, {**BASE_SITE, **VAULT_SITE, **VAULT_INVOICE, **WITH_PDFS,
                         "content/vault/client.yaml": str(VAULT_SITE["content/vault/client.yaml"])
                         .replace("access: {mode: password, share_link: true}", "")})
    assert build_site(public).exit_code == 0
    vault = _vault(files["index.html"])
    key = _content_key(vault, VERA)
    payload = json.loads(zlib.decompress(_open(key, base64.b64decode(vault["data"]),
                                               b"index.html"), -15))
    for path in ("invoices/2026-10.pdf", "invoices/2026-10.xml"):
        plain = _open(key, files[payload["files"][path]], path.encode())
        assert plain == (public / "output" / "vault" / path).read_bytes(), path
    pdf = _open(key, files[payload["files"]["invoices/2026-10.pdf"]], b"invoices/2026-10.pdf")
    assert "V-2026-10" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_each_page_has_its_own_nonce_and_rebuilds_are_identical(make_site, secrets_env):
    root = make_site(VAULT_SITE)
    assert build_site(root).exit_code == 0
    first = snapshot(root / "output")
    assert build_site(root).exit_code == 0
    assert snapshot(root / "output") == first
    nonces = [base64.b64decode(_vault(c)["data"])[:12]
              for n, c in first.items() if n.startswith("vault/") and n.endswith(".html")]
    assert len(nonces) == len(set(nonces)) > 5


def test_changed_page_gets_a_new_nonce(make_site, secrets_env):
    root = make_site(VAULT_SITE)
    built(root)
    before = _vault((root / "output/vault/scope.html").read_bytes())
    scope = VAULT_SITE["content/vault/scope.md"]
    assert isinstance(scope, str)
    make_site({"content/vault/scope.md": scope.replace("Read [the plan]", "More. Read [the plan]")})
    assert build_site(root).exit_code == 0
    after = _vault((root / "output/vault/scope.html").read_bytes())
    assert before["data"][:16] != after["data"][:16]
    assert before["slots"] == after["slots"]  # same people, same content key


def test_removing_a_contact_revokes_them_and_changes_the_content_key(make_site, secrets_env):
    root = make_site(VAULT_SITE)
    built(root)
    before = _vault((root / "output/vault/index.html").read_bytes())
    otto = PASSWORDS["PORTAL_PASSWORD_VAULT__OTTO_OTHER"]
    old_key = _content_key(before, otto)
    profile = VAULT_SITE["content/vault/client.yaml"]
    assert isinstance(profile, str)
    make_site({"content/vault/client.yaml": profile.replace(
        "          - {name: Otto Other, email: otto@vault.test}\n", "")})
    assert build_site(root).exit_code == 0
    after = _vault((root / "output/vault/index.html").read_bytes())
    assert len(after["slots"]) == 2  # Vera and the share link
    with pytest.raises(AssertionError):
        _content_key(after, otto)
    assert _content_key(after, VERA) != old_key


def test_missing_password_or_secret_fails_the_build_naming_the_variable(make_site, monkeypatch):
    root = make_site(VAULT_SITE)
    result = build_site(root)
    assert result.exit_code == 1
    assert "vault/client.yaml:10: access: this portal needs the secret PORTAL_SECRET" \
        in result.output
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    monkeypatch.setenv("PORTAL_PASSWORD_VAULT__VERA_VAULT", VERA)
    result = build_site(root)
    assert result.exit_code == 1
    assert "vault/client.yaml:10: access: no password for contact 'Otto Other': set " \
           "PORTAL_PASSWORD_VAULT__OTTO_OTHER" in result.output
    assert not (root / "output" / "vault").exists()


def test_secrets_file_is_read_when_git_ignores_it(make_site, monkeypatch):
    root = make_site(VAULT_SITE)
    lines = [f"PORTAL_SECRET={SECRET}"] + [f"{k}='{v}'" for k, v in PASSWORDS.items()]
    (root / ".portal-secrets").write_text("# secrets\n" + "\n".join(lines) + "\n")
    assert build_site(root).exit_code == 0
    assert (root / "output" / "vault" / "data").is_dir()


def test_secrets_file_tracked_by_git_is_refused(make_site, tmp_path):
    import subprocess

    root = make_site(VAULT_SITE)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".portal-secrets").write_text(f"PORTAL_SECRET={SECRET}\n")
    result = build_site(root)
    assert result.exit_code == 2
    assert "is not ignored by git" in result.output
    (root / ".gitignore").write_text(".portal-secrets*\n")
    result = build_site(root)
    assert "is not ignored by git" not in result.output


def test_capability_path_is_hmac_of_the_slug_and_stable(make_site, secrets_env):
    root = make_site({"content/acme/client.yaml": _acme_with(LINK_ACCESS)})
    assert build_site(root).exit_code == 0
    token = hmac.new(SECRET.encode(), b"capability\0acme", hashlib.sha256).digest()[:16].hex()
    assert sorted(p.name for p in (root / "output").iterdir()) == [".clientportal", ".clientportal-cache",
                                                                 ".clientportal-manifest.json", "_agency",
                                                                 f"acme-{token}"]
    assert len(token) * 4 >= 128
    links = portal("links", "--content", root / "content", "--base-url", "https://p.test")
    assert f"acme\tlink\thttps://p.test/acme-{token}/index.html" in links.output


def test_a_link_portal_without_its_secret_fails_the_same_way_everywhere(make_site, secrets_env):
    """One portal folder: the build, `portal links` and the pages' addresses agree, and
    without PORTAL_SECRET (or with one too short) each says so instead of using the slug."""
    root = make_site({"content/acme/client.yaml": _acme_with(LINK_ACCESS)})
    for missing in (None, "short"):
        if missing is None:
            secrets_env.delenv("PORTAL_SECRET")
        else:
            secrets_env.setenv("PORTAL_SECRET", missing)
        built = build_site(root)
        assert built.exit_code == 1 and "PORTAL_SECRET" in built.output
        links = portal("links", "--content", root / "content", "--base-url", "https://p.test")
        assert links.exit_code == 2 and "acme: access: this portal needs the secret " \
            "PORTAL_SECRET" in links.output, links.output
        assert "Traceback" not in links.output + built.output
        assert not (root / "output/acme").exists()


def test_new_secret_or_mode_removes_the_old_folder(make_site, secrets_env):
    root = make_site()
    built(root)
    assert (root / "output" / "acme").is_dir()
    make_site({"content/acme/client.yaml": _acme_with(LINK_ACCESS)})
    built(root, "--client", "acme")
    first = [p.name for p in (root / "output").iterdir() if p.name.startswith("acme")]
    assert len(first) == 1 and first[0] != "acme"  # the public folder is gone
    secrets_env.setenv("PORTAL_SECRET", SECRET + "-rotated")
    built(root, "--client", "acme")
    second = [p.name for p in (root / "output").iterdir() if p.name.startswith("acme")]
    assert len(second) == 1 and second != first


def test_share_link_is_printed_with_key_in_fragment(make_site, secrets_env):
    root = make_site(VAULT_SITE)
    result = portal("links", "--content", root / "content")
    line = next(x for x in result.output.splitlines() if x.startswith("vault\tshare"))
    assert re.search(r"output/vault/index\.html#key=[A-Za-z0-9_-]{43}$", line)


def test_password_command_gives_80_bits_or_more():
    first = portal("password").output.strip()
    assert len(first.replace("-", "")) * 5 >= 100
    assert first != portal("password").output.strip()
    assert portal("password", "--bits", "40").exit_code == 2


def test_headers_files_and_meta_share_one_policy(make_site):
    root = make_site()
    built(root)
    out = root / "output" / "acme"
    headers = (out / "_headers").read_text()
    assert headers.startswith("# Security") and "\n/*\n" in headers
    assert f"Content-Security-Policy: {CSP}; frame-ancestors 'none'" in headers
    assert "Referrer-Policy: strict-origin" in headers and "X-Robots-Tag: noindex" in headers
    nginx = (out / "_headers.nginx.conf").read_text()
    assert f"add_header Content-Security-Policy \"{CSP}; frame-ancestors 'none'\" always;" \
        in nginx
    assert 'add_header Referrer-Policy "strict-origin" always;' in nginx
    assert f'content="{CSP}"' in (out / "index.html").read_text()
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP


def test_inline_script_of_a_theme_is_allowed_by_its_hash_only(make_site):
    root = make_site({
        "content/portal.yaml": BASE_PORTAL + "theme: mytheme\n",
        "content/mytheme/templates/contact.html":
            '{% extends "!default/contact.html" %}{% block scripts %}'
            "<script>document.title = 'x';</script>{% endblock %}",
    })
    # a theme folder inside content/ is not a client: it starts with a letter, so move it
    (root / "content" / "mytheme").rename(root / "mytheme")
    (root / "content" / "portal.yaml").write_text(
        (root / "content" / "portal.yaml").read_text().replace("theme: mytheme",
                                                               "theme: ../mytheme"))
    result = build_site(root)
    assert result.exit_code == 0, result.output
    digest = base64.b64encode(hashlib.sha256(b"document.title = 'x';").digest()).decode()
    contact = (root / "output/acme/contact.html").read_text()
    assert f"script-src 'self' 'sha256-{digest}'" in contact
    assert f"'sha256-{digest}'" not in (root / "output/acme/index.html").read_text()
    assert f"'sha256-{digest}'" in (root / "output/acme/_headers").read_text()


def _acme_with(extra: str) -> str:
    from conftest import BASE_SITE

    return BASE_SITE["content/acme/client.yaml"].rstrip(" ") + "        " + extra


def _base_portal() -> str:
    import textwrap

    from conftest import BASE_SITE

    return textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")


BASE_PORTAL = _base_portal()


def test_build_reads_no_path_outside_its_folders_for_secrets(tmp_path: Path):
    from generator.protection.credentials import Secrets

    with pytest.raises(ValueError):
        Secrets({}, {"HOME": "/root"}).get("HOME")


def test_removed_client_or_document_leaves_nothing_in_protected_portals(make_site, secrets_env):
    root = make_site({**VAULT_SITE, "content/acme/client.yaml": _acme_with(LINK_ACCESS)})
    assert build_site(root).exit_code == 0
    pages = {p.name for p in (root / "output/vault/requirements").iterdir()}
    assert len(pages) == 1
    scope = VAULT_SITE["content/vault/scope.md"]
    assert isinstance(scope, str)
    make_site({"content/vault/requirements/intake.md": None,
               "content/vault/scope.md": scope.replace(" and [intake](requirements/intake.md)", "")})
    import shutil

    shutil.rmtree(root / "content" / "acme")
    assert build_site(root).exit_code == 0
    assert sorted(p.name for p in (root / "output").iterdir()) == [".clientportal", ".clientportal-cache",
                                                                 ".clientportal-manifest.json", "_agency",
                                                                 "vault"]
    assert not (root / "output/vault/requirements").exists()


def test_short_password_and_namesakes(make_site, secrets_env):
    secrets_env.setenv("PORTAL_PASSWORD_VAULT__VERA_VAULT", "short")
    profile = VAULT_SITE["content/vault/client.yaml"]
    assert isinstance(profile, str)
    root = make_site({**VAULT_SITE, "content/vault/client.yaml": profile.replace(
        "Otto Other, email: otto@vault.test", "Vera Vault, email: vera2@vault.test")})
    result = build_site(root)
    assert "the password is shorter than 12 characters for contact 'Vera Vault'" in result.output
    assert "no password for contact 'Vera Vault': set PORTAL_PASSWORD_VAULT__VERA_VAULT_2" \
        in result.output


def test_secrets_digest_follows_secrets_without_revealing_them(make_site, secrets_env):
    from generator.pipeline.manifest import Manifest
    from generator.sink import MANIFEST

    root = make_site(VAULT_SITE)
    assert build_site(root).exit_code == 0
    first = Manifest.parse((root / "output" / MANIFEST).read_text()).clients
    assert first["acme"].secrets_digest == "public" and first["acme"].secrets == []
    assert "PORTAL_PASSWORD_VAULT__VERA_VAULT" in first["vault"].secrets
    assert VERA not in (root / "output" / MANIFEST).read_text()
    assert "built 0 portals" in build_site(root).output
    secrets_env.setenv("PORTAL_PASSWORD_VAULT__VERA_VAULT", "another-password-1")
    assert "built 1 portal," in build_site(root).output
    assert Manifest.parse((root / "output" / MANIFEST).read_text()).clients["vault"].secrets_digest != \
        first["vault"].secrets_digest

