"""Progress during long builds: a bar on a terminal, plain lines in CI, nothing when quiet."""

from __future__ import annotations

import sys
from typing import TextIO

import click

BAR_WIDTH = 30


class Progress:
    """Told each client as it is rendered; shows a bar on a TTY, else one line per client."""

    def __init__(self, total: int, verbosity: str = "normal", stream: TextIO | None = None,
                 tty: bool | None = None, verb: str = "building") -> None:
        self.verb = verb
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.total, self.done, self.verbosity = total, 0, verbosity
        self.bar = verbosity != "quiet" and self.tty and total > 1

    def expect(self, total: int) -> None:
        """How many clients the build will build (unchanged ones are not counted)."""
        self.total = total
        self.bar = self.verbosity != "quiet" and self.tty and total > 1

    def __call__(self, slug: str, files: int, failed: bool = False,
                 what: str | None = None) -> None:
        self.done += 1
        if self.bar:
            filled = BAR_WIDTH * self.done // max(self.total, self.done)
            self.stream.write(f"\r{self.verb} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
                              f"{self.done}/{self.total} {slug[:30]:<30}")
            self.stream.flush()
        elif self.verbosity == "verbose" or (self.verbosity == "normal" and not self.tty):
            # staged, not written: the build writes every portal or none, at its end
            what = what or ("errors (below)" if failed else f"{files} files staged")
            click.echo(f"[{self.done}/{self.total}] {slug}: {what}", file=self.stream)

    def close(self) -> None:
        """Finish the bar, leaving the terminal on a fresh line."""
        if self.bar and self.done:
            self.stream.write("\r" + " " * (BAR_WIDTH + 50) + "\r")
            self.stream.flush()
