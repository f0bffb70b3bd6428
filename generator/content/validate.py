"""Turn sources into validated content: models from data, every problem with file and line.

Every content rule lives here but the invoicing rules (generator.invoicing, which takes the
valid invoice files from here), so `check`, `build` and `serve` find the same problems.
"""

from __future__ import annotations

import re
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from generator.content.dates import day_in, moment_in
from generator.content.domain import (
    AgencyContent,
    Client,
    Document,
    InvoiceFile,
    Thread,
    ThreadEntry,
)
from generator.content.fieldtypes import Texts, number_problem, texts_of
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
from generator.content.read import AgencySources, ClientSources, MarkdownSource, YamlSource
from generator.content.signoff import fingerprint, short
from generator.content.wording import choice_fix, choices_in, date_fix, number_fix, place
from generator.content.yaml12 import YamlDocument
from generator.errors import ContentError, Problem, did_you_mean, has_errors

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
            return _salvaged(model, document, data, error)

    def _numbers_out_of_range(self, shown: str, document: YamlDocument) -> bool:
        """Report numbers no real figure has (before any model or arithmetic meets them)."""
        found = False
        for loc, value in _scalars(document.data, ()):
            problem = number_problem(value)
            if problem:
                self.add(shown, document.line_of(loc), f"{place(loc, document.data)}: {problem}")
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
        data = document.data
        if kind == "extra_forbidden":
            key = str(loc[-1])
            hint = did_you_mean(key, set(_fields_at(model, loc[:-1])))
            self.add(shown, document.line_of(loc), _unknown_key(loc, data, hint))
        elif kind == "missing":
            where = (f" in {place(loc[:-1], data)}"
                     if any(isinstance(p, int) for p in loc) else "")
            self.add(shown, document.line_of(loc[:-1]),
                     f"'{loc[-1] if where else _dotted(loc)}' is required{where}")
        elif not loc:
            field_name = message.split(" ", 1)[0]
            line = document.line_of((field_name,))
            self.add(shown, line, message)
        else:
            fix = _fix(kind, message, detail.get("input"))
            got = "" if fix else _shown_input(detail.get("input"), message)
            self.add(shown, document.line_of(loc), f"{place(loc, data)}: {fix or message}{got}")


_NUMBER_ERRORS = {"decimal_parsing", "decimal_type", "int_parsing", "int_type", "float_parsing",
                  "float_type", "int_from_float"}
_CHOICE_ERRORS = {"literal_error", "enum"}


def _fix(kind: str, message: str, value: Any) -> str | None:
    """A value written as people write it on paper, and what to write instead; None when the
    message says it already."""
    if not isinstance(value, str):
        return None
    if kind.startswith(("date", "datetime")) or "is not a date" in message:
        if re.match(r"\s*\d{4}-\d{1,2}-\d{1,2}\b", value):  # written right, yet no such day
            return None if "is not a date" in message else f"'{value}' is not a day of the " \
                                                            "calendar"
        return date_fix(value)
    if kind in _NUMBER_ERRORS:
        return number_fix(value)
    if kind in _CHOICE_ERRORS and choices_in(message):
        return choice_fix(value, choices_in(message))
    return None


def _unknown_key(loc: tuple[Any, ...], data: Any, hint: str) -> str:
    """`unknown key 'account_manager.phnoe'`, or in a list item `unknown key 'colour' in
    milestone 2 (Design sign-off)`."""
    if not any(isinstance(part, int) for part in loc):
        return f"unknown key '{_dotted(loc)}'{hint}"
    return f"unknown key '{loc[-1]}' in {place(loc[:-1], data)}{hint}"


def _salvaged(model: type[ModelT], document: YamlDocument, data: dict[str, Any],
              error: ValidationError) -> ModelT | None:
    """What could be read of invalid data: the model with each faulty value left out (the
    list item holding it, or the key), for the checks that depend on the rest to run in the
    same run. Its problems are reported already: it is never rendered for a client to see."""
    for _ in range(3):  # a value left out may reveal a missing one: a few rounds at most
        faulty = set()
        for detail in error.errors():
            loc = _data_location(document, tuple(detail["loc"]), detail["type"])
            if not loc and detail["type"] != "missing":  # a model's rule: name its field
                loc = (_clean(detail["msg"]).split(" ", 1)[0].rstrip(":"),)
            faulty.add(_innermost_item(loc))
        for loc in sorted(faulty, key=_loc_order, reverse=True):  # later list items first
            data = _without(data, loc)
            for key in _DEPENDS.get(model.__name__, {}).get(loc[0] if loc else "", ()):
                data = _without(data, (key,))  # its check would compare with a part
        try:
            return model.model_validate(data)
        except ValidationError as again:
            error = again
    return None


