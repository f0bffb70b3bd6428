"""Find every relative link in a portal's HTML and check it resolves inside the portal."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(portal: Path) -> list[str]:
    """Relative links that leave the portal or point at a missing file or anchor."""
    broken = []
    for page in sorted(portal.rglob("*.html")):
        for link in parse(page).links:
            problem = _check(portal, page, link)
            if problem:
                broken.append(f"{page.relative_to(portal)}: {link}: {problem}")
    return broken


def _check(portal: Path, page: Path, link: str) -> str | None:
    parts = urlsplit(link)
    if parts.scheme in ("mailto", "tel"):
        return None
    if parts.scheme or parts.netloc:
        return "points to another host"
    if link.startswith("/"):
        return "absolute path (breaks under a sub-path and file://)"
    target = page if not parts.path else page.parent / unquote(parts.path)
    resolved = Path(*_normalise(PurePosixPath(target.relative_to(portal).as_posix()).parts))
    if str(resolved).startswith(".."):
        return "leaves the portal"
    file = portal / resolved
    if not file.is_file():
        return "missing file"
    if parts.fragment and file.suffix == ".html" and unquote(parts.fragment) not in parse(file).ids:
        return "missing anchor"
    return None


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            else:
                out.append("..")
        elif part != ".":
            out.append(part)
    return out
