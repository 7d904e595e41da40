"""The landed-cost engine as a pure function: rules built by hand, no database."""

import random
from datetime import date
from decimal import Decimal

import pytest

from shop.exchange_rates import ExchangeRates, MissingExchangeRate, Rate
from shop.landed_cost import (
    Basis,
    Channel,
    ChargeKind,
    Collector,
    DeMinimisRule,
    Destination,
    DutyRule,
    DutyScope,
    FixedPer,
    Line,
    NoLandedCostRules,
    RegionRequired,
    Rules,
    TaxRule,
    quote_landed_cost,
)

D = Decimal
TODAY = date(2026, 12, 3)
RATES = ExchangeRates(
    (
        Rate(id=1, base="USD", quote="EUR", rate=D("0.86"), effective_from=TODAY),
        Rate(id=2, base="USD", quote="JPY", rate=D("155"), effective_from=TODAY),
        Rate(id=3, base="USD", quote="CAD", rate=D("1.39"), effective_from=TODAY),
    )
)


def eu_rules(country: str = "DE", vat: str = "19", flat_duty_scope: str = DutyScope.LOW_VALUE_SCHEME) -> Rules:
    """An EU country as the demo table has it: IOSS at 150 EUR, the duty relief until 2026-06-30, then 3 EUR."""
    ioss = date(2021, 7, 1)
    return Rules(
        country=country,
        duties=(
            DutyRule(id=10, hs_prefix="", rate_percent=D("4"), basis=Basis.GOODS_AND_SHIPPING, effective_from=ioss),
            DutyRule(id=11, hs_prefix="61", rate_percent=D("12"), basis=Basis.GOODS_AND_SHIPPING, effective_from=ioss),
            DutyRule(
                id=12,
                rate_percent=D("0"),
                fixed_amount=D("3.00"),
                fixed_currency="EUR",
                fixed_per=FixedPer.SUBHEADING,
                scope=flat_duty_scope,
                effective_from=date(2026, 7, 1),
                effective_to=date(2028, 6, 30),
            ),
        ),
        taxes=(TaxRule(id=20, name="VAT", rate_percent=D(vat), effective_from=ioss, source="EC VAT rates"),),
        de_minimis=(
            DeMinimisRule(
                id=30,
                kind=ChargeKind.TAX,
                threshold=D("150"),
                currency="EUR",
                collected_at_or_under=Collector.MARKETPLACE,
                collected_above=Collector.CARRIER,
                effective_from=ioss,
            ),
            DeMinimisRule(
                id=31,
                kind=ChargeKind.DUTY,
                threshold=D("150"),
                currency="EUR",
                collected_at_or_under=Collector.EXEMPT,
                collected_above=Collector.CARRIER,
                effective_from=ioss,
                effective_to=date(2026, 6, 30),
            ),
            DeMinimisRule(
                id=32,
                kind=ChargeKind.DUTY,
                threshold=D("150"),
                currency="EUR",
                collected_at_or_under=Collector.MARKETPLACE,
                collected_above=Collector.CARRIER,
                effective_from=date(2026, 7, 1),
            ),
        ),
        exchange_rates=RATES,
    )


