"""Render one client's portal: the theme's templates and static files, feeds, attachments.

`render_client` is pure: it returns the portal as {relative path: bytes or source file} and
the problems found, and writes nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from generator.content.domain import AgencyContent, Client, form_endpoint
from generator.content.taxids import issuing_country
from generator.errors import Problem
from generator.invoicing import (
    EInvoice,
    FontsMissing,
    PdfMaker,
    cii_xml,
    einvoice,
    paper_size,
    pdf_fonts,
    ubl_xml,
)
from generator.render.atom import atom_feed
from generator.render.i18n import Formatter, load_translations, template_functions
from generator.render.ics import calendar_ics
from generator.render.languages import language_links, language_prefix, localized
from generator.render.markdown import MarkdownRenderer
from generator.render.pages import Page, portal_pages
from generator.render.subscribe import subscriptions
from generator.render.theme import Theme, template_error
from generator.sink import PortalFiles
from generator.web.headers import form_action_source, policy

ASSETS = "assets"
LOGO_TYPES = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
              "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


@dataclass
class RenderedPortal:
    """A portal ready to protect and write, and the problems found while rendering it."""

    files: PortalFiles = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(1 for path in self.files if path.endswith(".html"))


def render_client(client: Client, agency: AgencyContent, theme: Theme,
                  env: jinja2.Environment, as_of: date,
                  markdown: MarkdownRenderer, address: str | None = None,
                  pdfs: PdfMaker | None = None) -> RenderedPortal:
    """Render every file of one client's portal, in each of its languages; `address` is
    where it is published (feeds and calendar subscriptions need it), if known; invoice
    PDFs only with a `pdfs` maker (a check makes none)."""
    portal = RenderedPortal()
    documents = _einvoices(client)
    for language in reversed(client.languages):
        prefix = language_prefix(client, language)
        view = portal_pages(localized(client, language), agency, as_of, markdown, language,
                            prefix)
        portal.problems.extend(view.problems)
        fmt = Formatter(language, client.timezone)
        common = _common_context(localized(client, language), agency, fmt, as_of)
        common["subscribe"] = subscriptions(client, agency, address)
        common.update(template_functions(load_translations(theme.folders, language)),
                      page_language=language)
        for page in view.pages:
            links = language_links(client, language, page.path[len(prefix):], page.root)
            context = {**common, "languages": links}
            portal.files[page.path] = _render_page(env, page, context)
            if page.template == "invoice.html" and pdfs and agency.config.invoice_pdf:
                _add_invoice_pdf(portal, env, page, context,
                                 documents[page.context["record"].slug], pdfs, client)
        # each language its own feed, beside its pages: the updates as that language shows them
        portal.files[prefix + "feed.xml"] = atom_feed(client, agency, view.updates, fmt,
                                                      address, prefix)
    portal.files["calendar.ics"] = calendar_ics(client, agency, as_of,
                                                descriptions=view.milestones)
    portal.files[f"{ASSETS}/brand.css"] = _brand_css(client).encode("utf-8")
    portal.files.update({f"{ASSETS}/{name}": content
                         for name, content in theme.published_static().items()})
    portal.files.update(_agency_files(agency))
    if logo := _client_logo(client):  # in assets/: readable on a protected portal's lock page
        portal.files[logo] = client.attachments[str(client.profile.branding.logo)]
    portal.files.update(dict(sorted(client.attachments.items())))
    portal.files.update({f"invoices/{slug}.xml": ubl_xml(document)
                         for slug, document in documents.items()})
    if pdfs:
        pdfs.done(client.slug)
    return portal


def _einvoices(client: Client) -> dict[str, EInvoice]:
    """The e-invoice model of each of the client's invoices, by page name."""
    return {record.slug: einvoice(record) for record in client.invoices}


