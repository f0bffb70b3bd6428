"""The domain model: the validated content of the agency and of each client.

It is what the render stage works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from generator.content.history import ClientHistory
from generator.content.models import (
    ClientProfile,
    Invoice,
    Milestone,
    PortalConfig,
    RequirementMeta,
    SatisfactionAnswer,
    ScopeMeta,
    UpdateMeta,
)
from generator.content.money import InvoiceTotals
from generator.content.read import YamlSource


@dataclass(frozen=True)
class Document:
    """A Markdown document with validated front matter."""

    slug: str
    source: str
    meta: ScopeMeta | RequirementMeta | UpdateMeta
    body: str
    body_line: int
    language: str | None = None  # the language the text is in, where a portal has several
    # of the original's text, also in a translation: what an approval names (content.signoff)
    fingerprint: str = ""


@dataclass(frozen=True)
class InvoiceRecord:
    """One invoice with its computed figures and its status on the build date."""

    slug: str
    source: str
    invoice: Invoice
    totals: InvoiceTotals
    status: str  # paid | open | overdue | credit, on the build date (money.invoice_status)
    notes_line: int = 1
    paid: Decimal = Decimal(0)  # received by the build date (refunded, for a credit note)
    corrects: InvoiceRecord | None = None  # the invoice a credit note corrects
    ksef_url: str | None = None  # Poland: KSeF's verification link of the invoice

    @property
    def currency(self) -> str:
        return self.totals.currency

    @property
    def is_credit_note(self) -> bool:
        return self.invoice.kind == "credit_note"

    @property
    def outstanding(self) -> Decimal:
        """What the client still owes on it; a credit note not yet refunded owes the client
        (negative), so it reduces the balance."""
        left = self.totals.total - self.paid
        return -left if self.is_credit_note else left


@dataclass(frozen=True)
class ThreadEntry:
    """One message of a question thread, and whose it is."""

    on: date
    by: str
    text: str
    from_agency: bool  # the account manager or a team member wrote it: an answer
    message_id: str | None = None


@dataclass(frozen=True)
class Thread:
    """A question thread (`questions/<name>.yaml`): what it is about, its messages oldest
    first. Open while its last message is the client's."""

    slug: str
    source: str
    about: str  # scope, requirements/<slug>, milestones/<id>, invoices/<slug>, updates/<slug>,
    # or general
    entries: tuple[ThreadEntry, ...]

    @property
    def answered(self) -> bool:
        return self.entries[-1].from_agency

    @property
    def last_on(self) -> date:
        return max(entry.on for entry in self.entries)


@dataclass(frozen=True)
class Client:
    """One client's validated content; a portal is rendered from this and the agency alone."""

    slug: str
    folder: Path
    profile: ClientProfile
    profile_file: YamlSource  # client.yaml: where messages about the profile point
    languages: tuple[str, ...]
    currency: str
    timezone: str
    scope: Document | None
    requirements: tuple[Document, ...]
    milestones: tuple[Milestone, ...]  # by due moment in the client's time zone, then id
    milestones_source: str | None
    milestone_lines: dict[str, int]
    invoices: tuple[InvoiceRecord, ...]
    updates: tuple[Document, ...]
    attachments: dict[str, Path] = field(default_factory=dict)
    # translated documents: language -> 'scope' | 'requirements/<slug>' | 'updates/<slug>' -> doc
    translations: dict[str, dict[str, Document]] = field(default_factory=dict)
    history: ClientHistory = field(default_factory=ClientHistory)  # from git, see history
    satisfaction: tuple[SatisfactionAnswer, ...] = ()  # satisfaction.yaml, oldest first
    questions: tuple[Thread, ...] = ()  # questions/*.yaml, newest first (by last message)

    @property
    def language(self) -> str:
        """The portal's default language."""
        return self.languages[0]


@dataclass(frozen=True)
class AgencyContent:
    """What every portal may show of the agency: portal.yaml and the agency's own files."""

    config: PortalConfig
    files: dict[str, Path]
    portal_file: YamlSource  # portal.yaml: where messages about the settings point


def form_endpoint(client: Client, agency: AgencyContent) -> str | None:
    """Where the client's portal posts its forms: client.yaml's `forms`, else portal.yaml's;
    None for prefilled e-mails."""
    forms = client.profile.forms or agency.config.forms
    return forms.action
