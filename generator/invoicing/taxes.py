"""Which VAT a business-to-business service carries: by its place of supply, computed from
the issuing entity's state and the buyer's, never guessed.

- Seller and buyer in one state: that state's standard rate (a domestic sale).
- Seller in the EU, buyer a business in another EU state: reverse charge, 0 %, and the note
  that the buyer accounts for the VAT (Article 196 of Council Directive 2006/112/EC).
- Seller in the EU, buyer outside it: the place of supply is the buyer's country (Article 44),
  so no EU VAT, 0 %, with a note saying why.
- Anything else (an unknown buyer country, a seller outside the EU selling abroad, a state
  whose rate is not in the table) cannot be decided here: `portal check` warns, and `portal
  invoice next` asks for `retainer.tax_rate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from generator.content.domain import Party, Seller, TaxNote
from generator.content.models import Invoice

EU_COUNTRIES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
     "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"])

# Standard VAT / consumption tax rates in percent (2026). A rate changes by law now and then:
# every invoice `portal invoice next` writes is reviewed before it is committed.
STANDARD_RATES: dict[str, Decimal] = {code: Decimal(rate) for code, rate in {
    "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25",
    "EE": "24", "ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27",
    "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "PL": "23", "PT": "23", "RO": "21", "SE": "25", "SI": "22", "SK": "23",
    "GB": "20", "NO": "25", "CH": "8.1", "JP": "10", "KR": "10",
}.items()}

REVERSE_CHARGE = "reverse_charge"
OUTSIDE_EU = "outside_eu"


@dataclass(frozen=True, kw_only=True)
class TaxRule:
    """What the place of supply decides: the standard rate and the note, or why nothing."""

    rate: Decimal | None = None  # None: undecided (see `undecided`)
    note: TaxNote | None = None
    summary: str = ""  # in words: 'PL VAT 23%', 'reverse charge (PL→SE)'
    undecided: str | None = None  # why the rule cannot be told

    @property
    def decided(self) -> bool:
        return self.undecided is None


def place_of_supply(seller: Seller, buyer: Party) -> TaxRule:
    """The tax rule of a B2B service from `seller` to `buyer` (see the module's notes)."""
    home, away = seller.country, buyer.country
    if away is None:
        return TaxRule(undecided="the client's country is not known: give `country` in "
                                 "client.yaml (or a tax number that names it)")
    if home == away:
        rate = STANDARD_RATES.get(home or "")
        if rate is None:
            return TaxRule(undecided=f"no standard rate is known for {home}")
        return TaxRule(rate=rate, summary=f"{home} standard rate {rate}%")
    if home in EU_COUNTRIES and away in EU_COUNTRIES:
        return TaxRule(rate=Decimal(0), note=TaxNote(kind=REVERSE_CHARGE),
                       summary=f"reverse charge ({home}→{away})")
    if home in EU_COUNTRIES:
        return TaxRule(rate=Decimal(0), note=TaxNote(kind=OUTSIDE_EU),
                       summary=f"no EU VAT: supplied outside the EU ({home}→{away})")
    return TaxRule(undecided=f"no rule for a sale from {home or '?'} to {away}")


def tax_note(invoice: Invoice, rule: TaxRule) -> TaxNote | None:
    """The note the invoice prints: reverse charge when it says so or the rule decides it
    and it charges no tax; outside the EU when the rule decides it and it charges none."""
    untaxed = all(item.tax_rate == 0 for item in invoice.items)
    if invoice.reverse_charge:
        return TaxNote(kind=REVERSE_CHARGE)
    return rule.note if untaxed and rule.note else None


def tax_problem(invoice: Invoice, seller: Seller, buyer: Party, rule: TaxRule
                ) -> tuple[tuple[str | int, ...], str] | None:
    """(location, warning) when the invoice's VAT contradicts its place of supply, or the
    rule cannot be told."""
    taxed = [index for index, item in enumerate(invoice.items) if item.tax_rate > 0]
    if not rule.decided:
        return (("items",), f"invoice {invoice.number}: its VAT cannot be checked: "
                            f"{rule.undecided}")
    if rule.note is None or not taxed or invoice.reverse_charge:
        return None
    where, rate = ("items", taxed[0], "tax_rate"), invoice.items[taxed[0]].tax_rate
    if rule.note.kind == REVERSE_CHARGE:
        return (where, f"invoice {invoice.number} charges {rate}% VAT to a business in "
                       f"{buyer.country}, from {seller.party.name} in {seller.country}: EU "
                       "business-to-business services are reverse-charged; add "
                       "reverse_charge: true (and tax_rate: 0), or invoice from the agency's "
                       f"{buyer.country} registration (seller in client.yaml)")
    return (where, f"invoice {invoice.number} charges {rate}% VAT to a business in "
                   f"{buyer.country}, outside the EU: the service is supplied where the buyer "
                   "is (Article 44 of the VAT Directive); use tax_rate: 0")