def us_rules() -> Rules:
    start = date(2025, 1, 1)
    dutiable = {"collected_at_or_under": Collector.MARKETPLACE, "collected_above": Collector.MARKETPLACE}
    return Rules(
        country="US",
        duties=(
            DutyRule(id=1, hs_prefix="", rate_percent=D("5"), effective_from=start),
            DutyRule(id=2, hs_prefix="61", rate_percent=D("16"), effective_from=start),
            DutyRule(id=3, hs_prefix="6109", rate_percent=D("16.5"), effective_from=start),
            DutyRule(id=4, hs_prefix="", origin_country="CN", rate_percent=D("30"), effective_from=start),
        ),
        taxes=(
            TaxRule(
                id=5,
                region="CA",
                name="sales tax",
                rate_percent=D("7.25"),
                shipping_taxable=False,
                duty_taxable=False,
                effective_from=start,
            ),
            TaxRule(
                id=6,
                region="NY",
                name="sales tax",
                rate_percent=D("4"),
                shipping_taxable=True,
                duty_taxable=False,
                effective_from=start,
            ),
            TaxRule(id=7, region="OR", name="sales tax", rate_percent=D("0"), effective_from=start),
        ),
        de_minimis=(
            DeMinimisRule(
                id=8,
                kind=ChargeKind.DUTY,
                threshold=D("800"),
                currency="USD",
                collected_at_or_under=Collector.EXEMPT,
                collected_above=Collector.MARKETPLACE,
                effective_from=date(2016, 3, 10),
                effective_to=date(2025, 8, 28),
            ),
            DeMinimisRule(
                id=9,
                kind=ChargeKind.DUTY,
                threshold=D("0"),
                currency="USD",
                shipped_from=("CN", "HK"),
                effective_from=date(2025, 5, 2),
                effective_to=date(2025, 8, 28),
                **dutiable,
            ),
            DeMinimisRule(
                id=10,
                kind=ChargeKind.DUTY,
                threshold=D("0"),
                currency="USD",
                effective_from=date(2025, 8, 29),
                **dutiable,
            ),
        ),
        exchange_rates=RATES,
    )


def quote(rules: Rules, lines: list[Line], *, region: str = "", shipping: str = "0", currency: str = "EUR",
          on: date = TODAY, ship_from: str = "US", channel: str = Channel.COURIER):  # fmt: skip
    return quote_landed_cost(
        destination=Destination(rules.country, region),
        lines=lines,
        shipping=D(shipping),
        currency=currency,
        on=on,
        rules=rules,
        ship_from=ship_from,
        channel=channel,
    )


def tee(value: str, quantity: int = 1, hs_code: str = "610910", origin: str = "CN") -> Line:
    return Line(hs_code=hs_code, origin_country=origin, customs_value=D(value), quantity=quantity, weight_grams=180)


# --- the EU's low-value duty before and after 2026-07-01 -------------------------------------------


def test_eu_parcel_under_150_eur_paid_no_duty_until_2026_06_30():
    result = quote(eu_rules(), [tee("50.00", 2)], shipping="5.00", on=date(2026, 6, 30))

    assert (result.duty_total, result.fixed_total) == (D("0.00"), D("0.00"))
    assert result.tax_total == D("19.95")  # 19 % of 100 + 5
    assert result.lines[0].duty_rule.table == "de_minimis"
    assert result.lines[0].duty_rule.id == 31
    assert (result.incoterm, result.due_at_sale, result.due_at_door) == ("DDP", D("19.95"), D("0.00"))


def test_eu_parcel_under_150_eur_pays_3_eur_per_distinct_subheading_from_2026_07_01():
    lines = [tee("20.00"), tee("30.00"), tee("40.00", hs_code="330499", origin="FR")]

    result = quote(eu_rules(), lines, shipping="5.00", on=date(2026, 7, 1))

    assert result.fixed_total == D("6.00")  # 610910 once, 330499 once
    assert [line.fixed for line in result.lines] == [D("1.20"), D("1.80"), D("3.00")]  # shared by value
    assert result.duty_total == D("0.00")
    assert result.lines[0].duty_rule.id == 12
    # VAT on goods, shipping and the flat duty: 19 % of 90 + 5 + 6.
    assert result.tax_total == D("19.19")
    assert result.duty_collected_by == result.tax_collected_by == Collector.MARKETPLACE
    assert result.incoterm == "DDP"


def test_eu_parcel_above_150_eur_pays_normal_rates_at_the_door_before_and_after_2026_07_01():
    for on in (date(2026, 6, 30), date(2026, 7, 1)):
        result = quote(eu_rules(), [tee("200.00")], shipping="10.00", on=on)

        assert result.duty_total == D("25.20")  # 12 % of 200 + 10 (CIF)
        assert result.fixed_total == D("0.00")
        assert result.tax_total == D("44.69")  # 19 % of 200 + 10 + 25.20
        assert result.lines[0].duty_rule.id == 11
        assert (result.incoterm, result.due_at_door) == ("DAP", D("69.89"))


