"""The invoicing stage of one client: its valid invoice files to published, settled records.

`bill` is the one entry point the pipeline calls after content is validated: it decides each
invoice's seller, account, payment reference and tax note, checks what only the invoicing rules
know (figures, country rules, VAT by place of supply, KSeF, credit notes), and settles the
ledger on the build date. Every problem names the invoice file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from generator.content.domain import (
    AgencyContent,
    Client,
    InvoiceFile,
    InvoiceRecord,
    InvoiceTotals,
    Party,
    Seller,
)
from generator.content.models import PaymentDetails
from generator.errors import Problem, did_you_mean
from generator.invoicing.ksef import fa3_facts, verification_digest, verification_url
from generator.invoicing.ledger import OVERDUE, balances, refunds_exceed_payments, settle
from generator.invoicing.money import invoice_totals, round_money
from generator.invoicing.numbering import IssuedNumber, issued_numbers
from generator.invoicing.payment import payment_reference
from generator.invoicing.rules import fa3_mismatches, invoice_rule_problems
from generator.invoicing.sellers import buyer_party, seller_key, seller_problem, sellers
from generator.invoicing.taxes import place_of_supply, tax_note, tax_problem

OVERDUE_WARNING_DAYS = 30  # an invoice unpaid this long after its due date is a warning


@dataclass
class _Problems:
    """The problems found, each located in a file by a path into its data."""

    found: list[Problem] = field(default_factory=list)

    def add(self, file: InvoiceFile, where: tuple[str | int, ...], message: str,
            severity: str = "error") -> None:
        self.found.append(Problem(file.source.shown, file.source.document.line_of(where),
                                  message, severity))


@dataclass(frozen=True, kw_only=True)
class Bill:
    """What the invoicing stage makes of one client."""

    client: Client  # with its published invoices, settled, and its balances
    problems: list[Problem]
    numbers: tuple[IssuedNumber, ...]  # every invoice number, for the agency-wide checks


def bill(client: Client, agency: AgencyContent, as_of: date) -> Bill:
    """The client with its invoices settled on the build date (those issued by then) and its
    balances; the problems found; its invoice numbers, published yet or not."""
    problems = _Problems()
    entities = sellers(agency.config.agency)
    buyer = buyer_party(client.profile)
    _check_client(client, entities, buyer, problems)
    records = [record for file in client.invoice_files
               if (record := _record(file, client, agency, entities, buyer, problems))]
    records = settle(_link_credit_notes(records, client, problems), as_of)
    _check_settled(records, client, as_of, problems)
    published = [r for r in records if r.invoice.issued <= as_of]
    countries = {e.party.name: e.country for e in entities.values()}
    numbers = issued_numbers(client, records, agency.config.invoicing.number, countries)
    return Bill(client=replace(client, invoices=tuple(published),
                               balances=balances(published)),
                problems=problems.found, numbers=numbers)


def _check_client(client: Client, entities: dict[str, Seller], buyer: Party,
                  problems: _Problems) -> None:
    source = client.profile_file
    wrong_seller = seller_problem(client.profile, entities)
    if wrong_seller:
        problems.found.append(Problem(source.shown, source.document.line_of(("seller",)),
                                      wrong_seller))
    if client.invoice_files and buyer.country is None:
        problems.found.append(Problem(
            source.shown, source.document.line_of(("name",)),
            "the client's country is not given (country, or a tax number that names it): "
            "it decides which entity invoices the client and the VAT, and is not guessed",
            "warning"))


def _record(file: InvoiceFile, client: Client, agency: AgencyContent,
            entities: dict[str, Seller], buyer: Party,
            problems: _Problems) -> InvoiceRecord | None:
    invoice = file.invoice
    currency = invoice.currency or client.currency
    for loc, message in invoice_rule_problems(invoice, currency):
        problems.add(file, loc, message)
    totals = _figures(file, currency, problems)
    if totals is None:
        return None
    seller = entities[seller_key(client.profile, buyer, currency, entities,
                                 agency.config.agency)]
    rule = place_of_supply(seller, buyer)
    found = tax_problem(invoice, seller, buyer, rule) if buyer.country else None
    if found:
        problems.add(file, found[0], found[1], "warning")
    account = _account(file, seller, entities, currency, problems)
    return InvoiceRecord(
        slug=file.slug, source=file.source.shown, invoice=invoice, totals=totals,
        seller=seller.party, buyer=buyer, status="open",
        notes_line=file.source.document.line_of(("notes",)) or 1,
        number_line=file.source.document.line_of(("number",)),
        ksef_url=_ksef_link(file, seller.party, client.ksef_files, problems),
        account=account, payment_reference=payment_reference(invoice.number, currency, account),
        tax_note=tax_note(invoice, rule))


def _account(file: InvoiceFile, seller: Seller, entities: dict[str, Seller], currency: str,
             problems: _Problems) -> PaymentDetails | None:
    """The seller's account for the currency; an error when only another entity has one (the
    money would reach a different legal person than the one invoicing)."""
    account = seller.account(currency)
    owners = [e.party.name for e in entities.values()
              if e.key != seller.key and any(a.currency == currency for a in e.accounts)]
    if account is None and owners and file.invoice.kind == "invoice":
        problems.add(file, ("currency",) if file.invoice.currency else ("number",),
                     f"invoice {file.invoice.number} is issued by '{seller.party.name}', which "
                     f"has no {currency} account: the {currency} account in portal.yaml "
                     f"belongs to '{owners[0]}', another entity. Give the issuing entity a "
                     f"{currency} account (accounts of its registration), or choose the seller "
                     "(client.yaml's seller)")
    return account


def _figures(file: InvoiceFile, currency: str, problems: _Problems) -> InvoiceTotals | None:
    """The invoice's totals, None when they cannot be computed; a `total:` that differs
    from the computed one is an error naming both."""
    invoice = file.invoice
    try:
        totals = invoice_totals(invoice, currency)
    except InvalidOperation:  # figures each in bounds, whose sums exact arithmetic cannot hold
        problems.add(file, ("items",), "the invoice's figures are too large to compute exactly")
        return None
    if totals.net < 0:
        problems.add(file, ("discount",), "discount is larger than the invoice subtotal")
        return None
    if invoice.total is not None and round_money(invoice.total, currency) != totals.total:
        problems.add(file, ("total",), f"total: {invoice.total} {currency} is not the computed "
                                       f"total {totals.total} {currency} (lines, discount and "
                                       "tax per rate)")
    return totals


def _ksef_link(file: InvoiceFile, seller: Party, ksef_files: dict[str, bytes],
               problems: _Problems) -> str | None:
    """KSeF's verification link of the invoice, from its FA(3) file; None, with the problems
    noted, when the number, the file and the invoice do not agree."""
    invoice = file.invoice
    if invoice.ksef is None:
        return None
    data = ksef_files.get(invoice.ksef.file)
    if data is None:
        problems.add(file, ("ksef", "file"),
                     f"ksef.file: '{invoice.ksef.file}' not found (FA(3) files live in the "
                     f"client's ksef/ folder){did_you_mean(invoice.ksef.file, ksef_files)}")
        return None
    facts = fa3_facts(data)
    found = ([("file", f"ksef.file: {invoice.ksef.file} {facts}")] if isinstance(facts, str)
             else fa3_mismatches(facts, invoice, seller))
    for key, message in found:
        problems.add(file, ("ksef", key), message)
    if found or isinstance(facts, str) or facts.issued is None:
        return None
    return verification_url(invoice.ksef.number[:10], facts.issued, verification_digest(data))


def _link_credit_notes(records: list[InvoiceRecord], client: Client,
                       problems: _Problems) -> list[InvoiceRecord]:
    """Give each credit note the invoice it corrects; a credit note naming no invoice of the
    client, in another currency, dated before it, or crediting more than it totals is an
    error (and is left out of the ledger)."""
    by_number = {r.invoice.number: r for r in records if not r.is_credit_note}
    files = {f.source.shown: f for f in client.invoice_files}
    credited: dict[str, Decimal] = {}
    linked = []
    for record in records:
        number = record.invoice.corrects
        if number is None:
            linked.append(record)
            continue
        corrected = by_number.get(number)
        problem = _credit_note_problem(record, corrected, by_number, credited)
        if problem:
            problems.add(files[record.source], ("corrects",), problem)
            continue
        assert corrected is not None
        credited[number] = credited.get(number, Decimal(0)) + record.totals.total
        linked.append(replace(record, corrects=corrected))
    return linked


def _credit_note_problem(record: InvoiceRecord, corrected: InvoiceRecord | None,
                         by_number: dict[str, InvoiceRecord],
                         credited: dict[str, Decimal]) -> str | None:
    number = record.invoice.corrects or ""
    if corrected is None:
        return (f"corrects: '{number}' is not one of this client's invoices"
                f"{did_you_mean(number, by_number)}")
    if corrected.currency != record.currency:
        return (f"corrects: invoice {number} is in {corrected.currency}, this credit note in "
                f"{record.currency}: a correction is in the invoice's currency")
    if record.invoice.issued < corrected.invoice.issued:
        return (f"corrects: invoice {number} is issued on {corrected.invoice.issued}, after "
                f"this credit note ({record.invoice.issued})")
    total = credited.get(number, Decimal(0)) + record.totals.total
    if total > corrected.totals.total:
        return (f"corrects: credit notes of invoice {number} take off {total} "
                f"{record.currency}, more than its total {corrected.totals.total}")
    return None


def _check_settled(records: list[InvoiceRecord], client: Client, as_of: date,
                   problems: _Problems) -> None:
    """Warnings the build date gives: invoices long overdue; refunds larger than owed."""
    files = {f.source.shown: f for f in client.invoice_files}
    for record in records:
        file, invoice = files[record.source], record.invoice
        late = (as_of - invoice.due).days if invoice.due else 0
        if record.status == OVERDUE and late > OVERDUE_WARNING_DAYS:
            problems.add(file, ("due",), f"invoice {invoice.number} is unpaid {late} days "
                                         f"after its due date ({invoice.due})", "warning")
        notes = [r for r in records if r.corrects and r.corrects.slug == record.slug]
        _check_paid_back(record, notes, file, problems)


def _check_paid_back(record: InvoiceRecord, notes: list[InvoiceRecord], file: InvoiceFile,
                     problems: _Problems) -> None:
    """An error when credit notes refund more than was paid; a warning when overpaid."""
    number = record.invoice.number
    if not record.is_credit_note and refunds_exceed_payments(record, notes):
        problems.add(file, ("payments",), f"invoice {number}: its credit notes record refunds "
                                          "of more than was paid on it by then")
    elif record.left < 0 and not record.credit_notes:
        problems.add(file, ("payments",), f"invoice {number} is overpaid by {-record.left} "
                                          f"{record.currency}: record the refund on a credit "
                                          "note, or check the payments", "warning")


