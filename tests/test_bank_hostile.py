"""Hostile and broken statement files end in a clear error that names the file (and line),
never a traceback, a network access, a file read off the disk, or an unbounded run."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bankfiles import Line, camt053, mt940, stripe_csv
from generator.bank.records import Limits, StatementError
from generator.bank.statements import read_statements

CAMT = camt053("08", [Line(amount="1210.00", reference="E-1", text="Faktura FV/2026/07/014")])
MT940 = mt940([Line(amount="1210.00", reference="E-1", text="Faktura FV/2026/07/014")])
CHARGE = {"balance_transaction_id": "txn_1", "created_utc": "2026-11-05 10:00:00",
          "currency": "eur", "gross": "1210.00", "reporting_category": "charge",
          "description": "Invoice FV/2026/07/014"}
STRIPE = stripe_csv([CHARGE])


def _error(tmp_path: Path, name: str, data: bytes, limits: Limits | None = None) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(StatementError) as caught:
        read_statements([path], limits, base=tmp_path)
    assert isinstance(caught.value, click.ClickException) and caught.value.exit_code == 1
    message = caught.value.format_message()
    assert message.startswith(name) and "Traceback" not in message
    return message.splitlines()[0]


def _camt_with(doctype: str, body: str = "&x;") -> bytes:
    return (f'<?xml version="1.0"?>\n{doctype}\n<Document xmlns="urn:iso:std:iso:20022:'
            f'tech:xsd:camt.053.001.08">{body}</Document>').encode()


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("THE-SECRET")
    data = _camt_with(f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>')
    message = _error(tmp_path, "xxe.xml", data)
    assert "DOCTYPE" in message and "THE-SECRET" not in message


def test_a_network_entity_is_never_fetched(tmp_path):
    data = _camt_with('<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">', "")
    assert "DOCTYPE" in _error(tmp_path, "dtd.xml", data)


def test_a_doctype_in_utf16_is_refused_after_parsing(tmp_path):
    data = _camt_with('<!DOCTYPE d [<!ENTITY x "y">]>').decode().replace(
        'version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    assert b"<!DOCTYPE" not in data  # the byte check cannot see it
    assert "has a DOCTYPE" in _error(tmp_path, "utf16.xml", data)


def test_billion_laughs_ends_in_an_error(tmp_path):
    levels = ['<!ENTITY l0 "ha">'] + [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">'
                                      for n in range(1, 10)]
    data = _camt_with(f"<!DOCTYPE d [{''.join(levels)}]>", "&l9;")
    assert "DOCTYPE" in _error(tmp_path, "laughs.xml", data)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_camt_file(tmp_path, cut):
    message = _error(tmp_path, "cut.xml", CAMT[:int(len(CAMT) * cut)])
    assert "is not well-formed XML (cut short or damaged?)" in message


@pytest.mark.parametrize(("namespace", "shown"), [
    (b"urn:iso:std:iso:20022:tech:xsd:camt.052.001.08", "camt.052.001.08"),
    (b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.09", "camt.053.001.09"),
    (b"urn:example:camt", "urn:example:camt")])
def test_a_camt_file_of_another_namespace(tmp_path, namespace, shown):
    data = CAMT.replace(b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", namespace)
    message = _error(tmp_path, "other.xml", data)
    assert "is not a camt.053 statement of version .001.02 to .001.08" in message
    assert shown in message


@pytest.mark.parametrize(("old", "new", "expected"), [
    (b"<CdtDbtInd>CRDT</CdtDbtInd><Sts>", b"<Sts>", "Element 'Sts': This element is not expected"),
    (b"<BookgDt><Dt>2026-11-05", b"<BookgDt><Dt>2026-13-05", "'2026-13-05' is not a valid value"),
    (b'<Amt Ccy="EUR">1210.00', b'<Amt Ccy="EURO">1210.00', "'EURO'"),
    (b">1210.00<", b">-1210.00<", "is less than the minimum value allowed ('0')"),
    (b">1210.00<", b">123456789012345678901234567890.00<", "more digits than are allowed"),
])
def test_a_camt_file_the_xsd_refuses_names_line_and_element(tmp_path, old, new, expected):
    assert old in CAMT
    message = _error(tmp_path, "bad.xml", CAMT.replace(old, new, 1))
    assert message.startswith("bad.xml:1") and "is not a valid camt.053.001.08 statement" in message
    assert expected in message


def test_a_camt_file_with_bytes_not_in_its_encoding(tmp_path):
    data = CAMT.replace(b"Faktura", b"Gr\xfc\xdfe")
    assert "Invalid bytes in character encoding" in _error(tmp_path, "latin.xml", data)


@pytest.mark.parametrize(("old", "new", "expected"), [
    (b"1210,00", b"123456789012345678901234567890,00", ":5: statement line (:61:) has an amount"),
    (b"1210,00", b"1,2,1,0", ":5: statement line (:61:) has an amount that is not one"),
    (b"C1210,00", b"C-1210,00", ":5: statement line (:61:) is not in MT940's format"),
    (b":61:2611051105", b":61:2613051305", ":5: statement line (:61:) has a date that is not one"),
    (b":61:2611051105", b":61:2611051131", ":5: statement line (:61:) has a date that is not one"),
    (b":60F:C261101EUR1000,00\n", b"", "is not a whole MT940 statement"),
    (b":25:NL91ABNA0417164300\n", b"", "is not a whole MT940 statement"),
    (b":60F:C261101EUR1000,00", b":60F:C2611XXEUR1000,00", "has a field that is not in MT940's"),
    (b"?20SVWZ+", b"?20SVWZ+Gr\xfc\xdfe ", ":6: is not UTF-8 text (byte 0xfc)"),
])
def test_an_mt940_file_with_broken_fields(tmp_path, old, new, expected):
    assert old in MT940
    assert expected in _error(tmp_path, "bad.sta", MT940.replace(old, new, 1))


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://127.0.0.1/")', "@SUM(A1)", "+cmd|x",
                                  "-2+3+cmd|x", "\tlooks empty", "\r=1"])
def test_a_csv_cell_a_spreadsheet_would_run_is_an_error(tmp_path, cell):
    data = stripe_csv([dict(CHARGE, description=cell)])
    assert ":2: has a cell a spreadsheet would run as a formula" in _error(tmp_path, "i.csv",
                                                                           data)


def test_negative_and_signed_amounts_are_no_formula(tmp_path):
    rows = [dict(CHARGE, gross="-12.50", reporting_category="refund", description="-12.50"),
            dict(CHARGE, balance_transaction_id="txn_2", gross="3.00", description="+3")]
    path = tmp_path / "ok.csv"
    path.write_bytes(stripe_csv(rows))
    entries = read_statements([path], base=tmp_path)
    assert [(e.direction, str(e.amount), e.remittance) for e in entries] == [
        ("debit", "12.50", "-12.50"), ("credit", "3.00", "+3")]


@pytest.mark.parametrize(("change", "expected"), [
    ({"gross": "123456789012345678901234567890"}, ":2: has an amount that is not one"),
    ({"gross": "1e5"}, ":2: has an amount that is not one"),
    ({"gross": "NaN"}, ":2: has an amount that is not one"),
    ({"currency": "euro"}, ":2: has a currency that is not an ISO 4217 code"),
    ({"created_utc": "yesterday"}, ":2: has a date that is not one"),
    ({"balance_transaction_id": ""}, ":2: has no balance_transaction_id"),
])
def test_a_stripe_row_with_broken_cells(tmp_path, change, expected):
    assert expected in _error(tmp_path, "s.csv", stripe_csv([dict(CHARGE, **change)]))


def test_a_stripe_file_that_is_not_utf8_or_not_csv(tmp_path):
    latin = STRIPE.replace(b"Invoice", b"Gr\xfc\xdfe")
    assert ":2: is not UTF-8 text" in _error(tmp_path, "l.csv", latin)
    huge_cell = STRIPE.replace(b"Invoice", b'"' + b"x" * 200_000 + b'"')
    assert "is not a readable CSV file" in _error(tmp_path, "h.csv", huge_cell)
    no_gross = STRIPE.replace(b",gross,", b",grosz,")
    assert "has no column gross" in _error(tmp_path, "g.csv", no_gross)


def test_control_characters_never_reach_an_entry(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(stripe_csv([dict(CHARGE, description="Invoice\x00\x1b[31m\x85 X",
                                      customer_name="Ann\u2028Bee")]))
    entry = read_statements([path], base=tmp_path)[0]
    assert (entry.remittance, entry.counterparty_name) == ("Invoice [31m X", "Ann Bee")


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path):
    data = CAMT[:200] + b" " * (50 * 1024 * 1024)
    assert "is larger than 32 MB" in _error(tmp_path, "big.xml", data)


@pytest.mark.parametrize("kind", ["camt", "mt940", "stripe"])
def test_more_entries_than_the_limit(tmp_path, kind):
    lines = [Line(amount="1.00", reference=f"R{n}", text="x") for n in range(11)]
    data = {"camt": lambda: camt053("08", lines), "mt940": lambda: mt940(lines),
            "stripe": lambda: stripe_csv([dict(CHARGE, balance_transaction_id=f"t{n}")
                                          for n in range(11)])}[kind]()
    message = _error(tmp_path, "many", data, Limits(max_entries=10))
    assert "more than 10 " in message


def test_100000_mt940_entries_stop_at_the_default_limit(tmp_path):
    line = b":61:2611051105C1,00NTRFNONREF\n:86:x\n"
    data = MT940.replace(b":62F:", line * 100_000 + b":62F:")
    assert "has more than 50,000 entries" in _error(tmp_path, "huge.sta", data)


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "is empty"), (b"\xef\xbb\xbf \r\n", "is empty"),
    (b"%PDF-1.7\n", "is not a bank statement this import reads"),
    (b"\x00\x01\x02garbage", "is not a bank statement this import reads")])
def test_a_file_of_no_known_format(tmp_path, data, expected):
    assert expected in _error(tmp_path, "x", data)


def test_a_folder_or_a_missing_file(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(StatementError) as caught:
        read_statements([tmp_path / "folder", tmp_path / "missing.xml"], base=tmp_path)
    message = caught.value.format_message()
    assert "folder: is a folder, not a statement file" in message
    assert "missing.xml: cannot be read: No such file or directory" in message


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from([CAMT, MT940, STRIPE]),
       edits=st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=8), st.integers(0, 8)),
                      min_size=1, max_size=4))
def test_a_damaged_file_is_read_or_refused_never_a_crash(tmp_path, base, edits):
    data = bytearray(base)
    for where, insert, remove in edits:
        at = int(where * len(data))
        data[at:at + remove] = insert
    path = tmp_path / "fuzz"
    path.write_bytes(bytes(data))
    try:
        entries = read_statements([path], base=tmp_path)
    except StatementError as error:
        assert error.format_message().startswith("fuzz")
    else:
        assert all(entry.amount >= 0 and len(entry.currency) == 3 for entry in entries)
