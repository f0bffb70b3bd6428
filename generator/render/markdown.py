"""Markdown to safe HTML: Python-Markdown, content-relative links, nh3 sanitising.

Every rendering passes one allow-list (nh3), raw HTML or not: no script, no event handler,
no `style`, no URL but http(s), mailto, tel and the client's own pages and files, no iframe,
object, embed, form, meta or base. `allow_raw_html` only decides whether HTML written in
Markdown is interpreted (then cleaned by that allow-list, its links checked like Markdown's)
or shown as text. Ids the theme uses (`cp-main`…) are never taken by content: such an id
gets `-content` appended, and links and the table of contents follow it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape as unescape_html
from pathlib import Path, PurePosixPath
from typing import Any

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension, AttrListTreeprocessor
from markdown.extensions.toc import TocExtension, TocTreeprocessor, slugify_unicode
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import (
    InlineProcessor,
    PrettifyTreeprocessor,
    Treeprocessor,
    UnescapeTreeprocessor,
)
from markdown.util import AtomicString

EXTENSIONS = ["tables", "fenced_code", "footnotes"]  # and _Toc, _AttrList, below
TOC_MARKER = "[TOC]"  # Python-Markdown's: a paragraph of it becomes the table of contents
RECENT = 512  # renderings kept: every document of a client, in each of its languages
_EXTERNAL_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ALIGN = re.compile(r"text-align:\s*(left|right|center)")
# What each of Python-Markdown's inline patterns needs in a text to match, by its name in
# Python-Markdown 3.6 and later (each expression begins with one of these): a text without
# any is not searched with that pattern.
_INLINE_NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[^",), "reference": ("[",),
    "link": ("[",), "image_link": ("![",), "image_reference": ("![",),
    "short_reference": ("[",), "short_image_ref": ("![",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  \n",), "html": ("<",), "entity": ("&",),
    "not_strong": ("*", "_"), "em_strong": ("*", "_"), "em_strong2": ("_",),
    "strong_em": ("*", "_"), "strong": ("*", "_"), "emphasis": ("*", "_"),
}
# Work skipped where it cannot change the HTML (each shortcut says why); False (tests only)
# does all of it, to show that the HTML is the same either way.
SHORTCUTS = True
# A text holding none of what the inline patterns need is left as it is, unsearched
_INLINE_TRIGGER = re.compile("|".join(re.escape(needed) for needed in sorted(
    {needed for needs in _INLINE_NEEDS.values() for needed in needs}, key=lambda n: (-len(n), n))))
# Characters written without spaces between words (CSS Text 3's East Asian wide characters, but
# not Hangul, which Korean separates with spaces): ideographs, kana, CJK and full-width marks.
_WIDE = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff" \
        "\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff60\uff61-\uff9f\uffe0-\uffe6"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uffa0-\uffdc"
# A source line break next to one of them (tags between allowed), with no Hangul or space on
# the other side: the browser would show a space there ("から 16日", "会員データ 抽出")
_WIDE_BREAK = re.compile(
    f"(?<=[{_WIDE}])[ \\t]*\n[ \\t]*(?=(?:<[^>]*>)*[^\\s<{_HANGUL}])"
    f"|(?<=[^\\s>{_HANGUL}])[ \\t]*\n[ \\t]*(?=(?:<[^>]*>)*[{_WIDE}])")
_VERBATIM = re.compile(r"(<(pre|code)\b.*?</\2>)", re.S)
_HAS_WIDE = re.compile(f"[{_WIDE}]")  # each alternative of _WIDE_BREAK needs one

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start"},
    "pre": {"tabindex"},
    "table": {"tabindex"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


@dataclass(frozen=True)
class LinkTargets:
    """What a client's Markdown may link to, relative to the client folder."""

    pages: dict[str, str]
    attachments: frozenset[str]
    page_prefix: str = ""  # the folder of the language the pages are in: '' or 'en/'

    @functools.cached_property
    def key(self) -> tuple[Any, ...]:
        """Everything about the targets, hashable: part of a kept rendering's key."""
        return tuple(sorted(self.pages.items())), self.attachments, self.page_prefix

    @functools.cached_property
    def digest(self) -> str:
        """Everything about the targets, as a hash: part of a rendering's name in the cache."""
        return hashlib.sha256(json.dumps([sorted(self.pages.items()), sorted(self.attachments),
                                          self.page_prefix]).encode("utf-8")).hexdigest()


