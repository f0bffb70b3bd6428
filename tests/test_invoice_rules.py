"""Invoices by the rules of the seller's and client's countries: tax numbers with their check
digits, Japan's qualified invoices, Poland's Faktura, Sweden's F-skatt, reverse charge."""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal
from html import unescape

import pytest

from conftest import BASE_SITE, build_site, portal
from generator.content.models import Invoice
from generator.content.taxids import (
    check_bic,
    check_eu_vat,
    check_iban,
    check_jp_invoice_registration,
    check_kr_business_registration,
    check_pl_nip,
    check_se_org_number,
)
from generator.invoicing.money import invoice_totals

CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")
PORTAL = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")
INVOICE = BASE_SITE["content/acme/invoices/2026-10.yaml"]


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


# ---------------------------------------------------------------- valid numbers pass

VALID = [
    (check_pl_nip, "5252843717"), (check_pl_nip, "526-025-09-95"), (check_pl_nip, "PL5260250995"),
    (check_se_org_number, "559241-3867"), (check_se_org_number, "556036-0793"),
    (check_se_org_number, "16556036-0793"),
    (check_jp_invoice_registration, "T5011001079324"), (check_jp_invoice_registration,
                                                        "T7000012050002"),
    (check_jp_invoice_registration, "T1180301018771"),
    (check_kr_business_registration, "214-87-03567"), (check_kr_business_registration,
                                                       "220-81-62517"),
    (check_eu_vat, "NL862154376B01"), (check_eu_vat, "PL5252843717"),
    (check_eu_vat, "SE559241386701"), (check_eu_vat, "DE136695976"), (check_eu_vat, "ATU13585627"),
    (check_eu_vat, "FR40303265045"), (check_eu_vat, "EL094259216"), (check_eu_vat, "IE6388047V"),
    (check_iban, "NL91 ABNA 0417 1643 00"), (check_iban, "PL61109010140000071219812874"),
    (check_iban, "SE4550000000058398257466"), (check_bic, "ABNANL2A"),
    (check_bic, "BREXPLPWXXX"),
]


@pytest.mark.parametrize(("check", "number"), VALID)
def test_valid_numbers_pass(check, number):
    assert check(number) is None


# ---------------------------------------------------------------- wrong numbers: file and line

# case: (field in client.yaml's tax_ids, value, message after "content/acme/client.yaml:14: ")
INVALID_CLIENT_NUMBERS = {
    "NIP check digit": ("pl_nip", "5252843718",
                        "tax_ids.pl_nip: '5252843718' has a wrong check digit (NIP)"),
    "NIP too short": ("pl_nip", "525284371", "tax_ids.pl_nip: '525284371' is not a NIP (10 digits)"),
    "NIP letters": ("pl_nip", "52528437AB", "tax_ids.pl_nip: '52528437AB' is not a NIP"),
    "NIP sum 10": ("pl_nip", "1234567890",
                   "tax_ids.pl_nip: '1234567890' has a wrong check digit (NIP)"),
    "SE org number Luhn": ("se_org_number", "559241-3868",
                           "tax_ids.se_org_number: '559241-3868' has a wrong check digit "
                           "(organisation number)"),
    "SE org number length": ("se_org_number", "55924-1386",
                             "tax_ids.se_org_number: '55924-1386' is not a Swedish "
                             "organisation number (NNNNNN-NNNN)"),
    "JP check digit": ("jp_invoice_registration", "T6700150012835",
                       "tax_ids.jp_invoice_registration: 'T6700150012835' has a wrong check "
                       "digit (invoice registration number)"),
    "JP without T": ("jp_invoice_registration", "6700150012834",
                     "tax_ids.jp_invoice_registration: '6700150012834' is not a Japanese "
                     "invoice registration number (T and 13 digits)"),
    "JP 12 digits": ("jp_invoice_registration", "T670015001283",
                     "is not a Japanese invoice registration number (T and 13 digits)"),
    "KR check digit": ("kr_business_registration", "214-87-03568",
                       "tax_ids.kr_business_registration: '214-87-03568' has a wrong check "
                       "digit (business registration number)"),
    "KR length": ("kr_business_registration", "214-87-0356",
                  "is not a business registration number (NNN-NN-NNNNN)"),
    "EU VAT unknown country": ("eu_vat", "XX123456789",
                               "tax_ids.eu_vat: 'XX123456789' does not start with an EU "
                               "country prefix"),
    "EU VAT Greece is EL": ("eu_vat", "GR094259216", "does not start with an EU country prefix"),
    "EU VAT Dutch check digit": ("eu_vat", "NL862154377B01",
                                 "'NL862154377B01' has a wrong check digit (NL VAT number)"),
    "EU VAT German format": ("eu_vat", "DE12345678",
                             "tax_ids.eu_vat: 'DE12345678' is not in the format of a DE VAT number"),
    "EU VAT Dutch format": ("eu_vat", "NL862154376X01", "is not in the format of a NL VAT number"),
    "EU VAT Austrian format": ("eu_vat", "AT13585627", "is not in the format of a AT VAT number"),
    "EU VAT Swedish suffix": ("eu_vat", "SE559241386702",
                              "is not in the format of a SE VAT number"),
    "EU VAT Swedish Luhn": ("eu_vat", "SE559241386801",
                            "has a wrong check digit (SE VAT number)"),
    "EU VAT Polish NIP": ("eu_vat", "PL5252843718",
                          "has a wrong check digit (PL VAT number)"),
}