def test_the_flat_duty_scoped_to_ioss_needs_the_tax_collected_at_sale():
    rules = eu_rules()
    # The tax threshold is the IOSS limit: a parcel at 150 EUR is IOSS, so the flat duty applies.
    at_limit = quote(rules, [tee("150.00")], on=date(2026, 7, 1))
    no_ioss = Rules(
        country="DE",
        duties=rules.duties,
        taxes=rules.taxes,
        de_minimis=tuple(row for row in rules.de_minimis if row.kind == ChargeKind.DUTY),
        exchange_rates=RATES,
    )
    without = quote(no_ioss, [tee("150.00")], on=date(2026, 7, 1))

    assert at_limit.fixed_total == D("3.00")
    assert (without.fixed_total, without.duty_total) == (D("0.00"), D("18.00"))  # normal 12 %
    assert without.lines[0].duty_rule.id == 11


def test_the_flat_duty_scoped_to_all_low_value_parcels_applies_without_ioss():
    rules = eu_rules(flat_duty_scope=DutyScope.LOW_VALUE)
    no_tax_threshold = Rules(
        country="DE",
        duties=rules.duties,
        taxes=rules.taxes,
        de_minimis=tuple(row for row in rules.de_minimis if row.kind == ChargeKind.DUTY),
        exchange_rates=RATES,
    )

    result = quote(no_tax_threshold, [tee("40.00")], on=date(2026, 7, 1))

    assert (result.fixed_total, result.duty_total) == (D("3.00"), D("0.00"))


def test_the_flat_duty_ends_after_2028_06_30():
    result = quote(eu_rules(), [tee("40.00")], on=date(2028, 7, 1))

    assert (result.fixed_total, result.duty_total) == (D("0.00"), D("4.80"))
    assert result.lines[0].duty_rule.id == 11


# --- the US before and after the de minimis suspension ---------------------------------------------


def test_us_parcel_under_800_usd_paid_no_duty_until_2025_08_28():
    result = quote(us_rules(), [tee("100.00", origin="VN")], region="NY", currency="USD", on=date(2025, 8, 28),
                   ship_from="VN")  # fmt: skip

    assert result.duty_total == D("0.00")
    assert result.lines[0].duty_rule.id == 8
    assert result.tax_total == D("4.00")


def test_us_parcel_of_any_value_pays_duty_from_2025_08_29():
    result = quote(us_rules(), [tee("100.00", origin="VN")], region="NY", currency="USD", on=date(2025, 8, 29),
                   ship_from="VN")  # fmt: skip

    assert result.duty_total == D("16.50")  # HS 6109: 16.5 %
    assert result.lines[0].duty_rule.id == 3
    assert result.duty_collected_by == Collector.MARKETPLACE
    assert result.tax_total == D("4.00")  # NY sales tax does not tax the duty
    assert any("0.00 USD threshold" in text for text in result.explanations)


def test_us_parcels_from_china_lost_the_threshold_on_2025_05_02():
    before = quote(us_rules(), [tee("100.00")], region="CA", currency="USD", on=date(2025, 5, 1), ship_from="CN")
    after = quote(us_rules(), [tee("100.00")], region="CA", currency="USD", on=date(2025, 5, 2), ship_from="CN")
    elsewhere = quote(us_rules(), [tee("100.00")], region="CA", currency="USD", on=date(2025, 5, 2), ship_from="VN")

    assert (before.duty_total, after.duty_total, elsewhere.duty_total) == (D("0.00"), D("30.00"), D("0.00"))
    assert after.lines[0].duty_rule.id == 4  # the origin-CN row


def test_a_parcel_within_the_destination_country_pays_no_duty_only_the_tax():
    result = quote(us_rules(), [tee("100.00")], region="CA", shipping="9.00", currency="USD", ship_from="US")

    assert result.duty_total == D("0.00")
    assert result.lines[0].duty_rule is None
    assert result.tax_total == D("7.25")  # California does not tax separately stated shipping
    assert "does not cross a border" in " ".join(result.explanations)


