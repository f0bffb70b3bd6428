"""`portal check` over the content as it would be after the edits, before anything is written.

The content folder is copied into a temporary folder (unchanged files hard-linked where the
file system allows: the check only reads), the edited files are written into the copy, and
the very check `portal check` runs is run there, with the real folder's secrets. Its problems
are named by the real files. The folders beside the content folder are linked beside the
copy, so a theme named relative to portal.yaml (`theme: ../theme`) is found.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from generator.errors import Problem, display_path
from generator.pipeline.check import check_site
from generator.pipeline.options import BuildOptions, default_jobs
from generator.protection.credentials import default_secrets_file

HISTORY_LOGGER = "generator.content.history"  # warns that the copy is not in git: it is not


def check_edited(content: Path, edited: dict[str, str], as_of: date) -> list[Problem]:
    """Every problem `portal check` finds in the content with `edited` (relative path ->
    text) written over it; the real folder is not touched."""
    with tempfile.TemporaryDirectory(prefix="clientportal-writeback-") as scratch:
        copy = _copy_beside_links(content, Path(scratch))
        for file, text in edited.items():
            target = copy.joinpath(*file.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)  # a hard link: never write through it
            target.write_text(text, encoding="utf-8")
        options = BuildOptions(content_dir=copy, as_of=as_of,
                               secrets_file=default_secrets_file(content),
                               jobs=min(2, default_jobs()))
        with _quiet(HISTORY_LOGGER):
            result = check_site(options)
        return [_renamed(problem, copy, content) for problem in result.problems]


def _copy_beside_links(content: Path, scratch: Path) -> Path:
    """Copy the content folder into `scratch`, with links to what lies beside it."""
    parent = content.resolve().parent
    for entry in parent.iterdir():
        if entry.name != content.resolve().name and not entry.name.startswith("."):
            (scratch / entry.name).symlink_to(entry)
    copy = scratch / content.resolve().name
    shutil.copytree(content, copy, symlinks=True, copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns(".git"))
    return copy


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: copy
        shutil.copy2(source, target)


def _renamed(problem: Problem, copy: Path, content: Path) -> Problem:
    """The problem named by the real file, as `portal check` of the real folder names it."""
    path = problem.path
    for prefix in (f"{copy.resolve().as_posix()}/", f"{copy.as_posix()}/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    if not Path(path).is_absolute():
        path = display_path(content / path, content)
    return problem._replace(path=path)


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