@pytest.mark.parametrize("case", list(INVALID_CLIENT_NUMBERS))
def test_wrong_tax_numbers_are_content_errors(make_site, monkeypatch, case):
    field, value, message = INVALID_CLIENT_NUMBERS[case]
    root = make_site({"content/acme/client.yaml": CLIENT + f'tax_ids:\n  {field}: "{value}"\n'})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "client.yaml" in line)
    assert line.startswith("content/acme/client.yaml:14: "), line
    assert message in line
    assert not (root / "output" / "acme").exists()


def test_agency_numbers_are_checked_and_all_errors_reported_at_once(make_site, monkeypatch):
    portal = PORTAL.replace("tax_ids: {eu_vat: NL123456782B01}",
                            "tax_ids: {eu_vat: NL123456782B01, pl_nip: '1111111112'}")
    client = CLIENT + "tax_ids:\n  kr_business_registration: 111-11-11111\n  pl_nip: '0000000001'\n"
    root = make_site({"content/portal.yaml": portal, "content/acme/client.yaml": client})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert ("content/portal.yaml:9: agency.tax_ids.pl_nip: '1111111112' has a wrong check digit "
            "(NIP)") in result.output
    assert "content/acme/client.yaml:14: tax_ids.kr_business_registration" in result.output
    assert "content/acme/client.yaml:15: tax_ids.pl_nip" in result.output
    assert "3 errors in content" in result.output


# ---------------------------------------------------------------- Japan

JP_CLIENT = CLIENT.replace("locale: en", "locale: ja") + "currency: JPY\ntimezone: Asia/Tokyo\n"
JP_INVOICE = """
    number: "0501"
    issued: 2026-11-02
    due: 2026-11-30
    items:
      - {description: 月額顧問料, quantity: 1, unit: 月, unit_price: 100000, tax_rate: 10}
      - {description: 弁当, quantity: 3, unit: 個, unit_price: 105, tax_rate: 8, reduced_rate: true}
      - {description: お茶, quantity: 3, unit: 本, unit_price: 105, tax_rate: 8, reduced_rate: true}
"""


def test_japanese_tax_is_rounded_once_per_rate():
    import yaml

    invoice = Invoice.model_validate(yaml.safe_load(textwrap.dedent(JP_INVOICE)))
    totals = invoice_totals(invoice, "JPY")
    by_rate = {group.rate: group.tax for group in totals.taxes}
    # per line 315 × 8% = 25.2 twice; rounded per line it would be 25 + 25 = 50
    assert by_rate == {Decimal(10): Decimal(10000), Decimal(8): Decimal(50)}
    one_line_each = [round(line.net * line.item.tax_rate / 100) for line in totals.lines]
    assert sum(one_line_each) == 10050
    # with 105 × 3 twice at one rate: 630 × 8% = 50.4 → 50, one rounding
    assert totals.total == Decimal(100000 + 630 + 10000 + 50)