# --- choosing the duty row -------------------------------------------------------------------------


def test_the_longest_hs_prefix_wins():
    rules = us_rules()
    on = date(2025, 9, 1)

    assert quote(rules, [tee("100", hs_code="610910", origin="VN")], currency="USD", on=on, region="OR",
                 ship_from="VN").lines[0].duty_rule.id == 3  # fmt: skip
    assert quote(rules, [tee("100", hs_code="611020", origin="VN")], currency="USD", on=on, region="OR",
                 ship_from="VN").lines[0].duty_rule.id == 2  # fmt: skip
    assert quote(rules, [tee("100", hs_code="950300", origin="VN")], currency="USD", on=on, region="OR",
                 ship_from="VN").lines[0].duty_rule.id == 1  # fmt: skip


def test_a_row_for_the_goods_origin_beats_a_longer_prefix_for_any_origin():
    result = quote(us_rules(), [tee("100", hs_code="610910", origin="CN")], currency="USD", region="OR",
                   on=date(2025, 9, 1), ship_from="VN")  # fmt: skip

    assert result.lines[0].duty_rule.id == 4
    assert "made in CN" in result.lines[0].duty_rule.text


def test_a_newer_row_for_the_same_prefix_replaces_the_older_one_from_its_first_day():
    rules = us_rules()
    newer = DutyRule(id=99, hs_prefix="6109", rate_percent=D("20"), effective_from=date(2026, 1, 1))
    rules = Rules(country="US", duties=(*rules.duties, newer), taxes=rules.taxes, de_minimis=rules.de_minimis)
    line = [tee("100", origin="VN")]

    before = quote(rules, line, currency="USD", region="OR", on=date(2025, 12, 31), ship_from="VN")
    after = quote(rules, line, currency="USD", region="OR", on=date(2026, 1, 1), ship_from="VN")

    assert (before.duty_total, after.duty_total) == (D("16.50"), D("20.00"))


def test_an_item_no_duty_row_covers_is_refused_with_its_hs_code():
    rules = Rules(
        country="DE",
        duties=(DutyRule(id=1, hs_prefix="61", rate_percent=D("12")),),
        taxes=(TaxRule(id=2, rate_percent=D("19")),),
    )

    with pytest.raises(NoLandedCostRules) as refused:
        quote(rules, [tee("10", hs_code="950300")])

    assert refused.value.hs_code == "950300"
    assert str(refused.value) == (
        "We cannot ship items of HS code 950300 to Germany yet: import charges for them are not set up."
    )


def test_a_fixed_charge_per_item_counts_the_quantity_and_converts_its_currency():
    rules = Rules(
        country="DE",
        duties=(DutyRule(id=1, fixed_amount=D("2.00"), fixed_currency="EUR", fixed_per=FixedPer.ITEM),),
        taxes=(TaxRule(id=2, rate_percent=D("0")),),
        exchange_rates=RATES,
    )

    result = quote(rules, [tee("10.00", 3)], currency="USD")

    assert result.fixed_total == D("6.98")  # 6 EUR / 0.86
    assert result.lines[0].duty_rule.text == "DE duty 2.00 EUR per item on any HS code (no source given)"


# --- de minimis: below, at, above; converted; conditions ------------------------------------------


def gb_rules() -> Rules:
    start = date(2021, 1, 1)
    return Rules(
        country="GB",
        duties=(DutyRule(id=1, rate_percent=D("4"), basis=Basis.GOODS_AND_SHIPPING, effective_from=start),),
        taxes=(TaxRule(id=2, name="VAT", rate_percent=D("20"), effective_from=start),),
        de_minimis=(
            DeMinimisRule(
                id=3,
                kind=ChargeKind.TAX,
                threshold=D("135"),
                currency="GBP",
                collected_at_or_under=Collector.MARKETPLACE,
                collected_above=Collector.CARRIER,
                effective_from=start,
            ),
            DeMinimisRule(
                id=4,
                kind=ChargeKind.DUTY,
                threshold=D("135"),
                currency="GBP",
                collected_at_or_under=Collector.EXEMPT,
                collected_above=Collector.CARRIER,
                effective_from=start,
            ),
        ),
        exchange_rates=ExchangeRates((Rate(id=5, base="USD", quote="GBP", rate=D("0.75"), effective_from=TODAY),)),
    )


