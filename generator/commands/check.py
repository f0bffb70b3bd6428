"""`portal check`: the build with nothing written, reporting every error and warning.

It runs the very pipeline `portal build --force` runs (read, validate, render, protect, the
agency overview), secrets and access contacts included, so whatever fails a build fails the
check, with the same file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from generator.build.options import BuildOptions
from generator.build.run import BuildFailed, build
from generator.content.folders import client_folders
from generator.errors import ContentError, Problem, display_path


@dataclass(frozen=True)
class CheckResult:
    """What `portal check` found."""

    problems: tuple[Problem, ...]
    clients: int
    as_of: date | None
    failed_clients: int = 0  # clients with errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def failed(self, strict: bool) -> bool:
        """Whether the check fails: on any error, or with `strict` on any warning too."""
        return bool(self.errors or (strict and self.warnings))


def check_site(options: BuildOptions) -> CheckResult:
    """Build every client as `portal build --force` would, writing nothing."""
    try:
        report = build(replace(options, write=False, force=True, clients=()))
    except BuildFailed as error:
        return CheckResult(tuple(error.problems), error.clients, error.as_of, len(error.failed))
    except ContentError as error:  # portal.yaml or the theme: no client was built
        slugs = client_folders(options.content_dir)[0]
        return CheckResult(tuple(error.problems), len(slugs), options.as_of,
                           _clients_named(options.content_dir, slugs, error.problems))
    return CheckResult(report.warnings, len(report.built), report.as_of)


def _clients_named(content_dir: Path, slugs: list[str], problems: list[Problem]) -> int:
    """How many clients have an error in their folder."""
    folders = {display_path(content_dir / slug, content_dir): slug for slug in slugs}
    return len({folders[folder] for p in problems if p.is_error for folder in folders
                if p.path == folder or p.path.startswith(folder + "/")})


def counted(count: int, noun: str) -> str:
    """`1 client`, `2 clients`."""
    return f"{count} {noun}{'s' * (count != 1)}"


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
    if result.errors:  # the clients that failed, not all of them
        verdict = f"failed: {counted(result.failed_clients, 'client')}"
    else:
        verdict = f"{'failed' if result.failed(strict) else 'ok'}: " \
                  f"{counted(result.clients, 'client')}"
    lines.append(f"{verdict}, {counted(errors, 'error')}, {counted(warnings, 'warning')}"
                 + (" (--strict: warnings count as errors)" if strict and warnings else ""))
    return "\n".join(lines)