def test_japanese_qualified_invoice(make_site):
    portal = PORTAL.replace("tax_ids: {eu_vat: NL123456782B01}",
                            "tax_ids: {eu_vat: NL123456782B01, "
                            "jp_invoice_registration: T7000012050002}")
    root = make_site({"content/portal.yaml": portal, "content/acme/client.yaml": JP_CLIENT,
                      "content/acme/invoices/2026-10.yaml": None,
                      "content/acme/invoices/2026-09.yaml": None,
                      "content/acme/invoices/2026-11.yaml": JP_INVOICE})
    assert build_site(root).exit_code == 0
    page = text_of((root / "output" / "acme" / "invoices" / "2026-11.html").read_text("utf-8"))
    for expected in ["請求書 No. 0501", "登録番号: T7000012050002", "弁当 ※", "お茶 ※",
                     "10%対象 ￥100,000 消費税 ￥10,000", "8%対象 ￥630 消費税 ※ ￥50",
                     "ご請求金額 ￥110,680", "※ 軽減税率対象", "お支払期限 2026年11月30日"]:
        assert expected in page


@pytest.mark.parametrize(("item", "message"), [
    ("{description: 弁当, quantity: 1, unit_price: 980, tax_rate: 8}",
     "items[0]: 8% is Japan's reduced rate; a qualified invoice marks such items: "
     "add reduced_rate: true"),
    ("{description: 顧問料, quantity: 1, unit_price: 980, tax_rate: 10, reduced_rate: true}",
     "items[0]: reduced_rate is set but the rate is 10%, not Japan's reduced 8%"),
])
def test_japanese_reduced_rate_must_be_marked(make_site, monkeypatch, item, message):
    invoice = f"number: '1'\nissued: 2026-11-02\ndue: 2026-11-30\nitems:\n  - {item}\n"
    root = make_site({"content/acme/client.yaml": JP_CLIENT,
                      "content/acme/invoices/2026-11.yaml": invoice})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert f"content/acme/invoices/2026-11.yaml:5: {message}" in result.output


# ---------------------------------------------------------------- Poland, Sweden, Korea


def test_polish_faktura_with_both_nips_and_amount_in_words(make_site):
    portal = (PORTAL.replace("tax_ids: {eu_vat: NL123456782B01}",
                             "tax_ids: {eu_vat: PL5260250995, pl_nip: 526-025-09-95, "
                            "jp_invoice_registration: T7000012050002}")
              + "amounts_in_words: true\n")
    client = CLIENT.replace("locale: en", "locale: pl") + "currency: PLN\ntax_ids:\n  pl_nip: '5252843717'\n"
    root = make_site({"content/portal.yaml": portal, "content/acme/client.yaml": client})
    assert build_site(root).exit_code == 0
    page = text_of((root / "output" / "acme" / "invoices" / "2026-10.html").read_text("utf-8"))
    assert "Numer rejestracyjny (Japonia)" not in page  # only on invoices in yen
    for expected in ["Faktura nr 0123", "NIP: 526-025-09-95", "Nabywca", "NIP: 5252843717",
                     "Rabat (10%)", "Razem netto po rabacie 1 114,87 zł",
                     "VAT 21% od 900,00 zł 189,00 zł", "VAT 9% od 214,87 zł 19,34 zł",
                     "Do zapłaty 1 323,21 zł",
                     "Słownie: tysiąc trzysta dwadzieścia trzy złote 21/100"]:
        assert expected in page


def test_amount_in_words_is_optional(make_site):
    client = CLIENT.replace("locale: en", "locale: pl") + "currency: PLN\n"
    root = make_site({"content/acme/client.yaml": client})
    assert build_site(root).exit_code == 0
    page = (root / "output" / "acme" / "invoices" / "2026-10.html").read_text("utf-8")
    assert "Słownie" not in page and "Faktura nr 0123" in page


@pytest.mark.parametrize(("amount", "words"), [
    ("1", "jeden złoty 00/100"), ("2", "dwa złote 00/100"), ("5", "pięć złotych 00/100"),
    ("12", "dwanaście złotych 00/100"), ("22", "dwadzieścia dwa złote 00/100"),
    ("1000", "tysiąc złotych 00/100"), ("2004.05", "dwa tysiące cztery złote 05/100"),
    ("115000", "sto piętnaście tysięcy złotych 00/100"),
    ("1250000.99", "milion dwieście pięćdziesiąt tysięcy złotych 99/100"),
])
def test_polish_amounts_in_words(amount, words):
    from generator.render.words import amount_in_words
    assert amount_in_words(Decimal(amount), "PLN", "pl") == words
    assert amount_in_words(Decimal(amount), "EUR", "pl") is None
    assert amount_in_words(Decimal(amount), "PLN", "en") is None


