"""Who earns what on a line, in minor units: USD and EUR cents, JPY yen, three-decimal currencies refused."""

from decimal import Decimal

import pytest

from shop.services.seller_earnings import (
    LineTerms,
    UnsupportedSettlementCurrency,
    line_earnings,
    percent_of,
    settlement_minor,
    split_by_weight,
)


def terms(**overrides) -> LineTerms:
    values = {
        "currency": "USD",
        "unit_price_minor": 1999,
        "units": 3,
        "take_rate_percent": Decimal("8.00"),
        "commission_rate_percent": Decimal("10.00"),
        "pick_pack_per_unit_minor": 100,
        "label_share_minor": 0,
    }
    return LineTerms(**{**values, **overrides})


def test_a_usd_line_splits_into_fee_commission_fulfillment_and_the_seller_net():
    earned = line_earnings(terms())

    # 3 x 19.99 = 59.97; 8 % = 4.7976 -> 4.80; 10 % = 5.997 -> 6.00; pick and pack 3 x 1.00.
    assert (earned.sale, earned.platform_fee, earned.commission, earned.fulfillment_fee) == (5997, 480, 600, 300)
    assert earned.seller_net == 5997 - 480 - 600 - 300 == 4617


def test_half_a_cent_rounds_up_in_eur():
    # 1 x 0.25 EUR at 2 % = 0.5 cent -> 1 cent; at 1.8 % = 0.45 cent -> 0.
    assert percent_of(25, Decimal("2")) == 1
    assert percent_of(25, Decimal("1.8")) == 0
    earned = line_earnings(
        terms(
            currency="EUR",
            unit_price_minor=25,
            units=1,
            take_rate_percent=Decimal("2"),
            commission_rate_percent=Decimal("0"),
            pick_pack_per_unit_minor=0,
        )
    )
    assert (earned.platform_fee, earned.commission, earned.seller_net) == (1, 0, 24)


def test_jpy_has_no_minor_unit_so_fees_are_whole_yen():
    assert settlement_minor(Decimal("1500"), "JPY") == 1500
    earned = line_earnings(
        terms(
            currency="JPY",
            unit_price_minor=1505,
            units=1,
            take_rate_percent=Decimal("8"),
            commission_rate_percent=Decimal("15"),
            pick_pack_per_unit_minor=150,
        )
    )
    # 8 % of 1505 = 120.4 -> 120; 15 % = 225.75 -> 226.
    assert (earned.platform_fee, earned.commission, earned.fulfillment_fee, earned.seller_net) == (120, 226, 150, 1009)


@pytest.mark.parametrize("currency", ["KWD", "BHD", "JOD"])
def test_a_three_decimal_currency_is_refused_clearly(currency):
    with pytest.raises(UnsupportedSettlementCurrency, match=f"not settled in {currency}"):
        settlement_minor(Decimal("1.235"), currency)
    with pytest.raises(UnsupportedSettlementCurrency):
        line_earnings(terms(currency=currency))


def test_a_refund_takes_back_fee_and_commission_of_the_units_refunded_but_not_pick_and_pack():
    whole = line_earnings(terms())
    after_one = line_earnings(terms(), units_refunded=1)
    after_all = line_earnings(terms(), units_refunded=3)

    assert (after_one.sale, after_one.platform_fee, after_one.commission) == (3998, 320, 400)
    assert after_one.fulfillment_fee == whole.fulfillment_fee == 300
    assert (after_all.sale, after_all.platform_fee, after_all.commission) == (0, 0, 0)
    # The seller of a fully refunded line still pays for the work done.
    assert after_all.seller_net == -300


def test_given_back_never_exceeds_what_was_taken_whatever_the_rounding():
    line = terms(unit_price_minor=5, units=7, take_rate_percent=Decimal("10"), commission_rate_percent=Decimal("10"))
    taken = line_earnings(line).platform_fee
    given_back = sum(
        line_earnings(line, units_refunded=step - 1).platform_fee
        - line_earnings(line, units_refunded=step).platform_fee
        for step in range(1, 8)
    )
    assert given_back == taken


def test_refunding_more_units_than_the_line_has_is_refused():
    with pytest.raises(ValueError, match="4 units refunded of a line of 3"):
        line_earnings(terms(), units_refunded=4)


def test_a_label_is_split_over_lines_to_the_cent():
    assert split_by_weight(1000, [1, 1, 1]) == [334, 333, 333]
    assert split_by_weight(7, [2, 5]) == [2, 5]
    assert sum(split_by_weight(1001, [3, 7, 11])) == 1001
    assert split_by_weight(500, [0, 0]) == [500, 0]
