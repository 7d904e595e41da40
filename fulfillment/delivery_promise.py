"""When a parcel would arrive: pure date arithmetic over business days (Monday to Friday).

An order placed before its warehouse's cut-off on a business day (in the warehouse's time zone) starts its
handling that day, otherwise on the next business day; it leaves after the warehouse's handling days and
arrives after the carrier's transit days, all counted in business days. Holidays are not known yet: a
promise over one is a day short, which the on-time report would show.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SATURDAY = 5


@dataclass(frozen=True)
class PromiseWindow:
    """The first and last day the shopper may expect the parcel."""

    arrives_from: dt.date
    arrives_to: dt.date

    def later(self, other: "PromiseWindow") -> "PromiseWindow":
        """The window of two parcels travelling together: as late as the slower of each bound."""
        return PromiseWindow(max(self.arrives_from, other.arrives_from), max(self.arrives_to, other.arrives_to))


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY


def add_business_days(day: dt.date, count: int) -> dt.date:
    """`count` business days after `day` (a weekend day counts from the Monday after)."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    while count > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def handling_starts(*, now: dt.datetime, cutoff: dt.time, time_zone: str) -> dt.date:
    """The business day the warehouse starts on an order placed at `now` (aware)."""
    local = now.astimezone(ZoneInfo(time_zone or "UTC"))
    day = local.date()
    if is_business_day(day) and local.time() < cutoff:
        return day
    day += dt.timedelta(days=1)
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def promise_window(
    *,
    now: dt.datetime,
    cutoff: dt.time,
    time_zone: str,
    handling_days: int,
    transit_days_min: int,
    transit_days_max: int,
) -> PromiseWindow:
    """The delivery dates promised for an order placed at `now` with this warehouse and carrier service."""
    leaves = add_business_days(handling_starts(now=now, cutoff=cutoff, time_zone=time_zone), handling_days)
    return PromiseWindow(add_business_days(leaves, transit_days_min), add_business_days(leaves, transit_days_max))