def test_swedish_invoice_with_f_skatt(make_site):
    portal = PORTAL.replace("tax_ids: {eu_vat: NL123456782B01}",
                            "tax_ids: {eu_vat: SE556036079301, se_org_number: 556036-0793, "
                            "se_f_tax: true}")
    client = CLIENT.replace("locale: en", "locale: sv") + "currency: SEK\n"
    root = make_site({"content/portal.yaml": portal, "content/acme/client.yaml": client})
    assert build_site(root).exit_code == 0
    page = text_of((root / "output" / "acme" / "invoices" / "2026-10.html").read_text("utf-8"))
    for expected in ["Faktura 0123", "Organisationsnummer: 556036-0793",
                     "Momsregistreringsnummer: SE556036079301", "Godkänd för F-skatt",
                     "Fakturadatum 1 oktober 2026", "Förfallodatum 15 oktober 2026",
                     "Moms 21 % på 900,00 kr 189,00 kr", "Att betala 1 323,21 kr"]:
        assert expected in page


def test_f_skatt_only_when_set(make_site):
    client = CLIENT.replace("locale: en", "locale: sv") + "currency: SEK\n"
    root = make_site({"content/acme/client.yaml": client})
    assert build_site(root).exit_code == 0
    page = (root / "output" / "acme" / "invoices" / "2026-10.html").read_text("utf-8")
    assert "F-skatt" not in page


def test_korean_invoice(make_site):
    client = (CLIENT.replace("locale: en", "locale: ko")
              + "currency: KRW\ntax_ids:\n  kr_business_registration: 214-87-03567\n")
    root = make_site({"content/acme/client.yaml": client})
    assert build_site(root).exit_code == 0
    page = text_of((root / "output" / "acme" / "invoices" / "2026-10.html").read_text("utf-8"))
    for expected in ["청구서 0123", "사업자등록번호: 214-87-03567", "발행일 2026년 10월 1일",
                     "부가가치세 21% (공급가액 ₩900)", "청구 금액 합계 ₩1,323"]:
        assert expected in page


# ---------------------------------------------------------------- reverse charge


def test_reverse_charge_is_noted(make_site):
    invoice = ("number: '0124'\nissued: 2026-11-02\ndue: 2026-11-30\nreverse_charge: true\n"
               "items:\n  - {description: Consulting, quantity: 1, unit_price: 1000, tax_rate: 0}\n")
    client = CLIENT + "tax_ids:\n  eu_vat: DE136695976\n"
    root = make_site({"content/acme/client.yaml": client,
                      "content/acme/invoices/2026-11.yaml": invoice})
    assert build_site(root).exit_code == 0
    page = text_of((root / "output" / "acme" / "invoices" / "2026-11.html").read_text("utf-8"))
    assert ("Reverse charge: the recipient is liable for the VAT (Article 196 of Council "
            "Directive 2006/112/EC).") in page
    assert "VAT number: DE136695976" in page
    other = (root / "output" / "acme" / "invoices" / "2026-10.html").read_text("utf-8")
    assert "Reverse charge" not in other


def test_reverse_charge_in_polish(make_site):
    invoice = ("number: '0124'\nissued: 2026-11-02\ndue: 2026-11-30\nreverse_charge: true\n"
               "items:\n  - {description: Doradztwo, quantity: 1, unit_price: 1000, tax_rate: 0}\n")
    client = CLIENT.replace("locale: en", "locale: pl") + "currency: PLN\n"
    root = make_site({"content/acme/client.yaml": client,
                      "content/acme/invoices/2026-11.yaml": invoice})
    assert build_site(root).exit_code == 0
    page = text_of((root / "output" / "acme" / "invoices" / "2026-11.html").read_text("utf-8"))
    assert "Odwrotne obciążenie – podatek VAT rozlicza nabywca" in page


def test_reverse_charge_invoice_charging_vat_is_an_error(make_site, monkeypatch):
    root = make_site({"content/acme/invoices/2026-10.yaml": textwrap.dedent(INVOICE) + "reverse_charge: true\n"})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert ("content/acme/invoices/2026-10.yaml:6: items[0]: a reverse-charge invoice charges no "
            "VAT (the buyer accounts for it): use tax_rate: 0") in result.output


# ---------------------------------------------------------------- bank details (stdnum)

