"""Problems in content, and the errors that end a command: content (exit 1), usage (exit 2)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, NamedTuple

import click


class Problem(NamedTuple):
    """One mistake in the content, located by file and line; the manifest keeps warnings
    of unchanged clients as these tuples."""

    path: str
    line: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        """One line, whatever content the message quotes (escape sequences, line breaks)."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return printable(f"{where}: {prefix}{self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def order(self) -> tuple[str, int, str, str]:
        """Sort key: by file, line (a problem of the whole file first), message."""
        return (self.path, self.line or 0, self.message, self.severity)


def has_errors(problems: Iterable[Problem]) -> bool:
    """Whether any of these problems is an error (warnings never stop a build)."""
    return any(problem.is_error for problem in problems)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, by file and line."""
    return sorted(set(problems), key=Problem.order)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ` (did you mean 'x'?)` when a choice is close to `word`, else ''."""
    options = {c.upper(): c for c in choices}
    close = difflib.get_close_matches(word.upper(), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{options[close[0]]}'?)" if close else ""


def display_path(path: Path, base: Path) -> str:
    """Return `path` as the user knows it: relative to the working folder when possible,
    printable (bytes that are not UTF-8 as \\xNN, control characters escaped)."""
    for root in (Path.cwd(), base):
        try:
            # the link itself, not its target: a symlinked folder is named as the user sees it
            real = path.parent.resolve() / path.name if path.name else path.resolve()
            return printable(real.relative_to(root.resolve()).as_posix())
        except (ValueError, OSError, RuntimeError):  # elsewhere, too long, a loop of links
            continue
    return printable(path.as_posix())


def printable(text: str) -> str:
    """`text` on one line and encodable: what a file name can hold, shown safely."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UsageError(click.ClickException):
    """A mistake outside the content: an option, the output folder, the environment (exit 2)."""

    exit_code = 2


class ContentError(click.ClickException):
    """The content or the theme has one or more mistakes; nothing is written (exit 1)."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted_problems(problems)
        count = sum(1 for p in self.problems if p.is_error)
        lines = [str(p) for p in self.problems]
        lines.append(f"{count} error{'s' if count != 1 else ''} in content; nothing was written.")
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by its problems: a worker process raises it to the build."""
        return (ContentError, (self.problems,))

    def show(self, file: IO[str] | None = None) -> None:
        click.echo(self.format_message(), err=True, file=file)
