"""Poland's KSeF: the FA(3) file's own facts and the verification link (the KSeF number's
check is content.taxids').

From the Ministry of Finance's KSeF 2.0 documentation (github.com/CIRFMF/ksef-docs; see
docs/invoices.md): a KSeF number is 35 characters, `NIP-YYYYMMDD-XXXXXXXXXXXX-CC`, CC the
CRC-8 (polynomial 0x07, initial value 0x00) of the first 32 characters in upper-case hex
("Numer KSeF – struktura i walidacja"); the verification code of an invoice given to its
buyer outside KSeF ("KOD I", "Kody weryfikujące QR") is a QR code of
`https://qr.ksef.mf.gov.pl/invoice/{seller NIP}/{issue date DD-MM-YYYY}/{SHA-256 of the
invoice file, Base64URL}`, with the KSeF number printed under it.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

QR_HOST = "https://qr.ksef.mf.gov.pl"  # production; qr-test. and qr-demo. for KSeF's others
_TOO_LONG = 1_000_000  # an FA(3) file: far above any real invoice


@dataclass(frozen=True)
class Fa3Facts:
    """What the portal checks in an FA(3) file: the seller's NIP, issue date and number."""

    seller_nip: str | None
    issued: date | None
    number: str | None


def fa3_facts(data: bytes) -> Fa3Facts | str:
    """The facts of an FA(3) invoice file, or why it is not one."""
    if len(data) > _TOO_LONG or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return "is not an FA(3) invoice file (too large, or it declares a DOCTYPE)"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return f"is not well-formed XML ({error})"
    if _local(root.tag) != "Faktura":
        return f"is not an FA(3) invoice file (its root is <{_local(root.tag)}>, not <Faktura>)"
    texts = {path: _text(root, path) for path in (("Podmiot1", "DaneIdentyfikacyjne", "NIP"),
                                                  ("Fa", "P_1"), ("Fa", "P_2"))}
    issued = texts["Fa", "P_1"]
    try:
        day = date.fromisoformat(issued) if issued else None
    except ValueError:
        return f"has P_1 '{issued}', not a date"
    return Fa3Facts(texts["Podmiot1", "DaneIdentyfikacyjne", "NIP"], day, texts["Fa", "P_2"])


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(root: ET.Element, path: tuple[str, ...]) -> str | None:
    """The text of the first element along `path` (by local names, below the root)."""
    node: ET.Element | None = root
    for name in path:
        node = next((child for child in node if _local(child.tag) == name), None) \
            if node is not None else None
    return node.text.strip() if node is not None and node.text else None


def verification_digest(data: bytes) -> str:
    """SHA-256 of the invoice file, Base64URL without padding (the link's last part)."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def verification_url(seller_nip: str, issued: date, digest: str, host: str = QR_HOST) -> str:
    """KOD I: the link KSeF verifies the invoice at, and hands out its XML."""
    return f"{host}/invoice/{seller_nip}/{issued:%d-%m-%Y}/{digest}"