@pytest.mark.parametrize(
    ("value", "duty", "tax", "incoterm"),
    [
        ("134.99", "0.00", "27.00", "DDP"),  # below: VAT at sale, no duty
        ("135.00", "0.00", "27.00", "DDP"),  # at: still at or under
        ("135.01", "5.40", "28.08", "DAP"),  # above: VAT and duty at the border
    ],
)
def test_uk_threshold_below_at_and_above(value, duty, tax, incoterm):
    result = quote(gb_rules(), [tee(value)], currency="GBP")

    assert (result.duty_total, result.tax_total, result.incoterm) == (D(duty), D(tax), incoterm)


def test_the_threshold_compares_the_value_converted_into_its_currency():
    # 180 USD = 135.00 GBP at 0.75: at the threshold; 180.02 USD = 135.015 -> 135.02 GBP: above.
    at = quote(gb_rules(), [tee("180.00")], currency="USD")
    above = quote(gb_rules(), [tee("180.02")], currency="USD")

    assert (at.incoterm, above.incoterm) == ("DDP", "DAP")
    assert "180.00 USD = 135.00 GBP (1 USD = 0.75 GBP (exchange rate #5 from 2026-12-03))" in at.explanations[1]


def test_a_threshold_on_goods_and_shipping_counts_the_shipping():
    rules = gb_rules()
    rules = Rules(
        country="GB",
        duties=rules.duties,
        taxes=rules.taxes,
        de_minimis=tuple(
            DeMinimisRule(**{**row.__dict__, "basis": Basis.GOODS_AND_SHIPPING}) for row in rules.de_minimis
        ),
    )

    result = quote(rules, [tee("130.00")], shipping="6.00", currency="GBP")

    assert result.incoterm == "DAP"


def canada_rules() -> Rules:
    start = date(2020, 7, 1)
    courier = {
        "shipped_from": ("MX", "US"),
        "channel": Channel.COURIER,
        "effective_from": start,
        "collected_at_or_under": Collector.EXEMPT,
        "collected_above": Collector.CARRIER,
    }
    other = {"effective_from": start, "collected_at_or_under": Collector.EXEMPT, "collected_above": Collector.CARRIER}
    return Rules(
        country="CA",
        duties=(DutyRule(id=1, rate_percent=D("18"), effective_from=start),),
        taxes=(
            TaxRule(id=2, name="GST", rate_percent=D("5"), effective_from=start),
            TaxRule(id=3, region="ON", name="HST", rate_percent=D("13"), effective_from=start),
            TaxRule(id=4, region="NS", name="HST", rate_percent=D("15"), effective_from=start,
                    effective_to=date(2025, 3, 31)),
            TaxRule(id=5, region="NS", name="HST", rate_percent=D("14"), effective_from=date(2025, 4, 1)),
        ),
        de_minimis=(
            DeMinimisRule(id=6, kind=ChargeKind.TAX, threshold=D("40"), currency="CAD", **courier),
            DeMinimisRule(id=7, kind=ChargeKind.DUTY, threshold=D("150"), currency="CAD", **courier),
            DeMinimisRule(id=8, kind=ChargeKind.TAX, threshold=D("20"), currency="CAD", **other),
            DeMinimisRule(id=9, kind=ChargeKind.DUTY, threshold=D("20"), currency="CAD", **other),
        ),
        exchange_rates=RATES,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "ship_from", "channel", "duty", "tax"),
    [
        ("40.00", "US", Channel.COURIER, "0.00", "0.00"),  # courier from the US: nothing up to 40 CAD
        ("40.01", "US", Channel.COURIER, "0.00", "5.20"),  # 40-150: tax only (ON HST 13 %)
        ("150.00", "MX", Channel.COURIER, "0.00", "19.50"),
        ("150.01", "US", Channel.COURIER, "27.00", "23.01"),  # above 150: duty and tax
        ("20.00", "CN", Channel.COURIER, "0.00", "0.00"),  # other origins: 20 CAD
        ("20.01", "CN", Channel.COURIER, "3.60", "3.07"),
        ("30.00", "US", Channel.POSTAL, "5.40", "4.60"),  # mail from the US: 20 CAD too
    ],
)
def test_canada_thresholds_depend_on_where_and_how_the_parcel_is_sent(value, ship_from, channel, duty, tax):
    result = quote(canada_rules(), [tee(value)], region="ON", currency="CAD", ship_from=ship_from, channel=channel)

    assert (result.duty_total, result.tax_total) == (D(duty), D(tax))


