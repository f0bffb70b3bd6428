"""Paying an invoice: the details the client's bank needs, and the QR code its app reads.

By currency: an EPC QR code (EPC069-12, SEPA credit transfer) for EUR; the Polish Bank
Association's 2D code (ZBP, "Rekomendacja – Standard 2D", 2013) for PLN; for SEK an OCR
reference with Bankgirot's length and check digits, the Bankgiro or Plusgiro number and a
UsingQR code (the Swedish banks' invoice QR); for JPY and KRW the domestic transfer fields.
QR codes are inline SVG made at build time by segno. Sources, and what is verified against
them: docs/invoices.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from generator.content.domain import InvoiceRecord, Party
from generator.content.models import PaymentDetails
from generator.content.taxids import compact
from generator.invoicing.money import round_money

EPC_MAX_AMOUNT = Decimal("999999999.99")
ZBP_MAX_AMOUNT = Decimal("9999.99")  # six digits of grosz
# Error correction by code: EPC069-12 asks for M; the ZBP recommendation for L.
QR_ERROR_LEVELS = {"epc": "m", "zbp": "l", "usingqr": "m"}
QR_QUIET_ZONE = 4  # modules of light margin around a QR code (ISO/IEC 18004)


@dataclass(frozen=True)
class PaymentBlock:
    """What an unpaid invoice shows to be paid: amount, account fields, reference, QR code."""

    amount: Decimal
    currency: str
    account: PaymentDetails
    reference: str  # what the payer writes as reference: the OCR number for SEK
    fields: tuple[tuple[str, str], ...]  # (field key, value), in the order a bank form has
    qr_kind: str | None = None  # epc | zbp | usingqr
    qr_payload: str | None = None
    qr_svg: str | None = None
    url: str | None = None
    qr_without_amount: bool = False  # the payer types the amount (ZBP above its 6 digits)


def payment_block(record: InvoiceRecord, url_pattern: str | None = None) -> PaymentBlock | None:
    """The payment block of an invoice (what the ledger leaves to pay, into its seller's
    account), None when nothing is left or no account is known."""
    account = record.account
    if record.outstanding <= 0 or account is None:
        return None  # settled, or a credit note: nothing to pay
    amount = round_money(record.outstanding, record.currency)
    reference = record.payment_reference
    fields = _fields(account, reference)
    if not any(key != "reference" for key, _ in fields) and not account.instructions:
        return None
    kind, payload = _qr_payload(record, account, amount, reference, record.seller)
    return PaymentBlock(amount, record.currency, account, reference, fields, kind, payload,
                        qr_svg(payload, QR_ERROR_LEVELS.get(kind or "", "m"))
                        if payload else None,
                        payment_url(record, url_pattern, amount),
                        kind == "zbp" and amount > ZBP_MAX_AMOUNT)


def payment_reference(number: str, currency: str, account: PaymentDetails | None) -> str:
    """The reference the payer quotes, computed once per invoice: an OCR number for a Bankgiro
    or Plusgiro account, an ISO 11649 creditor reference (RF) for a EUR account with an IBAN,
    else the invoice number."""
    if account is not None and (account.bankgiro or account.plusgiro):
        return ocr_reference(number)
    if account is not None and currency == "EUR" and account.iban:
        return rf_reference(number)
    return number


def rf_reference(number: str) -> str:
    """The ISO 11649 creditor reference of an invoice number: RF, two check digits (ISO 7064
    MOD 97-10) and the number's letters and digits (at most 21), python-stdnum's."""
    from stdnum import iso11649
    from stdnum.iso7064 import mod_97_10

    body = re.sub(r"[^0-9A-Z]", "", number.upper())[-21:] or "0"
    reference = "RF" + mod_97_10.calc_check_digits(body + "RF") + body
    return str(iso11649.validate(reference))


def ocr_reference(number: str) -> str:
    """Bankgirot's OCR reference of an invoice number: its digits, a length digit (the whole
    reference's length, modulo 10) and a Luhn check digit."""
    digits = re.sub(r"\D", "", number) or "0"
    with_length = digits + str((len(digits) + 2) % 10)
    return with_length + luhn_digit(with_length)


def luhn_digit(digits: str) -> str:
    """The Luhn (modulus 10) check digit to append to `digits` (python-stdnum's)."""
    from stdnum import luhn

    return str(luhn.calc_check_digit(digits))


def _fields(account: PaymentDetails, reference: str) -> tuple[tuple[str, str], ...]:
    values = (("account_holder", account.account_holder),
              ("account_holder_kana", account.account_holder_kana), ("bank", account.bank),
              ("bank_code", account.bank_code), ("branch", account.branch),
              ("branch_code", account.branch_code), ("account_type", account.account_type),
              ("iban", account.iban), ("bic", account.bic),
              ("account_number", account.account_number), ("bankgiro", account.bankgiro),
              ("plusgiro", account.plusgiro), ("reference", reference))
    return tuple((key, value) for key, value in values if value)