@dataclass
class Rendered:
    """HTML of one Markdown text, its headings, and link problems as (line, message)."""

    html: str
    toc: list[dict[str, object]]
    problems: list[tuple[int, str]] = field(default_factory=list)


class _LinkRewriter(Treeprocessor):
    """Resolve content links, turn alignment styles into classes, prefix ids on request."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.root = ""
        self.id_prefix = ""
        self.targets = LinkTargets({}, frozenset())
        self.bad_links: list[tuple[str, str, bool]] = []  # target, message, of raw HTML
        self.resolved: set[str] = set()  # link values this step wrote: already checked
        self._raw = False

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "table":
                element.set("tabindex", "0")  # scrolls sideways on a phone: reachable by keyboard
            if element.attrib:  # most elements have none: nothing below applies
                self._rewrite(element)

    def _rewrite(self, element: etree.Element) -> None:
        attributes = element.attrib
        for attribute in ("href", "src"):
            if attribute in attributes:
                element.set(attribute, self._resolve(attributes[attribute]))
        style = attributes.pop("style", "")
        if style and (match := _ALIGN.search(style)):
            element.set("class", f"align-{match.group(1)}")
        if self.id_prefix:
            self._prefix_ids(element)
        self.resolved.update(attributes[a] for a in ("href", "src") if a in attributes)

    def raw_link(self, target: str) -> str:
        """A link of raw HTML (seen only by the sanitiser): resolved like a Markdown link."""
        if target in self.resolved:
            return target
        self._raw = True
        try:
            resolved = self._resolve(target)
        finally:
            self._raw = False
        if self.id_prefix and resolved.startswith("#") and len(resolved) > 1:
            resolved = "#" + self.id_prefix + resolved[1:]
        return resolved

    def _prefix_ids(self, element: etree.Element) -> None:
        if "id" in element.attrib:
            element.set("id", self.id_prefix + element.attrib["id"])
        href = element.attrib.get("href", "")
        if href.startswith("#") and len(href) > 1:
            element.set("href", "#" + self.id_prefix + href[1:])

    def _resolve(self, target: str) -> str:
        if target.startswith("#") or target.lower().startswith(_EXTERNAL_SCHEMES):
            return target
        refused = _refused(target)
        if refused:
            return self._bad(target, refused)
        path, _, fragment = target.partition("#")
        key = PurePosixPath(path).as_posix()
        if key in self.targets.pages:
            page = self.targets.pages[key]
            anchor = f"#{fragment}" if fragment else ""
            return (self.root + self.targets.page_prefix + page
                    + ("" if "#" in page and not anchor else anchor))
        if key in self.targets.attachments:
            return self.root + key  # attachments are shared by the languages
        if key.startswith("files/"):
            return self._bad(target, f"attachment '{key}' not found in files/")
        return self._bad(target, f"link '{target}' points to nothing in this client folder "
                                 "(link to scope.md, requirements/*.md, updates/*.md or files/)")

    def _bad(self, target: str, message: str) -> str:
        self.bad_links.append((target, message, self._raw))
        return "#"


def _refused(target: str) -> str | None:
    """Why a link may not be written as it is: another scheme, or a path out of the folder."""
    if _SCHEME.match(target) or target.startswith("//"):
        return (f"link '{target}' uses a scheme that is not allowed "
                "(use http, https, mailto or tel)")
    if target.startswith(("/", "\\")) or ".." in PurePosixPath(target.partition("#")[0]).parts:
        return (f"link '{target}' leaves the client folder; write paths relative to the "
                "client folder, without '..'")
    return None


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline step, skipping text in which no inline pattern can match, and
    trying each pattern only on text that holds what it needs (`_INLINE_NEEDS`).

    Most text in a document (table cells, list items, plain sentences) has no `*`, `[`, `` ` ``
    and the like; Python-Markdown would still try each of its inline patterns on it in turn.
    """

    needs: list[tuple[str, ...]] = []  # what each pattern needs, in the order they are tried

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if not SHORTCUTS or isinstance(data, AtomicString):
            # Python-Markdown's own loop, a private method: no public hook runs before it.
            handled: str = super()._InlineProcessor__handleInline(  # type: ignore[misc]
                data, patternIndex)
            return handled
        if not _INLINE_TRIGGER.search(data):
            return data  # what the loop below returns when no pattern matches
        # Python-Markdown's loop, trying a pattern only on text that holds what it needs (a
        # pattern that cannot match returns the text, unmatched, and the search starts over)
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns, start = self.inlinePatterns, 0
        while patternIndex < len(patterns):
            if not any(needed in data for needed in self.needs[patternIndex]):
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# Block steps of Python-Markdown whose test (or, where the test is always true, whose run)
# looks for a pattern in every block, and a character each pattern needs: a block without it
# is passed on at once. Python-Markdown's patterns, in markdown/blockprocessors.py and the
# tables and footnotes extensions: a table's first line has a `|` and a second line follows;
# `#` starts a heading, `>` a quote; a setext underline is `=` or `-` on a later line; a rule
# is made of `-`, `_` or `*`; a footnote is defined by `[^`, a link reference by `]:`.
_BLOCK_NEEDS: dict[str, Callable[[str], bool]] = {
    "table": lambda block: "\n" in block and "|" in block.partition("\n")[0],
    "hashheader": lambda block: "#" in block,
    "setextheader": lambda block: "\n" in block and ("=" in block or "-" in block),
    "hr": lambda block: "-" in block or "_" in block or "*" in block,
    "quote": lambda block: ">" in block,
}
_BLOCK_RUN_NEEDS: dict[str, Callable[[str], bool]] = {
    "footnote": lambda block: "[^" in block,
    "reference": lambda block: "]:" in block,
}


