"""The parties of an invoice: the seller (the agency, or its registration there) and the buyer.

Each has the country its address or its tax numbers name; the seller to a buyer in a country
where the agency has a registration (`registrations` in portal.yaml) is that registration.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.content.models import Agency, ClientProfile, TaxIds
from generator.content.taxids import compact

# VAT prefixes that are not the country's ISO 3166 code.
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
EU_COUNTRIES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"])


@dataclass(frozen=True)
class Party:
    """A seller or a buyer as an invoice names it."""

    name: str
    address: str | None
    country: str | None
    tax_ids: TaxIds
    email: str | None = None
    is_seller: bool = False

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in (self.address or "").splitlines() if line.strip()]

    @property
    def vat_country(self) -> str | None:
        """The EU state the party's VAT number belongs to, if it has one."""
        if not self.tax_ids.eu_vat:
            return None
        prefix = compact(self.tax_ids.eu_vat)[:2]
        return VAT_PREFIX_COUNTRY.get(prefix, prefix)


def country_of(tax_ids: TaxIds) -> str | None:
    """The country that a party's tax numbers name, if any does."""
    if tax_ids.eu_vat:
        prefix = compact(tax_ids.eu_vat)[:2]
        return VAT_PREFIX_COUNTRY.get(prefix, prefix)
    national = (("pl_nip", "PL"), ("se_org_number", "SE"), ("jp_invoice_registration", "JP"),
                ("kr_business_registration", "KR"))
    return next((country for key, country in national if getattr(tax_ids, key)), None)


def agency_country(agency: Agency) -> str | None:
    """The agency's country: as written, else the one its tax numbers name."""
    return agency.country or country_of(agency.tax_ids)


def buyer_party(profile: ClientProfile, agency: Agency) -> Party:
    """The client as the buyer: its country as written, else its tax numbers', else the
    agency's (a domestic sale)."""
    country = profile.country or country_of(profile.tax_ids) or agency_country(agency)
    return Party(profile.legal_name or profile.name, profile.address, country, profile.tax_ids)


def seller_party(agency: Agency, buyer_country: str | None) -> Party:
    """The agency as the seller to a buyer in `buyer_country`: its registration there if it
    has one, else the agency itself."""
    registration = next((r for r in agency.registrations if r.country == buyer_country), None)
    if registration is None:
        return Party(agency.legal_name or agency.name, agency.address, agency_country(agency),
                     agency.tax_ids, agency.email, is_seller=True)
    # the country of the address printed: the registration's own, else the agency's
    country = registration.country if registration.address else agency_country(agency)
    return Party(registration.legal_name or agency.legal_name or agency.name,
                 registration.address or agency.address, country, registration.tax_ids,
                 agency.email, is_seller=True)


def invoice_parties(profile: ClientProfile, agency: Agency) -> tuple[Party, Party]:
    """The seller and the buyer of a client's invoices."""
    buyer = buyer_party(profile, agency)
    return seller_party(agency, buyer.country), buyer
