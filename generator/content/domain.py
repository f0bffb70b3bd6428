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
    InvoiceItem,
    Milestone,
    PaymentDetails,
    PortalConfig,
    RequirementMeta,
    SatisfactionAnswer,
    ScopeMeta,
    TaxIds,
    UpdateMeta,
)
from generator.content.read import YamlSource
from generator.content.taxids import VAT_PREFIX_COUNTRY, compact


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
class InvoiceFile:
    """An invoice file whose keys and values are valid (content.models.Invoice): its figures,
    parties and standing are the invoicing stage's (generator.invoicing)."""

    slug: str
    source: YamlSource
    invoice: Invoice


@dataclass(frozen=True)
class Line:
    """An invoice item and its net amount."""

    item: InvoiceItem
    net: Decimal


@dataclass(frozen=True)
class TaxGroup:
    """Net amount, discount and tax at one tax rate: tax is rounded once per rate."""

    rate: Decimal
    reduced: bool
    gross_net: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    """Every figure printed on an invoice, as issued."""

    currency: str
    lines: tuple[Line, ...]
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    taxes: tuple[TaxGroup, ...]
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Party:
    """A seller or a buyer as an invoice names it."""

    name: str
    address: str | None
    country: str | None
    tax_ids: TaxIds
    email: str | None = None
    is_seller: bool = False

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in (self.address or "").splitlines() if line.strip()]

    @property
    def vat_country(self) -> str | None:
        """The EU state the party's VAT number belongs to, if it has one."""
        if not self.tax_ids.eu_vat:
            return None
        prefix = compact(self.tax_ids.eu_vat)[:2]
        return VAT_PREFIX_COUNTRY.get(prefix, prefix)


@dataclass(frozen=True, kw_only=True)
class Seller:
    """An entity of the agency that issues invoices: the agency itself, or a registration
    of it in another country; with the accounts its invoices are paid into."""

    key: str  # 'agency', or the registration's country code
    country: str | None  # the state it is taxed in: the registration's, else the agency's
    party: Party
    accounts: tuple[PaymentDetails, ...]  # each with its currency, in portal.yaml's order
    default_account: PaymentDetails | None  # for a currency no account names

    def account(self, currency: str) -> PaymentDetails | None:
        """The account an invoice in `currency` is paid into, if the entity has one."""
        named = next((a for a in self.accounts if a.currency == currency), None)
        return named or self.default_account


@dataclass(frozen=True, kw_only=True)
class TaxNote:
    """Why an invoice charges no VAT: the rule, for the note printed on it."""

    kind: str  # reverse_charge | outside_eu


@dataclass(frozen=True, kw_only=True)
class InvoiceRecord:
    """One invoice or credit note, with its figures as issued and its standing on the build
    date, all computed once by the ledger (generator.invoicing.ledger)."""

    slug: str
    source: str
    invoice: Invoice
    totals: InvoiceTotals
    seller: Party
    buyer: Party
    status: str  # paid | open | overdue | credited | refund (invoicing.ledger)
    notes_line: int = 1
    number_line: int | None = None  # where its file gives the number
    paid: Decimal = Decimal(0)  # received by the build date (refunded, for a credit note)
    credited: Decimal = Decimal(0)  # what credit notes took off this invoice
    left: Decimal = Decimal(0)  # still to pay; negative: to be refunded to the client
    corrects: InvoiceRecord | None = None  # the invoice a credit note corrects
    credit_notes: tuple[tuple[str, str], ...] = ()  # (slug, number) of its credit notes
    ksef_url: str | None = None  # Poland: KSeF's verification link of the invoice
    account: PaymentDetails | None = None  # where it is paid: its seller's account
    payment_reference: str = ""  # what the payer quotes: RF, OCR or the invoice number
    tax_note: TaxNote | None = None

    @property
    def currency(self) -> str:
        return self.totals.currency

    @property
    def is_credit_note(self) -> bool:
        return self.invoice.kind == "credit_note"

    @property
    def outstanding(self) -> Decimal:
        """What the client still owes on it (0 for a credit note: it lowers its invoice)."""
        return max(self.left, Decimal(0))


@dataclass(frozen=True, kw_only=True)
class Balance:
    """A client's money in one currency on the build date (generator.invoicing.ledger):
    0 <= overdue <= open <= issued - credited."""

    currency: str
    issued: Decimal  # the totals of its invoices
    credited: Decimal  # taken off them by credit notes
    paid: Decimal  # received on them, less refunds
    open: Decimal  # still to pay
    overdue: Decimal  # of which past the due date
    refund: Decimal  # owed back to the client (paid more than is left after credit notes)


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
    invoice_files: tuple[InvoiceFile, ...]  # valid files, by issue date and number
    updates: tuple[Document, ...]
    attachments: dict[str, Path] = field(default_factory=dict)
    # translated documents: language -> 'scope' | 'requirements/<slug>' | 'updates/<slug>' -> doc
    translations: dict[str, dict[str, Document]] = field(default_factory=dict)
    history: ClientHistory = field(default_factory=ClientHistory)  # from git, see history
    satisfaction: tuple[SatisfactionAnswer, ...] = ()  # satisfaction.yaml, oldest first
    questions: tuple[Thread, ...] = ()  # questions/*.yaml, newest first (by last message)
    ksef_files: dict[str, bytes] = field(default_factory=dict)  # Poland: ksef/*.xml
    # what the invoicing stage made of invoice_files (generator.invoicing.bill): the invoices
    # published as of the build date, and the balances they leave, by currency
    invoices: tuple[InvoiceRecord, ...] = ()
    balances: tuple[Balance, ...] = ()
    # documents with errors ('requirements/intake.md'): a link to one is not a mistake too
    unreadable: tuple[str, ...] = ()

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
