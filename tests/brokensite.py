"""The suite's build tests against the test site broken on purpose: every one must fail.

A build test is a test in which a build of an intact site succeeds (in-process, through
conftest.portal), or that reads the shared build of the examples (conftest's `example`).
Two runs over the same tests (`make test-broken-site`):

1. `--list-build-tests FILE`: a normal run; writes the ids of its build tests to FILE.
2. `--broken-site FILE`: runs only those, with every build's portal.yaml given a key the schema
   rejects (the examples' through a broken copy; the content folders tests write, in place,
   put back after the build), so every build fails with exit 1, as with a user's mistake. It
   prints "broken site: N of M build tests failed", names any that passed (a test that can
   not fail), and exits 0 only when N = M.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# An unknown key: portal.yaml rejects it, so no build passes.
BROKEN_LINE = "\nbroken_on_purpose: true  # tests/brokensite.py\n"
# Fixtures whose build a test reads: a test using one is a build test too.
BUILT_FIXTURES = {"example"}


class State:
    """This process's run: broken or not, and the exit codes of the current test's builds."""

    broken = False
    builds: list[int] = []
    examples_copy: Path | None = None


def _content(words: list[str]) -> tuple[int | None, Path]:
    for index, word in enumerate(words[:-1]):
        if word == "--content":
            return index + 1, Path(words[index + 1])
    return None, Path("content")


def _broken_examples(examples: Path) -> Path:
    """A copy of the examples with the broken portal.yaml (the repository's is never touched)."""
    if State.examples_copy is None:
        State.examples_copy = Path(tempfile.mkdtemp(prefix="broken-examples-")) / "content"
        shutil.copytree(examples, State.examples_copy)
        with (State.examples_copy / "portal.yaml").open("a", encoding="utf-8") as settings:
            settings.write(BROKEN_LINE)
    return State.examples_copy


@contextmanager
def breaking(words: list[str], examples: Path) -> Iterator[list[str]]:
    """The command's words, and for a build on a broken run, its content broken while it runs."""
    if not State.broken or words[:1] != ["build"]:
        yield words
        return
    where, content = _content(words)
    if where is not None and content.resolve() == examples.resolve():
        yield [*words[:where], str(_broken_examples(examples)), *words[where + 1:]]
        return
    settings = content / "portal.yaml"
    if settings.is_symlink() or not settings.is_file():
        yield words  # no portal.yaml to break: such a build fails on its own
        return
    intact = settings.read_bytes()
    settings.write_bytes(intact + BROKEN_LINE.encode())
    try:
        yield words
    finally:
        settings.write_bytes(intact)


def record(words: list[str], exit_code: int) -> None:
    if words[:1] == ["build"] and "--help" not in words:  # a build, not its help
        State.builds.append(exit_code)


def add_options(parser: pytest.Parser) -> None:
    parser.addoption("--list-build-tests", metavar="FILE",
                     help="Write the ids of the tests in which a build succeeds to FILE.")
    parser.addoption("--broken-site", metavar="FILE",
                     help="Run the build tests FILE lists with every build broken on purpose; "
                          "exit 0 only if every one of them fails.")


def configure(config: pytest.Config) -> None:
    State.broken = bool(config.getoption("--broken-site"))
    config.stash[_OUTCOMES] = {}


_OUTCOMES = pytest.StashKey[dict[str, tuple[bool, bool]]]()  # id: (built, failed)


def deselect(config: pytest.Config, items: list[pytest.Item]) -> None:
    listed = config.getoption("--broken-site")
    if not listed:
        return
    wanted = set(Path(listed).read_text(encoding="utf-8").splitlines())
    kept = [item for item in items if item.nodeid in wanted]
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = kept


def start(item: pytest.Item) -> None:
    State.builds = []


def describe(item: pytest.Item, report: pytest.TestReport) -> None:
    """Tell the controller (xdist sends user_properties along) whether the test built."""
    built = any(code == 0 for code in State.builds) or bool(
        BUILT_FIXTURES & set(getattr(item, "fixturenames", ())))
    report.user_properties.append(("built", built))


def collect(config: pytest.Config, report: pytest.TestReport) -> None:
    outcomes = config.stash[_OUTCOMES]
    built, failed = outcomes.get(report.nodeid, (False, False))
    built = built or any(value for name, value in report.user_properties if name == "built")
    outcomes[report.nodeid] = (built, failed or report.failed)


def finish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller has every report
    outcomes = config.stash[_OUTCOMES]
    if listing := config.getoption("--list-build-tests"):
        Path(listing).write_text("".join(f"{nodeid}\n" for nodeid, (built, _) in
                                         sorted(outcomes.items()) if built), encoding="utf-8")
    if config.getoption("--broken-site"):
        passed = sorted(nodeid for nodeid, (_, failed) in outcomes.items() if not failed)
        session.exitstatus = pytest.ExitCode.OK if outcomes and not passed else \
            pytest.ExitCode.TESTS_FAILED


def summary(terminal, config: pytest.Config) -> None:
    outcomes = config.stash[_OUTCOMES]
    if listing := config.getoption("--list-build-tests"):
        built = sum(1 for b, _ in outcomes.values() if b)
        terminal.write_line(f"build tests: {built} of {len(outcomes)} tests, listed in {listing}")
    if config.getoption("--broken-site"):
        passed = sorted(nodeid for nodeid, (_, failed) in outcomes.items() if not failed)
        terminal.write_line(f"broken site: {len(outcomes) - len(passed)} of {len(outcomes)} "
                            "build tests failed" + (", as they must" if not passed else ""))
        for nodeid in passed:
            terminal.write_line(f"  passed with every build broken: {nodeid}")