# --- taxes by region ---------------------------------------------------------------------------------


def test_us_sales_tax_follows_the_state_and_its_shipping_rule():
    line = [tee("100.00", origin="VN")]
    california = quote(us_rules(), line, region="CA", shipping="10.00", currency="USD", ship_from="US")
    new_york = quote(us_rules(), line, region="NY", shipping="10.00", currency="USD", ship_from="US")
    oregon = quote(us_rules(), line, region="OR", shipping="10.00", currency="USD", ship_from="US")

    assert (california.tax_total, new_york.tax_total, oregon.tax_total) == (D("7.25"), D("4.40"), D("0.00"))
    assert california.lines[0].tax_rule.text == "US-CA sales tax 7.25 % (no source given)"
    assert oregon.tax_collected_by == Collector.EXEMPT


def test_a_canadian_hst_province_replaces_the_gst_and_others_pay_the_gst():
    line = [tee("200.00")]

    ontario = quote(canada_rules(), line, region="ON", currency="CAD")
    quebec = quote(canada_rules(), line, region="QC", currency="CAD")

    assert ontario.lines[0].tax_rule.id == 3
    assert quebec.lines[0].tax_rule.id == 2
    assert (ontario.tax_total, quebec.tax_total) == (D("30.68"), D("11.80"))  # on the duty-paid value 236


def test_nova_scotia_hst_before_and_after_2025_04_01():
    line = [tee("100.00")]

    before = quote(canada_rules(), line, region="NS", currency="CAD", on=date(2025, 3, 31))
    after = quote(canada_rules(), line, region="NS", currency="CAD", on=date(2025, 4, 1))

    assert (before.lines[0].tax_rule.id, after.lines[0].tax_rule.id) == (4, 5)


def test_a_state_without_a_row_is_refused_and_the_us_needs_a_state():
    with pytest.raises(NoLandedCostRules) as unknown:
        quote(us_rules(), [tee("10")], region="GA", currency="USD")
    with pytest.raises(RegionRequired) as missing:
        quote(us_rules(), [tee("10")], currency="USD")

    assert str(unknown.value) == "We cannot ship to GA, United States of America yet: taxes for it are not set up."
    assert str(missing.value) == "Choose a state or province: taxes for United States of America depend on it."


# --- money: JPY, half-up, lines that add up ----------------------------------------------------------


def japan_rules() -> Rules:
    return Rules(
        country="JP",
        duties=(
            DutyRule(id=1, hs_prefix="61", rate_percent=D("10"), basis=Basis.GOODS_AND_SHIPPING),
            DutyRule(id=9, hs_prefix="", rate_percent=D("5"), basis=Basis.GOODS_AND_SHIPPING),
        ),
        taxes=(TaxRule(id=2, name="consumption tax", rate_percent=D("10")),),
        de_minimis=tuple(
            DeMinimisRule(
                id=3 + i,
                kind=kind,
                threshold=D("10000"),
                currency="JPY",
                collected_at_or_under=Collector.EXEMPT,
                collected_above=Collector.CARRIER,
            )
            for i, kind in enumerate(ChargeKind.values)
        ),
        exchange_rates=RATES,
    )


