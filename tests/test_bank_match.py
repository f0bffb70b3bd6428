"""Matching credit entries to open invoices: each rule, each reason an entry is listed,
statements read from real files end to end, and properties of the matcher (Hypothesis)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from bankfiles import Line, camt053, mt940, stripe_csv
from generator.bank.match import match
from generator.bank.records import Allocation, BankEntry, Matched, Matches, OpenItem
from generator.bank.statements import read_statements
from generator.invoicing.payment import ocr_reference


def rf(body: str) -> str:
    """The RF creditor reference of `body` (ISO 11649), checked by python-stdnum."""
    reference = "RF" + mod_97_10.calc_check_digits(body + "RF") + body
    assert iso11649.is_valid(reference)
    return reference


def item(client: str, number: str, currency: str, amount: str,
         reference: str | None = None) -> OpenItem:
    return OpenItem(client=client, invoice_number=number, currency=currency,
                    open_amount=Decimal(amount), payment_reference=reference or number)


ACME_RF = rf("2026014")
ITEMS = [
    item("acme", "2026-014", "EUR", "1210.00", ACME_RF),
    item("acme", "2026-015", "EUR", "500.00", rf("2026015")),
    item("kowalski", "FV/2026/07/014", "PLN", "4920.00"),
    item("kowalski", "FV/2026/09/017", "PLN", "1230.00"),
    item("nordlys", "NS-2026-031", "SEK", "12500.00", ocr_reference("2026031")),
    item("sakura", "0398", "JPY", "165000"),
    item("hanbit", "HB-2026-11", "KRW", "2200000"),
]


def entry(amount: str, currency: str = "EUR", *, text: str = "", refs: tuple[str, ...] = (),
          n: int = 1, direction: str = "credit", reversal: bool = False,
          booked: date = date(2026, 11, 5), source: str = "stmt.xml") -> BankEntry:
    return BankEntry(source=source, position=n, format="camt.053.001.08", account="NL91",
                     entry_id=f"E-{n}", booked=booked, direction=direction,  # type: ignore[arg-type]
                     reversal=reversal, amount=Decimal(amount), currency=currency,
                     structured_references=refs, remittance=text, counterparty_name=None,
                     counterparty_iban=None)


def _paid(result: Matches) -> list[tuple[str, str, str, bool]]:
    return [(m.rule, a.invoice_number, str(a.amount), a.settles)
            for m in result.matched for a in m.allocations]


def _listed(result: Matches) -> list[tuple[str, str]]:
    return [(u.reason, u.detail) for u in result.unmatched]


def test_a_structured_rf_reference_pays_its_invoice():
    result = match([entry("1210.00", refs=(ACME_RF,))], ITEMS)
    assert _paid(result) == [("reference", "2026-014", "1210.00", True)]
    assert result.unmatched == () and result.for_no_client == 0


def test_an_rf_reference_in_the_text_spaced_or_cut_mid_word():
    spaced = " ".join(ACME_RF[i:i + 4] for i in range(0, len(ACME_RF), 4))
    for text in (f"Payment {spaced}", f"{ACME_RF}Rechnung vom 1.11.", spaced.lower()):
        assert _paid(match([entry("1210.00", text=text)], ITEMS)) == [
            ("reference", "2026-014", "1210.00", True)], text


def test_the_swedish_ocr_number_pays_its_invoice_as_reference_or_in_text():
    ocr = ocr_reference("2026031")
    for refs, text in (((ocr,), ""), ((), f"OCR {ocr}")):
        result = match([entry("12500.00", "SEK", refs=refs, text=text)], ITEMS)
        assert [(a.invoice_number, a.settles) for _, a in result.allocations] == [
            ("NS-2026-031", True)]


@pytest.mark.parametrize("text", ["Faktura FV/2026/07/014", "fv 2026 07 014, thanks",
                                  "FV-2026-07-014", "zapłata za FV/2026/07/014."])
def test_an_invoice_number_in_the_text_separators_and_case_aside(text):
    assert _paid(match([entry("4920.00", "PLN", text=text)], ITEMS)) == [
        ("invoice number", "FV/2026/07/014", "4920.00", True)]


@pytest.mark.parametrize(("text", "paid"), [
    ("請求書 0398 のお支払い", True), ("請求書番号：０３９８", True),  # full-width digits
    ("order 10398", False), ("0398a", False)])
def test_a_number_of_digits_only_must_stand_alone(text, paid):
    result = match([entry("100", "JPY", text=text)], ITEMS)
    assert bool(result.matched) == paid and result.unmatched == ()


def test_a_longer_number_is_not_read_as_the_shorter_one_inside_it():
    items = [item("a", "2026-07", "EUR", "10.00"), item("b", "FV/2026/07/014", "EUR", "10.00")]
    result = match([entry("10.00", text="FV/2026/07/014")], items)
    assert [(a.client, a.invoice_number) for _, a in result.allocations] == [
        ("b", "FV/2026/07/014")]


def test_partial_payments_add_up_over_entries_in_booking_order():
    later = entry("4000.00", "PLN", text="FV/2026/07/014", n=2, booked=date(2026, 11, 20))
    first = entry("920.00", "PLN", text="FV/2026/07/014 rata 1", n=1)
    result = match([later, first], ITEMS)
    assert _paid(result) == [("invoice number", "FV/2026/07/014", "920.00", False),
                             ("invoice number", "FV/2026/07/014", "4000.00", True)]
    again = match([later, first, entry("1.00", "PLN", text="FV/2026/07/014", n=3,
                                       booked=date(2026, 11, 21))], ITEMS)
    assert _listed(again)[-1] == ("overpayment", "pays 1.00 PLN; FV/2026/07/014 has 0 PLN open")


@pytest.mark.parametrize(("amount", "paid"), [
    ("6150.00", [("FV/2026/07/014", "4920.00", True), ("FV/2026/09/017", "1230.00", True)]),
    ("5000.00", [("FV/2026/07/014", "4920.00", True), ("FV/2026/09/017", "80.00", False)])])
def test_a_payment_of_several_invoices_is_split_in_invoice_order(amount, paid):
    text = "FV/2026/09/017 i FV/2026/07/014"  # named out of order
    result = match([entry(amount, "PLN", text=text)], ITEMS)
    assert [(a.invoice_number, str(a.amount), a.settles) for _, a in result.allocations] == paid


def test_a_combined_payment_too_small_for_each_is_not_guessed():
    result = match([entry("4920.00", "PLN", text="FV/2026/07/014, FV/2026/09/017")], ITEMS)
    assert _listed(result) == [("ambiguous", "names FV/2026/07/014, FV/2026/09/017 but pays "
                                             "4,920.00 PLN, not enough for each: which it "
                                             "pays is not clear")]


@pytest.mark.parametrize(("made", "reason", "detail"), [
    (entry("1210.01", refs=(ACME_RF,)), "overpayment",
     "pays 1,210.01 EUR; 2026-014 has 1,210.00 EUR open"),
    (entry("7000.00", "PLN", text="FV/2026/07/014 FV/2026/09/017"), "overpayment",
     "pays 7,000.00 PLN; FV/2026/07/014, FV/2026/09/017 have 6,150.00 PLN open"),
    (entry("1210.00", "PLN", refs=(ACME_RF,)), "wrong currency",
     "pays PLN; 2026-014 is billed in EUR"),
    (entry("100.00", text="2026-014 and 0398"), "ambiguous",
     "names invoices of 2 clients: 2026-014, 0398"),
    (entry("100.00", refs=(rf("999"),)), "unknown", f"reference '{rf('999')}' is on no open "
                                                    "invoice"),
    (entry("100.00", refs=("RF19539007547034",)), "unknown",
     "RF reference 'RF19539007547034' has wrong check digits (mistyped?)"),
    (entry("100.00", text="ref RF19 5390 0754 7034"), "unknown",
     "RF reference 'RF19 5390 0754 7034' has wrong check digits (mistyped?)"),
    (entry("100.00", "PLN", text="FV/2026/08/099"), "unknown",
     "'FV/2026/08/099' is no open invoice (paid already, or mistyped?)"),
    (entry("5.00", reversal=True), "reversal", "reverses an earlier entry of the bank: check "
                                               "it by hand"),
])
def test_what_is_never_guessed_is_listed_with_its_reason(made, reason, detail):
    result = match([made], ITEMS)
    assert result.matched == () and _listed(result) == [(reason, detail)]


def test_currency_and_amount_match_only_one_open_invoice():
    assert _paid(match([entry("500.00", text="thanks!")], ITEMS)) == [
        ("amount", "2026-015", "500.00", True)]
    twins = [*ITEMS, item("zeta", "Z-1", "EUR", "500.00")]
    assert _listed(match([entry("500.00")], twins)) == [
        ("ambiguous", "names no invoice, and 500.00 EUR is open on 2026-015, Z-1")]
    assert _paid(match([entry("500.00", "SEK")], ITEMS)) == []  # no such amount in SEK


def test_what_is_left_alone_is_counted():
    entries = [entry("50.00", direction="debit", n=1), entry("77.77", text="salary", n=2),
               entry("0", refs=(ACME_RF,), n=3), entry("1210.00", refs=(ACME_RF,), n=4),
               replace(entry("1210.00", refs=(ACME_RF,), n=4), source="again.xml"),
               entry("500.00", text="2026-015", n=5)]
    result = match(entries, ITEMS, already_recorded={"E-5"})
    assert (result.debits, result.for_no_client) == (1, 2)
    assert [e.source for e in result.duplicates] == ["stmt.xml"]  # again.xml came first
    assert [e.entry_id for e in result.already_recorded] == ["E-5"]
    assert _paid(result) == [("reference", "2026-014", "1210.00", True)]


def test_open_items_repeating_an_invoice_are_a_bug_of_the_caller():
    with pytest.raises(ValueError, match="repeat"):
        match([], [ITEMS[0], ITEMS[0]])


# What each statement file holds for the same invoices: exact, partial, combined, over,
# wrong currency, unknown, and a payment read twice.
FILE_LINES = [
    Line(amount="1210.00", reference="X-1", creditor_reference=ACME_RF, text="Invoice"),
    Line(amount="920.00", currency="PLN", reference="X-2", text="FV/2026/07/014 rata 1"),
    Line(amount="4800.00", currency="PLN", reference="X-3",
         text="FV/2026/07/014 FV/2026/09/017"),
    Line(amount="600.00", reference="X-4", creditor_reference=rf("2026015")),
    Line(amount="12500.00", currency="EUR", reference="X-5", text="NS-2026-031"),
    Line(amount="99.00", reference="X-6", text="HB-2026-12"),
    Line(amount="80.00", debit=True, reference="X-7", text="fee"),
]
EXPECTED_PAID = [("reference", "2026-014", "1210.00", True),
                 ("invoice number", "FV/2026/07/014", "920.00", False),
                 ("invoice number", "FV/2026/07/014", "4000.00", True),
                 ("invoice number", "FV/2026/09/017", "800.00", False)]
EXPECTED_LISTED = ["overpayment", "unknown", "wrong currency"]


def _files(kind: str) -> list[tuple[str, bytes]]:
    if kind == "mt940":  # one currency a statement: an account in each
        by_currency: dict[str, list[Line]] = defaultdict(list)
        for line in FILE_LINES:
            by_currency[line.currency].append(line)
        return [(f"{c}.sta", mt940(lines, currency=c)) for c, lines in by_currency.items()]
    return [(f"{kind}.xml", camt053(kind, FILE_LINES))]


@pytest.mark.parametrize("kind", ["02", "08", "mt940"])
def test_statement_files_end_to_end(tmp_path, kind):
    paths = []
    for name, data in [*_files(kind), *[("again-" + n, d) for n, d in _files(kind)]]:
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    result = match(read_statements(paths, base=tmp_path), ITEMS)
    assert _paid(result) == EXPECTED_PAID
    assert sorted(u.reason for u in result.unmatched) == EXPECTED_LISTED
    assert len(result.duplicates) == len(FILE_LINES) and result.debits == 1


def test_a_stripe_charge_pays_the_invoice_its_link_carried(tmp_path):
    path = tmp_path / "stripe.csv"
    path.write_bytes(stripe_csv([
        {"balance_transaction_id": "txn_1", "created_utc": "2026-11-05 10:00:00",
         "currency": "pln", "gross": "1230.00", "fee": "30.00", "reporting_category": "charge",
         "description": "Payment link", "payment_metadata[invoice_number]": "FV/2026/09/017"},
        {"balance_transaction_id": "txn_2", "created_utc": "2026-11-06 10:00:00",
         "currency": "pln", "gross": "-1200.00", "reporting_category": "payout"}]))
    result = match(read_statements([path], base=tmp_path), ITEMS)
    assert _paid(result) == [("reference", "FV/2026/09/017", "1230.00", True)]
    assert result.debits == 1


# Properties: whatever the entries and open items, the matcher never pays more than is open,
# never more than an entry brings, accounts for every entry once, and decides the same for
# the same input in any order.
CURRENCIES = ("EUR", "SEK", "PLN")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@st.composite
def open_items(draw) -> list[OpenItem]:
    found = []
    for n in range(draw(st.integers(1, 8))):
        client = draw(st.sampled_from(["acme", "beta", "gamma"]))
        currency = draw(st.sampled_from(CURRENCIES))
        number = f"{client[:2].upper()}-{2026}-{n:03}"
        reference = {"EUR": rf(f"{n}{client[:2].upper()}"),
                     "SEK": ocr_reference(f"{n}7")}.get(currency, number)
        found.append(OpenItem(client=client, invoice_number=number, currency=currency,
                              open_amount=draw(amounts), payment_reference=reference))
    return found


@st.composite
def bank_entries(draw, items: list[OpenItem]) -> list[BankEntry]:
    names = [i.invoice_number for i in items] + [i.payment_reference for i in items]
    made = []
    for n in range(draw(st.integers(0, 12))):
        words = draw(st.lists(st.sampled_from([*names, "thanks", "RF00 1234", "2026"]),
                              max_size=3))
        open_amount = draw(st.sampled_from([i.open_amount for i in items]))
        amount = draw(st.one_of(amounts, st.just(open_amount)))
        made.append(BankEntry(
            source=draw(st.sampled_from(["a.xml", "b.sta"])), position=n,
            format="camt.053.001.08", account="NL91", entry_id=f"E-{draw(st.integers(0, 15))}",
            booked=date(2026, 11, draw(st.integers(1, 3))),
            direction=draw(st.sampled_from(["credit", "credit", "debit"])),
            reversal=draw(st.booleans()) and draw(st.booleans()), amount=amount,
            currency=draw(st.sampled_from(CURRENCIES)),
            structured_references=tuple(draw(st.lists(st.sampled_from(names), max_size=2))),
            remittance=" ".join(words), counterparty_name=None, counterparty_iban=None))
    return made


def violations(entries: list[BankEntry], items: list[OpenItem], result: Matches) -> list[str]:
    """Every way `result` breaks the matcher's promises."""
    found = []
    open_by_key = {i.key: i for i in items}
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for m in result.matched:
        total = sum((a.amount for a in m.allocations), Decimal(0))
        if not m.allocations or total > m.entry.amount:
            found.append(f"{m.entry.entry_id} pays {total} of {m.entry.amount}")
        for a in m.allocations:
            paid[(a.client, a.invoice_number)] += a.amount
            if a.amount <= 0 or open_by_key[(a.client, a.invoice_number)].currency != \
                    m.entry.currency:
                found.append(f"{a} of {m.entry.entry_id}")
    found += [f"{key} paid {amount}" for key, amount in paid.items()
              if amount > open_by_key[key].open_amount]
    counted = (len(result.matched) + len(result.unmatched) + len(result.already_recorded)
               + len(result.duplicates) + result.debits + result.for_no_client)
    if counted != len(entries):
        found.append(f"{counted} decisions for {len(entries)} entries")
    return found


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_matcher_never_pays_more_than_is_open_and_is_deterministic(data):
    items = data.draw(open_items())
    entries = data.draw(bank_entries(items))
    result = match(entries, items)
    assert violations(entries, items, result) == []
    shuffled_entries, shuffled_items = list(entries), list(items)
    random.Random(data.draw(st.integers())).shuffle(shuffled_entries)
    random.Random(data.draw(st.integers())).shuffle(shuffled_items)
    assert match(shuffled_entries, shuffled_items) == result


def test_the_property_check_catches_a_matcher_that_pays_too_much():
    paying = entry("2000.00", refs=(ACME_RF,))
    too_much = Matches(matched=(Matched(entry=paying, rule="reference", allocations=(
        Allocation(client="acme", invoice_number="2026-014", amount=Decimal("2000.00"),
                   settles=True),)),), unmatched=(), already_recorded=(), duplicates=(),
        debits=0, for_no_client=0)
    assert violations([paying], ITEMS, too_much) == ["('acme', '2026-014') paid 2000.00"]
    assert violations([paying, paying], ITEMS, match([paying], ITEMS)) == [
        "1 decisions for 2 entries"]


def test_nothing_in_nothing_out():
    assert match([], []) == Matches(matched=(), unmatched=(), already_recorded=(),
                                    duplicates=(), debits=0, for_no_client=0)
