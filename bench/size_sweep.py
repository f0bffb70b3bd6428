"""A build's time against its content's size: linear, also for text at the limits.

Usage: python bench/size_sweep.py [--sizes 50 100 200 400] [--runs 3]

Builds one client whose scope.md is SIZE kilobytes of one pattern, for each pattern and size,
and prints the median time and the time per kilobyte. Patterns: plain prose with links; the
most unclosed brackets the limits accept; lists nested as deep as they accept; a wide table;
raw HTML that the sanitiser strips. Linear growth shows as a flat time per kilobyte.
`tests/test_size_sweep.py` runs a small sweep and holds the growth to linear.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

PATTERNS = {
    "prose": "Some words, [a link](requirements/intake.md) and *emphasis*.\n\n",
    "brackets": "[" * 6 + "text that leaves its brackets open " * 8 + "\n\n",
    "nesting": "".join("  " * i + "- item\n" for i in range(30)) + "\n",
    "table": "| a | b | c | d |\n|---|---|---|---|\n" + "| x | [y](scope.md) | z | w |\n" * 40 + "\n",
    "raw html": '<div onclick="x()"><script>x()</script><img src="files/brief.pdf"></div>\n\n',
}


def build_time(pattern: str, kilobytes: int, runs: int = 3) -> float:
    """Median seconds of a full build of one client with this much of `pattern`."""
    from conftest import BASE_SITE, build_site, write_files

    body = (PATTERNS[pattern] * (kilobytes * 1024 // len(PATTERNS[pattern]) + 1))
    portal = textwrap.dedent(BASE_SITE["content/portal.yaml"]) + "allow_raw_html: true\n"
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            write_files(root, {**BASE_SITE, "content/portal.yaml": portal,
                               "content/acme/scope.md": f"---\ntitle: S\n---\n{body}"})
            started = time.perf_counter()
            result = build_site(root, "--force")
            times.append(time.perf_counter() - started)
            assert result.exit_code == 0, result.output
    return statistics.median(times)


def sweep(sizes: list[int], runs: int) -> dict[str, list[float]]:
    """Seconds for each pattern at each size, beyond the build of the base site."""
    build_time("prose", 1, 1)  # imports and compiled templates: not part of what grows
    base = build_time("prose", 1, runs)
    return {name: [max(build_time(name, size, runs) - base, 1e-3) for size in sizes]
            for name in PATTERNS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = sweep(args.sizes, args.runs)
    print(f"{'pattern':10} " + " ".join(f"{s:>8} KB" for s in args.sizes) + "   ms/KB at each size")
    for name, seconds in results.items():
        per_kb = " ".join(f"{1000 * t / s:6.2f}" for t, s in zip(seconds, args.sizes, strict=True))
        print(f"{name:10} " + " ".join(f"{t:9.2f}s" for t in seconds) + f"   {per_kb}")


if __name__ == "__main__":
    main()
