"""Tax and company registration numbers: check digits and formats, per country.

Each check returns None when the number is valid, else a message saying what is wrong. The
algorithms are the published ones: Japan's corporate number (National Tax Agency), Poland's
NIP weights, Luhn for Swedish organisation numbers, Korea's business registration number,
and the EU VAT number formats of the VIES documentation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

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


def luhn_valid(digits: str) -> bool:
    """True when the digits pass the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def check_jp_invoice_registration(number: str) -> str | None:
    """Japan: 'T' + 13-digit corporate number whose first digit is the check digit."""
    value = compact(number)
    if not re.fullmatch(r"T\d{13}", value):
        return f"'{number}' is not a Japanese invoice registration number (T and 13 digits)"
    digits = value[1:]
    base = digits[1:]
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
    if int(digits[0]) != 9 - total % 9:
        return f"'{number}' has a wrong check digit (invoice registration number)"
    return None


def check_pl_nip(number: str) -> str | None:
    """Poland: NIP, 10 digits, the last a weighted mod-11 check digit."""
    value = compact(number)
    if value.startswith("PL"):
        value = value[2:]
    if not re.fullmatch(r"\d{10}", value):
        return f"'{number}' is not a NIP (10 digits)"
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(int(d) * w for d, w in zip(value[:9], weights, strict=True)) % 11
    if check == 10 or check != int(value[9]):
        return f"'{number}' has a wrong check digit (NIP)"
    return None


def check_se_org_number(number: str) -> str | None:
    """Sweden: organisation number, NNNNNN-NNNN, Luhn check over the ten digits."""
    value = compact(number)
    if len(value) == 12 and value.startswith(("16", "19", "20")):
        value = value[2:]
    if not re.fullmatch(r"\d{10}", value):
        return f"'{number}' is not a Swedish organisation number (NNNNNN-NNNN)"
    if not luhn_valid(value):
        return f"'{number}' has a wrong check digit (organisation number)"
    return None


def check_kr_business_registration(number: str) -> str | None:
    """Korea: business registration number, NNN-NN-NNNNN with a weighted check digit."""
    value = compact(number)
    if not re.fullmatch(r"\d{10}", value):
        return f"'{number}' is not a business registration number (NNN-NN-NNNNN)"
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(int(d) * w for d, w in zip(value[:9], weights, strict=True)) + int(value[8]) * 5 // 10
    if (10 - total % 10) % 10 != int(value[9]):
        return f"'{number}' has a wrong check digit (business registration number)"
    return None


def check_eu_vat(number: str) -> str | None:
    """EU: VAT number with its country prefix, checked by format (and checksum for PL, SE)."""
    value = compact(number)
    country, national = value[:2], value[2:]
    pattern = EU_VAT_FORMATS.get(country)
    if pattern is None:
        return (f"'{number}' does not start with an EU country prefix "
                "(e.g. PL, SE, NL; Greece is EL)")
    if not re.fullmatch(pattern, national):
        return f"'{number}' is not in the format of a {country} VAT number"
    if country == "PL" and check_pl_nip(national):
        return f"'{number}' has a wrong check digit (the NIP inside the VAT number)"
    if country == "SE" and check_se_org_number(national[:10]):
        return f"'{number}' has a wrong check digit (the organisation number inside it)"
    return None



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


# VAT prefixes that are not the country's ISO 3166 code.
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_NATIONAL = (("pl_nip", "PL"), ("se_org_number", "SE"), ("jp_invoice_registration", "JP"),
             ("kr_business_registration", "KR"))


def issuing_country(tax_ids: object) -> str | None:
    """The country a party's tax numbers were issued in (ISO 3166), if they name one: the
    prefix of its EU VAT number, else the country of its national number. An invoice labels
    the party's company number by it (法人番号 is Japan's, not a Dutch KvK number)."""
    vat = getattr(tax_ids, "eu_vat", None)
    if vat:
        prefix = compact(vat)[:2].upper()
        return _VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return next((country for key, country in _NATIONAL if getattr(tax_ids, key, None)), None)
