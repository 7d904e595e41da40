"""Pure rules of consolidation: the departure a parcel catches, a master's capacity, the air waybill's check digit."""

import datetime as dt

import pytest

from fulfillment.consolidation import (
    Capacity,
    InvalidLaneRule,
    Load,
    awb_check_digit,
    fits,
    is_full,
    is_past_cutoff,
    is_valid_awb,
    make_awb,
    next_cutoff,
    parse_cutoffs,
    too_heavy_for_any,
)

UTC = dt.UTC


def test_cutoffs_are_read_as_wall_clock_times_and_sorted():
    assert parse_cutoffs("17:30, 09:00") == [dt.time(9, 0), dt.time(17, 30)]


@pytest.mark.parametrize("text", ["", "25:00", "9am", "17:60", "1700"])
def test_a_cutoff_that_is_not_hh_mm_is_refused(text):
    with pytest.raises(InvalidLaneRule):
        parse_cutoffs(text)


def test_the_next_cutoff_is_in_the_hubs_time_zone():
    # 17:00 in New York in December is 22:00 UTC.
    at = next_cutoff(cutoffs=[dt.time(17, 0)], tz="America/New_York", after=dt.datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    assert at == dt.datetime(2026, 12, 3, 22, 0, tzinfo=UTC)


def test_after_the_last_cutoff_of_the_day_the_parcel_rolls_to_the_next_day():
    cutoffs = [dt.time(9, 0), dt.time(17, 0)]
    after = dt.datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # 17:00 in New York: that departure has gone
    at = next_cutoff(cutoffs=cutoffs, tz="America/New_York", after=after)
    assert at == dt.datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 09:00 the next morning


def test_a_cutoff_follows_summer_time():
    at = next_cutoff(cutoffs=[dt.time(17, 0)], tz="Europe/London", after=dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    assert at == dt.datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(InvalidLaneRule):
        next_cutoff(cutoffs=[dt.time(17, 0)], tz="Mars/Olympus", after=dt.datetime(2026, 1, 1, tzinfo=UTC))


def test_the_cutoff_instant_itself_is_too_late():
    cut = dt.datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
    assert is_past_cutoff(cutoff_at=cut, now=cut)
    assert not is_past_cutoff(cutoff_at=cut, now=cut - dt.timedelta(seconds=1))


def test_capacity_counts_parcels_and_weight():
    capacity = Capacity(max_parcels=3, max_weight_grams=10_000)
    assert fits(load=Load(2, 9_000), capacity=capacity, weight_grams=1_000)
    assert not fits(load=Load(2, 9_000), capacity=capacity, weight_grams=1_001)
    assert not fits(load=Load(3, 0), capacity=capacity, weight_grams=1)
    assert is_full(load=Load(3, 0), capacity=capacity)
    assert is_full(load=Load(1, 10_000), capacity=capacity)
    assert not is_full(load=Load(2, 9_999), capacity=capacity)
    assert too_heavy_for_any(capacity=capacity, weight_grams=10_001)


def test_the_awb_check_digit_is_the_first_seven_serial_digits_modulo_7():
    assert awb_check_digit("1234567") == 1234567 % 7 == 5
    assert make_awb(airline_prefix="176", serial=1234567) == "176-12345675"
    assert make_awb(airline_prefix="020", serial=0) == "020-00000000"


def test_an_awb_with_a_wrong_check_digit_is_invalid():
    assert is_valid_awb("176-12345675")
    assert is_valid_awb("17612345675")
    assert not is_valid_awb("176-12345676")
    assert not is_valid_awb("176-1234567")
    assert not is_valid_awb("ABC-12345675")


@pytest.mark.parametrize(("prefix", "serial"), [("17", 1), ("1760", 1), ("17A", 1), ("176", -1), ("176", 10_000_000)])
def test_an_awb_cannot_be_made_from_bad_parts(prefix, serial):
    with pytest.raises(InvalidLaneRule):
        make_awb(airline_prefix=prefix, serial=serial)