def _qr_payload(record: InvoiceRecord, account: PaymentDetails, amount: Decimal,
                reference: str, seller: Party) -> tuple[str | None, str | None]:
    """The QR code's kind and payload for the invoice's currency, if it has a standard."""
    holder = account.account_holder or seller.name
    makers = {"EUR": _epc, "PLN": _zbp, "SEK": _usingqr}
    maker = makers.get(record.currency)
    return maker(record, account, amount, reference, holder, seller) if maker else (None, None)


def _epc(record: InvoiceRecord, account: PaymentDetails, amount: Decimal, reference: str,
         holder: str, seller: Party) -> tuple[str | None, str | None]:
    if not account.iban or not 0 < amount <= EPC_MAX_AMOUNT:
        return None, None
    return "epc", epc_payload(holder, account.iban, account.bic, amount, reference)


def _zbp(record: InvoiceRecord, account: PaymentDetails, amount: Decimal, reference: str,
         holder: str, seller: Party) -> tuple[str | None, str | None]:
    number = account.iban or account.account_number
    if not number:
        return None, None
    nip = compact(seller.tax_ids.pl_nip) if seller.tax_ids.pl_nip else ""
    return "zbp", zbp_payload(nip, number, amount, holder, reference)


def _usingqr(record: InvoiceRecord, account: PaymentDetails, amount: Decimal, reference: str,
             holder: str, seller: Party) -> tuple[str | None, str | None]:
    if not (account.bankgiro or account.plusgiro):
        return None, None
    return "usingqr", usingqr_payload(holder, account, amount, reference, record)


def epc_payload(name: str, iban: str, bic: str | None, amount: Decimal, reference: str) -> str:
    """EPC069-12 version 002: a SEPA credit transfer, UTF-8; an RF creditor reference as the
    structured remittance, any other reference as remittance text."""
    structured = reference.startswith("RF")  # an ISO 11649 creditor reference
    lines = ["BCD", "002", "1", "SCT", bic or "", name[:70], compact(iban),
             f"EUR{amount:.2f}", "", reference if structured else "",
             "" if structured else reference[:140]]
    return "\n".join(lines)


def zbp_payload(nip: str, account: str, amount: Decimal, name: str, title: str) -> str:
    """The ZBP 2D code: NIP|PL|26-digit account|amount in grosz (6 digits)|name (20)|title
    (32)|three reserved fields. An amount above 9 999,99 zł does not fit its six digits: the
    code then carries 000000, the recommendation's "amount filled in by the payer"."""
    number = re.sub(r"\D", "", compact(account))[-26:]
    grosz = f"{int(amount * 100):06d}" if amount <= ZBP_MAX_AMOUNT else "000000"
    fields = [nip, "PL", number, grosz, _zbp_text(name, 20), _zbp_text(title, 32), "", "", ""]
    return "|".join(fields)


def _zbp_text(text: str, limit: int) -> str:
    """A text field: the separator and control characters replaced, cut to its length."""
    return re.sub(r"[|\x00-\x1f\x7f]", "/", text).strip()[:limit]


def usingqr_payload(name: str, account: PaymentDetails, amount: Decimal, reference: str,
                    record: InvoiceRecord) -> str:
    """The Swedish banks' invoice QR (UsingQR 1.0): payee, OCR, due date, amount, giro."""
    giro, kind = (account.bankgiro, "BG") if account.bankgiro else (account.plusgiro, "PG")
    data = {"uqr": 1, "tp": 1, "nme": name, "cc": "SE", "iref": reference,
            "idt": record.invoice.issued.strftime("%Y%m%d"),
            "ddt": (record.invoice.due or record.invoice.issued).strftime("%Y%m%d"),
            "due": float(amount), "pt": kind,
            "acc": giro}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def qr_svg(payload: str, error: str = "m") -> str:
    """The payload as an inline SVG QR code (error correction `error`) that scales whole: no
    fixed size but a viewBox of one unit a module, its four-module quiet zone painted white
    (so a dark page or a card's border never eats into it). The stylesheet gives its size."""
    import segno

    code = segno.make_qr(payload, error=error, boost_error=False, encoding="utf-8")
    return str(code.svg_inline(scale=1, border=QR_QUIET_ZONE, dark="#000", light="#fff",
                               omitsize=True))


def payment_url(record: InvoiceRecord, pattern: str | None, amount: Decimal) -> str | None:
    """The invoice's own payment link, else portal.yaml's pattern filled in."""
    if record.invoice.payment_url:
        return record.invoice.payment_url
    if not pattern:
        return None
    return pattern.format(number=record.invoice.number, amount=f"{amount}",
                          currency=record.currency, page=record.slug)
