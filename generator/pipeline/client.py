"""The per-client pipeline: read → validate → bill → render → protect, for build, check, serve.

The same steps for `build`, `check` (which writes nothing) and `serve`; and the agency
overview is made the same way.

A `ClientPipeline` sets up the agency, theme, Jinja environment and Markdown renderer once
and reuses them for every client (in each worker process, or in `serve`'s). Importing this
module loads pydantic, Jinja, Markdown, Babel and cryptography: reach it through
`generator.pipeline.load_pipeline()`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from generator.content.domain import Client, form_endpoint
from generator.content.folders import DEADLINES, client_folders
from generator.content.history import ClientHistory
from generator.content.read import milestone_history, read_agency, read_client
from generator.content.validate import validate_agency, validate_client
from generator.errors import ContentError, Problem, has_errors
from generator.invoicing import IssuedNumber, PdfMaker, bill
from generator.pipeline.manifest import digest, generator_digest, theme_digest
from generator.pipeline.workers import ClientResult
from generator.protection.credentials import Secrets, secrets_digest
from generator.protection.protect import (
    ProtectedPortal,
    overview_guard,
    portal_address,
    protect,
    protect_portal,
    secret_calendar_paths,
)
from generator.render.figures import ClientRow, client_row, sorted_rows
from generator.render.i18n import (
    load_translations,
    missing_translations,
    template_functions,
    template_messages,
)
from generator.render.ics import calendar_ics
from generator.render.languages import language_prefix
from generator.render.markdown import MarkdownRenderer
from generator.render.overview import lock_page_assets, render_overview
from generator.render.portal import RenderedPortal, lock_page_context, render_client
from generator.render.theme import agency_theme, make_environment
from generator.sink import FileCache, PortalFiles, Sink
from generator.web.headers import form_action_source

DRAFT_PREFIX = "_draft-"  # a draft's portal: '_' folders are never published
MARKDOWN_CACHE = "markdown"  # the cache's kind for each client's renderings
log = logging.getLogger(__name__)


def agency_settings(content_dir: Path) -> dict[str, Any]:
    """What planning needs from portal.yaml: time zone, theme folders, commit messages.

    With portal.yaml broken, every client's problems are listed too, in one run.
    """
    try:
        agency = validate_agency(read_agency(content_dir))
    except ContentError as error:
        raise ContentError([*error.problems, *_client_problems(content_dir)]) from None
    theme = agency_theme(content_dir, agency)
    example_date = agency.config.example_date
    return {"content": str(content_dir.resolve()), "timezone": agency.config.timezone,
            "example_date": example_date.isoformat() if example_date else None,
            "theme": [str(f) for f in theme.folders],
            "show_commit_messages": agency.config.show_commit_messages,
            "project": agency.config.project}


def _client_problems(content_dir: Path) -> list[Problem]:
    """Every client's problems that do not need portal.yaml to be found."""
    slugs, problems = client_folders(content_dir)
    for slug in slugs:
        sources, found = read_client(content_dir, slug)
        problems += found + validate_client(sources, None)[1]
    return problems


def _errors_first(problems: list[Problem]) -> list[Problem]:
    """A file with errors gets its errors only: a warning there may be their consequence
    (an invoice whose wrong paid_on was left out reads as unpaid)."""
    wrong = {p.path for p in problems if p.is_error}
    return [p for p in problems if p.is_error or p.path not in wrong]


def _row(client: Client, as_of: date, numbers: tuple[IssuedNumber, ...]) -> ClientRow:
    """A client's overview row, with its invoice numbers."""
    return replace(client_row(client, as_of), invoice_numbers=numbers)