def _quick_block_steps(md: markdown.Markdown) -> None:
    """Give the block steps above their quick refusal (each instance's own `test` or `run`,
    which Python-Markdown's block parser calls; SHORTCUTS off, they do all their work), and
    the table step its quick split of a row."""
    steps = md.parser.blockprocessors
    if "table" in steps and hasattr(steps["table"], "_split"):
        steps["table"]._split = _quick_split(steps["table"]._split)
    for name, could_be in _BLOCK_NEEDS.items():
        if name in steps:
            quick = _quick_test(steps[name].test, could_be)  # this instance's only
            steps[name].test = quick  # type: ignore[assignment,method-assign]
    for name, could_be in _BLOCK_RUN_NEEDS.items():
        if name in steps:
            quick_run = _quick_run(steps[name].run, could_be)
            steps[name].run = quick_run  # type: ignore[assignment,method-assign]


def _quick_split(split: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """The tables extension's split of a row into cells: its pipes outside code spans, once it
    has paired the backticks and skipped escaped pipes. A row with no backtick and no
    backslash has neither: each pipe ends a cell."""
    def quick(row: str) -> list[str]:
        if SHORTCUTS and "`" not in row and "\\" not in row:
            return row.split("|")
        return split(row)
    return quick


def _quick_test(test: Callable[[etree.Element, str], bool], could_be: Callable[[str], bool]
                ) -> Callable[[etree.Element, str], bool]:
    def quick(parent: etree.Element, block: str) -> bool:
        if SHORTCUTS and not could_be(block):
            return False
        return test(parent, block)
    return quick


def _quick_run(run: Callable[[etree.Element, list[str]], bool | None],
               could_be: Callable[[str], bool]
               ) -> Callable[[etree.Element, list[str]], bool | None]:
    def quick(parent: etree.Element, blocks: list[str]) -> bool | None:
        if SHORTCUTS and not could_be(blocks[0]):
            return False  # what the run returns when its pattern is not in the block
        return run(parent, blocks)
    return quick


class _WideLineJoin(Postprocessor):
    """Join lines broken next to a Chinese or Japanese character, as their writing has no
    spaces: "会員データ⏎抽出" is "会員データ抽出", not "会員データ 抽出" (CSS Text 3 asks
    browsers to do so between two such characters; none does), and "から⏎16日" is "から16日".
    Korean, written with spaces, keeps them; code is as written."""

    def run(self, text: str) -> str:
        if "\n" not in text or (SHORTCUTS and not _HAS_WIDE.search(text)):
            return text
        parts = _VERBATIM.split(text)  # text, verbatim, its tag name, text, ...
        return "".join(_WIDE_BREAK.sub("", part) if index % 3 == 0 else part
                       for index, part in enumerate(parts) if index % 3 != 2)


class _Unescape(UnescapeTreeprocessor):
    """Python-Markdown's unescaping of `\\*` and the like, not looked for in a document
    without a backslash: only a backslash escape leaves an escaped character in the tree
    (Python-Markdown removes the marker characters from the text it is given)."""

    backslashes = True  # whether the document being rendered has a `\`

    def run(self, root: etree.Element) -> None:
        if self.backslashes:
            super().run(root)


class _Prettify(PrettifyTreeprocessor):
    """Python-Markdown's line breaks between block elements, with its test of whether a tag
    is a block element kept per tag (it lower-cased and stripped each tag at every element)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._block: dict[object, bool] = {}

    def _is_block(self, tag: object) -> bool:
        block = self._block.get(tag)
        if block is None:
            block = self._block[tag] = self.md.is_block_level(tag)
        return block

    def _prettifyETree(self, elem: etree.Element) -> None:  # noqa: N802 (Markdown's name)
        # Python-Markdown's own steps, with the kept test
        if self._is_block(elem.tag) and elem.tag not in ("code", "pre"):
            if _blank(elem.text) and len(elem) and self._is_block(elem[0].tag):
                elem.text = "\n"
            for child in elem:
                if self._is_block(child.tag):
                    self._prettifyETree(child)
        if _blank(elem.tail):
            elem.tail = "\n"


def _blank(text: str | None) -> bool:
    return not text or not text.strip()


class _TocTreeprocessor(TocTreeprocessor):
    """Python-Markdown's table of contents, without the work a document with no `[TOC]`
    marker does not need: looking for the marker in every element, and building the
    contents' HTML (`md.toc`, which we never use; `toc_tokens` are the same)."""

    def build_toc_div(self, toc_list: list[Any]) -> etree.Element:
        if not self.marker:
            return etree.Element("div")  # serialised into md.toc only: never shown
        return super().build_toc_div(toc_list)


class _Toc(TocExtension):
    TreeProcessorClass = _TocTreeprocessor


class _AttrListTreeprocessor(AttrListTreeprocessor):
    """Python-Markdown's attribute lists (`{: .class }`), not looked for in a document
    without a `{`: none can be in it (an escaped or entity brace is stashed, not a `{`)."""

    braces = True  # whether the document being rendered has a `{`

    def run(self, doc: etree.Element) -> None:
        if self.braces:
            super().run(doc)


class _AttrList(AttrListExtension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_AttrListTreeprocessor(md), "attr_list", 8)
        md.registerExtension(self)


class _PortalExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_LinkRewriter(md), "portal_links", 1)
        md.treeprocessors.register(_Prettify(md), "prettify", 10)  # in their places
        md.treeprocessors.register(_Unescape(md), "unescape", 0)
        md.postprocessors.register(_WideLineJoin(md), "wide_line_join", 5)  # after raw HTML


