"""The validated content of the site and of each client: what the render stage works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from generator.errors import Problem
from generator.content.history import ClientHistory
from generator.content.models import (
    ClientProfile,
    Invoice,
    Milestone,
    PortalConfig,
    RequirementMeta,
    ScopeMeta,
    UpdateMeta,
)
from generator.content.money import InvoiceTotals


@dataclass(frozen=True)
class Document:
    """A Markdown document with validated front matter."""

    slug: str
    source: str
    meta: ScopeMeta | RequirementMeta | UpdateMeta
    body: str
    body_line: int
    language: str | None = None  # the language the text is in, where a portal has several


@dataclass(frozen=True)
class InvoiceRecord:
    """One invoice with its computed figures and status on the build date."""

    slug: str
    source: str
    invoice: Invoice
    totals: InvoiceTotals
    notes_line: int = 1
    status: str = "open"  # set for the build date by `site`

    @property
    def currency(self) -> str:
        return self.totals.currency


@dataclass(frozen=True)
class Client:
    """One client's validated content; a portal is rendered from this and the agency alone."""

    slug: str
    folder: Path
    profile: ClientProfile
    languages: tuple[str, ...]
    currency: str
    timezone: str
    scope: Document | None
    requirements: tuple[Document, ...]
    milestones: tuple[Milestone, ...]
    milestones_source: str | None
    milestone_lines: dict[str, int]
    invoices: tuple[InvoiceRecord, ...]
    updates: tuple[Document, ...]
    attachments: dict[str, Path] = field(default_factory=dict)
    # translated documents: language -> 'scope' | 'requirements/<slug>' | 'updates/<slug>' -> doc
    translations: dict[str, dict[str, Document]] = field(default_factory=dict)
    history: ClientHistory = field(default_factory=ClientHistory)  # from git, see gitinfo

    @property
    def language(self) -> str:
        """The portal's default language."""
        return self.languages[0]


@dataclass(frozen=True)
class Agency:
    """Agency-wide data every portal may show: portal.yaml and the agency's own files."""

    config: PortalConfig
    files: dict[str, Path]


@dataclass(frozen=True)
class Site:
    """The validated content folder."""

    content_dir: Path
    agency: Agency
    clients: tuple[Client, ...]
    warnings: tuple[Problem, ...] = ()


def sort_key_when(value: date | datetime) -> tuple[date, str]:
    """Order dates and date-times together: by day, then by time of day."""
    if isinstance(value, datetime):
        return (value.date(), value.time().isoformat())
    return (value, "")
