"""Invoice PDFs: WeasyPrint's PDF/A-3b with the CII XML embedded as Factur-X names it.

The PDF is a fixed document made from its own template (`invoice_pdf.html`): no portal
navigation, no status, the invoice as issued. Fonts are embedded and subset (the system's
DejaVu, IPAex, Nanum and Noto CJK, fonts.py; nothing is downloaded). The XMP metadata carries Factur-X's extension
schema in the one XMP packet WeasyPrint writes (a second `rdf:RDF` block would be ignored
by XMP readers), and `factur-x.xml` is attached with the relationship `Alternative`, so accounting
software reads the invoice without retyping it.

A PDF costs a few hundred milliseconds, so `PdfMaker` makes each one once: it keeps the PDF
in the output folder's cache under the digest of its HTML and XML, and a client's rebuild
takes it from there while the invoice and what it shows are unchanged. Before it makes one,
it checks that the fonts installed have every character of the page (fonts.py).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes.util
import functools
import hashlib
import html
import logging
import mimetypes
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree

from generator.invoicing.fonts import check_fonts

FACTURX_FILENAME = "factur-x.xml"
FACTURX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
# Countries whose paper is US Letter; everyone else prints on A4.
LETTER_COUNTRIES = frozenset(["US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PA", "DO", "PR", "SV", "NI", "HN", "BZ"])

# Factur-X's properties, and the PDF/A extension schema that declares them (PDF/A-3 requires
# every XMP property outside its own schemas to be declared).
FACTURX_XMP = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:fx="{namespace}">
<fx:DocumentType>{document_type}</fx:DocumentType>
<fx:DocumentFileName>{filename}</fx:DocumentFileName>
<fx:Version>1.0</fx:Version>
<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{namespace}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>fx</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
"""
FACTURX_PROPERTIES = (("DocumentFileName", "name of the embedded XML invoice file"),
                      ("DocumentType", "INVOICE"),
                      ("Version", "The actual version of the Factur-X XML schema"),
                      ("ConformanceLevel", "The conformance level of the embedded Factur-X data"))


def paper_size(country: str | None) -> str:
    """The paper an invoice to `country` prints on: 'letter' or 'A4'."""
    return "letter" if country in LETTER_COUNTRIES else "A4"


# The XMP's prefixes, the schemas' own: PDF/A requires the extension schema's prefix ("fx") to be
# the one its properties are written with, and validators expect the predefined ones.
XMP_PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
                "pdf": "http://ns.adobe.com/pdf/1.3/", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
                "fx": FACTURX_NAMESPACE, "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
                "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
                "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#"}


def facturx_xmp() -> bytes:
    """The RDF of a Factur-X invoice's XMP properties and of their extension schema."""
    properties = "".join(
        "<rdf:li rdf:parseType=\"Resource\">"
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{html.escape(text, quote=False)}</pdfaProperty:description>"
        "</rdf:li>"
        for name, text in FACTURX_PROPERTIES)
    return FACTURX_XMP.format(namespace=FACTURX_NAMESPACE, document_type="INVOICE",
                              filename=FACTURX_FILENAME, properties=properties).encode("utf-8")


def merged_xmp(weasyprint_rdf: bytes) -> bytes:
    """WeasyPrint's RDF (PDF/A identification, title, author, dates) with the Factur-X
    descriptions added to it: one `rdf:RDF`, the only one XMP readers look at."""
    rdf = ElementTree.fromstring(weasyprint_rdf)
    rdf.extend(list(ElementTree.fromstring(facturx_xmp())))
    for prefix, namespace in XMP_PREFIXES.items():  # as WeasyPrint registers its own
        ElementTree.register_namespace(prefix, namespace)
    xmp: bytes = ElementTree.tostring(rdf, encoding="utf-8")
    return xmp


def _with_facturx(weasyprint_rdf: Callable[..., bytes]) -> Callable[..., bytes]:
    """WeasyPrint's `generate_rdf_metadata`, with the Factur-X descriptions merged in."""
    return lambda *args: merged_xmp(weasyprint_rdf(*args))


@contextlib.contextmanager
def _quiet_import() -> Iterator[None]:
    """While WeasyPrint loads: no linker probes, no system mime.types, no proxy settings.

    A build runs no program but git and reads no file outside its folders and libraries,
    nor any environment variable but its own; WeasyPrint's import would do all three.
    It tries several names for each of Pango, HarfBuzz and fontconfig, and cffi asks
    `ctypes.util.find_library` for every name it cannot open directly, which runs
    `ldconfig -p` and the C compiler (about 20 programs, 0.5 s, in every process): each
    list ends with the library's file name (libpango-1.0.so.0, .dylib, .dll), which opens
    without a probe. Its module-level `mimetypes.MimeTypes()` would read /etc/mime.types
    (Python's own table is enough), and its user-agent stylesheets' URL fetchers read every
    environment variable for proxies (they fetch nothing)."""
    saved = ctypes.util.find_library, mimetypes.inited, urllib.request.getproxies
    ctypes.util.find_library = lambda name: None
    mimetypes.inited = True  # MimeTypes() then starts from Python's table, reading no file
    urllib.request.getproxies = dict
    try:
        yield
    finally:
        ctypes.util.find_library, mimetypes.inited, urllib.request.getproxies = saved


