"""Protect a rendered portal on plain static hosting: a pure step over `render_client`'s files.

- `link` mode publishes the portal under `<slug>-<token>/`; the token is HMAC-SHA256 of the
  slug under PORTAL_SECRET, 128 bits, the same on every build.
- `password` mode encrypts every page and data file (AES-256-GCM). The content key is wrapped
  once per contact under a key from PBKDF2-SHA256(password, per-client salt), and once under
  the share-link key when asked: key slots, as disk encryption has.

Determinism: salt, content key and nonces are derived with HMAC from PORTAL_SECRET (unknown to
readers) and what they protect, so unchanged input gives byte-identical output, and two
different plaintexts never share a nonce under one key (a nonce is a MAC of its plaintext, as
in AES-GCM-SIV). Removing a contact or changing a password changes the content key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from generator.content.domain import AgencyContent, Client
from generator.errors import Problem, UsageError, did_you_mean
from generator.protection.credentials import (
    MIN_SECRET_LENGTH,
    SECRET_VAR,
    Secrets,
    agency_password_variable,
    env_key,
    password_variable,
)
from generator.sink import OVERVIEW_FOLDER, TOKEN_BYTES, PortalFiles
from generator.web.headers import (
    NO_FORMS,
    headers_file,
    nginx_snippet,
    policy,
    with_script_hashes,
)

log = logging.getLogger(__name__)

ITERATIONS = 600_000
MIN_PASSWORD_LENGTH = 12
FORMAT_VERSION = 2  # 2: a page's payload is deflated (raw DEFLATE) before it is sealed
PUBLIC_PREFIX = "assets/"  # theme and agency files, brand colours: no client content
HEADER_FILES = ("_headers", "_headers.nginx.conf")
CALENDARS = "calendars"  # a password portal's secret calendars: unencrypted, opaque names


@dataclass
class ProtectedPortal:
    """A portal ready to write: its folder name, files, missing secrets, and the names of
    the secrets it was built with."""

    folder: str
    files: PortalFiles = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    secret_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KeySlot:
    """Who can open the portal: a contact's password, or the share-link key."""

    name: str
    wrapping_key: bytes


@dataclass(frozen=True)
class Guard:
    """What one protected site is and who may open it: a client's portal, or the agency
    overview. `name` is the folder name and the label keys are derived for."""

    name: str
    mode: str  # public | link | password
    share_link: bool
    people: dict[str, str]  # password variable -> the person's name (password mode)
    language: str  # of the lock page
    source: str  # the file that sets the access mode, named in messages
    line: int | None  # and the line where it does
    problems: tuple[Problem, ...] = ()  # people asked for who are not known

    def secret_names(self) -> list[str]:
        """The `PORTAL_*` secrets the site is built with (names only: not secret)."""
        if self.mode == "public":
            return []
        return [SECRET_VAR, *(self.people if self.mode == "password" else ())]


def client_guard(client: Client) -> Guard:
    """A client's portal, protected as its client.yaml `access` says (validated: every
    contact it names is the client's)."""
    access, source = client.profile.access, client.profile_file
    people = {password_variable(client.slug, key): name
              for key, name in contact_keys(client).items()}
    return Guard(client.slug, access.mode, access.share_link, people, client.language,
                 source.shown, source.document.line_of(("access", "mode")))


def overview_guard(agency: AgencyContent, people: Iterable[tuple[str, str]]) -> Guard:
    """The overview's protection (portal.yaml `overview_access`): which of the account
    managers (name, e-mail) may open it, and how."""
    access, source = agency.config.overview_access, agency.portal_file
    managers: dict[str, str] = {}  # e-mail -> name
    for name, email in sorted(people, key=lambda m: (m[1], m[0])):
        managers.setdefault(email, name)
    wanted, known = access.managers, set(managers) | set(managers.values())
    problems = tuple(
        Problem(source.shown, source.document.line_of(("overview_access", "managers", index)),
                f"overview_access.managers: '{name}' is not an account manager of any "
                f"client{did_you_mean(name, known)}")
        for index, name in enumerate(wanted or ()) if name not in known)
    chosen = [(name, email) for email, name in sorted(managers.items(),
                                                      key=lambda m: (m[1].casefold(), m[0]))
              if wanted is None or name in wanted or email in wanted]
    variables = {agency_password_variable(key): name
                 for key, name in person_keys(chosen).items()}
    return Guard(OVERVIEW_FOLDER, access.mode, access.share_link, variables,
                 agency.config.locale, source.shown,
                 source.document.line_of(("overview_access", "mode")), problems)


