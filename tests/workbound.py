"""Bounds by work, not by the wall clock: a machine busy with other builds stretches the
seconds a test takes, not the work it does. Speed targets belong in bench/.

- `python_lines` counts the Python lines a call executes: an exact operation count, the same
  on any machine, for checks that code runs in linear time.
- `within_builds` bounds the CPU time a build spends (this process and the workers it
  reaped) by a multiple of what a build of the suite's small site costs in the same process:
  work measured in units of a known build, not in seconds, so load stretches both alike.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def python_lines(function: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """`function(*args)`, and how many Python lines it executed."""
    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = function(*args)
    finally:
        sys.settrace(previous)
    return result, count


def cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@functools.cache
def reference_build() -> float:
    """CPU time of one build of conftest's BASE_SITE (the least of three: the first also
    imports and compiles what later builds reuse)."""
    from conftest import BASE_SITE, build_site, write_files

    spent = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            write_files(Path(folder), dict(BASE_SITE))
            started = cpu_seconds()
            assert build_site(Path(folder)).exit_code == 0
            spent.append(cpu_seconds() - started)
    return min(spent)


@contextmanager
def within_builds(builds: float) -> Iterator[None]:
    """Fail if the block spends more CPU than `builds` builds of the small site."""
    unit = reference_build()
    started = cpu_seconds()
    yield
    spent = cpu_seconds() - started
    assert spent < builds * unit, f"{spent:.2f} s of CPU: {spent / unit:.1f} small-site builds"
