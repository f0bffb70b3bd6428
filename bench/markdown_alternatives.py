"""Time Markdown implementations side by side on the corpus's documents (issue 26).

Usage: python bench/markdown_alternatives.py [--documents 2100] [--runs 3]

Renders the documents `corpus.py` writes (tables, lists, fenced code, footnotes, CJK) with our
renderer (Python-Markdown as we configure it, content links checked, nh3's allow-list), with
Python-Markdown alone (the same extensions), and with those of markdown-it-py, mistune and
cmarkgfm that are installed (`pip install markdown-it-py mistune cmarkgfm`: none of them is a
dependency). CPU time, the best of --runs. Their HTML is not ours (ids, footnotes, table
alignment, whitespace): switching would change every page, so these are the figures to weigh,
not a drop-in.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import LOCALES, markdown_body  # noqa: E402


def documents(count: int) -> list[str]:
    """`count` corpus documents, in the corpus's four languages."""
    rng = random.Random(26)
    return [markdown_body(rng, LOCALES[n % len(LOCALES)][0], n) for n in range(count)]


def candidates(texts: list[str]) -> dict[str, Callable[[], object]]:
    """Each installed implementation, as a function rendering every text."""
    import markdown

    from generator.render.markdown import LinkTargets, MarkdownRenderer

    ours, targets = MarkdownRenderer(allow_raw_html=False), LinkTargets({}, frozenset())
    plain = markdown.Markdown(extensions=["tables", "fenced_code", "toc", "footnotes",
                                          "attr_list"])
    found: dict[str, Callable[[], object]] = {
        "ours (Python-Markdown, links, nh3)": lambda: [ours._render(t, targets, "", "", 1)
                                                       for t in texts],
        f"Python-Markdown {markdown.__version__} alone": lambda: [plain.reset().convert(t)
                                                                 for t in texts],
    }
    try:
        from markdown_it import MarkdownIt
        from markdown_it import __version__ as version

        parser = MarkdownIt("commonmark").enable("table")
        found[f"markdown-it-py {version}"] = lambda: [parser.render(t) for t in texts]
    except ImportError:
        pass
    try:
        import mistune

        render = mistune.create_markdown(plugins=["table", "footnotes"])
        found[f"mistune {mistune.__version__}"] = lambda: [render(t) for t in texts]
    except ImportError:
        pass
    try:
        import cmarkgfm

        options = cmarkgfm.Options.CMARK_OPT_FOOTNOTES
        found["cmarkgfm (C, GFM)"] = lambda: [
            cmarkgfm.github_flavored_markdown_to_html(t, options=options) for t in texts]
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    texts = documents(args.documents)
    for name, render in candidates(texts).items():
        best = float("inf")
        for _ in range(args.runs):
            started = time.process_time()
            render()
            best = min(best, time.process_time() - started)
        print(f"{name:<38} {best:7.3f} s  {1000 * best / len(texts):6.3f} ms a document",
              flush=True)


if __name__ == "__main__":
    main()
