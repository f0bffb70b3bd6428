"""Who sells and who buys: the agency's invoicing entities, the buyer, and which entity issues
a client's invoices.

The agency is an entity; so is each of its registrations in another country (portal.yaml's
`agency.registrations`). A registration with a `legal_name` of its own (a branch) is paid into
its own `accounts`; one without (a tax registration of the agency itself, such as Japan's
qualified-invoice number) is the agency under another number and shares its accounts. A client's
invoices come from client.yaml's `seller` if given, else from the registration in the buyer's
country, else from the one whose `currencies` hold the client's currency, else from the agency.
"""

from __future__ import annotations

from generator.content.domain import Party, Seller
from generator.content.models import Agency, ClientProfile, PaymentDetails, Registration
from generator.content.taxids import issuing_country

AGENCY = "agency"  # client.yaml's `seller` naming the agency itself


def agency_country(agency: Agency) -> str | None:
    """The agency's country: as written, else the one its tax numbers name."""
    return agency.country or issuing_country(agency.tax_ids)


def buyer_party(profile: ClientProfile) -> Party:
    """The client as the buyer: its country as written, else its tax numbers' (None when
    neither tells: check then says so, and nothing is guessed)."""
    country = profile.country or issuing_country(profile.tax_ids)
    return Party(profile.legal_name or profile.name, profile.address, country, profile.tax_ids)


def sellers(agency: Agency) -> dict[str, Seller]:
    """Every invoicing entity of the agency, by key: 'agency', then each registration's
    country code."""
    home = Seller(key=AGENCY, country=agency_country(agency), party=Party(agency.legal_name or agency.name, agency.address,
                                          agency_country(agency), agency.tax_ids,
                                          agency.email, is_seller=True),
                  accounts=tuple(agency.accounts), default_account=_usable(agency))
    found = {AGENCY: home}
    for registration in agency.registrations:
        found[registration.country] = _registration(agency, registration, home)
    return found


def _usable(agency: Agency) -> PaymentDetails | None:
    """portal.yaml's `payment`, if it names an account at all."""
    payment = agency.payment
    return payment if payment.model_dump(exclude_defaults=True) else None


def _registration(agency: Agency, registration: Registration, home: Seller) -> Seller:
    # the country of the address printed: the registration's own, else the agency's
    country = registration.country if registration.address else agency_country(agency)
    party = Party(registration.legal_name or agency.legal_name or agency.name,
                  registration.address or agency.address, country, registration.tax_ids,
                  agency.email, is_seller=True)
    if registration.legal_name:  # a branch: paid into its own accounts only
        return Seller(key=registration.country, country=registration.country, party=party,
                      accounts=tuple(registration.accounts), default_account=None)
    return Seller(key=registration.country, country=registration.country, party=party,
                  accounts=(*registration.accounts, *home.accounts),
                  default_account=home.default_account)


def seller_key(profile: ClientProfile, buyer: Party, currency: str,
               entities: dict[str, Seller], agency: Agency) -> str:
    """Which entity issues the client's invoices (see the module's notes); a `seller` that
    names no entity is client.yaml's error, reported by `seller_problem`."""
    if profile.seller:
        return profile.seller if profile.seller in entities else AGENCY
    if buyer.country in entities:
        return str(buyer.country)
    by_currency = [r.country for r in agency.registrations if currency in r.currencies]
    return by_currency[0] if by_currency else AGENCY


def seller_problem(profile: ClientProfile, entities: dict[str, Seller]) -> str | None:
    """Why client.yaml's `seller` names no entity of the agency, if it does not."""
    if profile.seller is None or profile.seller in entities:
        return None
    known = ", ".join(entities)
    return (f"seller: '{profile.seller}' is not one of the agency's invoicing entities "
            f"({known}: 'agency', or the country of one of portal.yaml's registrations)")
