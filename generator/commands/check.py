"""`portal check`: every error and warning in the content, without writing anything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from generator.content.domain import Client, Site
from generator.build.options import BuildOptions, build_date, site_theme
from generator.content.read import read_site
from generator.errors import ContentError, Problem
from generator.render.i18n import missing_translations
from generator.render.markdown import MarkdownRenderer
from generator.content.money import invoice_status
from generator.render.portal import make_environment, render_client
from generator.content.validate import validate_site

OVERDUE_WARNING_DAYS = 30


@dataclass(frozen=True)
class CheckResult:
    """What `portal check` found."""

    problems: tuple[Problem, ...]
    clients: int
    as_of: date | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def failed(self, strict: bool) -> bool:
        """Whether the check fails: on any error, or with `strict` on any warning too."""
        return bool(self.errors or (strict and self.warnings))


def check_site(options: BuildOptions) -> CheckResult:
    """Read, validate and render every client in memory; collect every problem."""
    try:
        site = validate_site(read_site(options.content_dir))
    except ContentError as error:
        return CheckResult(tuple(error.problems), 0, options.as_of)
    as_of = build_date(options.as_of, site.agency.config.timezone)
    problems = [*site.warnings, *dated_warnings(site, as_of)]
    try:
        theme = site_theme(site)
    except ContentError as error:
        return CheckResult(tuple(problems + error.problems), len(site.clients), as_of)
    env = make_environment(theme)
    markdown = MarkdownRenderer(site.agency.config.allow_raw_html)
    for client in site.clients:
        problems.extend(render_client(client, site.agency, theme, env, as_of, markdown).problems)
    languages = sorted({language for client in site.clients for language in client.languages})
    problems.extend(missing_translations(env, theme.folders, languages))
    return CheckResult(tuple(sorted(set(problems))), len(site.clients), as_of)


def dated_warnings(site: Site, as_of: date) -> list[Problem]:
    """Warnings that depend on the build date: invoices unpaid long after they were due."""
    return [warning for client in site.clients for warning in client_dated_warnings(client, as_of)]


def client_dated_warnings(client: Client, as_of: date) -> list[Problem]:
    """One client's invoices unpaid more than 30 days after they were due."""
    warnings = []
    for record in client.invoices:
        late = (as_of - record.invoice.due).days
        status = invoice_status(record.invoice, as_of)
        if status == "overdue" and late > OVERDUE_WARNING_DAYS:
            warnings.append(Problem(
                record.source, None, f"invoice {record.invoice.number} is unpaid "
                f"{late} days after its due date ({record.invoice.due.isoformat()})",
                "warning"))
    return warnings


def as_json(result: CheckResult, strict: bool) -> str:
    """The check result for tools: every problem with file, line, severity and message."""
    return json.dumps({
        "ok": not result.failed(strict),
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "clients": result.clients,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "problems": [{"path": p.path, "line": p.line, "severity": p.severity,
                      "message": p.message} for p in result.problems],
    }, indent=2, ensure_ascii=False)


def as_text(result: CheckResult, strict: bool) -> str:
    """The check result for people: one problem a line, then a summary."""
    lines = [str(p) for p in result.problems]
    errors, warnings = len(result.errors), len(result.warnings)
    verdict = "failed" if result.failed(strict) else "ok"
    lines.append(f"{verdict}: {result.clients} clients, {errors} error{'s' * (errors != 1)}, "
                 f"{warnings} warning{'s' * (warnings != 1)}"
                 + (" (--strict: warnings count as errors)" if strict and warnings else ""))
    return "\n".join(lines)
