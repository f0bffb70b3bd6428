"""The invoice PDFs' fonts: which ones a page asks for, and whether the computer has a font for
every character the page prints.

WeasyPrint lays text out with Pango, which takes each character from the first font of
fontconfig's list for the page's fonts (FcFontSort) that has it, and prints an empty box where
none has it, without an error. So before a PDF is made, each character of its text is looked
up in that list's coverage (the union of its fonts' character sets, read once a process from
libfontconfig, as WeasyPrint's own configuration reads the fonts); one outside it stops the
build, naming the Debian package with a font for it.
"""

from __future__ import annotations

import ctypes
import functools
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser

# Japanese and Korean text in PDFs: IPAex Gothic and Nanum Gothic, TrueType fonts of about
# 12,000 glyphs. Noto Sans CJK (65,535 glyphs, CFF) stays the fallback, and Chinese: WeasyPrint
# subsets fonts keeping glyph ids, so a subset of it keeps an entry for every glyph up to the
# last one used, about 300 KB a PDF against 35 KB (docs/invoices.md).
PDF_CJK_FONTS = {"ja": "IPAexGothic", "ko": "NanumGothic", "zh": "Noto Sans CJK SC"}
PDF_FALLBACK_FONTS = ("IPAexGothic", "NanumGothic", "Noto Sans CJK JP", "Noto Sans CJK KR")

# What making the PDFs needs from Debian (or Ubuntu): Pango with fontconfig, HarfBuzz's subsetter,
# and the fonts of pdf_font_families. The Makefile's pdf-libs and `portal init-ci`'s workflows
# install these (a test holds the Makefile to this list).
DEBIAN_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
                   "fonts-dejavu-core", "fonts-ipaexfont-gothic", "fonts-nanum", "fonts-noto-cjk")
# The Debian packages with fonts for the PDFs, each with a family of its own by which
# fontconfig tells whether it is installed.
FONT_PACKAGES = {"fonts-dejavu-core": "DejaVu Sans", "fonts-ipaexfont-gothic": "IPAexGothic",
                 "fonts-nanum": "NanumGothic", "fonts-noto-cjk": "Noto Sans CJK JP",
                 "fonts-noto-core": "Noto Sans"}
FONTCONFIG_LIBRARIES = ("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll")
# Characters Pango prints without a glyph of their own: spaces, line breaks, format controls.
UNPRINTED = frozenset(["Cc", "Cf", "Zs", "Zl", "Zp"])
SHOWN = 8  # missing characters quoted in the error
# Unicode blocks by script, searched in order (kana and hangul before the CJK blocks around).
SCRIPT_RANGES = (
    (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"), (0xAC00, 0xD7FF, "hangul"),
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0xFF66, 0xFF9F, "kana"),
    (0x2E80, 0x303F, "han"), (0x3190, 0x9FFF, "han"), (0xF900, 0xFAFF, "han"),
    (0xFE30, 0xFE4F, "han"), (0xFF00, 0xFFEF, "han"), (0x20000, 0x3FFFF, "han"),
    (0x0000, 0x052F, "latin"), (0x1E00, 0x2BFF, "latin"))
# The packages with a font for each script, best first (Chinese: Noto CJK).
SCRIPT_PACKAGES = {"hangul": ("fonts-nanum", "fonts-noto-cjk"),
                   "kana": ("fonts-ipaexfont-gothic", "fonts-noto-cjk"),
                   "han": ("fonts-noto-cjk",), "latin": ("fonts-dejavu-core", "fonts-noto-core"),
                   "other": ("fonts-noto-core",), "unknown": ()}


def language_of(tag: str) -> str:
    """The language of a locale or language tag: 'ja' of 'ja_JP', 'pt' of 'pt-BR'."""
    return tag.split("_")[0].split("-")[0]


def pdf_font_families(language: str) -> tuple[str, ...]:
    """The PDF's font families by language: its own first, then the others for names and
    words in other scripts."""
    first = PDF_CJK_FONTS.get(language_of(language), "DejaVu Sans")
    return (first, *(name for name in PDF_FALLBACK_FONTS if name != first))


def pdf_fonts(language: str) -> str:
    """The PDF's CSS font-family (Debian's DejaVu, IPAex, Nanum and Noto CJK, embedded and
    subset) by language."""
    return ", ".join(f'"{name}"' for name in pdf_font_families(language)) + ", sans-serif"


class FontsMissing(Exception):
    """A page holds characters no installed font has: Pango would print them as boxes."""

    def __init__(self, characters: str, packages: tuple[str, ...]) -> None:
        super().__init__(characters, packages)
        self.characters, self.packages = characters, packages

    def explain(self, pdf: str) -> str:
        """What is wrong with the PDF `pdf` and what to install, in a sentence."""
        count = len(self.characters)
        shown = " ".join(self.characters[:SHOWN]) + (" …" if count > SHOWN else "")
        what = f"{count} characters ({shown})" if count > 1 else f"the character {shown}"
        fix = (f"install {' and '.join(self.packages)} "
               f"(sudo apt-get install {' '.join(self.packages)}) and build again"
               if self.packages else
               f"install a font that has them (fc-list ':charset={ord(self.characters[0]):x}' "
               "lists the fonts that do) and build again")
        boxes, them = ("empty boxes", "them") if count > 1 else ("an empty box", "it")
        return f"{pdf} would print {what} as {boxes}: no font on this computer has {them}; {fix}"


def check_fonts(html: str, language: str) -> None:
    """Raise FontsMissing if a character the page prints is in none of the fonts fontconfig
    would give Pango for the page's fonts."""
    text = page_text(html)
    covers = _coverage(pdf_font_families(language))
    missing = "".join(dict.fromkeys(c for c in text + text.upper()
                                    if unicodedata.category(c) not in UNPRINTED
                                    and not covers(c)))
    if missing:
        raise FontsMissing(missing, packages_for(missing, text, language))


