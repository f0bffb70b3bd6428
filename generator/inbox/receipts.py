"""The receipt of a recorded approval, e-mailed to the contact who approved.

"We recorded your approval of … version … sha256:…", to the contact's address on record, in the portal's language, through the SMTP settings
`portal notify` uses (publish.mail). It answers the approval message (In-Reply-To), so a
contact who never sent it sees at once that someone approved in their name.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage

from generator.content.domain import Client
from generator.inbox.records import Receipt
from generator.pipeline.client import ClientPipeline
from generator.protection.credentials import Secrets
from generator.publish.mail import (
    Letter,
    Outbox,
    message_date,
    mime,
    sender_address,
    smtp_settings,
)
from generator.publish.register import addressed
from generator.render.i18n import Formatter, load_translations, template_functions


@dataclass(frozen=True, kw_only=True)
class Sent:
    """What became of the receipts: sent (to whom), not sent (and why)."""

    sent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    unsent: str | None = None  # why none was sent (no SMTP settings)


def receipt_message(pipeline: ClientPipeline, client: Client, receipt: Receipt,
                    sender: Address) -> EmailMessage:
    """The receipt as a MIME message (plain text and HTML)."""
    fmt = Formatter(client.language, client.timezone)
    profile = client.profile
    context = {
        **template_functions(load_translations(pipeline.theme.folders, client.language)),
        "client": profile, "agency": pipeline.agency.config.agency,
        "manager": profile.account_manager, "receipt": receipt, "fmt": fmt,
        "lang": fmt.language_tag, "addressed": addressed(receipt.contact, client.language),
    }
    subject, _, text = pipeline.env.get_template("email/receipt.txt").render(context) \
        .partition("\n\n")
    html = pipeline.env.get_template("email/receipt.html").render(context)
    identity = f"{receipt.client} {receipt.replying_to or receipt.fingerprint} {receipt.address}"
    message_id = f"<{hashlib.sha256(identity.encode()).hexdigest()[:32]}.receipt@{sender.domain}>"
    letter = Letter(Address(display_name=receipt.contact, addr_spec=receipt.address),
                    profile.account_manager.email, subject.strip(), text.lstrip("\n"), html,
                    message_id)
    message = mime(letter, sender, message_date())
    if receipt.replying_to:
        message["In-Reply-To"] = receipt.replying_to
        message["References"] = receipt.replying_to
    return message


def send_receipts(pipeline: ClientPipeline, clients: dict[str, Client],
                  receipts: Sequence[Receipt], secrets: Secrets) -> Sent:
    """Send each receipt; say why none was sent when SMTP is not set up."""
    if not receipts:
        return Sent()
    if not secrets.get("PORTAL_SMTP_HOST"):
        return Sent(unsent="PORTAL_SMTP_HOST is not set")
    config = pipeline.agency.config
    sender = sender_address(secrets, config.agency.name, config.agency.email)
    settings = smtp_settings(secrets)
    sent: list[str] = []
    failed: list[str] = []
    with Outbox(settings) as outbox:
        for number, receipt in enumerate(receipts):
            message = receipt_message(pipeline, clients[receipt.client], receipt, sender)
            try:
                outbox.send(message)
            except smtplib.SMTPRecipientsRefused as error:  # this address only
                failed.append(f"{_to(receipt)}: {error}")
                continue
            except (smtplib.SMTPException, OSError) as error:  # the server: none goes out
                failed += [f"{_to(r)}: {error}" for r in receipts[number:]]
                break
            sent.append(_to(receipt))
    return Sent(sent=tuple(sent), failed=tuple(failed))


def _to(receipt: Receipt) -> str:
    return f"{receipt.address} ({receipt.client})"