@functools.cache
def weasyprint() -> Any:
    """The weasyprint module, loaded once without linker probes (else as it loads itself)."""
    import importlib

    try:
        with _quiet_import():
            return importlib.import_module("weasyprint")
    except OSError:  # a system where only a probe finds the libraries
        return importlib.import_module("weasyprint")


def render_pdf(html: str, cii: bytes, issued: date) -> bytes:
    """The invoice's PDF/A-3b with `cii` embedded as factur-x.xml; the same bytes for the same
    HTML, XML and date."""
    HTML, Attachment = weasyprint().HTML, weasyprint().Attachment  # noqa: N806

    # WeasyPrint logs what it ignores in CSS: the template is ours, so that is a bug to fix
    # in the template, not something to print for every invoice of every build
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    moment = datetime(issued.year, issued.month, issued.day)
    document = HTML(string=html, url_fetcher=_data_only_fetcher()).render(
        font_config=_font_config())
    # the documented extension point of WeasyPrint's XMP: its `xmp_metadata` list would be
    # written as a second rdf:RDF after its own, which pikepdf and pypdf do not read
    metadata = document.metadata
    metadata.generate_rdf_metadata = _with_facturx(metadata.generate_rdf_metadata)
    attachment = Attachment(string=cii, name=FACTURX_FILENAME, created=moment,
                            url_fetcher=_data_only_fetcher(),
                            modified=moment, description="Factur-X invoice (EN 16931)",
                            relationship="Alternative")
    return bytes(document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment]))


@functools.cache
def _font_config() -> Any:
    """One font configuration for every PDF a process makes. WeasyPrint otherwise makes one
    per document, and what each leaves behind grew a worker by ~0.2 MB a PDF (bench: 639 MB
    at 1,000 clients with 4,000 PDFs); with one, a worker stays flat."""
    return weasyprint().text.fonts.FontConfiguration()


@functools.cache
def _data_only_fetcher() -> Any:
    """WeasyPrint's fetcher for the PDF's resources: `data:` URLs only (the agency logo is
    one), decoded here. The template is the generator's own: any other address is a bug,
    and the PDF is never made from the network or the disk."""
    class DataOnly(weasyprint().urls.URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            # not URLFetcher's: its proxy handler reads every environment variable
            urllib.request.OpenerDirector.__init__(self)
            self._fail_on_errors = True

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:") or "," not in url:
                raise ValueError(f"an invoice PDF loads data: URLs only, not {url[:40]!r}")
            header, _, data = url[len("data:"):].partition(",")
            kind, _, encoding = header.partition(";")
            body = base64.b64decode(data) if encoding == "base64" else unquote_to_bytes(data)
            return weasyprint().urls.URLFetcherResponse(
                url, body, {"Content-Type": kind or "text/plain"})

    return DataOnly()


@functools.cache
def _maker_version() -> bytes:
    """What makes a PDF besides its HTML and XML: WeasyPrint's version, from its installed
    metadata (a PDF taken from the cache needs no WeasyPrint loaded, 0.5 s a process), and
    this module's code (its metadata, its checks)."""
    from importlib.metadata import version

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{version('weasyprint')} {code}".encode()


class PdfCache(Protocol):
    """Where made PDFs are kept between builds (sink.FileCache is one)."""

    def get(self, group: str, key: str, suffix: str) -> bytes | None: ...

    def put(self, group: str, key: str, suffix: str, content: bytes) -> None: ...

    def keep_only(self, group: str, names: set[str]) -> None: ...


@dataclass
class PdfMaker:
    """Makes invoice PDFs, each once: kept in `cache` by the digest of its HTML and XML."""

    cache: PdfCache | None = None
    _used: dict[str, set[str]] = field(default_factory=dict)

    def pdf(self, group: str, html: str, cii: bytes, issued: date, language: str) -> bytes:
        """The PDF of one invoice of a client (`group`) in `language`, from the cache when
        unchanged; raise FontsMissing, making none, if it would print a character no
        installed font has."""
        digest = hashlib.sha256(b"\0".join((_maker_version(), html.encode(),
                                            cii, issued.isoformat().encode()))).hexdigest()
        self._used.setdefault(group, set()).add(f"{digest}.pdf")
        cached = self.cache.get(group, digest, ".pdf") if self.cache else None
        if cached is not None:
            return cached
        check_fonts(html, language)
        content = render_pdf(html, cii, issued)
        if self.cache:
            self.cache.put(group, digest, ".pdf", content)
        return content

    def done(self, group: str) -> None:
        """A client's portal is rendered: drop its cached PDFs that it no longer uses."""
        if self.cache:
            self.cache.keep_only(group, self._used.pop(group, set()))