def page_text(html: str) -> str:
    """The text a page prints: its body's text, a list's bullet for each item."""
    parser = _PageText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class _PageText(HTMLParser):
    SKIPPED = frozenset(["head", "style", "script"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skipping += tag in self.SKIPPED
        if tag == "li":
            self.parts.append("•")

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in self.SKIPPED

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def packages_for(missing: str, text: str, language: str) -> tuple[str, ...]:
    """The Debian packages to install for the `missing` characters of a page of `text` in
    `language`: for each script, the first package of the fonts the PDFs name that has it
    and is not installed yet (none if all are)."""
    page_scripts = {script_of(c) for c in text}
    found: dict[str, None] = {}
    for script in dict.fromkeys(script_of(c) for c in missing):
        candidates = _candidates(script, page_scripts, language_of(language))
        package = next((p for p in candidates if not _installed(FONT_PACKAGES[p])), None)
        if package:
            found[package] = None
    return tuple(found)


def script_of(char: str) -> str:
    """The script a character is written in, as far as choosing a font goes: 'hangul',
    'kana', 'han' (with the CJK punctuation and full-width forms), 'latin' (with Greek,
    Cyrillic, punctuation and symbols), 'other', or 'unknown' (private use, unassigned)."""
    if unicodedata.category(char) in ("Co", "Cn"):  # private use, unassigned: no font we know
        return "unknown"
    code = ord(char)
    return next((script for first, last, script in SCRIPT_RANGES if first <= code <= last),
                "other")


def _candidates(script: str, page_scripts: set[str], language: str) -> tuple[str, ...]:
    """The packages with a font for `script`, best first: Chinese characters on a page with
    kana (or in Japanese) are kanji, on one with hangul (or in Korean) hanja."""
    if script == "han" and ("kana" in page_scripts or language == "ja"):
        script = "kana"
    elif script == "han" and ("hangul" in page_scripts or language == "ko"):
        script = "hangul"
    return SCRIPT_PACKAGES[script]


@functools.cache
def _fontconfig() -> tuple[ctypes.CDLL, int]:
    """libfontconfig with the fonts this process would use (FONTCONFIG_FILE, else the
    system's configuration), loaded once."""
    library = _library()
    void = ctypes.c_void_p
    signatures = {
        "FcInitLoadConfigAndFonts": ([], void), "FcPatternCreate": ([], void),
        "FcPatternDestroy": ([void], None),
        "FcPatternAddString": ([void, ctypes.c_char_p, ctypes.c_char_p], ctypes.c_int),
        "FcConfigSubstitute": ([void, void, ctypes.c_int], ctypes.c_int),
        "FcDefaultSubstitute": ([void], None),
        "FcFontSort": ([void, void, ctypes.c_int, void, void], void),
        "FcFontList": ([void, void, void], void), "FcFontSetDestroy": ([void], None),
        "FcObjectSetCreate": ([], void), "FcObjectSetDestroy": ([void], None),
        "FcObjectSetAdd": ([void, ctypes.c_char_p], ctypes.c_int),
        "FcCharSetHasChar": ([void, ctypes.c_uint32], ctypes.c_int),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(library, name)
        function.argtypes, function.restype = arguments, result
    config = library.FcInitLoadConfigAndFonts()
    if not config:
        raise OSError("fontconfig could not load its configuration")
    return library, config


def _library() -> ctypes.CDLL:
    """libfontconfig by its file name on Linux, macOS or Windows (no linker probe)."""
    for name in FONTCONFIG_LIBRARIES:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise OSError(f"none of {', '.join(FONTCONFIG_LIBRARIES)} could be loaded: "
                  "invoice PDFs need fontconfig (Makefile: pdf-libs)")


def _pattern(families: tuple[str, ...]) -> int:
    """A fontconfig pattern asking for `families`, in order."""
    library, _ = _fontconfig()
    pattern = library.FcPatternCreate()
    for family in families:
        library.FcPatternAddString(pattern, b"family", family.encode("utf-8"))
    return int(pattern)


@functools.cache
def _coverage(families: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a character is in a font of fontconfig's list for `families` (the union of
    their character sets, kept for the process)."""
    library, config = _fontconfig()
    pattern = _pattern(families)
    library.FcConfigSubstitute(config, pattern, 0)  # FcMatchPattern: the config's aliases
    library.FcDefaultSubstitute(pattern)
    charset, result = ctypes.c_void_p(), ctypes.c_int()
    fonts = library.FcFontSort(config, pattern, 1, ctypes.byref(charset), ctypes.byref(result))
    if fonts:
        library.FcFontSetDestroy(fonts)
    library.FcPatternDestroy(pattern)
    return functools.partial(_has_char, charset.value)


def _has_char(charset: int | None, char: str) -> bool:
    return bool(charset) and bool(_fontconfig()[0].FcCharSetHasChar(charset, ord(char)))


@functools.cache
def _installed(family: str) -> bool:
    """Whether a font of `family` is installed (fontconfig lists one)."""
    library, config = _fontconfig()
    pattern, wanted = _pattern((family,)), library.FcObjectSetCreate()
    library.FcObjectSetAdd(wanted, b"family")
    fonts = library.FcFontList(config, pattern, wanted)
    count = ctypes.cast(fonts, ctypes.POINTER(ctypes.c_int))[0] if fonts else 0  # nfont
    if fonts:
        library.FcFontSetDestroy(fonts)
    library.FcObjectSetDestroy(wanted)
    library.FcPatternDestroy(pattern)
    return count > 0
