"""Payment codes read by their standards, without the generator's code: the EPC QR code
(EPC069-12) for EUR, the ZBP 2D code for PLN and UsingQR for SEK; the references they carry
(ISO 11649 RF creditor references, Bankgirot's OCR numbers) checked by their own arithmetic;
and the payment terms of the UBL e-invoice, to compare a code with."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from lxml import etree

UBL = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
       "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
EPC_MAX_BYTES = 331


def invoice_terms(xml: Path) -> dict[str, str | None]:
    """What the UBL invoice says is to be paid: total, currency, account, reference, number."""
    root = etree.parse(str(xml)).getroot()
    return {"total": root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL),
            "currency": root.findtext("cbc:DocumentCurrencyCode", namespaces=UBL),
            "account": root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
                                     namespaces=UBL),
            "reference": root.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=UBL),
            "number": root.findtext("cbc:ID", namespaces=UBL)}


def mod97_valid(code: str) -> bool:
    """ISO 7064 MOD 97-10 as an IBAN (ISO 13616) and an RF reference (ISO 11649) use it: the
    first four characters moved to the end, letters as 10-35, the number modulo 97 is 1."""
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def rf_valid(reference: str) -> bool:
    """An ISO 11649 creditor reference: RF, two check digits, 1 to 21 letters and digits."""
    return bool(re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", reference)) and mod97_valid(reference)


def luhn_valid(digits: str) -> bool:
    """The Luhn (modulus 10) check: every second digit from the right doubled, digit sums
    added, the total a multiple of 10."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def ocr_valid(ocr: str) -> bool:
    """Bankgirot's OCR reference with its length digit (the whole length, modulo 10, second to
    last) and a Luhn check digit (last)."""
    return (bool(re.fullmatch(r"\d{2,25}", ocr)) and int(ocr[-2]) == len(ocr) % 10
            and luhn_valid(ocr))


def parse_epc(payload: str) -> dict[str, str]:
    """EPC069-12 version 002: service tag, version, character set (1: UTF-8), identification,
    BIC, name, IBAN, amount, purpose, structured remittance (an ISO 11649 creditor reference),
    unstructured remittance, information; at most 331 bytes. The remittance is one of the two,
    never both; "reference" is the one given."""
    lines = payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"] and 10 <= len(lines) <= 12, lines
    assert len(payload.encode("utf-8")) <= EPC_MAX_BYTES
    assert re.fullmatch(r"([A-Z0-9]{8}([A-Z0-9]{3})?)?", lines[4]), lines[4]
    assert 0 < len(lines[5]) <= 70
    assert re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", lines[6]) and mod97_valid(lines[6])
    amount = re.fullmatch(r"EUR(\d{1,9}(\.\d{1,2})?)", lines[7])
    assert amount and Decimal("0.01") <= Decimal(amount.group(1)), lines[7]
    assert re.fullmatch(r"([A-Z]{4})?", lines[8])
    structured, text = (lines + ["", ""])[9:11]
    assert not (structured and text), "a structured and an unstructured remittance both given"
    assert not structured or rf_valid(structured), structured
    assert len(text) <= 140
    return {"bic": lines[4], "name": lines[5], "iban": lines[6], "currency": "EUR",
            "amount": amount.group(1), "structured": structured, "text": text,
            "reference": structured or text}


def parse_zbp(payload: str) -> dict[str, str]:
    """ZBP 2D: NIP|country|account|amount in grosz|name|title|reserve|reserve|reserve, at most
    160 characters; the amount six digits (000000: the payer types it)."""
    fields = payload.split("|")
    assert len(fields) == 9 and fields[1] == "PL" and len(payload) <= 160
    assert re.fullmatch(r"(\d{10})?", fields[0]) and re.fullmatch(r"\d{26}", fields[2])
    assert mod97_valid("PL" + fields[2])
    assert re.fullmatch(r"\d{6}", fields[3])
    assert 0 < len(fields[4]) <= 20 and 0 < len(fields[5]) <= 32
    assert len(fields[6]) <= 20 and len(fields[7]) <= 12 and len(fields[8]) <= 24
    return {"nip": fields[0], "account": fields[2], "currency": "PLN",
            "amount": str(Decimal(fields[3]) / 100), "name": fields[4], "reference": fields[5]}


def parse_usingqr(payload: str) -> dict[str, str]:
    """UsingQR 1.0 (the Swedish banks' invoice QR), JSON: version 1, type 1 (an invoice), payee,
    OCR or invoice reference, amount due, Bankgiro (BG) or Plusgiro (PG) account."""
    data = json.loads(payload)
    assert data["uqr"] == 1 and data["tp"] == 1 and data["pt"] in ("BG", "PG"), data
    assert data["nme"] and data["cc"] == "SE"
    assert re.fullmatch(r"\d{3,4}-\d{4}" if data["pt"] == "BG" else r"\d{1,7}-\d", data["acc"])
    for day in ("idt", "ddt"):
        assert re.fullmatch(r"\d{8}", data[day]), data[day]
    return {"account": data["acc"], "kind": data["pt"], "currency": "SEK",
            "amount": str(Decimal(str(data["due"]))), "name": data["nme"],
            "reference": data["iref"], "due": data["ddt"], "issued": data["idt"]}
