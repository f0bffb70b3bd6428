"""The client's updates as an Atom feed (RFC 4287)."""

from __future__ import annotations

import re
import uuid
from datetime import timezone
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from generator.content.dates import moment_in
from generator.content.domain import AgencyContent, Client
from generator.render.i18n import Formatter

if TYPE_CHECKING:
    from generator.render.pages import RenderedUpdate

ATOM = "http://www.w3.org/2005/Atom"
# What XML 1.0 cannot hold at all, escaped or not (its Char production): a feed with one of
# these in a title is not well-formed, so readers drop the whole feed. They are left out.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def atom_feed(client: Client, agency: AgencyContent, updates: list[RenderedUpdate],
              fmt: Formatter, address: str | None, prefix: str = "") -> bytes:
    """Return the Atom feed of `updates` (newest first, as rendered on the updates page) in
    the language whose pages are in `prefix` ('' or 'en/'), where the feed lives too;
    `address` is the portal's public address, which entries' links resolve against."""
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": fmt.language_tag})
    if address:
        feed.set("xml:base", address + prefix)
    _text(feed, "id", _urn(f"clientportal:{client.slug}:{prefix}feed"))
    _text(feed, "title", f"{client.profile.name} · {agency.config.agency.name}")
    stamps = [_stamp(u.meta.date, fmt) for u in updates]
    _text(feed, "updated", max(stamps) if stamps else "1970-01-01T00:00:00Z")
    # The self link is absolute where the address is known (feed validators warn on a
    # relative one); without it, relative is all there is.
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml",
                                 "href": f"{address + prefix if address else ''}feed.xml"})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": "updates.html"})
    author = ET.SubElement(feed, "author")
    _text(author, "name", agency.config.agency.name)
    for update, stamp in zip(updates, stamps, strict=True):
        _entry(feed, client, update, stamp, agency, prefix)
    ET.indent(feed)
    xml: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + xml + b"\n"


def _entry(feed: ET.Element, client: Client, update: RenderedUpdate, stamp: str,
           agency: AgencyContent, prefix: str) -> None:
    meta = update.meta
    entry = ET.SubElement(feed, "entry")
    _text(entry, "id", _urn(f"clientportal:{client.slug}:{prefix}update:{update.slug}"))
    _text(entry, "title", meta.title)
    _text(entry, "published", stamp)
    _text(entry, "updated", stamp)
    ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html",
                                  "href": f"updates.html#{update.slug}"})
    author = ET.SubElement(entry, "author")
    _text(author, "name", meta.author or agency.config.agency.name)
    _text(entry, "summary", update.excerpt)
    content = _text(entry, "content", update.html)
    content.set("type", "html")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_text(text)  # ElementTree escapes <, & and >; this, the rest
    return element


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _stamp(value: Any, fmt: Formatter) -> str:
    moment = moment_in(value, fmt.timezone).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