def _add_invoice_pdf(portal: RenderedPortal, env: jinja2.Environment, page: Page,
                     context: dict[str, Any], document: EInvoice, pdfs: PdfMaker,
                     client: Client) -> None:
    """The invoice page's PDF: its own template, with the CII XML embedded (Factur-X); or,
    where the fonts installed lack a character of it, the invoice file's problem."""
    language = str(context["page_language"])
    extra = {"paper": paper_size(document.buyer.country), "font_family": pdf_fonts(language),
             "agency_logo_data": _logo_data(context)}
    html = _render_page(env, replace(page, template="invoice_pdf.html"), {**context, **extra})
    path = page.path[:-len(".html")] + ".pdf"
    try:
        portal.files[path] = pdfs.pdf(client.slug, html.decode("utf-8"), cii_xml(document),
                                      document.record.invoice.issued, language)
    except FontsMissing as missing:
        portal.problems.append(Problem(document.record.source, None, missing.explain(
            f"the PDF of invoice {document.record.invoice.number} ({client.slug}/{path})")))


def _logo_data(context: dict[str, Any]) -> str | None:
    """The agency logo as a data: URL (the PDF is made from a string, not from the portal)."""
    source = context.get("agency_logo_file")
    if source is None:
        return None
    # a fixed table: the mimetypes module would read the system's /etc/mime.types
    kind = LOGO_TYPES.get(source.suffix.lower().lstrip("."), "application/octet-stream")
    return f"data:{kind};base64,{base64.b64encode(source.read_bytes()).decode('ascii')}"


def _common_context(client: Client, agency: AgencyContent, fmt: Formatter,
                    as_of: date) -> dict[str, Any]:
    logo = agency.config.agency.logo
    return {
        "agency": agency.config.agency,
        "agency_logo": f"{ASSETS}/agency/{Path(logo).name}" if logo else None,
        "agency_logo_file": agency.files[logo] if logo else None,
        "client": client.profile,
        "client_logo": _client_logo(client),
        "currency": client.currency,
        "fmt": fmt,
        "issuing_country": issuing_country,
        "lang": fmt.language_tag,
        "as_of": as_of,
        "has_questions": bool(client.questions),
        **_talk_context(client, agency),
    }


def _talk_context(client: Client, agency: AgencyContent) -> dict[str, Any]:
    """Where the client's approvals, questions and answers go (partials/talk.html), and the
    page's CSP: its form-action is the form endpoint's origin, or 'none'."""
    manager, endpoint = client.profile.account_manager, form_endpoint(client, agency)
    return {"approve_to": manager.email, "ask_to": client.profile.feedback.email or manager.email,
            "original_language": client.language, "forms": endpoint,
            "inbox_cc": agency.config.inbox.address, "portal_ref": client.slug,
            "forms_host": urlsplit(endpoint).hostname if endpoint else None,
            "csp": Markup(policy(form_action=form_action_source(endpoint)))}


def _render_page(env: jinja2.Environment, page: Page, common: dict[str, Any]) -> bytes:
    try:
        template = env.get_template(page.template)
        html = template.render(**common, **page.context, page=page, root=page.root,
                               base=page.base)
    except (jinja2.TemplateSyntaxError, jinja2.UndefinedError,
            jinja2.TemplateNotFound) as error:
        raise template_error(error, page.path) from None
    return html.encode("utf-8")


def _client_logo(client: Client) -> str | None:
    """Where the client's logo is published among the theme's assets, if it has one."""
    logo = client.profile.branding.logo
    return f"{ASSETS}/client/{Path(logo).name}" if logo else None


def lock_page_context(client: Client, agency: AgencyContent) -> dict[str, Any]:
    """What a protected portal's lock page shows before it is opened, so a client knows whose
    it is and whom to ask: the agency's and client's names and logos, the account manager.
    None of it is secret (docs/security.md); the portal's content stays encrypted."""
    logo = agency.config.agency.logo
    manager = client.profile.account_manager
    return {"agency_name": agency.config.agency.name,
            "agency_logo": f"{ASSETS}/agency/{Path(logo).name}" if logo else None,
            "client_name": client.profile.name, "client_logo": _client_logo(client),
            "manager": {"name": manager.name, "email": manager.email, "phone": manager.phone}}


def _agency_files(agency: AgencyContent) -> PortalFiles:
    logo = agency.config.agency.logo
    if not logo:
        return {}
    return {f"{ASSETS}/agency/{Path(logo).name}": agency.files[logo]}


def _brand_css(client: Client) -> str:
    accent = client.profile.branding.accent
    if not accent:
        return "/* no accent colour set: the theme's own is used */\n"
    return f":root {{\n  --accent: {accent};\n  --accent-strong: {accent};\n}}\n"