BANK_DETAILS = {
    "IBAN check digits": ("iban: NL91ABNA0417164301",
                          "agency.payment.iban: 'NL91ABNA0417164301' has wrong check digits "
                          "(IBAN)"),
    "IBAN shape": ("iban: 0417164300", "agency.payment.iban: '0417164300' is not an IBAN"),
    "BIC country": ("bic: ABNAXX2A", "agency.payment.bic: 'ABNAXX2A' is not a BIC"),
    "BIC length": ("bic: ABNANL", "agency.payment.bic: 'ABNANL' is not a BIC (8 or 11"),
}


@pytest.mark.parametrize("case", list(BANK_DETAILS))
def test_wrong_bank_details_are_content_errors(make_site, monkeypatch, case):
    field, message = BANK_DETAILS[case]
    name = field.split(":")[0]
    payment = "  payment: {iban: NL91ABNA0417164300, bic: ABNANL2A, account_holder: Test Agency B.V.}"
    assert payment in PORTAL
    kept = "iban: NL91ABNA0417164300" if name == "bic" else "bic: ABNANL2A"
    root = make_site({"content/portal.yaml": PORTAL.replace(
        payment, f"  payment:\n    {field}\n    {kept}\n")})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "portal.yaml" in line)
    assert line.startswith("content/portal.yaml:11: "), line  # the bad field's own line
    assert message in line


# ------------------------------------------- VAT charged across EU borders: reverse charge?

def _eu_site(make_site, vat: str):
    return make_site({"content/acme/client.yaml": CLIENT.replace("country: NL", f"country: {vat[:2]}")
                      + f"tax_ids:\n  eu_vat: {vat}\n"})


def test_vat_charged_to_a_business_in_another_eu_state_is_a_warning(make_site, monkeypatch):
    root = _eu_site(make_site, "SE559241386701")
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    assert ("content/acme/invoices/2026-10.yaml:6: warning: invoice 0123 charges 21% VAT to a "
            "business in SE, from Test Agency B.V. in NL: EU business-to-business services are "
            "reverse-charged; add reverse_charge: true (and tax_rate: 0), or invoice from the "
            "agency's SE registration (seller in client.yaml)") in result.output
    assert portal("check", "--content", root / "content", "--as-of", "2026-11-23",
                  "--strict").exit_code == 1


@pytest.mark.parametrize("case", ["domestic", "reverse charge", "registered there",
                                  "no VAT number", "outside the EU"])
def test_no_such_warning_where_vat_is_right(make_site, monkeypatch, case):
    vat, extra, portal_extra = {
        "domestic": ("NL862154376B01", "", ""),
        "reverse charge": ("SE559241386701", "reverse_charge: true\n", ""),
        "registered there": ("SE559241386701", "", "  registrations:\n    - country: SE\n"
                             "      tax_ids: {eu_vat: SE556036079301}\n"),
        "no VAT number": (None, "", ""),
        "outside the EU": (None, "", ""),
    }[case]
    files = {"content/portal.yaml": PORTAL.replace("\ncurrency:", f"\n{portal_extra}currency:")
             if portal_extra else PORTAL}
    if vat:
        files["content/acme/client.yaml"] = CLIENT.replace(
            "country: NL", f"country: {vat[:2]}") + f"tax_ids:\n  eu_vat: {vat}\n"
    if case == "outside the EU":
        files["content/acme/client.yaml"] = CLIENT.replace("country: NL", "country: JP")
    invoice = textwrap.dedent(INVOICE) + extra
    untaxed = extra or case == "outside the EU"
    if untaxed:
        invoice = invoice.replace("tax_rate: 21", "tax_rate: 0").replace("tax_rate: 9",
                                                                         "tax_rate: 0")
    files["content/acme/invoices/2026-10.yaml"] = invoice
    if untaxed:
        files["content/acme/invoices/2026-09.yaml"] = None  # it charges VAT
    root = make_site(files)
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    assert "reverse-charged" not in result.output and "outside the EU" not in result.output


def test_vat_charged_outside_the_eu_is_a_warning(make_site, monkeypatch):
    """A Dutch seller's service to a Japanese business is supplied in Japan (Article 44): no
    Dutch VAT."""
    root = make_site({"content/acme/client.yaml": CLIENT.replace("country: NL", "country: JP")})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 0, result.output
    assert ("content/acme/invoices/2026-10.yaml:6: warning: invoice 0123 charges 21% VAT to a "
            "business in JP, outside the EU: the service is supplied where the buyer is "
            "(Article 44 of the VAT Directive); use tax_rate: 0") in result.output
