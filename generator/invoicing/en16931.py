"""One invoice model (EN 16931) → the two e-invoice syntaxes: UN/CEFACT CII and OASIS UBL 2.1.

`einvoice()` turns a validated invoice, its seller and its buyer into an `EInvoice`: every
business term the syntaxes carry, computed once (VAT categories, electronic addresses, payment
means). `cii_xml` writes it as the Factur-X EN 16931 profile (embedded in the PDF), `ubl_xml`
as Peppol BIS Billing 3.0 (UBL Invoice, or CreditNote for credit notes). Neither reads HTML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from generator.content.domain import InvoiceRecord, Line, Party, TaxGroup
from generator.content.models import PaymentDetails
from generator.content.taxids import compact
from generator.invoicing.money import round_money
from generator.invoicing.taxes import EU_COUNTRIES, REVERSE_CHARGE

CII_PROFILE = "urn:cen.eu:en16931:2017"
PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# Electronic address schemes (EAS) of VAT numbers, by the VAT number's country.
VAT_EAS = {"AT": "9914", "BE": "9925", "DE": "9930", "ES": "9920", "FI": "0213", "FR": "9957",
           "HU": "9910", "IT": "0211", "NL": "9944", "PL": "9945"}  # SE: by organisation number
SE_ORG_EAS = "0007"  # Swedish organisation number
JP_INVOICE_EAS = "0221"  # Japanese qualified invoice issuer's registration number
# Units written in invoices, by UN/ECE Recommendation 20 code; anything else is C62 ("one").
UNIT_CODES = {
    "HUR": {"h", "hr", "hrs", "hour", "hours", "godz.", "godz", "tim", "timmar", "時間", "시간"},
    "DAY": {"d", "day", "days", "dzień", "dni", "dag", "dagar", "日", "일"},
    "MON": {"month", "months", "mo", "mies.", "mies", "mån", "månad", "月", "월", "개월"},
}


@dataclass(frozen=True)
class TaxCategory:
    """The VAT breakdown at one rate (BG-23): category code, rate and exemption reason."""

    code: str  # S standard, AE reverse charge, E exempt, G export outside the EU
    group: TaxGroup
    exemption: str | None = None
    exemption_code: str | None = None


@dataclass(frozen=True)
class EInvoice:
    """Every business term of one invoice or credit note, ready to be written as CII or UBL."""

    record: InvoiceRecord
    seller: Party
    buyer: Party
    payment: PaymentDetails
    payment_reference: str
    credit_note: bool = False
    corrects: tuple[str, date] | None = None  # the invoice a credit note corrects

    @property
    def currency(self) -> str:
        return self.record.currency

    @property
    def type_code(self) -> str:
        """UNTDID 1001: 380 commercial invoice, 381 credit note."""
        return "381" if self.credit_note else "380"

    def categories(self) -> list[TaxCategory]:
        return [self._category(group) for group in self.record.totals.taxes]

    def category_of(self, rate: Decimal) -> TaxCategory:
        return next(c for c in self.categories() if c.group.rate == rate)

    def _category(self, group: TaxGroup) -> TaxCategory:
        note = self.record.tax_note
        if note is not None and note.kind == REVERSE_CHARGE:
            return TaxCategory("AE", group, "Reverse charge", "VATEX-EU-AE")
        if group.rate > 0:
            return TaxCategory("S", group)
        if self.seller.country in EU_COUNTRIES and self.buyer.country not in EU_COUNTRIES:
            return TaxCategory("G", group, "Export outside the EU", "VATEX-EU-G")
        return TaxCategory("E", group, "Exempt from VAT")

    def amount(self, value: Decimal) -> str:
        """An amount in the currency's minor units, as the syntaxes write it."""
        return str(round_money(abs(value), self.currency))


def einvoice(record: InvoiceRecord) -> EInvoice:
    """The e-invoice model of one settled invoice record (as issued: its own figures)."""
    corrected = record.corrects
    return EInvoice(record, record.seller, record.buyer, record.account or PaymentDetails(),
                    record.payment_reference or record.invoice.number, record.is_credit_note,
                    (corrected.invoice.number, corrected.invoice.issued) if corrected else None)


def unit_code(unit: str | None) -> str:
    """The UN/ECE Recommendation 20 code of a unit as invoices write it."""
    word = (unit or "").strip().casefold()
    return next((code for code, words in UNIT_CODES.items() if word in words), "C62")


