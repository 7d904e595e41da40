"""The promised delivery dates: business days, the warehouse's cut-off in its own time zone, handling and transit."""

import datetime as dt

import pytest

from fulfillment.delivery_promise import PromiseWindow, add_business_days, handling_starts, promise_window

UTC = dt.UTC
MONDAY = dt.date(2026, 12, 7)
FRIDAY = dt.date(2026, 12, 11)
TWO_PM = dt.time(14, 0)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (MONDAY, 0, MONDAY),
        (MONDAY, 4, FRIDAY),
        (FRIDAY, 1, dt.date(2026, 12, 14)),  # over the weekend to Monday
        (dt.date(2026, 12, 12), 0, dt.date(2026, 12, 14)),  # a Saturday counts from Monday
        (dt.date(2026, 12, 13), 2, dt.date(2026, 12, 16)),
    ],
)
def test_business_days_skip_weekends(start, count, expected):
    assert add_business_days(start, count) == expected


def test_an_order_before_the_cut_off_starts_that_day_and_after_it_the_next_business_day():
    assert handling_starts(now=at(MONDAY, 13, 59), cutoff=TWO_PM, time_zone="UTC") == MONDAY
    assert handling_starts(now=at(MONDAY, 14, 0), cutoff=TWO_PM, time_zone="UTC") == MONDAY + dt.timedelta(days=1)
    assert handling_starts(now=at(FRIDAY, 15), cutoff=TWO_PM, time_zone="UTC") == dt.date(2026, 12, 14)
    assert handling_starts(now=at(dt.date(2026, 12, 12), 9), cutoff=TWO_PM, time_zone="UTC") == dt.date(2026, 12, 14)


def test_the_cut_off_is_read_in_the_warehouses_time_zone():
    # 18:30 UTC is 13:30 in New York (before its 14:00 cut-off) and 19:30 in Berlin (after it).
    now = at(MONDAY, 18, 30)
    assert handling_starts(now=now, cutoff=TWO_PM, time_zone="America/New_York") == MONDAY
    assert handling_starts(now=now, cutoff=TWO_PM, time_zone="Europe/Berlin") == MONDAY + dt.timedelta(days=1)


def test_the_window_adds_handling_then_the_carriers_transit_days():
    # Friday before the cut-off: handled that day, one handling day -> leaves Monday, 2-4 transit days.
    window = promise_window(
        now=at(FRIDAY, 9), cutoff=TWO_PM, time_zone="UTC", handling_days=1, transit_days_min=2, transit_days_max=4
    )
    assert window == PromiseWindow(dt.date(2026, 12, 16), dt.date(2026, 12, 18))


def test_two_parcels_arrive_when_the_slower_does():
    early = PromiseWindow(dt.date(2026, 12, 8), dt.date(2026, 12, 10))
    late = PromiseWindow(dt.date(2026, 12, 9), dt.date(2026, 12, 9))
    assert early.later(late) == PromiseWindow(dt.date(2026, 12, 9), dt.date(2026, 12, 10))


@pytest.mark.django_db
def test_staff_cannot_save_a_warehouse_with_an_unknown_time_zone():
    from django.core.exceptions import ValidationError

    from fulfillment.tests.factories import WarehouseFactory

    warehouse = WarehouseFactory.build(time_zone="Mars/Olympus_Mons")

    with pytest.raises(ValidationError) as refused:
        warehouse.full_clean()

    assert "not a known time zone" in str(refused.value.message_dict["time_zone"])
