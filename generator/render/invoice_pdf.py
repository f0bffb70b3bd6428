"""Invoice PDFs: WeasyPrint's PDF/A-3b with the CII XML embedded as Factur-X names it.

The PDF is a fixed document made from its own template (`invoice_pdf.html`): no portal
navigation, no status, the invoice as issued. Fonts are embedded and subset (the system's
DejaVu and Noto CJK; nothing is downloaded). The XMP metadata carries Factur-X's extension
schema, and `factur-x.xml` is attached with the relationship `Alternative`, so accounting
software reads the invoice without retyping it.

A PDF costs a few hundred milliseconds, so `PdfMaker` makes each one once: it keeps the PDF
in the output folder's cache under the digest of its HTML and XML, and a client's rebuild
takes it from there while the invoice and what it shows are unchanged.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

from generator.publish.output import FileCache

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


def facturx_xmp() -> bytes:
    """The XMP of a Factur-X invoice, added to WeasyPrint's own (PDF/A identification)."""
    properties = "".join(
        "<rdf:li rdf:parseType=\"Resource\">"
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(text)}</pdfaProperty:description></rdf:li>"
        for name, text in FACTURX_PROPERTIES)
    return FACTURX_XMP.format(namespace=FACTURX_NAMESPACE, document_type="INVOICE",
                              filename=FACTURX_FILENAME, properties=properties).encode("utf-8")


def render_pdf(html: str, cii: bytes, issued: date) -> bytes:
    """The invoice's PDF/A-3b with `cii` embedded as factur-x.xml; the same bytes for the same
    HTML, XML and date."""
    from weasyprint import HTML, Attachment

    # WeasyPrint logs what it ignores in CSS: the template is ours, so that is a bug to fix
    # in the template, not something to print for every invoice of every build
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    moment = datetime(issued.year, issued.month, issued.day)
    document = HTML(string=html).render()
    document.metadata.xmp_metadata.append(facturx_xmp())
    attachment = Attachment(string=cii, name=FACTURX_FILENAME, created=moment,
                            modified=moment, description="Factur-X invoice (EN 16931)",
                            relationship="Alternative")
    return bytes(document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment]))


def _weasyprint_version() -> str:
    from weasyprint import __version__

    return str(__version__)


@dataclass
class PdfMaker:
    """Makes invoice PDFs, each once: kept in `cache` by the digest of its HTML and XML."""

    cache: FileCache | None = None
    made: int = 0  # PDFs rendered (not taken from the cache), for tests and the bench
    _used: dict[str, set[str]] = field(default_factory=dict)

    def pdf(self, group: str, html: str, cii: bytes, issued: date) -> bytes:
        """The PDF of one invoice of a client (`group`), from the cache when unchanged."""
        digest = hashlib.sha256(b"\0".join((_weasyprint_version().encode(), html.encode(),
                                            cii, issued.isoformat().encode()))).hexdigest()
        self._used.setdefault(group, set()).add(f"{digest}.pdf")
        cached = self.cache.get(group, digest, ".pdf") if self.cache else None
        if cached is not None:
            return cached
        content = render_pdf(html, cii, issued)
        self.made += 1
        if self.cache:
            self.cache.put(group, digest, ".pdf", content)
        return content

    def done(self, group: str) -> None:
        """A client's portal is rendered: drop its cached PDFs that it no longer uses."""
        if self.cache:
            self.cache.keep_only(group, self._used.pop(group, set()))
