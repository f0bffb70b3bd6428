"""Tax, company registration and bank account numbers: check digits and formats, per country.

Each check returns None when the number is valid, else a message saying what is wrong. The
check digits are python-stdnum's: Poland's NIP, Sweden's organisation number (Luhn), Japan's
corporate number (behind the invoice registration number's T), each EU member state's VAT
number, IBAN (ISO 13616, mod 97) and BIC (ISO 9362). Korea's business registration number
has its length and parts checked by stdnum, and its check digit here (stdnum has none). EU
VAT numbers are first matched against the VIES formats, for a message naming the format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field

_SEPARATORS = re.compile(r"[\s\-.]")

# EU VAT numbers by format: country prefix, then the national part (VIES formats).
EU_VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}", "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"\d{9}", "EL": r"\d{9}",
    "ES": r"[0-9A-Z]\d{7}[0-9A-Z]", "FI": r"\d{8}", "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}", "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}", "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01", "SI": r"\d{8}", "SK": r"\d{10}", "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


def compact(number: str) -> str:
    """Drop spaces, hyphens and dots, and upper-case the letters."""
    return _SEPARATORS.sub("", number).upper()


def _stdnum_problem(module: Any, value: str, wrong_format: str, wrong_digit: str) -> str | None:
    """stdnum's verdict on `value`: `wrong_digit` for a failed check digit, `wrong_format`
    for anything else it refuses, None when it is valid."""
    from stdnum.exceptions import InvalidChecksum, ValidationError

    try:
        module.validate(value)
    except InvalidChecksum:
        return wrong_digit
    except ValidationError:
        return wrong_format
    return None


def check_jp_invoice_registration(number: str) -> str | None:
    """Japan: 'T' + the 13-digit corporate number (法人番号), whose first digit checks it."""
    from stdnum.jp import cn

    value = compact(number)
    if not re.fullmatch(r"T\d{13}", value):
        return f"'{number}' is not a Japanese invoice registration number (T and 13 digits)"
    return _stdnum_problem(
        cn, value[1:], f"'{number}' is not a Japanese invoice registration number",
        f"'{number}' has a wrong check digit (invoice registration number)")


def check_pl_nip(number: str) -> str | None:
    """Poland: NIP, 10 digits, the last a weighted mod-11 check digit."""
    from stdnum.pl import nip

    return _stdnum_problem(nip, compact(number), f"'{number}' is not a NIP (10 digits)",
                           f"'{number}' has a wrong check digit (NIP)")


def check_se_org_number(number: str) -> str | None:
    """Sweden: organisation number, NNNNNN-NNNN (or with the century), Luhn check."""
    from stdnum.se import orgnr

    value = compact(number)
    if len(value) == 12 and value.startswith(("16", "19", "20")):
        value = value[2:]
    return _stdnum_problem(
        orgnr, value, f"'{number}' is not a Swedish organisation number (NNNNNN-NNNN)",
        f"'{number}' has a wrong check digit (organisation number)")


def check_kr_business_registration(number: str) -> str | None:
    """Korea: business registration number, NNN-NN-NNNNN with a weighted check digit."""
    from stdnum.kr import brn

    value = compact(number)
    problem = _stdnum_problem(
        brn, value, f"'{number}' is not a business registration number (NNN-NN-NNNNN)", "")
    if problem is not None:
        return problem
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(int(d) * w for d, w in zip(value[:9], weights, strict=True)) + int(value[8]) * 5 // 10
    if (10 - total % 10) % 10 != int(value[9]):
        return f"'{number}' has a wrong check digit (business registration number)"
    return None


def check_iban(number: str) -> str | None:
    """IBAN: the country's length and format, and the mod-97 check digits."""
    from stdnum import iban

    value = compact(number)
    wrong_format = (f"'{number}' is not an IBAN (country code, check digits, account; "
                    "e.g. NL91 ABNA 0417 1643 00)")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", value):
        return wrong_format
    return _stdnum_problem(iban, value, wrong_format, f"'{number}' has wrong check digits (IBAN)")


def check_bic(code: str) -> str | None:
    """BIC (SWIFT code): 8 or 11 letters and digits naming bank, country and branch."""
    from stdnum import bic

    return _stdnum_problem(bic, compact(code), f"'{code}' is not a BIC (8 or 11 characters: "
                           "bank, country, location, branch; e.g. ABNANL2A)", "")


