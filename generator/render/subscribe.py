"""Calendar subscriptions: webcal:// and "add to" links where the address is known, else a download.

A calendar app subscribes to an address (`webcal://…/calendar.ics`, or through Google
Calendar's and Outlook's "add from the web"), and fetches it again by itself: that only works
for a portal whose public address is known (`base_url`) and that is not encrypted. Anything
else is a download, which never updates; the portal says so. A password portal with
`secret_calendars` gives each contact a calendar address of their own
(`publish.protect.secret_calendar_paths`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from generator.content.domain import AgencyContent, Client

CALENDAR_FILE = "calendar.ics"


@dataclass(frozen=True)
class Subscriptions:
    """The calendar links a portal's pages show."""

    webcal: str | None = None  # subscribe in the calendar app (stays up to date)
    google: str | None = None
    outlook: str | None = None
    personal: bool = False  # a password portal whose contacts have secret calendar addresses


def subscriptions(client: Client, agency: AgencyContent, address: str | None) -> Subscriptions:
    """The ways the client can add the deadlines to a calendar."""
    access = client.profile.access
    if access.mode == "password" or not address:
        return Subscriptions(personal=access.mode == "password" and access.secret_calendars)
    url = address + CALENDAR_FILE
    webcal = "webcal://" + url.split("://", 1)[1]
    name = f"{client.profile.name} · {agency.config.agency.name}"
    return Subscriptions(
        webcal=webcal,
        google="https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
        outlook=("https://outlook.live.com/calendar/0/addfromweb?url=" + quote(url, safe="")
                 + "&name=" + quote(name, safe="")),
    )
