"""Bounds on Markdown that keep rendering fast: nesting depth, and brackets never closed.

Python-Markdown re-reads the rest of a paragraph for every `[` (and every `(` after `]`) to
find where it closes, and parses nested lists and quotes once per level: text made of
thousands of unclosed brackets, or nested hundreds of levels deep, takes minutes (or ends in
a RecursionError). Real documents nest a few levels and close their brackets at once, so the
bounds below are far from them; they are measured here in time linear in the text.
"""

from __future__ import annotations

import re

MAX_NESTING = 32  # lists and block quotes inside each other
WORK_PER_CHARACTER = 10  # bracket work allowed per character of the text...
BASE_WORK = 100_000  # ...plus this much

_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")
# A line nested deeper than MAX_NESTING starts with more than MAX_NESTING characters of these:
# each level takes one at least (a container's marker, or a tab or 4 spaces of indent).
_DEEP_ENOUGH = re.compile(f"^[ \\t>*+\\-0-9.)]{{{MAX_NESTING + 1}}}", re.M)
_BRACKET = re.compile(r"\\.|[\[\]()]")


def markdown_problems(text: str) -> list[tuple[int, str]]:
    """What makes `text` too costly to render, as (line within the text, from 0, message)."""
    problems = []
    deep = _too_deep(text)
    if deep is not None:
        problems.append((deep, f"lists or quotes nested more than {MAX_NESTING} levels deep"))
    work, line = _bracket_work(text)
    if work > WORK_PER_CHARACTER * len(text) + BASE_WORK:
        problems.append((line, "too many '[' or '(' that are never closed for this text to be "
                               "rendered in reasonable time; close them, or write them as "
                               "\\[ and \\("))
    return problems


def _too_deep(text: str) -> int | None:
    """The first line (from 0) nested deeper than MAX_NESTING, outside fenced code."""
    if not _DEEP_ENOUGH.search(text):  # no line could be: skip reading each one
        return None
    fence = ""
    for number, line in enumerate(text.split("\n")):
        if match := _FENCE.match(line):
            fence = "" if fence == match.group(1) else (fence or match.group(1))
            continue
        if fence:
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        depth, position = line[:indent].expandtabs(4).count(" ") // 4, 0
        while (match := _CONTAINER.match(line, position)) and match.end() > position:
            depth, position = depth + 1, match.end()
            if depth > MAX_NESTING:
                return number
    return None


def _bracket_work(text: str) -> tuple[int, int]:
    """How far Python-Markdown reads to close each bracket, summed over paragraphs, and the
    line (from 0) of the paragraph that costs most."""
    total, worst, worst_line, line = 0, 0, 0, 0
    for block in re.split(r"\n[ \t]*\n", text):
        work = _block_work(block)
        total += work
        if work > worst:
            worst, worst_line = work, line
        line += block.count("\n") + 2
    return total, worst_line


def _block_work(block: str) -> int:
    work = 0
    opened: dict[str, list[int]] = {"[": [], "(": []}  # positions of brackets not yet closed
    closing = {"]": "[", ")": "("}
    for match in _BRACKET.finditer(block):
        char, position = match.group(), match.start()
        if char in opened:
            opened[char].append(position)
        elif char in closing and opened[closing[char]]:
            work += position - opened[closing[char]].pop()
    return work + sum(len(block) - p for stack in opened.values() for p in stack)
