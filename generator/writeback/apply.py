"""Apply edits to the content folder: plan them in memory, check the result, then write.

The edited files are written into a copy of the content folder and `portal check` runs
there, so it sees exactly what would be written together with everything else; only when it
finds no error is each file written, atomically, into the real folder, and committed if
asked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.errors import Problem, display_path
from generator.writeback.checkcopy import check_edited
from generator.writeback.edits import AppendItem, CreateFile, Edit, Origin, Outcome
from generator.writeback.files import PathError, checked_path, read_text, write_atomically
from generator.writeback.gitcommit import commit_files, preflight
from generator.writeback.yamledit import EditError, append_to_front_matter, append_to_yaml

log = logging.getLogger(__name__)


@dataclass
class _Plan:
    """The edited texts by file (relative path), and the edits that changed nothing."""

    content: Path
    texts: dict[str, str] = field(default_factory=dict)
    changed: dict[str, list[Origin]] = field(default_factory=dict)
    skipped: list[Origin] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def current(self, file: str, path: Path) -> str | None:
        """The file's text as edited so far (None for a file that does not exist)."""
        if file not in self.texts:
            text = read_text(path)
            if text is None:
                return None
            self.texts[file] = text
        return self.texts[file]

    def problem(self, file: str, message: str) -> None:
        self.problems.append(Problem(display_path(self.content / file, self.content), None,
                                     message))


def apply_edits(content: Path, edits: Sequence[Edit], *, as_of: date,
                commit: bool = False) -> Outcome:
    """Apply the edits keeping the person's YAML theirs, run `portal check` over the edited
    content (as of `as_of`) before anything is written, and write only if it finds no error;
    each file written atomically. With `commit`, one git commit whose message lists each
    origin (kind, id, summary): only the files written are staged."""
    plan = _Plan(content)
    for edit in edits:
        _plan_edit(plan, edit)
    if plan.problems or not plan.changed:
        return _nothing_written(plan, plan.problems)
    if commit:
        preflight(content)
    return _check_then_write(plan, as_of, commit)


def _check_then_write(plan: _Plan, as_of: date, commit: bool) -> Outcome:
    changed = {file: plan.texts[file] for file in sorted(plan.changed)}
    problems = check_edited(plan.content, changed, as_of)
    if any(problem.is_error for problem in problems):
        return _nothing_written(plan, problems)
    for file, text in changed.items():
        write_atomically(checked_path(plan.content, file), text)
    origins = [origin for file in changed for origin in plan.changed[file]]
    made = commit_files(plan.content, list(changed), origins) if commit else None
    return Outcome(written=tuple(changed), skipped=tuple(plan.skipped),
                   problems=tuple(problems), commit=made)


def _nothing_written(plan: _Plan, problems: Sequence[Problem]) -> Outcome:
    return Outcome(written=(), skipped=tuple(plan.skipped), problems=tuple(problems),
                   commit=None)


def _plan_edit(plan: _Plan, edit: Edit) -> None:
    try:
        path = checked_path(plan.content, edit.file)
        text = plan.current(edit.file, path)
        edited = (_created(edit, text) if isinstance(edit, CreateFile)
                  else _appended(edit, text))
    except (PathError, EditError) as error:
        plan.problem(edit.file, str(error))
        return
    if edited is None:
        plan.skipped.append(edit.origin)
        return
    plan.texts[edit.file] = edited
    plan.changed.setdefault(edit.file, []).append(edit.origin)


def _created(edit: CreateFile, text: str | None) -> str | None:
    if text is None:
        return edit.text
    if text == edit.text or edit.origin.id in text:
        return None
    raise EditError("exists already, from something else; nothing was changed")


def _appended(edit: AppendItem, text: str | None) -> str | None:
    if edit.seen_by not in edit.item or edit.item[edit.seen_by] in (None, ""):
        raise ValueError(f"item has no value for seen_by {edit.seen_by!r}")  # a caller's bug
    if text is None:
        if edit.new_file is None:
            raise EditError("does not exist")
        text = edit.new_file
    if edit.file.endswith(".md"):
        return append_to_front_matter(text, edit.key_path, edit.item, edit.seen_by)
    return append_to_yaml(text, edit.key_path, edit.item, edit.seen_by)