def protect_portal(client: Client, files: PortalFiles, secrets: Secrets,
                   env: jinja2.Environment, page_context: dict[str, Any] | None = None,
                   theme_scripts: frozenset[str] = frozenset(),
                   form_action: str = NO_FORMS,
                   language_contexts: dict[str, dict[str, Any]] | None = None
                   ) -> ProtectedPortal:
    """Apply the client's access mode to its rendered files; `form_action` is the portal's
    CSP form-action source (`headers.form_action_source`)."""
    return protect(client_guard(client), files, secrets, env, page_context, theme_scripts,
                   form_action, language_contexts)


def protect(guard: Guard, files: PortalFiles, secrets: Secrets, env: jinja2.Environment,
            page_context: dict[str, Any] | None = None,
            theme_scripts: frozenset[str] = frozenset(), form_action: str = NO_FORMS,
            language_contexts: dict[str, dict[str, Any]] | None = None) -> ProtectedPortal:
    """Apply an access mode to rendered files; `page_context` translates the lock page, and
    `language_contexts` (by language folder, 'en/') the lock pages of the other languages;
    `theme_scripts` are the hashes of the theme's own inline scripts, the only ones allowed."""
    # the lock page is the document a decrypted page's forms post from: the same policy
    page_context = {**(page_context or {}),
                    "csp": markupsafe.Markup(policy(form_action=form_action))}
    problems = list(guard.problems)
    master = _master_secret(secrets, guard, problems) if guard.mode != "public" else b""
    folder = portal_folder(guard, secrets) if master else guard.name  # without it: failed
    out = dict(files)
    if guard.mode == "password":
        out = _encrypted(guard, files, secrets, master, problems, env, page_context,
                         language_contexts)
    out, hashes = _hash_inline_scripts(out, theme_scripts, form_action)
    out[HEADER_FILES[0]] = headers_file(hashes, form_action)
    out[HEADER_FILES[1]] = nginx_snippet(hashes, form_action)
    return ProtectedPortal(folder, dict(sorted(out.items())), problems, guard.secret_names())


def _encrypted(guard: Guard, files: PortalFiles, secrets: Secrets, master: bytes,
               problems: list[Problem], env: jinja2.Environment, page_context: dict[str, Any],
               language_contexts: dict[str, dict[str, Any]] | None) -> PortalFiles:
    """A password portal's files encrypted; without PORTAL_SECRET its passwords are still
    checked, so that one run lists every missing secret."""
    if not master:
        problems += _password_problems(guard, secrets)
        return dict(files)
    slots = _key_slots(guard, secrets, master, problems)
    if problems:
        return dict(files)
    return encrypt_portal(guard, files, master, slots, env, page_context,
                          {prefix: {**context, "csp": page_context["csp"]}
                           for prefix, context in (language_contexts or {}).items()})


def secret_calendar_paths(client: Client, secrets: Secrets) -> dict[str, str]:
    """Each contact's secret calendar address in a password portal with `secret_calendars`,
    by contact name: `calendars/<token>.ics`, the token 128 bits of HMAC(PORTAL_SECRET,
    slug, the contact's variable and a hash of their password), so changing the password
    or rotating the secret revokes it. Empty when off, or while a secret is missing."""
    access, secret = client.profile.access, secrets.get(SECRET_VAR)
    if access.mode != "password" or not access.secret_calendars or not secret:
        return {}
    paths = {}
    for variable, name in client_guard(client).people.items():
        password = secrets.get(variable)
        if password:
            token = _derive(secret.encode("utf-8"), "calendar", client.slug, variable,
                            hashlib.sha256(password.encode("utf-8")).hexdigest())
            paths[name] = f"{CALENDARS}/{token[:TOKEN_BYTES].hex()}.ics"
    return paths


def portal_folder(guard: Guard, secrets: Secrets) -> str:
    """The folder a portal is published in: its slug, or `<slug>-<token>` for a capability
    link (which needs PORTAL_SECRET: a usage error without it)."""
    if guard.mode != "link":
        return guard.name
    return f"{guard.name}-{capability_token(master_secret(secrets, guard), guard.name)}"


def master_secret(secrets: Secrets, guard: Guard) -> bytes:
    """PORTAL_SECRET, which a link or password portal needs; a usage error without it."""
    problem = secret_problem(secrets, guard)
    if problem:
        raise UsageError(f"{guard.name}: {problem}")
    return (secrets.get(SECRET_VAR) or "").encode("utf-8")


def secret_problem(secrets: Secrets, guard: Guard) -> str | None:
    """What is wrong with PORTAL_SECRET for this portal, or None."""
    secret = secrets.get(SECRET_VAR)
    if secret is not None and len(secret) >= MIN_SECRET_LENGTH:
        return None
    what = "is not set" if secret is None else f"is shorter than {MIN_SECRET_LENGTH} characters"
    return (f"access: this portal needs the secret {SECRET_VAR}, which {what}; generate one "
            "with `portal password --bits 256` and set it in the environment or the "
            "git-ignored .portal-secrets")


