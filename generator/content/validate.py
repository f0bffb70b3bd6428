"""Turn sources into validated content: models from data, every problem with file and line.

Every content rule lives here, those that depend on the build date included (an invoice's
status, invoices long overdue), so `check`, `build` and `serve` find the same problems.
"""

from __future__ import annotations

import re
import typing
from dataclasses import replace
from datetime import date
from decimal import InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from generator.content.dates import day_in, moment_in
from generator.content.domain import (
    AgencyContent,
    Client,
    Document,
    InvoiceRecord,
    Thread,
    ThreadEntry,
)
from generator.content.fieldtypes import number_problem
from generator.content.invoicerules import (
    fa3_mismatches,
    intra_eu_vat_warning,
    invoice_rule_problems,
)
from generator.content.ksef import fa3_facts, file_digest, verification_url
from generator.content.limits import markdown_problems
from generator.content.models import (
    AccountManager,
    ClientProfile,
    Deadlines,
    Invoice,
    Milestone,
    PortalConfig,
    QuestionThread,
    RequirementMeta,
    Satisfaction,
    SatisfactionAnswer,
    ScopeMeta,
    TeamMember,
    TranslationMeta,
    UpdateMeta,
)
from generator.content.money import (
    InvoiceTotals,
    amount_paid,
    invoice_status,
    invoice_totals,
    round_money,
)
from generator.content.parties import Party, invoice_parties
from generator.content.read import AgencySources, ClientSources, MarkdownSource, YamlSource
from generator.content.signoff import fingerprint
from generator.content.yaml12 import YamlDocument
from generator.errors import ContentError, Problem, did_you_mean, has_errors

OVERDUE_WARNING_DAYS = 30  # an invoice unpaid this long after its due date is a warning

ModelT = TypeVar("ModelT", bound=BaseModel)


