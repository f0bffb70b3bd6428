"""Invoice arithmetic: Decimal throughout, minor units per ISO 4217, tax rounded per rate."""

from decimal import Decimal

from generator.content.models import Invoice
from generator.invoicing.money import invoice_totals, round_money, sum_by_currency


def invoice(items, **extra):
    return Invoice.model_validate({"number": "1", "issued": "2026-10-01", "due": "2026-10-15",
                                   "items": items, **extra})


def item(quantity, price, rate, **extra):
    return {"description": "x", "quantity": quantity, "unit_price": price, "tax_rate": rate,
            **extra}


def test_minor_units():
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_money(Decimal("1234.4"), "KRW") == Decimal("1234")
    assert round_money(Decimal("2.005"), "EUR") == Decimal("2.01")
    assert round_money(Decimal("2.0005"), "BHD") == Decimal("2.001")  # three decimals


def test_tax_is_summed_then_rounded_once_per_rate():
    # Three lines of 0.33 at 10%: per-line rounding would give 0.03 × 3 = 0.09.
    totals = invoice_totals(invoice([item(1, "0.33", 10)] * 3), "EUR")
    assert totals.subtotal == Decimal("0.99")
    assert totals.tax == Decimal("0.10")
    assert totals.total == Decimal("1.09")


def test_japanese_invoice_with_reduced_rate():
    totals = invoice_totals(invoice([item(3, 1180, 10), item(7, 648, 8, reduced_rate=True),
                                     item(1, 99, 8, reduced_rate=True)]), "JPY")
    assert [(g.rate, g.net, g.tax, g.reduced) for g in totals.taxes] == [
        (Decimal(10), Decimal(3540), Decimal(354), False),
        (Decimal(8), Decimal(4635), Decimal(371), True),  # 370.8 rounds half up once
    ]
    assert totals.total == Decimal(8900)


def test_percent_discount_applies_per_rate_before_tax():
    totals = invoice_totals(invoice([item(1, "1000.00", 21), item("2.5", "95.50", 9)],
                                    discount={"percent": 10}), "EUR")
    assert totals.subtotal == Decimal("1238.75")
    assert totals.discount == Decimal("123.88")  # 100.00 + 23.88
    assert totals.net == Decimal("1114.87")
    assert [g.tax for g in totals.taxes] == [Decimal("189.00"), Decimal("19.34")]
    assert totals.total == Decimal("1323.21")


def test_amount_discount():
    totals = invoice_totals(invoice([item(2, "500", 23)], discount={"amount": "100"}), "PLN")
    assert (totals.net, totals.tax, totals.total) == (Decimal(900), Decimal("207.00"),
                                                      Decimal("1107.00"))


def test_balances_per_currency():
    assert sum_by_currency([("PLN", Decimal(1)), ("EUR", Decimal(2)), ("PLN", Decimal(3))]) == {
        "EUR": Decimal(2), "PLN": Decimal(4)}
