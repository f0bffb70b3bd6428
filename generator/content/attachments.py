"""Attachments a browser would run as a page: refused types, SVG checked, markup sniffed.

A portal's attachments are opened at the portal's own address (or from disk), so one that a
browser runs as a document (HTML, XHTML, XML, SVG with script) would run with the portal's
origin: it could read what the portal's pages keep in the browser (the key of an opened
encrypted portal in sessionStorage, the visit marks in localStorage), of every portal served
from that origin. No header can promise otherwise on every host, and none at all from
`file://`, so the build decides:

- HTML, XHTML, XML and the like are refused (publish a PDF, or zip the file);
- an SVG is kept only if it is inert: SVG elements of an allow-list, no event handler, no
  link but to a fragment of itself (and web or mail links on `<a>`, embedded raster images on
  `<image>`), no entity declaration, no processing instruction, no outside `url(…)` in CSS;
- a file of a type browsers do not know (or no extension at all) is refused if it starts
  like markup: opened from disk, Chromium sniffs such a file and may show it as a web page.

Everything here is a pure function of a name and bytes; `read` does the reading.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from xml.parsers import expat

SNIFF_BYTES = 1024  # how much of a file of unknown type is looked at, as a browser does

# Types a browser shows as a document that can run script: refused outright.
ACTIVE = frozenset({"html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "xml", "xsl",
                    "xslt", "svgz", "hta", "rdf", "xul", "maff"})
# Types every browser maps to something that never runs as a page (not sniffed as markup).
KNOWN = frozenset({
    "txt", "text", "csv", "tsv", "json", "pdf", "png", "jpg", "jpeg", "gif", "webp", "avif",
    "bmp", "ico", "tif", "tiff", "heic", "mp3", "mp4", "m4a", "m4v", "mov", "wav", "webm",
    "ogg", "oga", "ogv", "flac", "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "tar", "doc",
    "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "epub", "key",
    "numbers", "pages", "psd", "ai", "eps", "woff", "woff2", "ttf", "otf", "js", "mjs", "css",
    "ics", "vcf", "wasm",
})

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
_SVG_ELEMENTS = frozenset({
    "svg", "g", "defs", "desc", "title", "metadata", "symbol", "use", "switch", "view",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "textPath", "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask",
    "marker", "image", "style", "a", "filter", "animateTransform", "feBlend",
    "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
    "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood",
    "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode",
    "feMorphology", "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight",
    "feTile", "feTurbulence",
})
# Namespaces whose elements a browser runs or renders as documents inside an SVG.
_ACTIVE_NAMESPACES = {"http://www.w3.org/1999/xhtml": "XHTML",
                      "http://www.w3.org/1998/Math/MathML": "MathML"}
_RASTER = re.compile(r"^data:image/(?:png|jpeg|gif|webp)[;,]", re.I)
_WEB = re.compile(r"^(?:https?:|mailto:)", re.I)
_URL = re.compile(r"url\(\s*(['\"]?)\s*([^)'\"]*)", re.I)
_CSS_REFUSED = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")

Finding = tuple[int | None, str]  # line (None: the whole file), what is wrong


def extension(name: str) -> str:
    """The lower-case extension of a file name, without the dot ('' when it has none)."""
    return PurePosixPath(name).suffix[1:].lower()


def needs_whole_file(name: str) -> bool:
    """Whether `active_content` must see all of the file (an SVG), not its first bytes."""
    return extension(name) == "svg"


def active_content(name: str, data: bytes) -> Finding | None:
    """Why a browser could run this attachment as a page, if it could (`data`: the whole file
    for an SVG, else at least its first SNIFF_BYTES)."""
    kind = extension(name)
    if kind in ACTIVE:
        return None, (f"a .{kind} file runs as a web page when opened, at the portal's "
                      "address; attach it as PDF, or zipped")
    if kind == "svg":
        return svg_problem(data)
    if kind not in KNOWN and _looks_like_markup(data[:SNIFF_BYTES]):
        shown = f"a .{kind} file" if kind else "a file without an extension"
        return None, (f"{shown} that starts like HTML or XML: a browser opening it from disk "
                      "may show it as a web page; give it a known extension such as .txt, "
                      "or zip it")
    return None


def _looks_like_markup(head: bytes) -> bool:
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                          (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(encoding, "ignore").encode("ascii", "ignore")
            break
    stripped = head.lstrip(b" \t\r\n\x0c")
    return len(stripped) > 1 and stripped[:1] == b"<" and (
        stripped[1:2].isalpha() or stripped[1:2] in (b"!", b"?", b"/"))


class _Refused(Exception):
    """The first active thing found in an SVG: stops the parser."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _SvgChecker:
    """Walks an SVG with expat, stopping at the first thing that could run or load."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self.start
        self.parser.CharacterDataHandler = self.text
        self.parser.EndElementHandler = self.end
        self.parser.EntityDeclHandler = self.entity
        self.parser.ProcessingInstructionHandler = self.instruction
        self.parser.ExternalEntityRefHandler = self.external
        self.depth, self.in_style = 0, False

    def refuse(self, message: str) -> None:
        raise _Refused(self.parser.CurrentLineNumber, message)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        self.depth += 1
        if self.depth == 1 and (namespace, local) != (SVG, "svg"):
            self.refuse(f"the root element is <{local}>, not an SVG <svg>")
        if namespace in _ACTIVE_NAMESPACES:
            self.refuse(f"<{local}> is an {_ACTIVE_NAMESPACES[namespace]} element")
        if namespace == SVG and local not in _SVG_ELEMENTS:
            self.refuse(f"<{local}> is not allowed in an attachment (it can run script or "
                        "load another document)")
        for attribute, value in attributes.items():
            self.attribute(local, attribute, value)
        self.in_style = namespace == SVG and local == "style"

    def attribute(self, element: str, attribute: str, value: str) -> None:
        namespace, _, local = attribute.rpartition(" ")
        if local.lower().startswith("on"):
            self.refuse(f"<{element}> has an event handler ({local}), which runs script")
        if local == "href" and namespace in ("", XLINK):
            self.link(element, value)
        elif local == "base" and namespace == "http://www.w3.org/XML/1998/namespace":
            self.refuse(f"<{element}> sets xml:base")
        elif "url(" in value.lower() or local == "style":
            self.css(value)

    def link(self, element: str, value: str) -> None:
        target = _INVISIBLE.sub("", value)
        if target.startswith("#") or (element in ("image", "feImage") and _RASTER.match(target)):
            return
        if element == "a" and _WEB.match(target):
            return
        self.refuse(f"<{element}> links to '{value[:80]}': only '#…' fragments of the image "
                    "itself (and web links on <a>, embedded PNG, JPEG, GIF or WebP on <image>)")

    def css(self, text: str) -> None:
        if match := _CSS_REFUSED.search(text):
            self.refuse(f"its CSS uses '{match.group(0)}'")
        for _, target in _URL.findall(text):
            if not target.strip().startswith("#") and not _RASTER.match(target.strip()):
                self.refuse(f"its CSS loads 'url({target.strip()[:80]})': only url(#…) "
                            "fragments of the image itself")

    def text(self, data: str) -> None:
        if self.in_style:
            self.css(data)

    def end(self, name: str) -> None:
        self.depth -= 1
        self.in_style = False

    def entity(self, name: str, *_: object) -> None:
        self.refuse(f"it declares the entity '{name}' (entities can expand without bound)")

    def instruction(self, target: str, data: str) -> None:
        self.refuse(f"it has the processing instruction <?{target} …?> (a style sheet can "
                    "turn it into a page)")

    def external(self, *_: object) -> int:
        self.refuse("it refers to an external entity")
        return 0


def svg_problem(data: bytes) -> Finding | None:
    """Why an SVG is not inert, if it is not: the line and what was found."""
    checker = _SvgChecker()
    try:
        checker.parser.Parse(data, True)
    except _Refused as refused:
        return refused.line, f"SVG that could run script or load another file: {refused.message}"
    except expat.ExpatError as error:
        return error.lineno, f"is not a well-formed SVG ({expat.errors.messages[error.code]})"
    return None