class _Checker:
    """Validates data against models, collecting problems with their lines."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, shown: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(shown, line, message))

    def model(self, model: type[ModelT], shown: str, document: YamlDocument) -> ModelT | None:
        data = {} if document.data is None else document.data
        if not isinstance(data, dict):
            self.add(shown, document.line_of(()), "must be a mapping of keys to values, "
                                                  f"found {_kind(data)}")
            return None
        if self._numbers_out_of_range(shown, document):
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                self._report(model, shown, document, detail)
            return None

    def _numbers_out_of_range(self, shown: str, document: YamlDocument) -> bool:
        """Report numbers no real figure has (before any model or arithmetic meets them)."""
        found = False
        for loc, value in _scalars(document.data, ()):
            problem = number_problem(value)
            if problem:
                self.add(shown, document.line_of(loc), f"{_dotted(loc)}: {problem}")
                found = True
        return found

    def markdown(self, shown: str, text: str | None, first_line: int) -> bool:
        """Report Markdown too costly to render; whether `text` may be rendered."""
        problems = markdown_problems(text or "")
        for line, message in problems:
            self.add(shown, first_line + line, message)
        return not problems

    def _report(self, model: type[BaseModel], shown: str, document: YamlDocument,
                detail: Any) -> None:
        loc = _data_location(document, tuple(detail["loc"]), detail["type"])
        kind, message = detail["type"], _clean(detail["msg"])
        if kind == "extra_forbidden":
            key = str(loc[-1])
            hint = did_you_mean(key, set(_fields_at(model, loc[:-1])))
            self.add(shown, document.line_of(loc), f"unknown key '{_dotted(loc)}'{hint}")
        elif kind == "missing":
            self.add(shown, document.line_of(loc[:-1]), f"'{_dotted(loc)}' is required")
        elif not loc:
            field_name = message.split(" ", 1)[0]
            line = document.line_of((field_name,))
            self.add(shown, line, message)
        else:
            got = _shown_input(detail.get("input"), message)
            self.add(shown, document.line_of(loc), f"{_dotted(loc)}: {message}{got}")


def _scalars(data: Any, loc: tuple[Any, ...]) -> typing.Iterator[tuple[tuple[Any, ...], Any]]:
    """Every scalar of parsed YAML with its location (bounded: yaml12 limits the size)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _scalars(value, loc + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _scalars(value, loc + (index,))
    else:
        yield loc, data


def _data_location(document: YamlDocument, loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    """Drop pydantic's type tags from `loc`, keeping the path into the YAML data."""
    path: tuple[Any, ...] = ()
    for part in loc:
        if path + (part,) in document.lines or kind in ("missing", "extra_forbidden"):
            path += (part,)
        else:
            break
    return path


def _clean(message: str) -> str:
    return re.sub(r"^(Value error|Assertion failed), ", "", message)


def _shown_input(value: Any, message: str) -> str:
    """Quote the offending value unless the message already does."""
    if isinstance(value, (dict, list)) or value is None or f"'{value}'" in message:
        return ""
    return f" (got '{value}')"


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _kind(value: Any) -> str:
    names: dict[type, str] = {list: "a list", str: "text"}
    return names.get(type(value), type(value).__name__)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Return the field names of the model found at `loc` inside `model`."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _inner_model(annotation: Any) -> Any:
    if _is_model(annotation):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- the agency


def validate_agency(sources: AgencySources) -> AgencyContent:
    """Validate portal.yaml and the agency's files; raise ContentError on any error."""
    checker = _Checker()
    checker.problems.extend(sources.problems)
    config = _portal_config(checker, sources)
    if config is not None:
        _check_agency_files(checker, sources, config)
    if config is None or sources.portal is None or has_errors(checker.problems):
        raise ContentError(checker.problems)
    return AgencyContent(config, sources.agency_files, sources.portal)


def _portal_config(checker: _Checker, sources: AgencySources) -> PortalConfig | None:
    if sources.portal is None:
        return None
    return checker.model(PortalConfig, sources.portal.shown, sources.portal.document)


def _check_agency_files(checker: _Checker, sources: AgencySources,
                        config: PortalConfig) -> None:
    logo = config.agency.logo
    if logo and logo not in sources.agency_files and sources.portal is not None:
        line = sources.portal.document.line_of(("agency", "logo"))
        checker.add(sources.portal.shown, line, f"agency.logo: file '{logo}' not found "
                                                "(agency files live in content/_agency/)")


# ---------------------------------------------------------------- a client


def validate_client(sources: ClientSources, config: PortalConfig | None, as_of: date
                    ) -> tuple[Client | None, list[Problem]]:
    """Validate one client's sources as of the build date: the client (None on errors, or
    without a valid portal.yaml to complete it) and every problem found."""
    checker = _Checker()
    client = _client(checker, sources, config, as_of)
    return (None if has_errors(checker.problems) else client), checker.problems


def _client(checker: _Checker, sources: ClientSources, config: PortalConfig | None,
            as_of: date) -> Client | None:
    profile = _profile(checker, sources)
    scope, requirements, updates = _documents(checker, sources)
    deadlines = _deadlines(checker, sources.deadlines)
    currency = _currency(profile, config)
    parties = invoice_parties(profile, config.agency) if profile and config else None
    invoices = _invoices(checker, sources, currency, as_of, parties)
    answers = _satisfaction(checker, sources.satisfaction)
    if profile is None or config is None or sources.profile is None:
        return None
    timezone = profile.timezone or config.timezone
    _check_profile_files(checker, sources, profile)
    _check_access(checker, sources.profile, profile)
    _check_approvers(checker, [(sources.scope, scope),
                               *zip(sources.requirements, requirements, strict=True)], profile)
    _check_respondents(checker, sources.satisfaction, answers, profile)
    _check_deadlines_in_contract(checker, sources.deadlines, deadlines, profile, timezone)
    threads = _questions(checker, sources, profile, deadlines)
    languages = tuple(profile.locales or [profile.locale or config.locale])
    return Client(
        slug=sources.slug, folder=sources.folder, profile=profile,
        profile_file=sources.profile, languages=languages, currency=currency,
        timezone=timezone, scope=scope, requirements=_valid(requirements),
        milestones=tuple(sorted(deadlines, key=lambda m: (moment_in(m.due, timezone), m.id))),
        milestones_source=_shown(sources.deadlines),
        milestone_lines=_milestone_lines(sources.deadlines, deadlines),
        invoices=tuple(sorted(invoices, key=lambda r: (r.invoice.issued, r.invoice.number))),
        updates=_newest_first(updates, timezone), attachments=sources.attachments,
        translations=_translations(checker, sources, languages, scope,
                                   [*requirements, *updates]),
        satisfaction=tuple(sorted(answers, key=lambda a: a.on)),
        questions=tuple(sorted(threads, key=lambda t: (t.last_on, t.slug), reverse=True)),
    )


def _currency(profile: ClientProfile | None, config: PortalConfig | None) -> str:
    """The client's currency: client.yaml's, else portal.yaml's (invoices may differ)."""
    return (profile and profile.currency) or (config and config.currency) or "EUR"


def _valid(documents: list[Document | None]) -> tuple[Document, ...]:
    return tuple(d for d in documents if d is not None)


def _shown(source: YamlSource | None) -> str | None:
    return source.shown if source else None


def _documents(checker: _Checker, sources: ClientSources
               ) -> tuple[Document | None, list[Document | None], list[Document | None]]:
    """The scope, the requirements and the updates (None where one has errors)."""
    scope = _document(checker, sources.scope, ScopeMeta) if sources.scope else None
    return (scope, [_document(checker, s, RequirementMeta) for s in sources.requirements],
            [_document(checker, s, UpdateMeta) for s in sources.updates])


def _newest_first(updates: list[Document | None], timezone: str) -> tuple[Document, ...]:
    return tuple(sorted(_valid(updates), key=lambda d: (moment_in(d.meta.date, timezone),  # type: ignore[union-attr]
                                                        d.slug), reverse=True))
def _translations(checker: _Checker, sources: ClientSources, languages: tuple[str, ...],
                  scope: Document | None, documents: list[Document | None]
                  ) -> dict[str, dict[str, Document]]:
    """Validate `scope.<lang>.md` and friends; each takes its original's front matter but title."""
    originals = {"scope": scope} if scope else {}
    originals.update({f"{d.source.split('/')[-2]}/{d.slug}": d for d in _valid(documents)})
    found: dict[str, dict[str, Document]] = {}
    for kind, source in sources.translations:
        key = f"{kind}/{source.slug}" if kind else source.slug
        original = _original(checker, source, key, originals, languages)
        meta = original and checker.model(TranslationMeta, source.shown, source.front_matter)
        if original and meta and checker.markdown(source.shown, source.body, source.body_line):
            found.setdefault(source.language or "", {})[key] = Document(
                original.slug, source.shown, original.meta.model_copy(update={"title": meta.title}),
                source.body, source.body_line, source.language, original.fingerprint)
    return found


def _original(checker: _Checker, source: MarkdownSource, key: str,
              originals: dict[str, Document], languages: tuple[str, ...]) -> Document | None:
    """The document a translation translates, if it exists and the language is the client's."""
    language = source.language or ""
    if language not in languages[1:]:
        others = ", ".join(languages[1:]) or "none"
        checker.add(source.shown, None, f"'{language}' is not one of this client's other "
                                        f"languages (locales in client.yaml; others: {others})")
        return None
    if key not in originals:
        checker.add(source.shown, None, f"translation of {key}.md, which does not exist "
                                        "(or has errors)")
    return originals.get(key)


def _profile(checker: _Checker, sources: ClientSources) -> ClientProfile | None:
    if sources.profile is None:
        return None
    return checker.model(ClientProfile, sources.profile.shown, sources.profile.document)


def _check_profile_files(checker: _Checker, sources: ClientSources,
                         profile: ClientProfile) -> None:
    assert sources.profile is not None
    references = {
        ("account_manager", "photo"): profile.account_manager.photo,
        ("branding", "logo"): profile.branding.logo,
    }
    for loc, path in references.items():
        if path and path not in sources.attachments:
            line = sources.profile.document.line_of(loc)
            checker.add(sources.profile.shown, line,
                        f"{'.'.join(loc)}: file '{path}' not found in the client folder "
                        "(attachments live in files/)")


def _check_access(checker: _Checker, source: YamlSource, profile: ClientProfile) -> None:
    """Password mode: the contacts named are the client's, and somebody gets a key."""
    access, known = profile.access, [c.name for c in profile.contacts]
    unknown = [(i, name) for i, name in enumerate(access.contacts or ()) if name not in known]
    for index, name in unknown:
        checker.add(source.shown, source.document.line_of(("access", "contacts", index)),
                    f"access.contacts: '{name}' is not one of the client's contacts"
                    f"{did_you_mean(name, known)}")
    if access.mode == "password" and not (_chosen(known, access.contacts)
                                          or access.share_link or unknown):
        checker.add(source.shown, source.document.line_of(("access", "mode")),
                    "access: password mode needs at least one contact (or share_link: true)")


def _satisfaction(checker: _Checker, source: YamlSource | None) -> list[SatisfactionAnswer]:
    if source is None:
        return []
    satisfaction = checker.model(Satisfaction, source.shown, source.document)
    return list(satisfaction.answers) if satisfaction else []


def _check_respondents(checker: _Checker, source: YamlSource | None,
                       answers: list[SatisfactionAnswer], profile: ClientProfile) -> None:
    """Every survey answer with a `by` is by one of the client's contacts."""
    names = [c.name for c in profile.contacts]
    for index, answer in enumerate(answers):
        if source is not None and answer.by and not _is_contact(answer.by, profile):
            checker.add(source.shown, source.document.line_of(("answers", index, "by")),
                        f"answers[{index}].by: '{answer.by}' is not one of the client's "
                        f"contacts (client.yaml){did_you_mean(answer.by, names)}")


def _questions(checker: _Checker, sources: ClientSources, profile: ClientProfile,
               milestones: list[Milestone]) -> list[Thread]:
    """The question threads: each about something the portal shows (or general), each
    message by a contact (a question) or by the agency's people (an answer)."""
    topics = _topic_keys(sources, milestones)
    threads = []
    for source in sources.questions:
        thread = checker.model(QuestionThread, source.shown, source.document)
        if thread is None:
            continue
        if thread.about not in topics:
            checker.add(source.shown, source.document.line_of(("about",)),
                        f"about: '{thread.about}' names nothing in this portal (use general, "
                        f"or one of: scope, requirements/…, milestones/…, invoices/…, "
                        f"updates/…){did_you_mean(thread.about, topics)}")
        entries = [_thread_entry(checker, source, index, message, profile)
                   for index, message in enumerate(thread.messages)]
        threads.append(Thread(source.path.stem, source.shown, thread.about, tuple(entries)))
    return threads


def _topic_keys(sources: ClientSources, milestones: list[Milestone]) -> set[str]:
    """What a question can be about, by the keys the portal's pages use (pages.topics)."""
    keys = {"general", *(["scope"] if sources.scope else [])}
    keys.update(f"requirements/{s.slug}" for s in sources.requirements)
    keys.update(f"milestones/{m.id}" for m in milestones)
    keys.update(f"invoices/{s.path.stem}" for s in sources.invoices)
    keys.update(f"updates/{s.slug}" for s in sources.updates)
    return keys


def _thread_entry(checker: _Checker, source: YamlSource, index: int, message: Any,
                  profile: ClientProfile) -> ThreadEntry:
    agency = _is_agency(message.by, profile)
    if not agency and not _is_contact(message.by, profile):
        names = [c.name for c in profile.contacts] + [profile.account_manager.name]
        checker.add(source.shown, source.document.line_of(("messages", index, "by")),
                    f"messages[{index}].by: '{message.by}' is neither one of the client's "
                    f"contacts nor the account manager or team (client.yaml)"
                    f"{did_you_mean(message.by, names)}")
    return ThreadEntry(message.on, message.by, message.text, agency, message.message_id)


def _is_agency(who: str, profile: ClientProfile) -> bool:
    """Whether `who` is the account manager or a team member (name or e-mail address)."""
    people: list[AccountManager | TeamMember] = [profile.account_manager, *profile.team]
    return any(who == p.name or (p.email and who.casefold() == p.email.casefold())
               for p in people)


def _is_contact(who: str, profile: ClientProfile) -> bool:
    """Whether `who` is a contact's name, or (in any case) their e-mail address."""
    return any(who == c.name or (c.email and who.casefold() == c.email.casefold())
               for c in profile.contacts)


def _check_approvers(checker: _Checker, documents: list[tuple[MarkdownSource | None,
                                                              Document | None]],
                     profile: ClientProfile) -> None:
    """Every recorded approval is by one of the client's contacts (name or e-mail address)."""
    names = [c.name for c in profile.contacts]
    for source, document in documents:
        if source is None or document is None:
            continue
        for index, approval in enumerate(getattr(document.meta, "approvals", ())):
            if not _is_contact(approval.by, profile):
                checker.add(source.shown, source.front_matter.line_of(("approvals", index, "by")),
                            f"approvals[{index}].by: '{approval.by}' is not one of the client's "
                            f"contacts (client.yaml){did_you_mean(approval.by, names)}")


def _chosen(known: list[str], named: list[str] | None) -> set[str]:
    """The contacts who get a password: those named, or every contact."""
    return set(known) if named is None else set(known) & set(named)


def _document(checker: _Checker, source: MarkdownSource, meta_model: type[BaseModel]
              ) -> Document | None:
    meta = checker.model(meta_model, source.shown, source.front_matter)
    renderable = checker.markdown(source.shown, source.body, source.body_line)
    if meta is None or not renderable:
        return None
    return Document(source.slug, source.shown, meta, source.body,  # type: ignore[arg-type]
                    source.body_line, fingerprint=fingerprint(source.body))


def _deadlines(checker: _Checker, source: YamlSource | None) -> list[Any]:
    if source is None:
        return []
    deadlines = checker.model(Deadlines, source.shown, source.document)
    if deadlines is None:
        return []
    seen: dict[str, int] = {}
    for index, milestone in enumerate(deadlines.milestones):
        checker.markdown(source.shown, milestone.description,
                         source.document.line_of(("milestones", index, "description")) or 1)
        line = source.document.line_of(("milestones", index, "id"))
        if milestone.id in seen:
            checker.add(source.shown, line, f"milestone id '{milestone.id}' is used twice "
                                            f"(first on line {seen[milestone.id]})")
        seen.setdefault(milestone.id, line or 0)
    return list(deadlines.milestones)


def _check_deadlines_in_contract(checker: _Checker, source: YamlSource | None,
                                 milestones: list[Milestone], profile: ClientProfile,
                                 timezone: str) -> None:
    """Warn about milestones due after the contract ends: often a forgotten renewal."""
    ends_on = profile.contract.ends_on if profile.contract else None
    if source is None or ends_on is None:
        return
    for index, milestone in enumerate(milestones):
        if day_in(milestone.due, timezone) > ends_on and milestone.status != "cancelled":
            line = source.document.line_of(("milestones", index, "due"))
            checker.problems.append(Problem(
                source.shown, line, f"milestone '{milestone.id}' is due after the contract "
                f"ends ({ends_on.isoformat()})", "warning"))


def _milestone_lines(source: YamlSource | None, milestones: list[Any]) -> dict[str, int]:
    """Map each milestone id to the line its description starts on."""
    if source is None:
        return {}
    return {m.id: source.document.line_of(("milestones", i, "description")) or 1
            for i, m in enumerate(milestones)}


def _invoices(checker: _Checker, client: ClientSources, client_currency: str,
              as_of: date, parties: tuple[Party, Party] | None = None) -> list[InvoiceRecord]:
    """The client's invoices (errors and warnings noted); `parties`, the seller and buyer,
    when portal.yaml and client.yaml are valid."""
    records: list[InvoiceRecord] = []
    first_seen: dict[str, str] = {}
    sources = client.invoices
    for source in sources:
        invoice = checker.model(Invoice, source.shown, source.document)
        if invoice is None:
            continue
        if invoice.number in first_seen:
            line = source.document.line_of(("number",))
            checker.add(source.shown, line, f"invoice number '{invoice.number}' is already used "
                                            f"by {first_seen[invoice.number]}")
            continue
        first_seen[invoice.number] = source.shown
        record = _invoice_record(checker, source, invoice, client_currency, as_of)
        if record is not None and parties is not None:
            record = _by_the_parties(checker, source, record, parties, client.ksef_files)
        if record is not None:
            records.append(record)
    records = _link_credit_notes(checker, sources, records)
    # an invoice dated after the build date is not published, nor counted: it appears on
    # its issue date (the build date decides, as it does for what is overdue)
    return [r for r in records if r.invoice.issued <= as_of]


def _by_the_parties(checker: _Checker, source: YamlSource, record: InvoiceRecord,
                    parties: tuple[Party, Party], ksef_files: dict[str, bytes]) -> InvoiceRecord:
    """What the seller and the buyer decide: VAT across EU borders (a warning), and the KSeF
    registration of a Polish invoice (its verification link)."""
    found = intra_eu_vat_warning(record.invoice, *parties)
    if found:
        checker.problems.append(Problem(source.shown, source.document.line_of(found[0]),
                                        found[1], "warning"))
    ksef = record.invoice.ksef
    if ksef is None:
        return record
    return replace(record, ksef_url=_ksef_link(checker, source, record.invoice, parties[0],
                                               ksef_files))


def _ksef_link(checker: _Checker, source: YamlSource, invoice: Invoice, seller: Party,
               ksef_files: dict[str, bytes]) -> str | None:
    """KSeF's verification link of the invoice, from its FA(3) file; None, with the problems
    noted, when the number, the file and the invoice do not agree."""
    assert invoice.ksef is not None
    data = ksef_files.get(invoice.ksef.file)
    if data is None:
        checker.add(source.shown, source.document.line_of(("ksef", "file")),
                    f"ksef.file: '{invoice.ksef.file}' not found (FA(3) files live in the "
                    f"client's ksef/ folder){did_you_mean(invoice.ksef.file, ksef_files)}")
        return None
    facts = fa3_facts(data)
    problems = ([("file", f"ksef.file: {invoice.ksef.file} {facts}")] if isinstance(facts, str)
                else fa3_mismatches(facts, invoice, seller))
    for key, message in problems:
        checker.add(source.shown, source.document.line_of(("ksef", key)), message)
    if problems or isinstance(facts, str) or facts.issued is None:
        return None
    return verification_url(invoice.ksef.number[:10], facts.issued, file_digest(data))


def _link_credit_notes(checker: _Checker, sources: list[YamlSource],
                       records: list[InvoiceRecord]) -> list[InvoiceRecord]:
    """Give each credit note the invoice it corrects; one naming no invoice is an error."""
    by_number = {r.invoice.number: r for r in records if not r.is_credit_note}
    lines = {s.shown: s.document.line_of(("corrects",)) for s in sources}
    linked = []
    for record in records:
        number = record.invoice.corrects
        if number is not None and number not in by_number:
            checker.add(record.source, lines.get(record.source),
                        f"corrects: '{number}' is not one of this client's invoices"
                        f"{did_you_mean(number, by_number)}")
        linked.append(replace(record, corrects=by_number.get(number or "")))
    return linked


def _invoice_record(checker: _Checker, source: YamlSource, invoice: Invoice,
                    client_currency: str, as_of: date) -> InvoiceRecord | None:
    currency = invoice.currency or client_currency
    for loc, message in invoice_rule_problems(invoice, currency):
        checker.add(source.shown, source.document.line_of(loc), message)
    if not checker.markdown(source.shown, invoice.notes, source.document.line_of(("notes",)) or 1):
        return None
    totals = _invoice_figures(checker, source, invoice, currency)
    if totals is None:
        return None
    status = invoice_status(invoice, as_of, totals.total)
    late = (as_of - invoice.due).days
    if status == "overdue" and late > OVERDUE_WARNING_DAYS:
        checker.problems.append(Problem(
            source.shown, source.document.line_of(("due",)),
            f"invoice {invoice.number} is unpaid {late} days after its due date "
            f"({invoice.due.isoformat()})", "warning"))
    notes_line = source.document.line_of(("notes",)) or 1
    return InvoiceRecord(source.path.stem, source.shown, invoice, totals, status, notes_line,
                         amount_paid(invoice, totals.total, as_of))


def _invoice_figures(checker: _Checker, source: YamlSource, invoice: Invoice,
                     currency: str) -> InvoiceTotals | None:
    """The invoice's totals, None when they cannot be computed; a `total:` that differs
    from the computed one is an error naming both."""
    try:
        totals = invoice_totals(invoice, currency)
    except InvalidOperation:  # figures each in bounds, whose sums exact arithmetic cannot hold
        checker.add(source.shown, source.document.line_of(("items",)),
                    "the invoice's figures are too large to compute exactly")
        return None
    if totals.net < 0:
        line = source.document.line_of(("discount",))
        checker.add(source.shown, line, "discount is larger than the invoice subtotal")
        return None
    if invoice.total is not None and round_money(invoice.total, currency) != totals.total:
        checker.add(source.shown, source.document.line_of(("total",)),
                    f"total: {invoice.total} {currency} is not the computed total "
                    f"{totals.total} {currency} (lines, discount and tax per rate)")
    return totals