def portal_address(client: Client, agency: AgencyContent, secrets: Secrets) -> str | None:
    """The portal's public address, ending in '/': client.yaml's `base_url` (a portal per
    subdomain), else portal.yaml's `base_url` and the portal's folder; None when unknown."""
    if client.profile.base_url:
        return client.profile.base_url.rstrip("/") + "/"
    base, guard = agency.config.base_url, client_guard(client)
    if not base or (guard.mode == "link" and secret_problem(secrets, guard)):
        return None  # unknown; without its secret, the build fails on the portal (protect)
    return f"{base.rstrip('/')}/{portal_folder(guard, secrets)}/"


def capability_token(master: bytes, slug: str) -> str:
    """128 bits of HMAC-SHA256(PORTAL_SECRET, slug), as 32 hex digits."""
    return _derive(master, "capability", slug)[:TOKEN_BYTES].hex()


def share_key(master: bytes, slug: str) -> bytes:
    """The key a share link carries in its #fragment."""
    return _derive(master, "share-link", slug)


def share_fragment(master: bytes, slug: str) -> str:
    """`#key=…` to append to the portal's address."""
    return "#key=" + base64.urlsafe_b64encode(share_key(master, slug)).decode().rstrip("=")


def portal_salt(master: bytes, slug: str) -> bytes:
    """The client's PBKDF2 salt: 128 bits, secret, different for every client."""
    return _derive(master, "salt", slug)[:16]