class MarkdownRenderer:
    """Renders a client's Markdown; one instance per process, reused between documents."""

    def __init__(self, allow_raw_html: bool, reserved_ids: frozenset[str] = frozenset()) -> None:
        self.allow_raw_html = allow_raw_html
        self.reserved_ids = reserved_ids  # the theme's own element ids
        self._md = markdown.Markdown(
            extensions=[*EXTENSIONS[:2], _Toc(slugify=slugify_unicode, toc_depth="2-3"),
                        *EXTENSIONS[2:], _AttrList(), _PortalExtension()],
            extension_configs={"footnotes": {"UNIQUE_IDS": False}},
            output_format="html",
        )
        if not allow_raw_html:
            # Without these, raw HTML in Markdown is shown as text instead of interpreted.
            self._md.preprocessors.deregister("html_block")
            self._md.inlinePatterns.deregister("html")
        _quick_block_steps(self._md)
        patterns = self._md.inlinePatterns  # only Python-Markdown's own: no extension added one
        if len(patterns) == sum(name in patterns for name in _INLINE_NEEDS):
            quick = _QuickInline(self._md)
            by_pattern = {id(patterns[name]): needed for name, needed in _INLINE_NEEDS.items()
                          if name in patterns}
            quick.needs = [by_pattern[id(patterns[index])] for index in range(len(patterns))]
            self._md.treeprocessors.register(quick, "inline", 20)
        links, toc = self._md.treeprocessors["portal_links"], self._md.treeprocessors["toc"]
        attributes, unescape = self._md.treeprocessors["attr_list"], self._md.treeprocessors[
            "unescape"]
        assert isinstance(links, _LinkRewriter) and isinstance(toc, _TocTreeprocessor)
        assert isinstance(attributes, _AttrListTreeprocessor) and isinstance(unescape, _Unescape)
        self._links, self._toc, self._attributes = links, toc, attributes
        self._unescape = unescape
        self._recent: dict[tuple[Any, ...], Rendered] = {}  # oldest first
        self.version = _renderer_version(allow_raw_html, reserved_ids)
        self._kept: dict[str, Rendered] = {}  # the last build's renderings of this client
        self._used: dict[str, Rendered] = {}  # this build's, by name (`kept`)
        self._cleaner = nh3.Cleaner(tags=_TAGS, attributes=_ATTRIBUTES,
                                    url_schemes={"http", "https", "mailto", "tel"},
                                    link_rel="noopener noreferrer",
                                    attribute_filter=self._attribute)

    def render(self, text: str, targets: LinkTargets, *, root: str = "", id_prefix: str = "",
               first_line: int = 1) -> Rendered:
        """Render `text` for a page `root` away from the portal root (its language's pages
        are in `targets.page_prefix` below the root).

        The latest renderings are kept: `serve`, rebuilding a client after one of its
        documents changed, renders only that document again. A text is rendered as if it
        began on line 1, and its problems moved to `first_line`: the same text on another
        line (a deadline's description) is not rendered again.
        """
        key = (text, root, id_prefix, targets.key)
        name = _rendering_name(self.version, text, root, id_prefix, targets)
        rendered = (self._recent.pop(key, None) or self._kept.get(name)
                    or self._render(text, targets, root, id_prefix, 1))
        self._recent[key] = self._used[name] = rendered  # now the most recent
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        if first_line == 1 or not rendered.problems:
            return rendered
        return Rendered(rendered.html, rendered.toc,
                        [(line + first_line - 1, message) for line, message in rendered.problems])

    def reuse(self, kept: bytes | None) -> None:
        """Start a client: `kept` holds its renderings from the last build (`kept()`), of
        which those of the same text, links and renderer are reused instead of rendered."""
        self._used = {}
        try:  # a damaged cache file (a disk error, a hand edit) is a cache miss, not a failure
            self._kept = {name: Rendered(html, toc, [(line, message) for line, message in problems])
                          for name, (html, toc, problems) in json.loads(kept or "{}").items()}
        except (ValueError, TypeError, AttributeError):
            self._kept = {}

    def kept(self) -> bytes:
        """The renderings made or reused since `reuse`, for the next build to reuse."""
        return json.dumps({name: [r.html, r.toc, r.problems] for name, r in
                           sorted(self._used.items())}, ensure_ascii=False).encode("utf-8")

    def _render(self, text: str, targets: LinkTargets, root: str, id_prefix: str,
                first_line: int) -> Rendered:
        self._md.reset()
        self._links.root, self._links.id_prefix, self._links.targets = root, id_prefix, targets
        self._links.bad_links, self._links.resolved = [], set()
        every = not SHORTCUTS
        self._toc.marker = TOC_MARKER if every or TOC_MARKER in text else ""  # "": not looked for
        self._attributes.braces = every or "{" in text
        self._unescape.backslashes = every or "\\" in text
        # Fenced code is stashed HTML the tree never sees; it scrolls sideways like tables do.
        html = self._md.convert(text).replace("<pre>", '<pre tabindex="0">')
        toc = self._own_ids(list(getattr(self._md, "toc_tokens", [])))
        html = self._cleaner.clean(html)  # raw HTML or not: the one allow-list
        problems = _link_problems(text, self._links.bad_links, first_line)
        return Rendered(html, toc, problems)


    def _attribute(self, tag: str, attribute: str, value: str) -> str | None:
        """nh3's hook for every attribute it keeps: links of raw HTML are checked and
        resolved; ids and in-page links keep clear of the theme's ids."""
        if attribute in ("href", "src") and attribute in _ATTRIBUTES.get(tag, ()):
            value = self._links.raw_link(value)
            if value.startswith("#") and len(value) > 1:
                return "#" + self.own_id(value[1:])
            return value
        if attribute == "id":
            return self.own_id(value)
        return value

    def own_id(self, element_id: str) -> str:
        """`element_id`, or with `-content` appended if the theme uses it (or may: `cp-…`)."""
        if element_id in self.reserved_ids or element_id.startswith("cp-"):
            return f"{element_id}-content"
        return element_id

    def _own_ids(self, tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The table of contents with the ids the page will have."""
        return [{**token, "id": self.own_id(str(token.get("id", ""))),
                 "children": self._own_ids(list(token.get("children", [])))}
                for token in tokens]


def _renderer_version(allow_raw_html: bool, reserved_ids: frozenset[str]) -> str:
    """What a rendering depends on besides its text and links: this module, Python-Markdown,
    nh3, and the renderer's settings (not the rest of the generator, nor the theme)."""
    return hashlib.sha256(json.dumps([
        hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), markdown.__version__,
        _nh3_version(), allow_raw_html, sorted(reserved_ids)]).encode("utf-8")
    ).hexdigest()


