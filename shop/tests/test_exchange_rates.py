"""Exchange rates: the newest row effective on a date, either way round; a missing pair is refused."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from shop.currencies import quantize_money
from shop.exchange_rates import ExchangeRates, MissingExchangeRate, Rate
from shop.landed_cost_tables import load_landed_cost_tables
from shop.models import ExchangeRate
from shop.selectors import exchange_rates_on

D = Decimal


def rate(base: str, quote: str, value: str, on: date, row_id: int) -> Rate:
    return Rate(id=row_id, base=base, quote=quote, rate=D(value), effective_from=on)


RATES = ExchangeRates(
    (
        rate("USD", "EUR", "0.90", date(2026, 1, 1), 1),
        rate("USD", "EUR", "0.86", date(2026, 12, 3), 2),
        rate("USD", "EUR", "0.80", date(2027, 1, 1), 3),  # not yet in effect on the dates below
        rate("GBP", "USD", "1.25", date(2026, 1, 1), 4),
    )
)


def test_the_newest_row_effective_on_the_date_converts():
    assert RATES.convert(D("100"), from_currency="USD", to_currency="EUR", on=date(2026, 12, 2)) == D("90.00")
    assert RATES.convert(D("100"), from_currency="USD", to_currency="EUR", on=date(2026, 12, 3)) == D("86.00")
    assert RATES.convert(D("100"), from_currency="USD", to_currency="EUR", on=date(2027, 1, 1)) == D("80.00")


def test_a_row_converts_the_other_way_round_too():
    euros = RATES.convert(D("86"), from_currency="EUR", to_currency="USD", on=date(2026, 12, 3))
    dollars = RATES.convert(D("100"), from_currency="USD", to_currency="GBP", on=date(2026, 12, 3))

    assert quantize_money(euros, "USD") == D("100.00")
    assert dollars == D("80")
    assert RATES.lookup("EUR", "USD", on=date(2026, 12, 3)).inverted


def test_on_the_same_day_the_direct_row_wins_over_the_inverted_one():
    rates = ExchangeRates(
        (rate("EUR", "USD", "1.20", date(2026, 12, 3), 1), rate("USD", "EUR", "0.86", date(2026, 12, 3), 2))
    )

    applied = rates.lookup("USD", "EUR", on=date(2026, 12, 3))

    assert (applied.row.id, applied.inverted, applied.factor) == (2, False, D("0.86"))
    assert applied.describe() == "1 USD = 0.86 EUR (exchange rate #2 from 2026-12-03)"


def test_the_same_currency_needs_no_row():
    assert ExchangeRates().convert(D("12.34"), from_currency="JPY", to_currency="jpy", on=date(2026, 12, 3)) == D(
        "12.34"
    )


def test_a_pair_without_a_row_is_refused_never_relabelled():
    with pytest.raises(MissingExchangeRate) as refused:
        RATES.convert(D("100"), from_currency="USD", to_currency="JPY", on=date(2026, 12, 3))
    with pytest.raises(MissingExchangeRate):
        RATES.convert(D("100"), from_currency="USD", to_currency="EUR", on=date(2025, 12, 31))  # before any row

    assert str(refused.value) == (
        "No exchange rate from USD to JPY is effective on 2026-12-03: staff must add one "
        "(admin: Shop > Exchange rates) before amounts can be converted."
    )


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [("12.345", "USD", "12.35"), ("12.344", "EUR", "12.34"), ("1234.5", "JPY", "1235"), ("1.0005", "KWD", "1.001")],
)
def test_money_rounds_half_up_to_the_currency_minor_unit(amount, currency, rounded):
    assert str(quantize_money(D(amount), currency)) == rounded


# --- the table -------------------------------------------------------------------------------------


@pytest.fixture
def tables(db) -> None:
    """The demo rows the migration loads (again, if a transactional test flushed them)."""
    if not ExchangeRate.objects.exists():
        load_landed_cost_tables(apps)


def test_the_table_has_every_pair_of_the_six_currencies_dated_today_with_its_source(tables):
    rates = exchange_rates_on(on=date(2026, 12, 3))
    currencies = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY"]

    for base in currencies:
        for quote in currencies:
            assert rates.convert(D("1"), from_currency=base, to_currency=quote, on=date(2026, 12, 3)) > 0
    assert {row.effective_from for row in rates.rows} == {date(2026, 12, 3)}
    # The SDR (XDR) rows of migration 0011 cite the IMF; the six currencies' rows are the demo figures.
    assert {row.source for row in rates.rows if "XDR" not in (row.base, row.quote)} == {
        "demo figures, verify before going live"
    }
    assert rates.convert(D("100"), from_currency="USD", to_currency="JPY", on=date(2026, 12, 3)) == D("15500")


def test_the_selector_loads_each_pair_newest_row_effective_on_the_day_in_one_query(tables, django_assert_num_queries):
    ExchangeRate.objects.create(base="USD", quote="EUR", rate=D("0.91"), effective_from=date(2027, 1, 4), source="x")
    ExchangeRate.objects.create(base="USD", quote="EUR", rate=D("0.88"), effective_from=date(2027, 1, 1), source="x")

    with django_assert_num_queries(1):
        on_new_year = exchange_rates_on(on=date(2027, 1, 2))
    before = exchange_rates_on(on=date(2026, 12, 2))

    usd_eur = [row for row in on_new_year.rows if (row.base, row.quote) == ("USD", "EUR")]
    assert [row.rate for row in usd_eur] == [D("0.88")]
    assert before.rows == ()
