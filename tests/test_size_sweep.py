"""Rendering time grows linearly with the text, also for text at the limits (the patterns of
bench/size_sweep.py, which times whole builds): the time per kilobyte at 128 KB is within
three times that at 16 KB (best of two, so a busy machine does not decide)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from generator.content.limits import markdown_problems
from generator.render.markdown import LinkTargets, MarkdownRenderer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from size_sweep import PATTERNS  # noqa: E402

TARGETS = LinkTargets({"requirements/intake.md": "requirements/intake.html", "scope.md":
                       "scope.html"}, frozenset({"files/brief.pdf"}))


def _seconds(pattern: str, kilobytes: int) -> float:
    text = PATTERNS[pattern] * (kilobytes * 1024 // len(PATTERNS[pattern]) + 1)
    best = float("inf")
    for attempt in range(2):
        renderer = MarkdownRenderer(True)
        started = time.perf_counter()
        assert markdown_problems(text) == []  # within the limits: rendered
        renderer.render(text + str(attempt), TARGETS)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_rendering_time_is_linear(pattern):
    small, large = _seconds(pattern, 16), _seconds(pattern, 128)
    assert large / 128 < 3 * small / 16, (small, large)


def test_the_worst_text_the_limits_refuse_is_refused_in_linear_time():
    for text in ("[" * 200_000, "- " * 100_000, "[x](" * 100_000):
        started = time.perf_counter()
        assert markdown_problems(text)
        assert time.perf_counter() - started < 2
