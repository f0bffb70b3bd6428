"""`portal links` and `portal password`: the agency's side of protected portals."""

from __future__ import annotations

import math
import secrets
from pathlib import Path

from generator.clients import Client
from generator.content import read_site
from generator.credentials import SECRET_VAR, Secrets, default_secrets_file, load_secrets
from generator.errors import PortalError
from generator.protect import capability_token, share_fragment
from generator.validate import validate_site

# Crockford's base 32: no i, l, o, u, so a password read aloud or typed is not misread.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_password(bits: int) -> str:
    """A random password of at least `bits` bits, in groups of five characters."""
    length = math.ceil(bits / math.log2(len(ALPHABET)))
    characters = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(characters[i:i + 5] for i in range(0, length, 5))


def portal_links(content_dir: Path, base_url: str | None,
                 secrets_file: Path | None = None) -> list[str]:
    """One line per portal, `slug  mode  address`; share links on a line of their own."""
    site = validate_site(read_site(content_dir))
    store = load_secrets(secrets_file or default_secrets_file(content_dir))
    base = base_url or site.agency.config.base_url or "output/"
    base = base if base.endswith("/") else base + "/"
    lines = []
    for client in site.clients:
        address = f"{base}{_folder(client, store)}/index.html"
        lines.append(f"{client.slug}\t{client.profile.access.mode}\t{address}")
        if client.profile.access.share_link:
            lines.append(f"{client.slug}\tshare\t{address}"
                         f"{share_fragment(_master(store, client), client.slug)}")
    return lines


def _folder(client: Client, store: Secrets) -> str:
    if client.profile.access.mode != "link":
        return client.slug
    return f"{client.slug}-{capability_token(_master(store, client), client.slug)}"


def _master(store: Secrets, client: Client) -> bytes:
    secret = store.get(SECRET_VAR)
    if not secret:
        raise PortalError(f"{client.slug}: access mode {client.profile.access.mode} needs "
                          f"{SECRET_VAR}; set it in the environment or .portal-secrets")
    return secret.encode("utf-8")