def password_key(password: str, salt: bytes) -> bytes:
    """PBKDF2-SHA256(password, salt, 600,000 iterations): the key wrapping a contact's slot."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=ITERATIONS)
    return kdf.derive(password.encode("utf-8"))


def contact_keys(client: Client) -> dict[str, str]:
    """Contacts with access in password mode, by the key naming their password variable."""
    wanted = client.profile.access.contacts
    return person_keys([(c.name, c.email) for c in client.profile.contacts
                        if wanted is None or c.name in wanted])


def person_keys(people: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    """A variable-name key for each person (name, e-mail): unique, readable."""
    keys: dict[str, str] = {}
    for number, (name, email) in enumerate(people, 1):
        email_key = env_key(email.split("@")[0]) if email else ""
        key = env_key(name) or email_key or f"CONTACT_{number}"
        if key in keys:  # two people must never share one password variable
            key = f"{key}_{number}"
        keys[key] = name
    return keys


def _master_secret(secrets: Secrets, guard: Guard, problems: list[Problem]) -> bytes:
    problem = secret_problem(secrets, guard)
    if problem:
        problems.append(Problem(guard.source, guard.line, problem))
        return b""
    return (secrets.get(SECRET_VAR) or "").encode("utf-8")


def _password_problems(guard: Guard, secrets: Secrets) -> list[Problem]:
    """Nobody to give a password to, and each password missing or too short."""
    who = "account manager" if guard.name == OVERVIEW_FOLDER else "contact"
    problems = []
    if not guard.people and not guard.share_link:
        problems.append(Problem(guard.source, guard.line, f"access: password mode needs at least one "
                                                   f"{who} (or share_link: true)"))
    for variable, name in guard.people.items():
        password = secrets.get(variable)
        if password is None or len(password) < MIN_PASSWORD_LENGTH:
            what = "no password" if password is None else (
                f"the password is shorter than {MIN_PASSWORD_LENGTH} characters")
            problems.append(Problem(guard.source, guard.line, f"access: {what} for {who} '{name}': set "
                                                       f"{variable} in the environment or in "
                                                       ".portal-secrets (`portal password` "
                                                       "makes one)"))
    return problems


def _key_slots(guard: Guard, secrets: Secrets, master: bytes,
               problems: list[Problem]) -> list[KeySlot]:
    problems += _password_problems(guard, secrets)
    salt, slots = portal_salt(master, guard.name), []
    for variable, name in guard.people.items():
        password = secrets.get(variable)
        if password is None or len(password) < MIN_PASSWORD_LENGTH:
            continue
        slots.append(KeySlot(name, password_key(password, salt)))
    if guard.share_link:
        slots.append(KeySlot("share link", share_key(master, guard.name)))
    return slots


def encrypt_portal(guard: Guard, files: PortalFiles, master: bytes, slots: list[KeySlot],
                   env: jinja2.Environment, page_context: dict[str, Any],
                   language_contexts: dict[str, dict[str, Any]] | None = None) -> PortalFiles:
    """Every page becomes a locked shell (in the page's language); every data file an opaque
    encrypted blob."""
    content_key = _content_key(master, guard.name, slots)
    vault = {
        "v": FORMAT_VERSION,
        "portal": _derive(master, "portal-id", guard.name)[:8].hex(),
        "salt": _b64(portal_salt(master, guard.name)),
        "iterations": ITERATIONS,
        "slots": [_b64(_wrap(slot, index, content_key))
                  for index, slot in enumerate(slots)],
    }
    out: PortalFiles = {}
    data_names = {path: f"data/{_opaque(content_key, path)}.bin" for path in files
                  if not path.startswith(PUBLIC_PREFIX) and not path.endswith(".html")}
    page_names = _page_names(files, content_key)
    for path, content in files.items():
        if path.startswith(PUBLIC_PREFIX):
            out[path] = content
        elif path in data_names:
            out[data_names[path]] = seal(content_key, path, _bytes(content))
    shell = env.get_template("protected.html")
    for path, new_path in page_names.items():
        root = "../" * path.count("/")
        html = _relink(_bytes(files[path]).decode("utf-8"), root, page_names)
        payload = deflate(json.dumps({"html": html, "files": data_names},
                                     ensure_ascii=False, sort_keys=True).encode("utf-8"))
        page_vault = {**vault, "path": new_path, "root": root,
                      "data": _b64(seal(content_key, new_path, payload))}
        folder = path.split("/", 1)[0] + "/"
        context = (language_contexts or {}).get(folder, page_context)
        out[new_path] = shell.render(**{"lang": guard.language, **context}, root=root,
                                     vault=json.dumps(page_vault, sort_keys=True)
                                     ).encode("utf-8")
    return out


def _opaque(key: bytes, path: str) -> str:
    return hmac.new(key, b"name\0" + path.encode("utf-8"), "sha256").hexdigest()[:24]


def _page_names(files: PortalFiles, key: bytes) -> dict[str, str]:
    """Pages in sub-folders are named after documents: give them opaque names."""
    names = {}
    for path in files:
        if path.endswith(".html") and not path.startswith(PUBLIC_PREFIX):
            folder, _, _ = path.rpartition("/")
            names[path] = f"{folder}/{_opaque(key, path)}.html" if folder else path
    return names


def _relink(html: str, root: str, names: dict[str, str]) -> str:
    """Point the page's links at the renamed pages."""
    for old, new in names.items():
        if old != new:
            html = html.replace(f'"{root}{old}"', f'"{root}{new}"')
            html = html.replace(f'"{root}{old}#', f'"{root}{new}#')
    return html


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE (no zlib header), as the browser's DecompressionStream("deflate-raw") reads
    it: a page's payload shrinks to about a third, so a locked page weighs about what an open
    one does."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def seal(key: bytes, path: str, plaintext: bytes) -> bytes:
    """AES-256-GCM of one file: nonce (12 bytes) + ciphertext + tag; the path is the AAD.

    The nonce is an HMAC of path and plaintext under the key: a rebuild gives the same bytes,
    and different plaintexts get different nonces.
    """
    nonce = hmac.new(key, b"nonce\0" + path.encode() + b"\0" + hashlib.sha256(plaintext).digest(),
                     "sha256").digest()[:12]
    return nonce + AESGCM(key).encrypt(nonce, plaintext, path.encode("utf-8"))


def _wrap(slot: KeySlot, index: int, content_key: bytes) -> bytes:
    nonce = hmac.new(slot.wrapping_key, b"slot\0" + bytes([index % 256]) + content_key,
                     "sha256").digest()[:12]
    return nonce + AESGCM(slot.wrapping_key).encrypt(nonce, content_key, SLOT_AAD)


SLOT_AAD = b"clientportal-slot-v1"  # unchanged since format 1


def _content_key(master: bytes, slug: str, slots: list[KeySlot]) -> bytes:
    """A key that changes whenever a slot is added, removed or its password changes."""
    who = [f"{s.name}\0{hashlib.sha256(s.wrapping_key).hexdigest()}" for s in slots]
    return _derive(master, "content-key", slug, *sorted(who))


def _derive(master: bytes, label: str, *parts: str) -> bytes:
    message = "\0".join((label, *parts)).encode("utf-8")
    return hmac.new(master, message, "sha256").digest()


def _hash_inline_scripts(files: PortalFiles, theme_scripts: frozenset[str], form_action: str
                         ) -> tuple[PortalFiles, frozenset[str]]:
    out: PortalFiles = {}
    every: set[str] = set()
    for path, content in files.items():
        if path.endswith(".html") and isinstance(content, bytes):
            content, found = with_script_hashes(content, theme_scripts, form_action)
            every |= found
        out[path] = content
    return out, frozenset(every)


def _bytes(content: bytes | Path) -> bytes:
    return content.read_bytes() if isinstance(content, Path) else content


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