def check_eu_vat(number: str) -> str | None:
    """EU: VAT number with its country prefix, in its country's format, with its check digits."""
    value = compact(number)
    country, national = value[:2], value[2:]
    pattern = EU_VAT_FORMATS.get(country)
    if pattern is None:
        return (f"'{number}' does not start with an EU country prefix "
                "(e.g. PL, SE, NL; Greece is EL)")
    if not re.fullmatch(pattern, national):
        return f"'{number}' is not in the format of a {country} VAT number"
    return _stdnum_vat_problem(number, value, country)


def _stdnum_vat_problem(number: str, value: str, country: str) -> str | None:
    """Each member state's own check digits, as python-stdnum implements them."""
    from stdnum.eu import vat

    return _stdnum_problem(vat, value, f"'{number}' is not a valid {country} VAT number",
                           f"'{number}' has a wrong check digit ({country} VAT number)")


def _validator(check: Callable[[str], str | None]) -> Callable[[str], str]:
    def validate(number: str) -> str:
        message = check(number)
        if message:
            raise ValueError(message)
        return number
    return validate


EuVatNumber = Annotated[str, AfterValidator(_validator(check_eu_vat))]
PlNip = Annotated[str, AfterValidator(_validator(check_pl_nip))]
SeOrgNumber = Annotated[str, AfterValidator(_validator(check_se_org_number))]
JpInvoiceRegistration = Annotated[str, AfterValidator(_validator(check_jp_invoice_registration))]
KrBusinessRegistration = Annotated[str,
                                   AfterValidator(_validator(check_kr_business_registration))]
Iban = Annotated[str, AfterValidator(_validator(check_iban))]
Bic = Annotated[str, AfterValidator(_validator(check_bic))]


# VAT prefixes that are not the country's ISO 3166 code.
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_NATIONAL = (("pl_nip", "PL"), ("se_org_number", "SE"), ("jp_invoice_registration", "JP"),
             ("kr_business_registration", "KR"))


def issuing_country(tax_ids: object) -> str | None:
    """The country a party's tax numbers were issued in (ISO 3166), if they name one: the
    prefix of its EU VAT number, else the country of its national number. An invoice labels
    the party's company number by it (法人番号 is Japan's, not a Dutch KvK number)."""
    vat = getattr(tax_ids, "eu_vat", None)
    if vat:
        prefix = compact(vat)[:2].upper()
        return VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return next((country for key, country in _NATIONAL if getattr(tax_ids, key, None)), None)


# ---------------------------------------------------------------- KSeF and NTS numbers

_KSEF_NUMBER = re.compile(r"^(\d{10})-(\d{8})-([0-9A-F]{12})-([0-9A-F]{2})$")


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial 0x07 and initial value 0 (KSeF's check sum)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def check_ksef_number(number: str) -> str:
    """A KSeF number: NIP-YYYYMMDD-12 hex characters-CRC-8, 35 characters in all."""
    match = _KSEF_NUMBER.match(number)
    if not match:
        raise ValueError(f"'{number}' is not a KSeF number (NIP-YYYYMMDD-XXXXXXXXXXXX-CC, "
                         "35 characters, e.g. 5265877635-20250826-0100001AF629-AF)")
    if f"{crc8(number[:32].encode('ascii')):02X}" != match[4]:
        raise ValueError(f"'{number}' has a wrong check sum (its last two characters)")
    return number


KsefNumber = Annotated[str, AfterValidator(check_ksef_number), Field(
    description="The number KSeF gave the invoice, e.g. 5265877635-20250826-0100001AF629-AF")]


def check_nts_approval(number: str) -> str:
    """Korea: an NTS e-tax invoice approval number (승인번호), 24 digits and letters; only
    its length and characters are checked (no public check digit is known to us)."""
    if not re.fullmatch(r"[0-9A-Za-z]{24}", number.replace("-", "")):
        raise ValueError(f"'{number}' is not an NTS approval number (24 digits and letters, "
                         "e.g. 20261110-41000042-00018271)")
    return number


NtsApproval = Annotated[str, AfterValidator(check_nts_approval), Field(
    description="Korea: the e-tax invoice's approval number from the National Tax Service "
                "(승인번호), e.g. 20261110-41000042-00018271")]
