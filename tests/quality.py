"""Checks of built pages by tools nobody here wrote: axe-core, the Nu Html Checker, Chromium.

Each function returns a list of findings (empty means the page passes), so a test can assert
both that real pages pass and that a known-bad page is caught.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SERIOUS = ("serious", "critical")
WEIGHT_LIMIT = 50 * 1024


def axe_violations(page: Any) -> list[str]:
    """Run axe-core in `page`; return serious and critical violations as readable lines."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])}× e.g. "
            f"{v['nodes'][0]['target']})"
            for v in result["violations"] if v["impact"] in SERIOUS]


def vnu_errors(files: list[Path]) -> list[str]:
    """Validate HTML files with the Nu Html Checker; return its errors."""
    if not files:
        return []
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json",
                          *map(str, files)], capture_output=True, text=True, check=False)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
            for m in messages if m.get("type") == "error"]


def horizontal_overflow(page: Any) -> list[str]:
    """Elements wider than the viewport (the page scrolls sideways on a phone)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        return [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > width + 1
                       && !e.closest('.table-wrap, pre, .prose table'))
          .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className);
    }""") or (["document scrolls sideways"] if page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth") else [])


def page_weight(portal: Path, html_file: Path) -> int:
    """Bytes of an HTML page plus the CSS and scripts it loads (images aside)."""
    from linkcheck import parse

    total = html_file.stat().st_size
    for link in parse(html_file).links:
        target = (html_file.parent / link.split("#")[0]).resolve()
        if target.suffix in (".css", ".js") and target.is_file():
            total += target.stat().st_size
    return total
