"""Rendering cost grows linearly with the text, also for text at the limits (the patterns of
bench/size_sweep.py, which times whole builds): the CPU time per kilobyte at 128 KB is within
three times that at 16 KB (CPU time of this thread, best of two: a busy machine stretches the
wall clock, not the work; a ratio, not a speed target, which belongs in bench/). The limits'
own check is bounded by an exact count of the Python lines it executes."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from generator.content.limits import markdown_problems
from generator.render.markdown import LinkTargets, MarkdownRenderer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from size_sweep import PATTERNS  # noqa: E402

from workbound import python_lines  # noqa: E402

TARGETS = LinkTargets({"requirements/intake.md": "requirements/intake.html", "scope.md":
                       "scope.html"}, frozenset({"files/brief.pdf"}))


def _seconds(pattern: str, kilobytes: int) -> float:
    text = PATTERNS[pattern] * (kilobytes * 1024 // len(PATTERNS[pattern]) + 1)
    best = float("inf")
    for attempt in range(2):
        renderer = MarkdownRenderer(True)
        started = time.thread_time()
        assert markdown_problems(text) == []  # within the limits: rendered
        renderer.render(text + str(attempt), TARGETS)
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_rendering_time_is_linear(pattern):
    small, large = _seconds(pattern, 16), _seconds(pattern, 128)
    assert large / 128 < 3 * small / 16, (small, large)


@pytest.mark.parametrize("piece", ["[", "- ", "[x]("])
def test_the_worst_text_the_limits_refuse_is_refused_in_linear_time(piece):
    """Twice the text, at most twice the Python lines executed (and a few more): counted, so
    neither a slow machine nor a busy one decides."""
    (small, lines), (large, more_lines) = (python_lines(markdown_problems, piece * repeat)
                                           for repeat in (20_000, 40_000))
    assert small and large  # refused
    assert more_lines <= 2 * lines + 1_000, (lines, more_lines)
    assert more_lines <= 10 * len(piece) * 40_000, more_lines  # a few lines a character
