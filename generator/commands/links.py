"""`portal links` and `portal password`: the agency's side of protected portals."""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Any

from generator.pipeline.client import ClientPipeline
from generator.pipeline.options import build_date
from generator.protection.credentials import Secrets, default_secrets_file, load_secrets
from generator.protection.protect import (
    Guard,
    client_guard,
    master_secret,
    overview_guard,
    portal_folder,
    secret_calendar_paths,
    share_fragment,
)

# Crockford's base 32: no i, l, o, u, so a password read aloud or typed is not misread.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_password(bits: int) -> str:
    """A random password of at least `bits` bits, in groups of five characters."""
    length = math.ceil(bits / math.log2(len(ALPHABET)))
    characters = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(characters[i:i + 5] for i in range(0, length, 5))


def portal_links(content_dir: Path, base_url: str | None,
                 secrets_file: Path | None = None, with_agency: bool = False) -> list[str]:
    """One line per portal publishing publishes, `slug  mode  address` (not a draft's), and
    with `with_agency` one for the agency overview; share links on a line of their own."""
    pipeline = ClientPipeline(content_dir)
    every = pipeline.every_client(build_date(None, pipeline.agency.config.timezone,
                                             example_date=pipeline.agency.config.example_date))
    clients = [client for client in every if not client.profile.draft]
    store = load_secrets(secrets_file or default_secrets_file(content_dir))
    base = _folder_url(base_url or pipeline.agency.config.base_url or "output/")
    guards = [client_guard(client) for client in clients] + _overview_guards(
        pipeline, every, with_agency)
    own = _own_addresses(clients)
    lines = []
    for guard in guards:
        address = f"{own.get(guard.name) or base + portal_folder(guard, store) + '/'}index.html"
        lines.append(f"{guard.name}\t{guard.mode}\t{address}")
        if guard.share_link:
            lines.append(f"{guard.name}\tshare\t{address}"
                         f"{share_fragment(master_secret(store, guard), guard.name)}")
    return lines + _calendar_lines(clients, store, base, own)


def _folder_url(base: str) -> str:
    return base if base.endswith("/") else base + "/"


def _overview_guards(pipeline: ClientPipeline, clients: list[Any], wanted: bool) -> list[Guard]:
    """The agency overview's guard, when its address is asked for."""
    if not wanted:
        return []
    managers = [(c.profile.account_manager.name, c.profile.account_manager.email)
                for c in clients]
    return [overview_guard(pipeline.agency, managers)]


def _own_addresses(clients: list[Any]) -> dict[str, str]:
    """Clients published at an address of their own (client.yaml `base_url`), by slug."""
    return {c.slug: c.profile.base_url.rstrip("/") + "/" for c in clients if c.profile.base_url}


def _calendar_lines(clients: list[Any], store: Secrets, base: str,
                    own: dict[str, str]) -> list[str]:
    """`slug  calendar  contact  address` for each contact's secret calendar."""
    lines = []
    for client in clients:
        root = own.get(client.slug) or f"{base}{client.slug}/"
        for name, path in sorted(secret_calendar_paths(client, store).items()):
            lines.append(f"{client.slug}\tcalendar\t{name}\t{root}{path}")
    return lines