def test_yen_amounts_have_no_decimals_and_round_half_up():
    result = quote(japan_rules(), [tee("10005")], currency="JPY")

    assert result.duty_total == D("1001")  # 1000.5 -> 1001
    assert result.tax_total == D("1101")  # 10 % of 11006 = 1100.6
    assert result.duty_total.as_tuple().exponent == 0


def test_japan_charges_nothing_up_to_10000_yen_and_converts_other_currencies():
    under = quote(japan_rules(), [tee("10000")], currency="JPY")
    over_in_usd = quote(japan_rules(), [tee("64.52")], currency="USD")  # 10,000.60 JPY -> 10,001

    assert (under.total, under.incoterm) == (D("0"), "DDP")
    assert over_in_usd.duty_total == D("6.45")
    assert over_in_usd.incoterm == "DAP"


def test_the_remainder_cent_goes_to_the_line_with_the_largest_remainder_then_the_first():
    rules = Rules(
        country="DE", duties=(DutyRule(id=1, rate_percent=D("0")),), taxes=(TaxRule(id=2, rate_percent=D("1")),)
    )

    result = quote(rules, [tee("0.50"), tee("0.50"), tee("0.50")])  # 0.005 each, 0.015 -> 0.02 in total

    assert result.tax_total == D("0.02")
    assert [line.tax for line in result.lines] == [D("0.01"), D("0.01"), D("0.00")]


@pytest.mark.parametrize("seed", range(25))
def test_lines_always_add_up_to_the_totals(seed):
    generator = random.Random(seed)
    rules, currency = generator.choice(
        [(eu_rules(), "EUR"), (eu_rules(), "USD"), (japan_rules(), "JPY"), (canada_rules(), "CAD")]
    )
    lines = [
        Line(
            hs_code=generator.choice(["610910", "620342", "330499", "851830"]),
            origin_country=generator.choice(["CN", "US", "FR"]),
            customs_value=D(generator.randint(1, 9000)) / (1 if currency == "JPY" else 100),
            quantity=generator.randint(1, 4),
        )
        for _ in range(generator.randint(1, 12))
    ]
    shipping = D(generator.randint(0, 2000)) / (1 if currency == "JPY" else 100)

    result = quote(rules, lines, currency=currency, shipping=str(shipping), region="ON", on=date(2026, 12, 3))

    assert sum(line.duty for line in result.lines) == result.duty_total
    assert sum(line.fixed for line in result.lines) == result.fixed_total
    assert sum(line.tax for line in result.lines) == result.tax_total
    assert sum(line.shipping for line in result.lines) == result.shipping_total
    assert sum(line.value for line in result.lines) == result.goods_total
    assert result.due_at_sale + result.due_at_door == result.total


# --- refusals ------------------------------------------------------------------------------------


def test_a_destination_without_rows_is_refused_in_words_a_shopper_reads():
    with pytest.raises(NoLandedCostRules) as refused:
        quote(Rules(country="BR"), [tee("10")])

    assert refused.value.country == "BR"
    assert str(refused.value) == "We cannot ship to Brazil yet: import charges for it are not set up."


def test_a_missing_exchange_rate_is_refused_never_relabelled():
    with pytest.raises(MissingExchangeRate) as refused:
        quote(gb_rules(), [tee("10")], currency="AUD")

    assert (refused.value.from_currency, refused.value.to_currency) == ("AUD", "GBP")


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [Line("610910", "CN", D("1"), 0)]},
        {"shipping": D("-1")},
        {"currency": "XXX"},
        {"destination": Destination("FR")},
    ],
)
def test_malformed_input_is_a_programming_error(change):
    arguments = {
        "destination": Destination("DE"),
        "lines": [tee("10")],
        "shipping": D("0"),
        "currency": "EUR",
        "on": TODAY,
        "rules": eu_rules(),
        **change,
    }

    with pytest.raises(ValueError):
        quote_landed_cost(**arguments)