class ClientPipeline:
    """Reads, validates, renders and protects clients of one agency with one theme."""

    def __init__(self, content_dir: Path, sink: Sink | None = None) -> None:
        """Set up for the content folder; `sink` keeps what is costly to make again
        (compiled templates, the theme's messages, invoice PDFs) between builds (by default,
        nothing is kept: commands that only read clients)."""
        self.content_dir = content_dir
        self.agency = validate_agency(read_agency(content_dir))
        self.theme = agency_theme(content_dir, self.agency)
        self.env = make_environment(self.theme)
        self.sink = Sink()
        self.pdfs: PdfMaker | None = None
        self.use(sink or Sink())
        self.markdown = MarkdownRenderer(self.agency.config.allow_raw_html,
                                         self.theme.element_ids())
        self.theme_scripts = self.theme.script_hashes()  # the only inline scripts allowed
        self._messages: list[Any] | None = None  # the theme's translatable messages
        self._untranslated: dict[str, list[Problem]] = {}  # by language, found once

    def warm_up(self) -> None:
        """Load what building any client needs (the portal's templates compiled, the theme's
        messages), for the worker processes forked from this one to share."""
        for name in self.env.list_templates(
                filter_func=lambda n: not n.startswith(("!", "agency/"))):
            with contextlib.suppress(jinja2.TemplateError):  # reported where it is used
                self.env.get_template(name)
        self._theme_messages()

    @staticmethod
    def settings(content_dir: Path) -> dict[str, Any]:
        """What planning needs from portal.yaml (`agency_settings`)."""
        return agency_settings(content_dir)

    def use(self, sink: Sink) -> None:
        """Send output to `sink` from now on (a long-lived process's next build)."""
        self.sink = sink
        # invoice PDFs are made only when kept (never by `check`), each once
        self.pdfs = PdfMaker(FileCache(sink, "pdf")) if sink.keeps else None
        self.env.bytecode_cache = CompiledTemplates(sink) if sink.keeps else None

    def client(self, slug: str, as_of: date, history: ClientHistory | None = None
               ) -> tuple[Client | None, list[Problem]]:
        """Read, validate and bill one client: the client (None on errors) and its problems."""
        client, problems, _ = self._billed(slug, as_of, history)
        return (None if has_errors(problems) else client), problems

    def _billed(self, slug: str, as_of: date, history: ClientHistory | None = None
                ) -> tuple[Client | None, list[Problem], tuple[IssuedNumber, ...]]:
        """The client, its problems and its invoice numbers (for the agency-wide checks).
        A client with errors is returned as far as it could be read, for the checks that
        depend on it (links, secrets) to run in the same run: never to be written."""
        sources, problems = read_client(self.content_dir, slug)
        client, found = validate_client(sources, self.agency.config)
        problems += found
        if client is None:
            return None, problems, ()
        billed = bill(client, self.agency, as_of)  # its problems too, in the same run
        problems += billed.problems
        if history is None:
            return billed.client, problems, billed.numbers
        milestones = milestone_history(history.files.get(DEADLINES, ()), history.deadline_texts)
        return replace(billed.client, history=replace(history, milestones=milestones,
                                                      deadline_texts={})), problems, billed.numbers

    def every_client(self, as_of: date) -> list[Client]:
        """Every client, read and validated without its history (`report`, `links`); raise
        ContentError listing every problem of every client."""
        slugs, problems = client_folders(self.content_dir)
        clients = []
        for slug in slugs:
            client, found = self.client(slug, as_of)
            problems += found
            clients += [client] if client is not None else []  # None: it has errors
        if has_errors(problems):
            raise ContentError(problems)
        return clients

    def build(self, slug: str, history: ClientHistory, as_of: date,
              secrets: Secrets) -> tuple[ClientResult, PortalFiles]:
        """One client's portal: read, validated, rendered and protected; with what the build
        records of it. Its files are to be written only if the result has no error."""
        client, problems, numbers = self._billed(slug, as_of, history)
        if client is None:
            return ClientResult(slug=slug, problems=problems), {}
        if has_errors(problems):  # what could be read, checked as far as it goes; not written
            found = problems + self._later_problems(client, as_of, secrets)
            return ClientResult(slug=slug, problems=_errors_first(found)), {}
        try:
            portal = self._rendered(client, as_of, secrets)
        except ContentError as error:  # a broken template of the theme
            return ClientResult(slug=slug, problems=problems + error.problems), {}
        protected = self._protect(client, portal.files, secrets)
        if not protected.problems:
            protected.files.update(self.secret_calendars(client, as_of, secrets))
        problems += portal.problems + protected.problems + [
            warning for language in client.languages for warning in self.untranslated(language)]
        names = protected.secret_names
        folder = f"{DRAFT_PREFIX}{slug}" if client.profile.draft else protected.folder
        return ClientResult(slug=slug, problems=problems, files=len(protected.files),
                            folder=folder, pages=portal.pages,
                            row=_row(client, as_of, numbers), secrets=names,
                            secrets_digest=secrets_digest(names, secrets)), protected.files

    def _rendered(self, client: Client, as_of: date, secrets: Secrets) -> RenderedPortal:
        """The client's portal, its Markdown reused from the last build where the text,
        links and renderer are the same (kept in the sink's cache, a file per client)."""
        name = f"{client.slug}.json"
        kept = self.sink.cached(MARKDOWN_CACHE, name) if self.sink.keeps else None
        self.markdown.reuse(kept)
        portal = render_client(client, self.agency, self.theme, self.env, as_of, self.markdown,
                               portal_address(client, self.agency, secrets), self.pdfs)
        if self.sink.keeps and (renderings := self.markdown.kept()) != kept:
            self.sink.cache(MARKDOWN_CACHE, name, renderings)
        return portal

    def _protect(self, client: Client, files: PortalFiles, secrets: Secrets) -> ProtectedPortal:
        """The client's access mode applied to its rendered files, lock pages in its languages."""
        lock = lock_page_context(client, self.agency)
        languages = {language_prefix(client, language): {
            **self.lock_page(language), **lock, "lang": language.replace("_", "-")}
            for language in client.languages}
        return protect_portal(client, files, secrets, self.env, languages[""],
                              self.theme_scripts,
                              form_action_source(form_endpoint(client, self.agency)), languages)

    def _later_problems(self, client: Client, as_of: date, secrets: Secrets) -> list[Problem]:
        """The problems rendering and protecting find (links, secrets) in a client that has
        errors already, so that one run lists them all; no PDF is made."""
        try:
            portal = render_client(client, self.agency, self.theme, self.env, as_of,
                                   self.markdown, portal_address(client, self.agency, secrets),
                                   None)
            protected = self._protect(client, portal.files, secrets)
        except ContentError as error:
            return error.problems
        except Exception:  # noqa: BLE001 -- a consequence of the errors reported already
            log.debug("checking %s further stopped at its errors", client.slug, exc_info=True)
            return []
        return [p for p in portal.problems + protected.problems if p.is_error]

    def secret_calendars(self, client: Client, as_of: date, secrets: Secrets) -> PortalFiles:
        """A password portal's per-contact secret calendars (titles and dates only)."""
        paths = secret_calendar_paths(client, secrets)
        if not paths:
            return {}
        calendar = calendar_ics(client, self.agency, as_of, titles_only=True)
        return {path: calendar for path in sorted(paths.values())}

    def row(self, slug: str, as_of: date) -> ClientRow:
        """A client's overview row as of the build date."""
        client, problems, numbers = self._billed(slug, as_of)
        if client is None or has_errors(problems):
            raise ContentError(problems)
        return _row(client, as_of, numbers)

    def overview(self, rows: list[ClientRow], as_of: date,
                 secrets: Callable[[], Secrets], folders: dict[str, str] | None = None,
                 inside_output: bool = True,
                 imported: dict[str, object] | None = None) -> ProtectedPortal:
        """The agency overview's files from every client's row, protected
        as portal.yaml's `overview_access` says (the secrets are loaded only if it is).
        Rows link to the portals in `folders`: at `base_url`, else beside the overview when
        it is written `inside_output` (a folder of the output folder), else not at all.
        `imported`: the last payments import's entries not recorded, as the overview shows
        them (lastimport.bank_entries_shown)."""
        config = self.agency.config
        base = config.base_url
        portals = {slug: f"{base.rstrip('/')}/{folder}/" if base else f"../{folder}/index.html"
                   for slug, folder in (folders or {}).items() if base or inside_output}
        rows = sorted_rows(rows)
        files = render_overview(rows, config, as_of, self.env, self.theme, portals, imported)
        guard = overview_guard(self.agency, [(r.manager_name, r.manager_email) for r in rows])
        if guard.mode == "password":
            files.update(lock_page_assets(self.theme))
        return protect(guard, files, secrets() if guard.mode != "public" else Secrets(),
                       self.env, self.lock_page(config.locale), self.theme_scripts)

    def untranslated(self, language: str) -> list[Problem]:
        """Warnings for the theme's messages that the language's catalogue lacks."""
        if language not in self._untranslated:
            self._untranslated[language] = missing_translations(
                self._theme_messages(), self.theme.folders, language)
        return self._untranslated[language]

    def _theme_messages(self) -> list[Any]:
        """The theme's translatable messages: parsing every template takes 0.1 s, so they
        are kept in the cache by the theme's digest."""
        if self._messages is None:
            key = digest(generator_digest(), theme_digest(self.theme.folders))
            cached = self.sink.cached("messages", f"{key}.json")
            self._messages = ([(path, line, tuple(m) if isinstance(m, list) else m)
                               for path, line, m in json.loads(cached)] if cached is not None
                              else template_messages(self.env))
            if cached is None:
                self.sink.cache("messages", f"{key}.json", json.dumps(
                    self._messages, ensure_ascii=False).encode("utf-8"))
        return self._messages

    def lock_page(self, language: str) -> dict[str, Any]:
        """`gettext` and `ngettext` of a language, for a password portal's lock page."""
        return template_functions(load_translations(self.theme.folders, language))


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once, kept in the sink's cache (by template and source checksum)
    and loaded by later builds instead of compiling them again."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self.sink.cached("templates", f"{bucket.key}.cache")
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.sink.cache("templates", f"{bucket.key}.cache", bucket.bytecode_to_string())
