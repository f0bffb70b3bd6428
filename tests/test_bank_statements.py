"""Bank statements read from real files: camt.053 of every version .001.02 to .001.08 (each
valid against its official XSD first), MT940 in the German, Dutch and free-text forms, and
Stripe's itemized balance report, all into the same bank entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from bankfiles import ACCOUNT, CAMT_VERSIONS, Line, camt053, mt940, stripe_csv
from generator.bank.camt import schema
from generator.bank.records import BankEntry, StatementError
from generator.bank.statements import read_statements

RF = "RF18539007547034"  # ISO 11649's own example
LINES = [
    Line(amount="1210.00", reference="E-1", creditor_reference=RF, text="Faktura FV/2026/07/014"),
    Line(amount="45.10", debit=True, reference="E-2", text="Bank fee", payer=None,
         payer_iban=None),
    Line(amount="300.00", reference="E-3", text="Invoice MV-2026-11-003", payer="Nordlys AS",
         payer_iban="NO9386011117947", booked=date(2026, 11, 7)),
    Line(amount="99.00", reference="E-4", status="PDNG", text="not booked yet"),
    Line(amount="20.00", reference="E-5", reversal=True, text="returned", booked=date(2026, 11, 9)),
]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(tmp_path: Path, name: str, data: bytes) -> tuple[BankEntry, ...]:
    return read_statements([_write(tmp_path, name, data)], base=tmp_path)


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_each_camt_version_is_valid_against_its_xsd_and_reads_alike(tmp_path, version):
    data = camt053(version, LINES)
    assert schema(version).validate(etree.fromstring(data))
    entries = _read(tmp_path, f"stmt-{version}.xml", data)
    assert [e.entry_id for e in entries] == ["E-1", "E-2", "E-3", "E-5"]  # pending one skipped
    paid = entries[0]
    assert paid == BankEntry(
        source=paid.source, position=1, format=f"camt.053.001.{version}", account=ACCOUNT,
        entry_id="E-1", booked=date(2026, 11, 5), direction="credit", reversal=False,
        amount=Decimal("1210.00"), currency="EUR", structured_references=(RF,),
        remittance="Faktura FV/2026/07/014", counterparty_name="Kowalski Legal sp. k.",
        counterparty_iban="PL61109010140000071219812874")
    assert paid.source.endswith(f"stmt-{version}.xml") and paid.where.endswith(": entry 1")
    assert entries[1].direction == "debit" and entries[1].counterparty_name is None
    assert (entries[2].booked, entries[2].remittance) == (date(2026, 11, 7),
                                                         "Invoice MV-2026-11-003")
    assert entries[3].reversal and entries[3].position == 5


@pytest.mark.parametrize("version", ["02", "05", "08"])
def test_a_camt_batch_entry_is_read_as_its_transactions(tmp_path, version):
    lines = [Line(amount="300.00", reference="B", parts=("100.00", "200.00"), text="two"),
             Line(amount="300.00", reference="C", parts=("100.00", "150.00"), text="short")]
    entries = _read(tmp_path, "batch.xml", camt053(version, lines))
    assert [(e.entry_id, e.amount) for e in entries] == [
        ("B/1", Decimal("100.00")), ("B/2", Decimal("200.00")),
        ("C", Decimal("300.00"))]  # parts that do not add up: the entry stays whole


def test_a_camt_entry_without_booking_date_takes_its_value_date(tmp_path):
    data = camt053("08", [Line(amount="1.00", reference="V")])
    data = data.replace(b"<BookgDt><Dt>2026-11-05</Dt></BookgDt>", b"")
    assert _read(tmp_path, "v.xml", data)[0].booked == date(2026, 11, 5)


@pytest.mark.parametrize("style", ["german", "dutch", "free"])
def test_mt940_reads_credits_debits_and_reversals(tmp_path, style):
    entries = _read(tmp_path, "stmt.sta", mt940([LINES[0], LINES[1], LINES[2], LINES[4]],
                                                style=style))
    assert [(e.entry_id, e.direction, e.reversal, e.amount, e.position) for e in entries] == [
        ("E-1", "credit", False, Decimal("1210.00"), 5),
        ("E-2", "debit", False, Decimal("45.10"), 7),
        ("E-3", "credit", False, Decimal("300.00"), 9),
        ("E-5", "credit", True, Decimal("20.00"), 11)]  # RD: a reversed debit, money in
    first = entries[0]
    assert (first.format, first.account, first.currency, first.booked) == (
        "MT940", ACCOUNT, "EUR", date(2026, 11, 5))
    assert first.where.endswith("stmt.sta:5")
    # the Dutch form carries a structured reference (/REMI/STRD/) or text (/REMI/USTD/)
    assert ("FV/2026/07/014" in first.remittance) == (style != "dutch")
    assert (RF in first.structured_references) == (style == "dutch")
    assert entries[2].remittance == "Invoice MV-2026-11-003"
    assert (RF in first.remittance.replace(" ", "")) == (style != "dutch")
    if style != "free":
        assert first.counterparty_iban == "PL61109010140000071219812874"
        assert first.counterparty_name == "Kowalski Legal sp. k."


def test_mt940_without_bank_references_gets_ids_by_place(tmp_path):
    lines = [Line(amount="1.00", text="a"), Line(amount="2.00", text="b", reference="X"),
             Line(amount="3.00", text="c", reference="X")]  # a repeated reference is no id
    entries = _read(tmp_path, "s.sta", mt940(lines))
    assert [e.entry_id for e in entries] == [f"{ACCOUNT} 00042:5", f"{ACCOUNT} 00042:7",
                                             f"{ACCOUNT} 00042:9"]
    assert len({e.entry_id for e in entries}) == 3


def test_mt940_reversal_of_a_credit_is_money_out(tmp_path):
    entry = _read(tmp_path, "s.sta", mt940([Line(amount="5.00", debit=True, reversal=True,
                                                 reference="R")]))[0]
    assert (entry.direction, entry.reversal) == ("debit", True)


STRIPE_ROWS = [
    {"balance_transaction_id": "txn_1", "created_utc": "2026-11-05 10:11:12",
     "currency": "eur", "gross": "1210.00", "fee": "17.19", "net": "1192.81",
     "reporting_category": "charge", "description": "Invoice FV/2026/07/014",
     "customer_name": "Kowalski Legal", "payment_metadata[invoice_number]": "FV/2026/07/014"},
    {"balance_transaction_id": "txn_2", "created_utc": "2026-11-06 09:00:00",
     "currency": "eur", "gross": "-100.00", "reporting_category": "refund",
     "description": "Refund, partial"},
    {"balance_transaction_id": "txn_3", "created_utc": "2026-11-07 09:00:00",
     "currency": "sek", "gross": "500.00", "reporting_category": "dispute_reversal",
     "description": "Dispute won"},
    {"balance_transaction_id": "txn_4", "created_utc": "2026-11-08 09:00:00",
     "currency": "eur", "gross": "-1092.81", "reporting_category": "payout",
     "description": "STRIPE PAYOUT"},
]


def test_stripe_itemized_report_reads_charges_with_their_invoice_number(tmp_path):
    entries = _read(tmp_path, "stripe.csv", stripe_csv(STRIPE_ROWS))
    charge = entries[0]
    assert charge == BankEntry(
        source=charge.source, position=2, format="Stripe", account="Stripe", entry_id="txn_1",
        booked=date(2026, 11, 5), direction="credit", reversal=False,
        amount=Decimal("1210.00"), currency="EUR", structured_references=("FV/2026/07/014",),
        remittance="Invoice FV/2026/07/014", counterparty_name="Kowalski Legal",
        counterparty_iban=None)
    assert [(e.direction, e.reversal, e.amount, e.currency) for e in entries[1:]] == [
        ("debit", False, Decimal("100.00"), "EUR"),
        ("credit", True, Decimal("500.00"), "SEK"),   # money back, but no client's payment
        ("debit", False, Decimal("1092.81"), "EUR")]


def test_a_quoted_multi_line_cell_keeps_the_line_numbers(tmp_path):
    rows = [dict(STRIPE_ROWS[0], description="Invoice\nFV/2026/07/014"),
            dict(STRIPE_ROWS[1])]
    entries = _read(tmp_path, "stripe.csv", stripe_csv(rows))
    assert [e.position for e in entries] == [2, 4]
    assert entries[0].remittance == "Invoice FV/2026/07/014"


def test_several_files_are_read_in_order(tmp_path):
    paths = [_write(tmp_path, "a.xml", camt053("02", LINES[:1])),
             _write(tmp_path, "b.sta", mt940(LINES[2:3])),
             _write(tmp_path, "c.csv", stripe_csv(STRIPE_ROWS[:1]))]
    entries = read_statements(paths, base=tmp_path)
    assert [(e.format, e.entry_id) for e in entries] == [
        ("camt.053.001.02", "E-1"), ("MT940", "E-3"), ("Stripe", "txn_1")]


def test_every_bad_file_is_named_before_the_import_stops(tmp_path):
    paths = [_write(tmp_path, "good.xml", camt053("08", LINES[:1])),
             _write(tmp_path, "notes.txt", b"Dear bank,\nthanks.\n"),
             _write(tmp_path, "cut.xml", camt053("08", LINES[:1])[:300])]
    with pytest.raises(StatementError) as caught:
        read_statements(paths, base=tmp_path)
    message = caught.value.format_message()
    assert "notes.txt:1: is not a bank statement this import reads" in message
    assert "cut.xml" in message and "is not well-formed XML" in message
    assert "good.xml" not in message
    assert message.endswith("2 errors in statement files; nothing was written.")
    assert caught.value.exit_code == 1
