"""The check: the build with nothing kept, reporting every error and warning.

It runs the very pipeline `portal build --force` runs (read, validate, render, protect, the
agency overview), secrets and access contacts included, into a sink that keeps nothing, so
whatever fails a build fails the check, with the same file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from generator.content.folders import client_folders
from generator.errors import ContentError, Problem, display_path
from generator.pipeline.options import BuildOptions
from generator.pipeline.run import BuildFailed, BuildState, build
from generator.sink import Sink


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
    """Build every client as `portal build --force` would, into a sink that keeps nothing."""
    options = replace(options, force=True, clients=())
    try:
        report = build(options, state=BuildState.one_shot(options, Sink()))
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
