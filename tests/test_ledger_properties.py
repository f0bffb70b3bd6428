"""The ledger's invariants over random invoices, credit notes, partial payments, refunds and
build dates (Hypothesis): 0 <= overdue <= open <= issued - credited in every currency, and money
is conserved: issued - credited - paid = open - refund."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.content.domain import InvoiceRecord, Party
from generator.content.models import Invoice, TaxIds
from generator.invoicing.ledger import balances, refunds_exceed_payments, settle
from generator.invoicing.money import invoice_totals

START = date(2026, 1, 1)
PARTY = Party("Seller", None, "NL", TaxIds())
cents = st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c).scaleb(-2))
days = st.integers(min_value=0, max_value=400)


@st.composite
def ledgers(draw):
    """Invoices in EUR and JPY, some with credit notes, payments and refunds; a build date."""
    records: list[InvoiceRecord] = []
    for index in range(draw(st.integers(min_value=1, max_value=5))):
        currency = draw(st.sampled_from(["EUR", "JPY"]))
        issued = START + timedelta(days=draw(days))
        total_hint = draw(cents)
        invoice = _invoice(f"I{index}", issued, issued + timedelta(days=draw(days)),
                           total_hint, currency, draw(_payments(issued, total_hint * 2)),
                           paid_on=(issued + timedelta(days=draw(days))
                                    if draw(st.booleans()) and draw(st.booleans()) else None))
        record = _record(invoice, currency)
        records.append(record)
        left = record.totals.total
        for note in range(draw(st.integers(min_value=0, max_value=2))):
            share = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2))
            amount = (left * share).quantize(Decimal(1) if currency == "JPY" else Decimal("0.01"))
            if amount <= 0:
                continue
            left -= amount
            credit_issued = issued + timedelta(days=draw(days))
            credit = _invoice(f"C{index}-{note}", credit_issued, None,
                              amount, currency, draw(_payments(credit_issued, amount)),
                              kind="credit_note", corrects=invoice.number, tax=False)
            records.append(_linked(_record(credit, currency), record))
    return records, START + timedelta(days=draw(st.integers(min_value=0, max_value=900)))


def _payments(after: date, most: Decimal):
    return st.lists(st.tuples(days, st.decimals(min_value=Decimal("0.01"), max_value=most,
                                                places=2)), max_size=3).map(
        lambda found: [{"on": after + timedelta(days=d), "amount": a} for d, a in found])


def _invoice(number: str, issued: date, due: date | None, net: Decimal, currency: str,
             payments: list[dict], paid_on: date | None = None, kind: str = "invoice",
             corrects: str | None = None, tax: bool = True) -> Invoice:
    if currency == "JPY":
        net = net.quantize(Decimal(1)) or Decimal(1)
        payments = [{**p, "amount": max(p["amount"].quantize(Decimal(1)), Decimal(1))}
                    for p in payments]
    return Invoice.model_validate({
        "kind": kind, "corrects": corrects, "number": number, "issued": issued, "due": due,
        "currency": currency, "paid_on": paid_on, "payments": payments,
        "items": [{"description": "Work", "quantity": 1, "unit_price": net,
                   "tax_rate": 21 if tax else 0}]})


def _record(invoice: Invoice, currency: str) -> InvoiceRecord:
    return InvoiceRecord(slug=invoice.number, source=f"{invoice.number}.yaml", invoice=invoice,
                         totals=invoice_totals(invoice, currency), seller=PARTY, buyer=PARTY,
                         status="open")


def _linked(credit: InvoiceRecord, invoice: InvoiceRecord) -> InvoiceRecord:
    from dataclasses import replace

    return replace(credit, corrects=invoice)


def _valid(records: list[InvoiceRecord]) -> bool:
    """What `portal check` accepts: a credit note after its invoice, refunds no more than
    was paid (check reports the rest as errors)."""
    by_slug = {r.slug: r for r in records}
    for record in records:
        if record.corrects and record.invoice.issued < by_slug[record.corrects.slug].invoice.issued:
            return False
    return not any(refunds_exceed_payments(r, [n for n in records if n.corrects
                                               and n.corrects.slug == r.slug])
                   for r in records if not r.is_credit_note)


@settings(max_examples=300, deadline=None)
@given(ledgers())
def test_overdue_never_exceeds_open_nor_open_what_was_issued(drawn):
    records, as_of = drawn
    assume(_valid(records))
    settled = settle(records, as_of)
    for balance in balances(settled):
        assert 0 <= balance.overdue <= balance.open <= balance.issued - balance.credited
        assert balance.refund >= 0
        assert balance.issued - balance.credited - balance.paid == balance.open - balance.refund
    for record in settled:
        assert record.outstanding == max(record.left, 0)
        if not record.is_credit_note:
            assert (record.status == "paid") == (record.left <= 0)
            assert record.status != "overdue" or record.invoice.due < as_of


@settings(max_examples=100, deadline=None)
@given(ledgers())
def test_the_ledger_is_a_pure_function_of_its_inputs(drawn):
    records, as_of = drawn
    assert balances(settle(records, as_of)) == balances(settle(list(records), as_of))


def test_a_credit_note_lowers_the_invoice_it_corrects_and_nothing_else():
    invoice = _record(_invoice("A", START, START + timedelta(days=14), Decimal(100), "EUR",
                               []), "EUR")  # 121.00
    credit = _linked(_record(_invoice("CN", START + timedelta(days=3), None, Decimal("21.00"),
                                      "EUR", [], kind="credit_note", corrects="A", tax=False),
                             "EUR"), invoice)
    settled = {r.slug: r for r in settle([invoice, credit], START + timedelta(days=30))}
    assert (settled["A"].left, settled["A"].status, settled["A"].credited) == (
        Decimal("100.00"), "overdue", Decimal("21.00"))
    assert settled["A"].credit_notes == (("CN", "CN"),)
    assert settled["CN"].corrects.slug == "A" and settled["CN"].status == "credited"
    [balance] = balances(list(settled.values()))
    assert (balance.open, balance.overdue, balance.refund) == (Decimal("100.00"),) * 2 + (0,)


def test_a_credit_note_on_a_paid_invoice_is_owed_back_until_refunded():
    paid = _record(_invoice("A", START, START + timedelta(days=14), Decimal(100), "EUR", [],
                            paid_on=START + timedelta(days=5)), "EUR")
    note = _invoice("CN", START + timedelta(days=10), None, Decimal(21), "EUR", [],
                    kind="credit_note", corrects="A", tax=False)
    settled = settle([paid, _linked(_record(note, "EUR"), paid)], START + timedelta(days=20))
    assert [r.status for r in settled] == ["paid", "refund"]
    assert balances(settled)[0].refund == Decimal(21)
    refunded = note.model_copy(update={"payments": [_payment(START + timedelta(days=15), 21)]})
    settled = settle([paid, _linked(_record(refunded, "EUR"), paid)], START + timedelta(days=20))
    assert [r.status for r in settled] == ["paid", "credited"]
    assert balances(settled)[0].refund == 0


def _payment(on: date, amount: int):
    from generator.content.models import Payment

    return Payment(on=on, amount=Decimal(amount))
