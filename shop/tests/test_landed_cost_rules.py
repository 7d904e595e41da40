"""The landed-cost tables as the migration ships them, loaded by `rules_for` and quoted by the engine."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Channel, Collector, Destination, LandedCost, Line, NoLandedCostRules, quote_landed_cost
from shop.landed_cost_rules import rules_for
from shop.landed_cost_tables import load_landed_cost_tables
from shop.models import DeMinimis, DutyRate, ExchangeRate, TaxRate

D = Decimal
TODAY = date(2026, 12, 3)
COUNTRIES = ["US", "CA", "GB", "DE", "FR", "NL", "IT", "ES", "AU", "JP"]


@pytest.fixture(autouse=True)
def tables(db) -> None:
    """The demo rows the migration loads (again, if a transactional test flushed them)."""
    if not ExchangeRate.objects.exists():
        load_landed_cost_tables(apps)


def quote_to(
    country: str,
    lines: list[Line],
    *,
    currency: str,
    region: str = "",
    on: date = TODAY,
    shipping: str = "0",
    ship_from: str = "US",
    channel: str = Channel.COURIER,
) -> LandedCost:
    return quote_landed_cost(
        destination=Destination(country, region),
        lines=lines,
        shipping=D(shipping),
        currency=currency,
        on=on,
        rules=rules_for(country, on=on),
        ship_from=ship_from,
        channel=channel,
    )


def tee(value: str, quantity: int = 1, origin: str = "CN", hs_code: str = "610910") -> Line:
    return Line(hs_code=hs_code, origin_country=origin, customs_value=D(value), quantity=quantity, weight_grams=180)


# --- what the table holds -------------------------------------------------------------------------


def test_every_demo_row_cites_a_source_and_tells_staff_to_verify_it():
    for model in (DutyRate, TaxRate, DeMinimis):
        assert not model.objects.filter(source="").exists()
        assert not model.objects.exclude(note__contains="staff must verify").exists()
    six_currencies = ExchangeRate.objects.exclude(base="XDR")
    assert not six_currencies.exclude(source="demo figures, verify before going live").exists()
    assert not ExchangeRate.objects.filter(base="XDR").exclude(note__contains="staff must verify").exists()


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_demo_country_has_a_default_duty_row_and_a_tax_row_today(country):
    rules = rules_for(country, on=TODAY)

    assert any(rule.hs_prefix == "" and not rule.origin_country for rule in rules.duties)
    assert {"33", "61", "62", "64", "85"} <= {rule.hs_prefix for rule in rules.duties}
    assert rules.taxes


def test_loading_the_table_twice_adds_nothing():
    assert load_landed_cost_tables(apps) == 0


def test_rules_for_holds_only_the_rows_in_effect_on_the_day():
    before = rules_for("DE", on=date(2026, 6, 30))
    after = rules_for("DE", on=date(2026, 7, 1))

    assert not any(rule.fixed_amount for rule in before.duties)
    assert [rule.fixed_amount for rule in after.duties if rule.fixed_amount] == [D("3.00")]
    assert {row.collected_at_or_under for row in before.de_minimis if row.kind == "duty"} == {Collector.EXEMPT}
    assert {row.collected_at_or_under for row in after.de_minimis if row.kind == "duty"} == {Collector.MARKETPLACE}


def test_a_destination_without_rows_is_refused_before_anything_is_quoted():
    with pytest.raises(NoLandedCostRules) as refused:
        rules_for("BR", on=TODAY)

    assert str(refused.value) == "We cannot ship to Brazil yet: import charges for it are not set up."


def test_a_cart_currency_without_exchange_rates_is_refused():
    with pytest.raises(MissingExchangeRate):
        quote_to("DE", [tee("20.00")], currency="CHF")


# --- the EU: VAT from the first euro, IOSS to 150 EUR, the 3 EUR duty from 2026-07-01 ------------------


def test_germany_before_and_after_the_duty_relief_ended():
    before = quote_to("DE", [tee("100.00")], currency="EUR", on=date(2026, 6, 30))
    after = quote_to("DE", [tee("100.00")], currency="EUR", on=date(2026, 7, 1))

    assert (before.fixed_total, before.tax_total, before.incoterm) == (D("0.00"), D("19.00"), "DDP")
    assert (after.fixed_total, after.tax_total, after.incoterm) == (D("3.00"), D("19.57"), "DDP")
    assert after.lines[0].duty_rule.text.startswith(
        "DE duty 3.00 EUR per distinct tariff subheading on any HS code, low-value parcels declared under IOSS"
    )


@pytest.mark.parametrize(("country", "vat"), [("DE", "19"), ("FR", "20"), ("NL", "21"), ("IT", "22"), ("ES", "21")])
def test_eu_vat_is_due_from_the_first_euro_at_the_country_rate(country, vat):
    result = quote_to(country, [tee("1.00")], currency="EUR")

    assert result.lines[0].tax_rule.text.startswith(f"{country} VAT {vat} %")
    assert result.tax_total == (D("4.00") * D(vat) / 100).quantize(D("0.01"))  # on 1 EUR and the 3 EUR duty


def test_an_eu_parcel_above_150_eur_pays_duty_and_vat_at_the_door():
    result = quote_to("DE", [tee("200.00")], shipping="10.00", currency="EUR")

    assert (result.duty_total, result.fixed_total, result.tax_total) == (D("25.20"), D("0.00"), D("44.69"))
    assert (result.incoterm, result.due_at_door) == ("DAP", D("69.89"))


def test_a_cart_in_dollars_is_measured_against_the_150_eur_threshold_in_euros():
    at_sale = quote_to("DE", [tee("174.41")], currency="USD")  # 149.99 EUR at 0.86
    at_door = quote_to("DE", [tee("174.43")], currency="USD")  # 150.01 EUR

    assert (at_sale.incoterm, at_door.incoterm) == ("DDP", "DAP")
    assert at_sale.fixed_total == D("3.49")  # 3 EUR in dollars


# --- the US: de minimis suspended -------------------------------------------------------------------


def test_us_duty_before_and_after_the_de_minimis_suspension_of_2025_08_29():
    line = [tee("100.00", origin="VN")]

    before = quote_to("US", line, region="TX", shipping="5.00", currency="USD", on=date(2025, 8, 28), ship_from="VN")
    after = quote_to("US", line, region="TX", shipping="5.00", currency="USD", on=date(2025, 8, 29), ship_from="VN")

    assert (before.duty_total, after.duty_total) == (D("0.00"), D("16.00"))
    assert before.tax_total == after.tax_total == D("6.56")  # Texas taxes shipping, not the duty
    assert after.duty_collected_by == Collector.MARKETPLACE
    assert after.lines[0].duty_rule.text.startswith("US duty 16 % on HS 61")


def test_us_parcels_from_china_lost_the_threshold_on_2025_05_02():
    before = quote_to("US", [tee("100.00")], region="WA", currency="USD", on=date(2025, 5, 1), ship_from="CN")
    after = quote_to("US", [tee("100.00")], region="WA", currency="USD", on=date(2025, 5, 2), ship_from="CN")

    assert (before.duty_total, after.duty_total) == (D("0.00"), D("30.00"))


@pytest.mark.parametrize(
    ("state", "tax"),
    [
        ("CA", "7.25"),
        ("NY", "4.40"),
        ("TX", "6.88"),
        ("WA", "7.15"),
        ("FL", "6.00"),
        ("AK", "0.00"),
        ("DE", "0.00"),
        ("MT", "0.00"),
        ("NH", "0.00"),
        ("OR", "0.00"),
    ],
)
def test_us_sales_tax_by_state_on_a_domestic_parcel(state, tax):
    result = quote_to("US", [tee("100.00")], region=state, shipping="10.00", currency="USD", ship_from="US")

    assert (result.duty_total, result.tax_total) == (D("0.00"), D(tax))


# --- the UK, Australia, Japan, Canada ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "duty", "vat", "incoterm"), [("135.00", "0.00", "27.00", "DDP"), ("135.01", "16.20", "30.24", "DAP")]
)
def test_uk_vat_at_sale_up_to_135_gbp_then_vat_and_duty_at_the_border(value, duty, vat, incoterm):
    result = quote_to("GB", [tee(value)], currency="GBP")

    assert (result.duty_total, result.tax_total, result.incoterm) == (D(duty), D(vat), incoterm)


@pytest.mark.parametrize(
    ("value", "duty", "gst", "incoterm"),
    [("1000.00", "0.00", "100.00", "DDP"), ("1000.01", "50.00", "105.00", "DAP")],
)
def test_australian_gst_at_sale_up_to_1000_aud(value, duty, gst, incoterm):
    result = quote_to("AU", [tee(value)], currency="AUD")

    assert (result.duty_total, result.tax_total, result.incoterm) == (D(duty), D(gst), incoterm)


@pytest.mark.parametrize(
    ("value", "duty", "tax", "incoterm"),
    [("10000", "0", "0", "DDP"), ("10001", "1000", "1100", "DAP"), ("10005", "1001", "1101", "DAP")],
)
def test_japan_nothing_up_to_10000_yen_then_duty_and_consumption_tax_in_whole_yen(value, duty, tax, incoterm):
    result = quote_to("JP", [tee(value)], currency="JPY")

    assert (result.duty_total, result.tax_total, result.incoterm) == (D(duty), D(tax), incoterm)


@pytest.mark.parametrize(
    ("value", "ship_from", "origin", "duty", "tax"),
    [
        ("40.00", "US", "CN", "0.00", "0.00"),  # courier from the US: nothing up to 40 CAD
        ("100.00", "US", "CN", "0.00", "13.00"),  # 40-150 CAD: tax only
        ("200.00", "US", "CN", "36.00", "30.68"),  # above 150: duty and tax (HST on the duty-paid value)
        ("200.00", "US", "US", "0.00", "26.00"),  # CUSMA-originating goods: no duty
        ("25.00", "CN", "CN", "4.50", "3.84"),  # other origins: 20 CAD
    ],
)
def test_canada_courier_thresholds_and_cusma(value, ship_from, origin, duty, tax):
    result = quote_to("CA", [tee(value, origin=origin)], region="ON", currency="CAD", ship_from=ship_from)

    assert (result.duty_total, result.tax_total) == (D(duty), D(tax))


@pytest.mark.parametrize(
    ("province", "name", "rate"),
    [("ON", "HST", "13"), ("NS", "HST", "14"), ("NB", "HST", "15"), ("NL", "HST", "15"), ("PE", "HST", "15"),
     ("QC", "GST", "5"), ("BC", "GST", "5")],
)  # fmt: skip
def test_canadian_provinces_pay_their_hst_or_the_gst(province, name, rate):
    result = quote_to("CA", [tee("100.00")], region=province, currency="CAD")

    assert result.lines[0].tax_rule.text.startswith(f"CA{'-' + province if name == 'HST' else ''} {name} {rate} %")


def test_nova_scotia_hst_dropped_to_14_percent_on_2025_04_01():
    before = quote_to("CA", [tee("100.00")], region="NS", currency="CAD", on=date(2025, 3, 31))
    after = quote_to("CA", [tee("100.00")], region="NS", currency="CAD", on=date(2025, 4, 1))

    assert (before.tax_total, after.tax_total) == (D("15.00"), D("14.00"))


# --- cost ----------------------------------------------------------------------------------------


def test_a_quote_for_20_lines_costs_as_many_queries_as_for_1_and_at_most_6(django_assert_max_num_queries):
    def quote_lines(count: int) -> LandedCost:
        lines = [
            tee(f"{5 + index}.00", hs_code=["610910", "620342", "330499", "851830"][index % 4])
            for index in range(count)
        ]
        return quote_to("DE", lines, currency="USD", shipping="7.50")

    quote_lines(1)  # the tables are then cached (`shop.reference_data`), as for every quote but the first
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as one:
        quote_lines(1)
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as twenty:
        result = quote_lines(20)

    assert len(one) == len(twenty)  # duty, tax and de-minimis rows, exchange rates: from the cache
    assert len(result.lines) == 20