def decimal_text(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 2.50 → 2.5, 1E+1 → 10."""
    text = format(value.normalize(), "f")
    return text


def vat_number(party: Party) -> str | None:
    """The party's VAT identifier (BT-31, BT-48), prefixed by its country."""
    return compact(party.tax_ids.eu_vat) if party.tax_ids.eu_vat else None


def tax_registration(party: Party) -> str | None:
    """A seller's national tax registration that is not an EU VAT number (BT-32); a buyer has
    none in EN 16931 (its national number is its legal registration, BT-47)."""
    ids = party.tax_ids
    if ids.eu_vat or not party.is_seller:
        return None
    for value in (ids.jp_invoice_registration, ids.pl_nip, ids.kr_business_registration):
        if value:
            return compact(value)
    return None


def legal_id(party: Party) -> tuple[str, str | None] | None:
    """The party's legal registration (BT-30, BT-47) and its ISO 6523 scheme, if known."""
    ids = party.tax_ids
    if ids.se_org_number:
        return re.sub(r"\D", "", ids.se_org_number)[-10:], SE_ORG_EAS
    if ids.company_number:
        return ids.company_number, None
    if ids.kr_business_registration:
        return compact(ids.kr_business_registration), None
    if ids.jp_invoice_registration:
        return compact(ids.jp_invoice_registration)[1:], None  # the corporate number
    return None


def electronic_address(party: Party) -> tuple[str, str] | None:
    """The party's electronic address (BT-34, BT-49) and its scheme, from its tax numbers."""
    ids = party.tax_ids
    vat = vat_number(party)
    if vat and party.vat_country in VAT_EAS:
        return vat, VAT_EAS[str(party.vat_country)]
    if ids.se_org_number:
        return re.sub(r"\D", "", ids.se_org_number)[-10:], SE_ORG_EAS
    if ids.jp_invoice_registration:
        return compact(ids.jp_invoice_registration), JP_INVOICE_EAS
    if party.email:
        return party.email, "EM"
    return None


# ---------------------------------------------------------------- CII (Factur-X EN 16931)

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
CII_PREFIXES = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Add a child `prefix:name` (prefixes of the syntax being written) with text."""
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


class _Writer:
    """Builds one XML document with prefixed names resolved against `namespaces`."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces

    def name(self, tag: str) -> str:
        prefix, local = tag.split(":")
        return f"{{{self.namespaces[prefix]}}}{local}"

    def add(self, parent: ET.Element, tag: str, text: str | None = None,
            **attrs: str) -> ET.Element:
        return _sub(parent, self.name(tag), text, **attrs)

    def document(self, root: ET.Element) -> bytes:
        for prefix, uri in self.namespaces.items():
            ET.register_namespace(prefix, uri)
        ET.indent(root)
        xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return xml + b"\n"


def _cii_date(w: _Writer, parent: ET.Element, tag: str, day: date, qualified: bool = False
              ) -> None:
    holder = w.add(parent, tag)
    w.add(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString",
          day.strftime("%Y%m%d"), format="102")


def cii_xml(doc: EInvoice) -> bytes:
    """The invoice as a UN/CEFACT Cross Industry Invoice, Factur-X profile EN 16931."""
    w = _Writer(CII_PREFIXES)
    root = ET.Element(w.name("rsm:CrossIndustryInvoice"))
    context = w.add(root, "rsm:ExchangedDocumentContext")
    w.add(w.add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", CII_PROFILE)
    header = w.add(root, "rsm:ExchangedDocument")
    invoice = doc.record.invoice
    w.add(header, "ram:ID", invoice.number)
    w.add(header, "ram:TypeCode", doc.type_code)
    _cii_date(w, header, "ram:IssueDateTime", invoice.issued)
    if invoice.notes:
        w.add(w.add(header, "ram:IncludedNote"), "ram:Content", invoice.notes.strip())
    transaction = w.add(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(doc.record.totals.lines, 1):
        _cii_line(w, transaction, doc, number, line)
    _cii_agreement(w, transaction, doc)
    w.add(transaction, "ram:ApplicableHeaderTradeDelivery")
    _cii_settlement(w, transaction, doc)
    return w.document(root)


def _cii_line(w: _Writer, parent: ET.Element, doc: EInvoice, number: int, line: Line) -> None:
    item = line.item
    element = w.add(parent, "ram:IncludedSupplyChainTradeLineItem")
    w.add(w.add(element, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
    w.add(w.add(element, "ram:SpecifiedTradeProduct"), "ram:Name", item.description)
    agreement = w.add(element, "ram:SpecifiedLineTradeAgreement")
    price = w.add(agreement, "ram:NetPriceProductTradePrice")
    w.add(price, "ram:ChargeAmount", decimal_text(abs(item.unit_price)))
    delivery = w.add(element, "ram:SpecifiedLineTradeDelivery")
    w.add(delivery, "ram:BilledQuantity", decimal_text(abs(item.quantity)),
          unitCode=unit_code(item.unit))
    settlement = w.add(element, "ram:SpecifiedLineTradeSettlement")
    category = doc.category_of(item.tax_rate)
    tax = w.add(settlement, "ram:ApplicableTradeTax")
    w.add(tax, "ram:TypeCode", "VAT")
    w.add(tax, "ram:CategoryCode", category.code)
    w.add(tax, "ram:RateApplicablePercent", decimal_text(item.tax_rate))
    summation = w.add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    w.add(summation, "ram:LineTotalAmount", doc.amount(line.net))


def _cii_party(w: _Writer, parent: ET.Element, tag: str, party: Party) -> None:
    element = w.add(parent, tag)
    w.add(element, "ram:Name", party.name)
    legal = legal_id(party)
    if legal:
        organisation = w.add(element, "ram:SpecifiedLegalOrganization")
        w.add(organisation, "ram:ID", legal[0], **({"schemeID": legal[1]} if legal[1] else {}))
    address = w.add(element, "ram:PostalTradeAddress")
    lines = party.address_lines
    for tag_name, text in zip(("ram:LineOne", "ram:LineTwo"), lines[:2], strict=False):
        w.add(address, tag_name, text)
    if len(lines) > 2:
        w.add(address, "ram:LineThree", ", ".join(lines[2:]))
    w.add(address, "ram:CountryID", party.country or "")
    endpoint = electronic_address(party)
    if endpoint:
        w.add(w.add(element, "ram:URIUniversalCommunication"), "ram:URIID", endpoint[0],
              schemeID=endpoint[1])
    for value, scheme in ((vat_number(party), "VA"), (tax_registration(party), "FC")):
        if value:
            w.add(w.add(element, "ram:SpecifiedTaxRegistration"), "ram:ID", value,
                  schemeID=scheme)


def _cii_agreement(w: _Writer, parent: ET.Element, doc: EInvoice) -> None:
    agreement = w.add(parent, "ram:ApplicableHeaderTradeAgreement")
    invoice = doc.record.invoice
    if invoice.po_number:
        w.add(agreement, "ram:BuyerReference", invoice.po_number)
    _cii_party(w, agreement, "ram:SellerTradeParty", doc.seller)
    _cii_party(w, agreement, "ram:BuyerTradeParty", doc.buyer)
    if invoice.po_number:
        w.add(w.add(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID",
              invoice.po_number)


def _cii_settlement(w: _Writer, parent: ET.Element, doc: EInvoice) -> None:
    settlement = w.add(parent, "ram:ApplicableHeaderTradeSettlement")
    w.add(settlement, "ram:PaymentReference", doc.payment_reference)
    w.add(settlement, "ram:InvoiceCurrencyCode", doc.currency)
    _cii_payment_means(w, settlement, doc)
    for category in doc.categories():
        _cii_tax(w, settlement, doc, category)
    period = doc.record.invoice.period
    if period:
        billing = w.add(settlement, "ram:BillingSpecifiedPeriod")
        _cii_date(w, billing, "ram:StartDateTime", period.start)
        _cii_date(w, billing, "ram:EndDateTime", period.end)
    for category in doc.categories():
        if category.group.discount:
            _cii_allowance(w, settlement, doc, category)
    terms = w.add(settlement, "ram:SpecifiedTradePaymentTerms")
    if doc.record.invoice.due is not None:
        _cii_date(w, terms, "ram:DueDateDateTime", doc.record.invoice.due)
    elif doc.corrects:
        w.add(terms, "ram:Description", f"Credited against invoice {doc.corrects[0]}")
    _cii_totals(w, settlement, doc)
    if doc.corrects:
        reference = w.add(settlement, "ram:InvoiceReferencedDocument")
        w.add(reference, "ram:IssuerAssignedID", doc.corrects[0])
        _cii_date(w, reference, "ram:FormattedIssueDateTime", doc.corrects[1], qualified=True)


def _cii_payment_means(w: _Writer, parent: ET.Element, doc: EInvoice) -> None:
    account = payment_account(doc.payment)
    if account is None:
        return
    means = w.add(parent, "ram:SpecifiedTradeSettlementPaymentMeans")
    w.add(means, "ram:TypeCode", payment_means_code(doc))
    financial = w.add(means, "ram:PayeePartyCreditorFinancialAccount")
    if doc.payment.iban:  # the schema's order: IBANID, AccountName, ProprietaryID
        w.add(financial, "ram:IBANID", account)
    if doc.payment.account_holder:
        w.add(financial, "ram:AccountName", doc.payment.account_holder)
    if not doc.payment.iban:
        w.add(financial, "ram:ProprietaryID", account)
    if doc.payment.bic:
        w.add(w.add(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID",
              doc.payment.bic)


def payment_account(payment: PaymentDetails) -> str | None:
    """The account to pay into (BT-84): the IBAN without spaces, else the domestic number,
    the Bankgiro or the Plusgiro number."""
    if payment.iban:
        return compact(payment.iban)
    return payment.account_number or payment.bankgiro or payment.plusgiro


def payment_means_code(doc: EInvoice) -> str:
    """UNTDID 4461: 58 SEPA credit transfer (EUR to an IBAN), else 30 credit transfer."""
    return "58" if doc.payment.iban and doc.currency == "EUR" else "30"


def _cii_tax(w: _Writer, parent: ET.Element, doc: EInvoice, category: TaxCategory) -> None:
    tax = w.add(parent, "ram:ApplicableTradeTax")
    w.add(tax, "ram:CalculatedAmount", doc.amount(category.group.tax))
    w.add(tax, "ram:TypeCode", "VAT")
    if category.exemption:
        w.add(tax, "ram:ExemptionReason", category.exemption)
    w.add(tax, "ram:BasisAmount", doc.amount(category.group.net))
    w.add(tax, "ram:CategoryCode", category.code)
    if category.exemption_code:
        w.add(tax, "ram:ExemptionReasonCode", category.exemption_code)
    w.add(tax, "ram:RateApplicablePercent", decimal_text(category.group.rate))


def _cii_allowance(w: _Writer, parent: ET.Element, doc: EInvoice, category: TaxCategory) -> None:
    allowance = w.add(parent, "ram:SpecifiedTradeAllowanceCharge")
    w.add(w.add(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
    w.add(allowance, "ram:ActualAmount", doc.amount(category.group.discount))
    w.add(allowance, "ram:ReasonCode", "95")
    w.add(allowance, "ram:Reason", discount_reason(doc))
    tax = w.add(allowance, "ram:CategoryTradeTax")
    w.add(tax, "ram:TypeCode", "VAT")
    w.add(tax, "ram:CategoryCode", category.code)
    w.add(tax, "ram:RateApplicablePercent", decimal_text(category.group.rate))


def discount_reason(doc: EInvoice) -> str:
    discount = doc.record.invoice.discount
    return (discount.label if discount and discount.label else "Discount")


def _cii_totals(w: _Writer, parent: ET.Element, doc: EInvoice) -> None:
    totals = doc.record.totals
    summation = w.add(parent, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    w.add(summation, "ram:LineTotalAmount", doc.amount(totals.subtotal))
    if totals.discount:
        w.add(summation, "ram:AllowanceTotalAmount", doc.amount(totals.discount))
    w.add(summation, "ram:TaxBasisTotalAmount", doc.amount(totals.net))
    w.add(summation, "ram:TaxTotalAmount", doc.amount(totals.tax), currencyID=doc.currency)
    w.add(summation, "ram:GrandTotalAmount", doc.amount(totals.total))
    w.add(summation, "ram:DuePayableAmount", doc.amount(totals.total))


# ---------------------------------------------------------------- UBL 2.1 (Peppol BIS 3.0)

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def ubl_xml(doc: EInvoice) -> bytes:
    """The invoice as a Peppol BIS Billing 3.0 UBL Invoice (CreditNote for credit notes)."""
    kind = "CreditNote" if doc.credit_note else "Invoice"
    w = _Writer({"ubl": UBL_CREDIT_NOTE if doc.credit_note else UBL_INVOICE,
                 "cac": CAC, "cbc": CBC})
    root = ET.Element(w.name(f"ubl:{kind}"))
    invoice = doc.record.invoice
    w.add(root, "cbc:CustomizationID", PEPPOL_CUSTOMIZATION)
    w.add(root, "cbc:ProfileID", PEPPOL_PROFILE)
    w.add(root, "cbc:ID", invoice.number)
    w.add(root, "cbc:IssueDate", invoice.issued.isoformat())
    if not doc.credit_note and invoice.due is not None:
        w.add(root, "cbc:DueDate", invoice.due.isoformat())
    w.add(root, f"cbc:{kind}TypeCode", doc.type_code)
    if invoice.notes:
        w.add(root, "cbc:Note", invoice.notes.strip())
    w.add(root, "cbc:DocumentCurrencyCode", doc.currency)
    w.add(root, "cbc:BuyerReference", invoice.po_number or invoice.number)
    _ubl_references(w, root, doc)
    _ubl_party(w, w.add(root, "cac:AccountingSupplierParty"), doc.seller)
    _ubl_party(w, w.add(root, "cac:AccountingCustomerParty"), doc.buyer)
    _ubl_payment(w, root, doc)
    for category in doc.categories():
        if category.group.discount:
            _ubl_allowance(w, root, doc, category)
    _ubl_taxes(w, root, doc)
    _ubl_totals(w, root, doc)
    for number, line in enumerate(doc.record.totals.lines, 1):
        _ubl_line(w, root, doc, kind, number, line)
    return w.document(root)


def _ubl_references(w: _Writer, root: ET.Element, doc: EInvoice) -> None:
    invoice = doc.record.invoice
    if invoice.period:
        period = w.add(root, "cac:InvoicePeriod")
        w.add(period, "cbc:StartDate", invoice.period.start.isoformat())
        w.add(period, "cbc:EndDate", invoice.period.end.isoformat())
    if invoice.po_number:
        w.add(w.add(root, "cac:OrderReference"), "cbc:ID", invoice.po_number)
    if doc.corrects:
        reference = w.add(w.add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        w.add(reference, "cbc:ID", doc.corrects[0])
        w.add(reference, "cbc:IssueDate", doc.corrects[1].isoformat())


def _ubl_party(w: _Writer, holder: ET.Element, party: Party) -> None:
    element = w.add(holder, "cac:Party")
    endpoint = electronic_address(party)
    if endpoint:
        w.add(element, "cbc:EndpointID", endpoint[0], schemeID=endpoint[1])
    address = w.add(element, "cac:PostalAddress")
    lines = party.address_lines
    for tag_name, text in zip(("cbc:StreetName", "cbc:AdditionalStreetName"), lines[:2],
                              strict=False):
        w.add(address, tag_name, text)
    if len(lines) > 2:
        w.add(w.add(address, "cac:AddressLine"), "cbc:Line", ", ".join(lines[2:]))
    w.add(w.add(address, "cac:Country"), "cbc:IdentificationCode", party.country or "")
    for value in (vat_number(party), tax_registration(party)):
        if value:
            scheme = w.add(element, "cac:PartyTaxScheme")
            w.add(scheme, "cbc:CompanyID", value)
            w.add(w.add(scheme, "cac:TaxScheme"), "cbc:ID", "VAT" if value == vat_number(party)
                  else "TAX")
    legal = w.add(element, "cac:PartyLegalEntity")
    w.add(legal, "cbc:RegistrationName", party.name)
    legal_number = legal_id(party)
    if legal_number:
        w.add(legal, "cbc:CompanyID", legal_number[0],
              **({"schemeID": legal_number[1]} if legal_number[1] else {}))


def _ubl_payment(w: _Writer, root: ET.Element, doc: EInvoice) -> None:
    account = payment_account(doc.payment)
    if account is not None:
        means = w.add(root, "cac:PaymentMeans")
        w.add(means, "cbc:PaymentMeansCode", payment_means_code(doc))
        w.add(means, "cbc:PaymentID", doc.payment_reference)
        financial = w.add(means, "cac:PayeeFinancialAccount")
        w.add(financial, "cbc:ID", account)
        if doc.payment.account_holder:
            w.add(financial, "cbc:Name", doc.payment.account_holder)
        if doc.payment.bic:
            w.add(w.add(financial, "cac:FinancialInstitutionBranch"), "cbc:ID", doc.payment.bic)
    if doc.credit_note:
        terms = w.add(root, "cac:PaymentTerms")
        w.add(terms, "cbc:Note", f"Credit note to invoice {doc.corrects[0]}" if doc.corrects
              else "Credit note")


def _ubl_tax_category(w: _Writer, parent: ET.Element, category: TaxCategory,
                      tag: str = "cac:TaxCategory", reasons: bool = False) -> None:
    element = w.add(parent, tag)
    w.add(element, "cbc:ID", category.code)
    w.add(element, "cbc:Percent", decimal_text(category.group.rate))
    if reasons and category.exemption_code:
        w.add(element, "cbc:TaxExemptionReasonCode", category.exemption_code)
    if reasons and category.exemption:
        w.add(element, "cbc:TaxExemptionReason", category.exemption)
    w.add(w.add(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def _ubl_allowance(w: _Writer, root: ET.Element, doc: EInvoice, category: TaxCategory) -> None:
    allowance = w.add(root, "cac:AllowanceCharge")
    w.add(allowance, "cbc:ChargeIndicator", "false")
    w.add(allowance, "cbc:AllowanceChargeReasonCode", "95")
    w.add(allowance, "cbc:AllowanceChargeReason", discount_reason(doc))
    w.add(allowance, "cbc:Amount", doc.amount(category.group.discount), currencyID=doc.currency)
    _ubl_tax_category(w, allowance, category)


def _ubl_taxes(w: _Writer, root: ET.Element, doc: EInvoice) -> None:
    total = w.add(root, "cac:TaxTotal")
    w.add(total, "cbc:TaxAmount", doc.amount(doc.record.totals.tax), currencyID=doc.currency)
    for category in doc.categories():
        subtotal = w.add(total, "cac:TaxSubtotal")
        w.add(subtotal, "cbc:TaxableAmount", doc.amount(category.group.net),
              currencyID=doc.currency)
        w.add(subtotal, "cbc:TaxAmount", doc.amount(category.group.tax), currencyID=doc.currency)
        _ubl_tax_category(w, subtotal, category, reasons=True)


def _ubl_totals(w: _Writer, root: ET.Element, doc: EInvoice) -> None:
    totals, currency = doc.record.totals, doc.currency
    monetary = w.add(root, "cac:LegalMonetaryTotal")
    w.add(monetary, "cbc:LineExtensionAmount", doc.amount(totals.subtotal), currencyID=currency)
    w.add(monetary, "cbc:TaxExclusiveAmount", doc.amount(totals.net), currencyID=currency)
    w.add(monetary, "cbc:TaxInclusiveAmount", doc.amount(totals.total), currencyID=currency)
    if totals.discount:
        w.add(monetary, "cbc:AllowanceTotalAmount", doc.amount(totals.discount),
              currencyID=currency)
    w.add(monetary, "cbc:PayableAmount", doc.amount(totals.total), currencyID=currency)


def _ubl_line(w: _Writer, root: ET.Element, doc: EInvoice, kind: str, number: int,
              line: Line) -> None:
    item = line.item
    element = w.add(root, f"cac:{kind}Line")
    w.add(element, "cbc:ID", str(number))
    quantity = "cbc:CreditedQuantity" if doc.credit_note else "cbc:InvoicedQuantity"
    w.add(element, quantity, decimal_text(abs(item.quantity)), unitCode=unit_code(item.unit))
    w.add(element, "cbc:LineExtensionAmount", doc.amount(line.net), currencyID=doc.currency)
    product = w.add(element, "cac:Item")
    w.add(product, "cbc:Name", item.description)
    category = doc.category_of(item.tax_rate)
    _ubl_tax_category(w, product, category, tag="cac:ClassifiedTaxCategory")
    price = w.add(element, "cac:Price")
    w.add(price, "cbc:PriceAmount", decimal_text(abs(item.unit_price)), currencyID=doc.currency)