def _nh3_version() -> str:
    from importlib.metadata import version  # here: only a builder that renders needs it

    return version("nh3")


def _rendering_name(version: str, text: str, root: str, id_prefix: str,
                    targets: LinkTargets) -> str:
    """A rendering's name in the cache: a hash of everything it depends on."""
    return hashlib.sha256(json.dumps([version, root, id_prefix, targets.digest, text],
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


_MARKDOWN_LINK = r"(?:\]\(\s*<?|\]:[ \t]*<?|<)"  # what stands before a Markdown link target
_HTML_LINK = r"=\s*[\"']?"  # and before a raw HTML one


def _link_problems(text: str, bad_links: list[tuple[str, str, bool]], first_line: int
                   ) -> list[tuple[int, str]]:
    """Each bad link's line: the n-th bad use of a target is its n-th use as a link."""
    seen: dict[tuple[str, bool], int] = {}
    problems = []
    for target, message, raw in bad_links:
        occurrence = seen[target, raw] = seen.get((target, raw), -1) + 1
        before = _HTML_LINK if raw else _MARKDOWN_LINK
        problems.append((_line_of(text, target, first_line, occurrence, before), message))
    return problems


def _line_of(text: str, needle: str, first_line: int, occurrence: int = 0,
             before: str = _MARKDOWN_LINK) -> int:
    """The line of `needle` used as a link target (after `before`), else of its first
    mention."""
    quoted = re.escape(needle)
    # the whole target: `requirements/intake` is not the start of `requirements/intake.md`
    starts = [m.end() for m in re.finditer(f"{before}(?={quoted}(?:[\\s)>\"']|$))", text,
                                           re.M)]
    if not starts:
        starts = [m.start() for m in re.finditer(quoted, text)]
    if not starts:
        return first_line
    return first_line + text.count("\n", 0, starts[min(occurrence, len(starts) - 1)])


_BLOCKS = frozenset({"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
                     "blockquote", "figcaption", "div", "br"})
_VOID = frozenset({"br", "img", "hr"})
# A tag of the sanitiser's output (nh3 quotes every attribute value and escapes `<` in text,
# and leaves no comment): `<`, a `/` for an end tag, the name, the attributes, `>`.
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_FOOTNOTE_CLASS = re.compile(r"""(?:^|\s)(?i:class)\s*=\s*(?:"footnote"|'footnote'|footnote(?=[\s/]|$))""")


class _BlockText:
    """The text of sanitised HTML read tag by tag: a string per block; the text inside the
    elements skipped (and footnotes) left out."""

    def __init__(self, skip: frozenset[str]) -> None:
        self.skip = skip
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping: list[str] = []  # open elements whose text is left out

    def text(self, chunk: str) -> None:
        if chunk and not self.skipping:
            self.current.append(unescape_html(chunk))

    def tag(self, match: re.Match[str]) -> None:
        closing, tag, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if not closing:
            self.start(tag, attributes)
        if closing or attributes.rstrip().endswith("/"):  # <br/>: opens and ends
            self.end(tag)

    def start(self, tag: str, attributes: str) -> None:
        if self.skipping or tag in self.skip or _FOOTNOTE_CLASS.search(attributes):
            if tag not in _VOID:
                self.skipping.append(tag)
        elif tag in _BLOCKS:
            self.end_block()

    def end(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
        elif tag in _BLOCKS:
            self.end_block()

    def end_block(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current.clear()


def html_blocks(html: str, skip: frozenset[str] = frozenset({"pre", "sup"})) -> list[str]:
    """The text of rendered (sanitised) HTML, one string per paragraph, item or heading;
    footnotes and the elements in `skip` left out."""
    reader, position = _BlockText(skip), 0
    for match in _TAG.finditer(html):
        reader.text(html[position:match.start()])
        reader.tag(match)
        position = match.end()
    reader.text(html[position:])
    reader.end_block()
    return reader.blocks


EXCERPT_SKIP = frozenset({"pre", "sup", "table", "h1", "h2", "h3", "h4", "h5", "h6"})


def excerpt(html: str, limit: int = 220) -> str:
    """A short excerpt of rendered HTML for lists and feeds: its paragraphs and list items as
    a reader sees them (no Markdown, no tables, code or headings), cut at a word when there
    is one near the limit, else at a character (Japanese has no spaces)."""
    text = " ".join(html_blocks(html, EXCERPT_SKIP))
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 3 // 4 else cut).rstrip(" ,;:、。") + "…"


def plain_text(html: str) -> str:
    """All the text of rendered HTML, a line per paragraph or item: for calendars."""
    return "\n".join(html_blocks(html))
