"""The content format as pydantic models: every file the agency writes, validated.

Each model forbids unknown keys and documents every field; `portal schema` turns these
descriptions into the JSON Schema an editor shows.
"""

from __future__ import annotations

import functools
import re
import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from generator.content.fieldtypes import (
    Colour,
    ContentPath,
    CountryCode,
    CurrencyCode,
    DateOrDateTime,
    Duration,
    Email,
    Fingerprint,
    HttpsUrl,
    LocaleCode,
    Locales,
    Slug,
    TimezoneName,
    Translatable,
    WebUrl,
    day_problem,
    not_a_date,
)
from generator.content.taxids import (
    Bic,
    EuVatNumber,
    Iban,
    JpInvoiceRegistration,
    KrBusinessRegistration,
    KsefNumber,
    NtsApproval,
    PlNip,
    SeOrgNumber,
)

PAYMENT_URL_FIELDS = ("number", "amount", "currency", "page")  # portal.yaml's payment_url


@functools.cache  # once a field: every value of every document passes here
def _takes_date(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    return field is not None and date in (field.annotation, *typing.get_args(field.annotation))


class ContentModel(BaseModel):
    """Base of every content model: strict about keys, lenient about number-like text."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, coerce_numbers_to_str=True, str_strip_whitespace=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _dates_are_written_as_dates(cls, value: Any, info: ValidationInfo) -> Any:
        """A date field takes a date, never a number (`0` is no day)."""
        if _takes_date(cls, info.field_name or "") and (problem := not_a_date(value)):
            raise ValueError(problem)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _dates_of_a_real_plan(cls, value: Any) -> Any:
        """Every date and date-time falls in years a plan or invoice can have."""
        if problem := day_problem(value):
            raise ValueError(problem)
        return value


# ---------------------------------------------------------------- agency (portal.yaml)


class TaxIds(ContentModel):
    """Tax and company registration numbers printed on invoices."""

    eu_vat: EuVatNumber | None = Field(None, description="EU VAT number with country prefix")
    pl_nip: PlNip | None = Field(None, description="Polish NIP (10 digits)")
    se_org_number: SeOrgNumber | None = Field(None, description="Swedish organisation number")
    se_f_tax: bool = Field(False, description="Approved for F-tax (Godkänd för F-skatt)")
    jp_invoice_registration: JpInvoiceRegistration | None = Field(
        None, description="Japanese qualified invoice registration number (T + 13 digits)"
    )
    kr_business_registration: KrBusinessRegistration | None = Field(
        None, description="Korean business registration number (10 digits)"
    )
    company_number: str | None = Field(None, description="Company register number")


class PaymentDetails(ContentModel):
    """How clients pay: printed on every invoice, with a QR code where the currency has one."""

    currency: CurrencyCode | None = Field(
        None, description="In `accounts`: the currency whose invoices this account is for")
    bank: str | None = Field(None, description="Bank name")
    bank_code: str | None = Field(None, description="Domestic bank code (JP: 4 digits)")
    branch: str | None = Field(None, description="Branch name (JP: 支店名)")
    branch_code: str | None = Field(None, description="Branch code (JP: 3 digits)")
    account_type: str | None = Field(None, description="Account type (JP: 普通 or 当座)")
    account_holder: str | None = Field(None, description="Name on the account")
    account_holder_kana: str | None = Field(
        None, description="The name on the account in katakana, as Japanese banks check it")
    iban: Iban | None = Field(None, description="IBAN (its check digits are checked)")
    bic: Bic | None = Field(None, description="BIC / SWIFT code")
    account_number: str | None = Field(None, description="Domestic account number")
    bankgiro: str | None = Field(None, description="Swedish Bankgiro number (invoices get an "
                                                   "OCR reference)")
    plusgiro: str | None = Field(None, description="Swedish Plusgiro number")
    instructions: str | None = Field(None, description="Free text, e.g. payment reference")


class Registration(ContentModel):
    """The agency's registration in another country (a branch, or a VAT registration there):
    invoices to clients in that country name it as the seller, with its tax numbers."""

    country: CountryCode = Field(description="Country of the registration")
    legal_name: str | None = Field(None, description="Registered name there, if not the agency's")
    address: str | None = Field(None, description="Address there, if not the agency's")
    tax_ids: TaxIds = Field(description="Tax numbers of the registration")
    accounts: list[PaymentDetails] = Field(
        default_factory=list, description="Its accounts by currency (each with `currency`): a "
        "registration with its own legal_name (a branch) is paid into these only; one without "
        "also into the agency's")
    currencies: list[CurrencyCode] = Field(
        default_factory=list, description="Clients in no country of a registration, invoiced "
        "in one of these currencies, are invoiced by this registration")

    @model_validator(mode="after")
    def _one_account_a_currency(self) -> Registration:
        _check_accounts(self.accounts)
        return self


def _check_accounts(accounts: list[PaymentDetails]) -> None:
    currencies = [a.currency or "" for a in accounts]
    if "" in currencies:
        raise ValueError("accounts: give each account the currency it is for")
    for currency in _twice(currencies):
        raise ValueError(f"accounts: {currency} is named twice")


class Agency(ContentModel):
    """The agency that publishes the portals."""

    name: str = Field(min_length=1, description="Trading name shown in every portal")
    legal_name: str | None = Field(None, description="Registered name printed on invoices")
    logo: ContentPath | None = Field(None, description="Logo file, relative to content/")
    address: str | None = Field(None, description="Postal address, one line per line")
    country: CountryCode | None = Field(
        None, description="Country of the address (default: the one its EU VAT number names)")
    email: Email | None = Field(None, description="General e-mail address")
    phone: str | None = Field(None, description="General phone number")
    website: WebUrl | None = Field(None, description="Website address")
    tax_ids: TaxIds = Field(TaxIds(), description="Tax and registration numbers")
    payment: PaymentDetails = Field(PaymentDetails(), description="Bank details")
    accounts: list[PaymentDetails] = Field(
        default_factory=list, description="Accounts by currency (each with `currency`): "
        "invoices in that currency show it instead of `payment`")
    registrations: list[Registration] = Field(
        default_factory=list, description="Registrations in other countries, one a country")

    @model_validator(mode="after")
    def _one_registration_a_country(self) -> Agency:
        for country in _twice([r.country for r in self.registrations]):
            raise ValueError(f"registrations: {country} is named twice")
        return self

    @model_validator(mode="after")
    def _one_account_a_currency(self) -> Agency:
        _check_accounts(self.accounts)
        return self


def _twice(values: list[str]) -> list[str]:
    """The values that occur more than once, in order."""
    return sorted({value for value in values if values.count(value) > 1})


class Protection(ContentModel):
    """How a published site is protected: a portal (`access`) or the agency overview
    (`overview_access`); see docs/security.md. Subclasses add who gets a password."""

    people_field: ClassVar[str]  # the subclass's list of people who get a password

    mode: Literal["public", "link", "password"] = Field(
        "public", description="public: anyone with the address can read it; link: published "
        "under an unguessable folder name; password: encrypted, one password per person"
    )
    share_link: bool = Field(
        False, description="password mode: also publish one link carrying the key in its "
        "#fragment (printed by `portal links`)"
    )

    @model_validator(mode="after")
    def _password_options_need_password_mode(self) -> Protection:
        people = getattr(self, self.people_field)
        if self.mode != "password" and (people is not None or self.share_link):
            raise ValueError(f"{self.people_field} and share_link apply only to mode: password")
        return self


class OverviewAccess(Protection):
    """How the agency overview (`output/_agency/`) is protected (see docs/security.md)."""

    people_field = "managers"

    managers: list[str] | None = Field(
        None, description="password mode: names or e-mail addresses of the account managers "
        "who get a password (default: every account manager)"
    )


INVOICE_NUMBER_FIELDS = ("year", "month", "seq", "slug")  # `portal invoice next`'s pattern


def check_number_pattern(pattern: str) -> str:
    """An invoice number pattern that formats with INVOICE_NUMBER_FIELDS only."""
    try:
        number = pattern.format(year=2026, month=1, seq=1, slug="client")
    except KeyError as unknown:
        raise ValueError(f"unknown field {{{unknown.args[0]}}} in '{pattern}' (use "
                         f"{', '.join('{' + f + '}' for f in INVOICE_NUMBER_FIELDS)})") from None
    except (ValueError, IndexError):
        raise ValueError(f"'{pattern}' is not a pattern like FV/{{year}}/{{month:02}}/"
                         "{seq:03} (braces hold a field and a format)") from None
    if not number.strip():
        raise ValueError("an invoice number pattern gives a number")
    return pattern


NumberPattern = Annotated[str, AfterValidator(check_number_pattern), Field(
    description="Invoice number pattern: {year} and {month} of the service period, {seq} "
    "(one more than the client's invoices so far), {slug}, each with an optional format such "
    "as {seq:03}; e.g. FV/{year}/{month:02}/{seq:03}")]


class Invoicing(ContentModel):
    """How `portal invoice next` writes the next retainer invoice of each client."""

    number: NumberPattern = "{year}-{month:02}-{seq:03}"
    payment_days: int = Field(30, ge=0, le=365, description="Days from issue to due date")
class Forms(ContentModel):
    """Where the client's approvals, questions and survey answers are posted.

    Without an `action` nothing is posted anywhere: each is a prefilled e-mail instead. With
    one, every page's Content-Security-Policy allows that origin (and only it) in
    form-action. What an endpoint sees: docs/security.md."""

    action: HttpsUrl | None = Field(
        None, description="Form endpoint the portal's forms post to (Formspree, Basin, a "
                          "Netlify form, your own): https only")


class Inbox(ContentModel):
    """The agency's portal mailbox, which `portal inbox` reads (see docs/security.md)."""

    address: Email | None = Field(
        None, description="The portal's own address: every prefilled e-mail copies it (Cc), "
                          "so the client's approvals, answers and questions reach the inbox")
    trusted_authserv_ids: list[str] = Field(
        default_factory=list, description="Your receiving mail servers (the authserv-id of "
        "the Authentication-Results header they add, e.g. mx.example.net): their dkim=pass "
        "for the sender's domain authenticates a message")

    @field_validator("trusted_authserv_ids")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.match(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$", name):
                raise ValueError(f"'{name}' is not a mail server's name such as mx.example.net")
        return value


class Reminders(ContentModel):
    """When `portal notify` reminds a client's billing contacts of an invoice still open."""

    enabled: bool = Field(True, description="false: no payment reminders")
    days: list[int] = Field(
        default_factory=lambda: [-3, 7, 14, 30],
        description="Days from the due date a reminder goes out: -3 is three days before, 7 a "
                    "week after; each once, none once the invoice is paid")
    receipts: bool = Field(False, description="Thank the billing contacts when an invoice is "
                                              "paid in full (in the next message)")

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        if any(not -60 <= day <= 365 for day in value):
            raise ValueError("days run from -60 (before the due date) to 365 (after it)")
        return sorted(value)


class SurveySchedule(ContentModel):
    """When a portal's overview offers the satisfaction survey (answers: satisfaction.yaml)."""

    schedule: list[Literal["monthly", "quarterly", "after-milestone"]] = Field(
        default_factory=list,
        description="monthly / quarterly: from the first day of each month / quarter; "
                    "after-milestone: from the due day of each milestone marked done; "
                    "several may be given; none: never")
    days: int = Field(14, ge=1, le=92, description="How many days each survey stays on offer "
                                                   "(unless the client has answered it)")

    @field_validator("schedule", mode="before")
    @classmethod
    def _one_or_several(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class PortalConfig(ContentModel):
    """`content/portal.yaml`: the agency and the settings every portal shares."""

    agency: Agency = Field(description="The agency publishing the portals")
    project: Slug | None = Field(
        None, description="Stable id of this agency's portals, e.g. meridian-vale-portals: "
        "`portal publish` marks every portal folder it puts at a target with it, and removes "
        "only folders marked with it (required to publish; never change it, never a secret)")
    locale: LocaleCode = Field("en", description="Default language of a portal")
    currency: CurrencyCode = Field("EUR", description="Default currency")
    timezone: TimezoneName = Field("UTC", description="Time zone that decides 'today'")
    example_date: date | None = Field(
        None, description="Example content only: the day its story is told as of, the build "
        "date when neither --as-of nor SOURCE_DATE_EPOCH gives one, so that the examples "
        "never go stale; leave it out for real clients (their build date is today)")
    theme: str | None = Field(
        None, description="Folder overriding the default theme, relative to portal.yaml"
    )
    base_url: WebUrl | None = Field(None, description="Public address of the portals, if any")
    allow_raw_html: bool = Field(False, description="Keep raw HTML in Markdown (trusted authors)")
    amounts_in_words: bool = Field(
        False, description="Print invoice totals in words where the language has a rule "
                           "for it (Polish: słownie)")
    show_commit_messages: bool = Field(
        False, description="Show git commit messages in document histories and 'what's new' "
                           "(off by default: commit messages are internal)"
    )
    payment_url: str | None = Field(
        None, description="Address of a card or instant payment page for every unpaid invoice, "
        "with {number}, {amount}, {currency} or {page} filled in, e.g. "
        "https://pay.example.com/{number}")
    invoice_pdf: bool = Field(
        True, description="Publish each invoice as a PDF (Factur-X) beside its page")
    invoicing: Invoicing = Field(
        default_factory=Invoicing, description="Retainer invoices that `portal invoice next` "
        "writes: number pattern and payment terms")
    overview_access: OverviewAccess = Field(
        default_factory=OverviewAccess,
        description="How the agency overview is protected, as a portal is with `access`"
    )
    forms: Forms = Field(default_factory=Forms,
                         description="Where approvals, questions and survey answers are posted "
                                     "(default: nowhere; prefilled e-mails instead)")
    satisfaction: SurveySchedule = Field(
        default_factory=SurveySchedule,
        description="When the overview offers the satisfaction survey (default: never)")
    inbox: Inbox = Field(default_factory=Inbox,
                         description="The portal's mailbox, which `portal inbox` reads")
    reminders: Reminders = Field(default_factory=Reminders,
                                 description="Payment reminders `portal notify` sends")

    @model_validator(mode="after")
    def _payment_url_pattern(self) -> PortalConfig:
        pattern = self.payment_url
        if pattern is None:
            return self
        if not re.match(r"^https://[^\s<>\"']+$", pattern):
            raise ValueError(f"payment_url: '{pattern}' is not a web address starting "
                             "with https://")
        for name in re.findall(r"\{([^}]*)\}", pattern):
            if name not in PAYMENT_URL_FIELDS:
                raise ValueError(f"payment_url: unknown field {{{name}}} (use "
                                 f"{', '.join('{' + f + '}' for f in PAYMENT_URL_FIELDS)})")
        return self


# ---------------------------------------------------------------- client (client.yaml)


class Contact(ContentModel):
    """A person on the client's side."""

    name: str = Field(min_length=1, description="Full name")
    role: Translatable | None = Field(None, description="Role or job title (per language: "
                                                        "{ja: …, en: …})")
    email: Email | None = Field(None, description="E-mail address")
    phone: str | None = Field(None, description="Phone number")
    decision_maker: bool = Field(False, description="Signs off scope and invoices")
    billing: bool = Field(False, description="Receives payment reminders and receipts (when "
                                             "no contact is marked, the decision makers do, "
                                             "else every contact)")
    notify: bool = Field(True, description="Receives `portal notify` e-mails about changes in "
                                           "the portal (false: never)")


class AccountManager(ContentModel):
    """The agency's dedicated manager for this client."""

    name: str = Field(min_length=1, description="Full name")
    title: Translatable | None = Field(None, description="Job title (per language: "
                                                         "{ja: …, en: …})")
    email: Email = Field(description="E-mail address the client writes to")
    phone: str | None = Field(None, description="Phone number")
    photo: ContentPath | None = Field(None, description="Photo, relative to the client folder")


class TeamMember(ContentModel):
    """Someone at the agency working on this client."""

    name: str = Field(min_length=1, description="Full name")
    role: str | None = Field(None, description="Role on the engagement")
    email: Email | None = Field(None, description="E-mail address")
    phone: str | None = Field(None, description="Phone number")


class Retainer(ContentModel):
    """The recurring fee."""

    amount: Decimal = Field(gt=0, description="Fee per period, before tax")
    currency: CurrencyCode | None = Field(None, description="Defaults to the client's")
    period: Literal["monthly", "quarterly"] = Field(description="How often it is billed")
    includes: list[str] = Field(default_factory=list, description="What the fee covers")
    invoice_number: NumberPattern | None = Field(
        None, description="This client's invoice number pattern, if not portal.yaml's "
        "invoicing.number")
    payment_days: int | None = Field(
        None, ge=0, le=365, description="Days to pay, if not portal.yaml's invoicing.payment_days")
    tax_rate: Decimal | None = Field(
        None, ge=0, le=100, description="Tax rate of its invoices, if not the one `portal "
        "invoice next` finds by the parties' countries")


class Contract(ContentModel):
    """The term of the engagement."""

    starts_on: date = Field(description="First day of the engagement")
    ends_on: date | None = Field(None, description="Last day, if fixed")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Contract:
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class Branding(ContentModel):
    """The client's look inside its portal."""

    logo: ContentPath | None = Field(None, description="Logo, relative to the client folder")
    accent: Colour | None = Field(None, description="Accent colour, e.g. #0b6e4f")


class Access(Protection):
    """How the published portal is protected (see docs/security.md)."""

    people_field = "contacts"

    contacts: list[str] | None = Field(
        None, description="password mode: names of the contacts who get a password "
        "(default: every contact)"
    )
    secret_calendars: bool = Field(
        False, description="password mode: give each contact a secret calendar address (an "
        "unguessable URL, printed by `portal links`) carrying only milestone titles and dates, "
        "unencrypted, so calendar apps can subscribe (see docs/security.md)"
    )

    @model_validator(mode="after")
    def _secret_calendars_need_password_mode(self) -> Access:
        if self.secret_calendars and self.mode != "password":
            raise ValueError("secret_calendars applies only to mode: password (a public or "
                             "link portal's calendar.ics can be subscribed to as it is)")
        return self


class Feedback(ContentModel):
    """Where the client sends questions and feedback."""

    url: WebUrl | None = Field(None, description="Survey or form address")
    email: Email | None = Field(None, description="Address for questions")


class Notifications(ContentModel):
    """What `portal notify` e-mails this client's contacts (see README, `portal notify`)."""

    enabled: bool = Field(True, description="false: no notification e-mails for this client")
    details: bool = Field(False, description="password portals: name amounts and dates in the "
                                             "e-mails too (they travel unencrypted); by default "
                                             "they name only counts and titles")


class ClientProfile(ContentModel):
    """`<client>/client.yaml`: what a relationship manager tracks."""

    name: Translatable = Field(min_length=1, description="Name the client is known by (per "
                                                         "language: {ja: …, en: …})")
    draft: bool = Field(
        False, description="Not yet for the client: built into output/_draft-<slug>/ to be "
        "previewed, never published (`portal new` sets it; remove it to publish)")
    legal_name: str | None = Field(None, description="Registered name, for invoices")
    locale: LocaleCode | None = Field(None, description="Language of the portal")
    locales: Locales | None = Field(
        None, min_length=1, description="Several languages; the first is the default"
    )
    currency: CurrencyCode | None = Field(None, description="Defaults to portal.yaml's")
    timezone: TimezoneName | None = Field(None, description="Defaults to portal.yaml's")
    address: str | None = Field(None, description="Billing address")
    country: CountryCode | None = Field(
        None, description="Country of the billing address (default: the one its tax numbers "
                          "name, else the agency's)")
    tax_ids: TaxIds = Field(TaxIds(), description="Client's tax numbers")
    seller: str | None = Field(
        None, description="Which of the agency's entities invoices this client: 'agency', or "
        "the country of one of portal.yaml's registrations [default: the registration in the "
        "client's country, else the one for its currency, else the agency]")
    contacts: list[Contact] = Field(default_factory=list, description="People at the client")
    account_manager: AccountManager = Field(description="The agency's dedicated manager")
    team: list[TeamMember] = Field(default_factory=list, description="Agency team members")
    lifecycle_stage: Literal["lead", "onboarding", "active", "paused", "former"] = Field(
        "active", description="Where the relationship stands"
    )
    acquired_on: date | None = Field(None, description="When the client signed")
    last_contact_on: date | None = Field(None, description="Last meeting or call")
    contract: Contract | None = Field(None, description="Term of the engagement")
    retainer: Retainer | None = Field(None, description="Recurring fee")
    branding: Branding = Field(Branding(), description="Logo and accent colour")
    access: Access = Field(Access(), description="How the portal is protected")
    base_url: WebUrl | None = Field(
        None, description="This portal's own public address, for a portal per subdomain "
        "(https://acme.portal.example/) [default: portal.yaml's base_url + the portal's folder]")
    feedback: Feedback = Field(Feedback(), description="Where questions go")
    forms: Forms | None = Field(
        None, description="This portal's form endpoint, instead of portal.yaml's; "
                          "`forms: {}` sends e-mail instead (e.g. for a password portal)")
    notifications: Notifications = Field(
        default_factory=Notifications, description="What `portal notify` e-mails its contacts")

    @model_validator(mode="after")
    def _one_way_to_name_languages(self) -> ClientProfile:
        if self.locale and self.locales:
            raise ValueError("give either locale or locales, not both")
        return self


# ---------------------------------------------------------------- documents (front matter)


APPROVAL_HELP = ("required: the page asks the client to approve this version ('Approve this "
                 "version') until an approval with the document's current fingerprint is "
                 "recorded")
APPROVALS_HELP = "The client's approvals, as the agency recorded them from their messages"


class Approval(ContentModel):
    """One approval of a document by the client, recorded from the approval message.

    The fingerprint is `sha256:` and the SHA-256 (hex) of the document's text below its
    front matter: the UTF-8 bytes of every line after the closing `---` line, line ends as
    LF. Front matter (status, version, these approvals) is not part of it, so recording an
    approval does not change what was approved."""

    by: str = Field(min_length=1, description="Who approved: the name or e-mail address of "
                                              "one of the client's contacts")
    on: date = Field(description="The day the client approved")
    version: str | None = Field(None, description="The version approved, as the message names it")
    fingerprint: Fingerprint = Field(description="The fingerprint the message names, whole: "
                                                 "sha256: and 64 hex digits")
    message_id: str | None = Field(
        None, description="Where it was recorded from: the e-mail's Message-ID, or form:<id> "
                          "of a form submission (`portal inbox` records each one once)")


class ScopeMeta(ContentModel):
    """Front matter of `scope.md`."""

    title: str = Field(min_length=1, description="Title of the scope document")
    status: Literal["draft", "in-review", "approved", "superseded"] = Field(
        "draft", description="Approval state"
    )
    version: str | None = Field(None, description="Document version, e.g. 1.2")
    approved_on: date | None = Field(None, description="Date the client approved it")
    approval: Literal["none", "required"] = Field("none", description=APPROVAL_HELP)
    approvals: list[Approval] = Field(default_factory=list, description=APPROVALS_HELP)


class RequirementMeta(ContentModel):
    """Front matter of `requirements/*.md`."""

    title: str = Field(min_length=1, description="Title of the requirement")
    status: Literal["draft", "in-review", "approved"] = Field(
        "draft", description="Approval state"
    )
    owner: str | None = Field(None, description="Who is responsible")
    priority: Literal["low", "medium", "high", "critical"] = Field(
        "medium", description="Priority"
    )
    version: str | None = Field(None, description="Document version")
    approval: Literal["none", "required"] = Field("none", description=APPROVAL_HELP)
    approvals: list[Approval] = Field(default_factory=list, description=APPROVALS_HELP)


class UpdateMeta(ContentModel):
    """Front matter of `updates/*.md`."""

    title: str = Field(min_length=1, description="Title of the report or note")
    date: DateOrDateTime = Field(description="When it happened or was written")
    kind: Literal["report", "meeting", "note"] = Field("note", description="What it is")
    author: str | None = Field(None, description="Who wrote it")


# ---------------------------------------------------------------- deadlines.yaml


class Milestone(ContentModel):
    """One milestone of the timeline."""

    id: Slug = Field(description="Stable identifier; used for calendar UIDs")
    title: Translatable = Field(min_length=1, description="What is due (per language in a "
                                                          "portal of several: {ja: …, en: …})")
    due: DateOrDateTime = Field(description="Due date, or date-time")
    status: Literal["planned", "in-progress", "done", "at-risk", "cancelled"] = Field(
        "planned", description="State of the milestone"
    )
    owner: str | None = Field(None, description="Who delivers it")
    description: str | None = Field(None, description="Details, in Markdown")
    duration: Duration | None = Field(
        None, description="How long it takes, for a milestone due at a time (a meeting, a "
        "launch window), e.g. 45m or 1h30m; calendars end it then [default: 1h]")

    @model_validator(mode="after")
    def _duration_needs_a_time(self) -> Milestone:
        if self.duration is not None and not isinstance(self.due, datetime):
            raise ValueError("duration applies only to a milestone due at a time "
                             "(due: 2027-01-15T10:00:00+01:00); a day's milestone lasts the day")
        return self


class Deadlines(ContentModel):
    """`<client>/deadlines.yaml`."""

    milestones: list[Milestone] = Field(default_factory=list, description="The milestones")


# ---------------------------------------------------------------- invoices/*.yaml


class InvoiceItem(ContentModel):
    """One line of an invoice."""

    description: str = Field(min_length=1, description="What is billed")
    quantity: Decimal = Field(gt=0, description="How many units")
    unit: str | None = Field(None, description="Unit, e.g. h, day, month")
    unit_price: Decimal = Field(ge=0, description="Price per unit, before tax")
    tax_rate: Decimal = Field(ge=0, le=100, description="Tax rate in percent, e.g. 23")
    reduced_rate: bool = Field(False, description="Item taxed at a reduced rate")


class Discount(ContentModel):
    """A discount on the whole invoice, before tax."""

    percent: Decimal | None = Field(None, gt=0, le=100, description="Percent off every line")
    amount: Decimal | None = Field(None, gt=0, description="Fixed amount off (one tax rate)")
    label: str | None = Field(None, description="Shown beside the discount")

    @model_validator(mode="after")
    def _exactly_one(self) -> Discount:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give either percent or amount")
        return self


class Period(ContentModel):
    """The service period a retainer invoice covers."""

    start: date = Field(description="First day")
    end: date = Field(description="Last day")

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class Payment(ContentModel):
    """A payment received against an invoice (or a refund of a credit note)."""

    on: date = Field(description="Day the money arrived")
    amount: Decimal = Field(gt=0, description="Amount received, in the invoice's currency")
    reference: str | None = Field(
        None, max_length=140, description="The bank's reference of the entry it came from "
        "(written by `portal payments import`: a statement imported twice is recorded once)")


class KsefRecord(ContentModel):
    """Poland: the invoice as registered in KSeF, the national e-invoicing system."""

    number: KsefNumber
    file: ContentPath = Field(description="The FA(3) XML file the agency submitted to KSeF, "
                                          "in the client's ksef/ folder, e.g. ksef/fv-2026-10.xml")


class Invoice(ContentModel):
    """`<client>/invoices/*.yaml`: one invoice, or a credit note correcting one."""

    kind: Literal["invoice", "credit_note"] = Field(
        "invoice", description="invoice, or credit_note: a correction that reduces the balance")
    corrects: str | None = Field(
        None, description="credit_note: the number of the invoice it corrects")
    number: str = Field(min_length=1, description="Invoice number, unique per client")
    issued: date = Field(description="Date of issue")
    due: date | None = Field(None, description="Payment due date (an invoice's; a credit note "
                                               "has none: it lowers the invoice it corrects)")
    currency: CurrencyCode | None = Field(None, description="Defaults to the client's")
    items: list[InvoiceItem] = Field(min_length=1, description="Invoice lines")
    discount: Discount | None = Field(None, description="Discount before tax")
    paid_on: date | None = Field(None, description="Date payment in full was received")
    payments: list[Payment] = Field(
        default_factory=list, description="Payments received, for partial payments")
    total: Decimal | None = Field(
        None, description="The total as your accounting system has it: must equal the "
                          "computed total")
    notes: str | None = Field(None, description="Notes, in Markdown")
    period: Period | None = Field(None, description="Service period (retainer invoices)")
    po_number: str | None = Field(None, description="Client's purchase order number")
    reverse_charge: bool = Field(
        False, description="EU reverse charge: the buyer accounts for the VAT")
    payment_url: WebUrl | None = Field(
        None, description="Card or instant payment page for this invoice (Stripe Payment "
                          "Link, Przelewy24, …), shown as a button while it is unpaid")
    ksef: KsefRecord | None = Field(
        None, description="Poland: its KSeF number and the FA(3) file submitted; the invoice "
                          "shows the number under KSeF's verification QR code")
    nts_approval: NtsApproval | None = Field(
        None, description="Korea: the NTS approval number (승인번호) of its e-tax invoice")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Invoice:
        if self.kind == "invoice" and self.due is None:
            raise ValueError("due: give the payment due date of the invoice")
        if self.due is not None and self.due < self.issued:
            raise ValueError(f"due ({self.due}) is before issued ({self.issued})")
        early = sorted(p.on for p in self.payments if p.on < self.issued)
        if self.paid_on and self.paid_on < self.issued:
            raise ValueError(f"paid_on ({self.paid_on}) is before issued ({self.issued})")
        for day in early[:1]:
            raise ValueError(f"payments received on {day} are before issued ({self.issued})")
        return self

    @model_validator(mode="after")
    def _corrects_only_a_credit_note(self) -> Invoice:
        if (self.kind == "credit_note") != (self.corrects is not None):
            raise ValueError("corrects names the invoice a credit note corrects: give it "
                             "with kind: credit_note, and only then")
        return self

    @model_validator(mode="after")
    def _one_rate_for_a_discount_amount(self) -> Invoice:
        rates = {item.tax_rate for item in self.items}
        if self.discount and self.discount.amount is not None and len(rates) > 1:
            raise ValueError(
                "a discount amount needs all items at one tax rate; use discount.percent")
        return self



# ---------------------------------------------------------------- satisfaction.yaml


class SatisfactionAnswer(ContentModel):
    """One answer to the satisfaction survey, as the agency recorded it from the client's
    message or form."""

    on: date = Field(description="The day the client answered")
    by: str | None = Field(None, description="Who answered: a contact's name or e-mail address")
    nps: int | None = Field(None, ge=0, le=10, description="How likely they are to recommend "
                                                           "the agency, 0-10")
    csat: int | None = Field(None, ge=1, le=5, description="How satisfied they are, 1-5")
    comment: str | None = Field(None, description="What they wrote (never shown in the portal)")
    round: str | None = Field(None, description="The survey answered, as the message names it "
                                                "(e.g. 2026-Q4, 2026-11, after-<milestone id>)")
    message_id: str | None = Field(
        None, description="Where it was recorded from: the e-mail's Message-ID, or form:<id> "
                          "of a form submission (`portal inbox` records each one once)")

    @model_validator(mode="after")
    def _a_score(self) -> SatisfactionAnswer:
        if self.nps is None and self.csat is None:
            raise ValueError("give nps, csat or both")
        return self


class Satisfaction(ContentModel):
    """`<client>/satisfaction.yaml`: the client's answers to the satisfaction survey."""

    answers: list[SatisfactionAnswer] = Field(default_factory=list, description="The answers")


# ---------------------------------------------------------------- questions/*.yaml


class ThreadMessage(ContentModel):
    """One message of a question thread: the client's question, or the agency's answer."""

    on: date = Field(description="The day it was written")
    by: str = Field(min_length=1, description="Who wrote it: a contact of the client (a "
                    "question), or the account manager or a team member (an answer), by name "
                    "or e-mail address")
    text: str = Field(min_length=1, max_length=20_000,
                      description="What they wrote, as plain text (never Markdown or HTML)")
    message_id: str | None = Field(
        None, description="The e-mail's Message-ID, or form:<id> of a form submission "
                          "(`portal inbox` records each one once; replies name it)")


class QuestionThread(ContentModel):
    """`<client>/questions/<topic>.yaml`: the client's questions about one topic, and the
    answers. Open while its last message is the client's."""

    about: str = Field(min_length=1, description="What it is about: scope, "
                       "requirements/<name>, milestones/<id>, invoices/<name>, "
                       "updates/<name>, or general")
    messages: list[ThreadMessage] = Field(min_length=1, description="Oldest first")


class TranslationMeta(ContentModel):
    """Front matter of a translation such as `scope.en.md`: only what is written in words."""

    title: str = Field(min_length=1, description="The title in the translation's language")
