"""Problems found in content, and the exception that reports them all at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in the content, located by file and line."""

    path: str
    line: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{where}: {prefix}{self.message}"


def display_path(path: Path, base: Path) -> str:
    """Return `path` as the user knows it: relative to the working folder when possible."""
    for root in (Path.cwd(), base):
        try:
            # the link itself, not its target: a symlinked folder is named as the user sees it
            real = path.parent.resolve() / path.name if path.name else path.resolve()
            return real.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


class PortalError(click.ClickException):
    """A user mistake outside the content (bad option, unsafe output folder)."""

    exit_code = 1


class ContentError(click.ClickException):
    """The content has one or more mistakes; the build stops before writing."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=_problem_order)
        count = len([p for p in self.problems if p.severity == "error"])
        lines = [str(p) for p in self.problems]
        lines.append(f"{count} error{'s' if count != 1 else ''} in content; nothing was written.")
        super().__init__("\n".join(lines))

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True, file=file)


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)