# Values checked against others, left out with them: a total against the items read.
_DEPENDS: dict[str, dict[str, tuple[str, ...]]] = {
    "Invoice": {"items": ("total",), "discount": ("total",), "currency": ("total",)}}


def _loc_order(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, part, "") if isinstance(part, int) else (0, 0, str(part)) for part in loc)


def _innermost_item(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where a faulty value is, up to the innermost list item holding it (if any)."""
    last_list = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
    return loc[:last_list + 1] if last_list is not None else loc


def _without(data: Any, loc: tuple[Any, ...]) -> Any:
    """A copy of `data` without what is at `loc`."""
    if not loc:
        return data
    head, rest = loc[0], loc[1:]
    in_dict = isinstance(data, dict) and head in data
    in_list = isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data)
    if not (in_dict or in_list):
        return data
    copy = dict(data) if in_dict else list(data)
    if rest:
        copy[head] = _without(copy[head], rest)
    else:
        del copy[head]
    return copy


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


def validate_client(sources: ClientSources, config: PortalConfig | None
                    ) -> tuple[Client | None, list[Problem]]:
    """Validate one client's sources: the client as far as it could be read (its invalid
    files left out; None without a valid client.yaml and portal.yaml to complete it) and
    every problem found. A client with errors is for the later checks only (invoicing finds
    its own in the same run): never render it."""
    checker = _Checker()
    client = _client(checker, sources, config)
    return client, checker.problems


def _client(checker: _Checker, sources: ClientSources, config: PortalConfig | None
            ) -> Client | None:
    profile = _profile(checker, sources)
    scope, requirements, updates = _documents(checker, sources)
    deadlines = _deadlines(checker, sources.deadlines)
    currency = _currency(profile, config)
    invoice_files = _invoice_files(checker, sources)
    answers = _satisfaction(checker, sources.satisfaction)
    if profile is None or config is None or sources.profile is None:
        return None
    timezone = profile.timezone or config.timezone
    _check_profile_files(checker, sources, profile)
    if profile.draft:
        checker.problems.append(Problem(
            sources.profile.shown, sources.profile.document.line_of(("draft",)),
            "draft: true: this portal is built into _draft-" + sources.slug + "/ to be "
            "previewed and never published; remove the line when it is ready", "warning"))
    _check_access(checker, sources.profile, profile)
    _check_approvers(checker, [(sources.scope, scope),
                               *zip(sources.requirements, requirements, strict=True)], profile)
    _check_respondents(checker, sources.satisfaction, answers, profile)
    _check_deadlines_in_contract(checker, sources.deadlines, deadlines, profile, timezone)
    threads = _questions(checker, sources, profile, deadlines)
    languages = tuple(profile.locales or [profile.locale or config.locale])
    profile = _profile_texts(checker, sources.profile, profile, languages)
    deadlines = _milestone_texts(checker, sources.deadlines, deadlines, languages)
    return Client(
        slug=sources.slug, folder=sources.folder, profile=profile,
        profile_file=sources.profile, languages=languages, currency=currency,
        timezone=timezone, scope=scope, requirements=_valid(requirements),
        milestones=tuple(sorted(deadlines, key=lambda m: (moment_in(m.due, timezone), m.id))),
        milestones_source=_shown(sources.deadlines),
        milestone_lines=_milestone_lines(sources.deadlines, deadlines),
        invoice_files=tuple(invoice_files), ksef_files=sources.ksef_files,
        updates=_newest_first(updates, timezone), attachments=sources.attachments,
        translations=_translations(checker, sources, languages, scope,
                                   [*requirements, *updates]),
        satisfaction=tuple(sorted(answers, key=lambda a: a.on)),
        questions=tuple(sorted(threads, key=lambda t: (t.last_on, t.slug), reverse=True)),
        unreadable=tuple(_unreadable(sources, scope, requirements, updates)),
    )


def _unreadable(sources: ClientSources, scope: Document | None,
                requirements: list[Document | None], updates: list[Document | None]
                ) -> list[str]:
    """The documents there but not valid, by their path in the client folder."""
    found = list(sources.unreadable)
    if sources.scope and scope is None:
        found.append("scope.md")
    for folder, documents, read in (("requirements", requirements, sources.requirements),
                                    ("updates", updates, sources.updates)):
        found += [f"{folder}/{s.path.name}" for s, d in zip(read, documents, strict=True)
                  if d is None]
    return sorted(found)


def _texts_in(checker: _Checker, source: YamlSource, loc: tuple[Any, ...], value: Any,
              languages: tuple[str, ...]) -> Any:
    """A text given per language, checked against the portal's languages and led by its
    first; a plain text in a portal of several languages is a warning (its other languages'
    pages show it untranslated)."""
    given = texts_of(value)
    short = [language.split("_")[0].split("-")[0] for language in languages]
    where, line = place(loc, source.document.data), source.document.line_of(loc)
    if value is None or not given:
        if value is not None and len(languages) > 1:
            checker.problems.append(Problem(
                source.shown, line, f"{where}: given in one language only; give it in each of "
                f"the portal's ({', '.join(short)}), e.g. {{{short[0]}: …, {short[1]}: …}}",
                "warning"))
        return value
    return _led_by_first(checker, source.shown, line, where, given, short) or value


def _led_by_first(checker: _Checker, shown: str, line: int | None, where: str,
                  given: dict[str, str], short: list[str]) -> Texts | None:
    """The texts led by the portal's first language's, with a problem for a language the
    portal does not have or lacks (None without the first one's)."""
    for language in given:
        if language not in short:
            checker.add(shown, line, f"{where}: '{language}' is not one of the portal's "
                                     f"languages ({', '.join(short)})")
    missing = [language for language in short if language not in given]
    if short[0] in missing:
        checker.add(shown, line, f"{where}: give the text in {short[0]}, the portal's first "
                                 "language")
        return None
    if missing:
        checker.problems.append(Problem(shown, line, f"{where}: not given in "
                                        f"{', '.join(missing)}", "warning"))
    texts = Texts(given[short[0]])
    texts.by_language = given
    return texts


def _profile_texts(checker: _Checker, source: YamlSource | None, profile: ClientProfile,
                   languages: tuple[str, ...]) -> ClientProfile:
    """client.yaml's texts per language: the name, the manager's title, the contacts' roles."""
    if source is None:
        return profile
    manager = profile.account_manager
    return profile.model_copy(update={
        "name": _texts_in(checker, source, ("name",), profile.name, languages),
        "account_manager": manager.model_copy(update={"title": _texts_in(
            checker, source, ("account_manager", "title"), manager.title, languages)}),
        "contacts": [c.model_copy(update={"role": _texts_in(
            checker, source, ("contacts", i, "role"), c.role, languages)})
            for i, c in enumerate(profile.contacts)]})


def _milestone_texts(checker: _Checker, source: YamlSource | None, milestones: list[Any],
                     languages: tuple[str, ...]) -> list[Any]:
    """deadlines.yaml's milestone titles per language."""
    if source is None:
        return milestones
    return [m.model_copy(update={"title": _texts_in(
        checker, source, ("milestones", _written_at(source, m.id, i, {}), "title"), m.title,
        languages)}) for i, m in enumerate(milestones)]


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
                        f"{place(('answers', index, 'by'), source.document.data)}: "
                        f"'{answer.by}' is not one of the client's "
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
                    f"{place(('messages', index, 'by'), source.document.data)}: "
                    f"'{message.by}' is neither one of the client's "
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
                            f"{place(('approvals', index, 'by'), source.front_matter.data)}: "
                            f"'{approval.by}' is not one of the client's "
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
    printed = fingerprint(source.body)
    return Document(source.slug, source.shown, _settled(checker, source, meta, printed),
                    source.body, source.body_line, fingerprint=printed)


def _settled(checker: _Checker, source: MarkdownSource, meta: Any, printed: str) -> Any:
    """A document under sign-off is approved only while an approval names its current text:
    `status: approved` without one is shown as in review, and warned about, so the page, the
    overviews and the report tell one state."""
    under_sign_off = getattr(meta, "approval", "none") == "required" or getattr(
        meta, "approvals", None)
    if not under_sign_off or meta.status != "approved" or any(
            a.fingerprint == printed for a in meta.approvals):
        return meta
    checker.problems.append(Problem(
        source.shown, source.front_matter.line_of(("status",)),
        f"status: approved, but no approval names this text ({short(printed)}…): it changed "
        "since, or the approval is not recorded; it is shown as in review until an approval "
        "of this text is recorded in approvals (or set status: in-review)", "warning"))
    return meta.model_copy(update={"status": "in-review"})


def _deadlines(checker: _Checker, source: YamlSource | None) -> list[Any]:
    if source is None:
        return []
    deadlines = checker.model(Deadlines, source.shown, source.document)
    if deadlines is None:
        return []
    seen: dict[str, int] = {}
    milestones = []
    for position, milestone in enumerate(deadlines.milestones):
        index = _written_at(source, milestone.id, position, seen)
        if not checker.markdown(source.shown, milestone.description, source.document.line_of(
                ("milestones", index, "description")) or 1):
            milestone = milestone.model_copy(update={"description": None})  # never rendered
        line = source.document.line_of(("milestones", index, "id"))
        if milestone.id in seen:
            checker.add(source.shown, line, f"milestone id '{milestone.id}' is used twice "
                                            f"(first on line {seen[milestone.id]})")
        seen.setdefault(milestone.id, line or 0)
        milestones.append(milestone)
    return milestones


def _written_at(source: YamlSource, milestone_id: str, position: int,
                seen: dict[str, int]) -> int:
    """Where a milestone is in deadlines.yaml: its position, unless milestones with errors
    before it were left out (then found by its id; a repeated id, by position)."""
    written = source.document.data.get("milestones") if isinstance(
        source.document.data, dict) else None
    if not isinstance(written, list) or milestone_id in seen:
        return position
    ids = [m.get("id") if isinstance(m, dict) else None for m in written]
    if position < len(ids) and ids[position] == milestone_id:
        return position
    return ids.index(milestone_id) if milestone_id in ids else position


def _check_deadlines_in_contract(checker: _Checker, source: YamlSource | None,
                                 milestones: list[Milestone], profile: ClientProfile,
                                 timezone: str) -> None:
    """Warn about milestones due after the contract ends: often a forgotten renewal."""
    ends_on = profile.contract.ends_on if profile.contract else None
    if source is None or ends_on is None:
        return
    for position, milestone in enumerate(milestones):
        if day_in(milestone.due, timezone) > ends_on and milestone.status != "cancelled":
            index = _written_at(source, milestone.id, position, {})
            line = source.document.line_of(("milestones", index, "due"))
            checker.problems.append(Problem(
                source.shown, line, f"milestone '{milestone.id}' is due after the contract "
                f"ends ({ends_on.isoformat()})", "warning"))


def _milestone_lines(source: YamlSource | None, milestones: list[Any]) -> dict[str, int]:
    """Map each milestone id to the line its description starts on."""
    if source is None:
        return {}
    return {m.id: source.document.line_of(
        ("milestones", _written_at(source, m.id, i, {}), "description")) or 1
        for i, m in enumerate(milestones)}


def _invoice_files(checker: _Checker, client: ClientSources) -> list[InvoiceFile]:
    """The client's invoice files whose keys and values are valid, by issue date and number;
    a number used twice by the client is an error here (across clients: generator.invoicing)."""
    files: list[InvoiceFile] = []
    first_seen: dict[str, str] = {}
    for source in client.invoices:
        invoice = checker.model(Invoice, source.shown, source.document)
        if invoice is None:
            continue
        if invoice.number in first_seen:
            line = source.document.line_of(("number",))
            checker.add(source.shown, line, f"invoice number '{invoice.number}' is already used "
                                            f"by {first_seen[invoice.number]}")
            continue
        first_seen[invoice.number] = source.shown
        if checker.markdown(source.shown, invoice.notes,
                            source.document.line_of(("notes",)) or 1):
            files.append(InvoiceFile(source.path.stem, source, invoice))
    return sorted(files, key=lambda f: (f.invoice.issued, f.invoice.number))
