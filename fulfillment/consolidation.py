"""Pure rules of consolidation: departures and cut-offs, capacity, IATA air waybill numbers.

No database here: the services hand these functions plain values, so the rules are tested on their own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_PREFIX = re.compile(r"^\d{3}$")


class InvalidLaneRule(ValueError):
    """A cut-off time, time zone or air waybill part cannot be used; the message says which."""


# --- departures and cut-offs ----------------------------------------------------------------------


def parse_cutoffs(text: str) -> list[dt.time]:
    """'09:00, 17:30' -> the cut-off times of each day, sorted; refuses anything else."""
    times = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        match = _TIME.match(part)
        if match is None:
            raise InvalidLaneRule(f"{part!r} is not a time of day as HH:MM (24 h).")
        times.append(dt.time(int(match.group(1)), int(match.group(2))))
    if not times:
        raise InvalidLaneRule("A lane needs at least one cut-off time.")
    return sorted(set(times))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as error:
        raise InvalidLaneRule(f"{name!r} is not a known time zone.") from error


def next_cutoff(*, cutoffs: list[dt.time], tz: str, after: dt.datetime) -> dt.datetime:
    """The first cut-off strictly after `after`, as an aware UTC time; cut-offs are wall-clock times in `tz`."""
    if after.tzinfo is None:
        raise InvalidLaneRule("`after` must be timezone-aware.")
    local_zone = zone(tz)
    local = after.astimezone(local_zone)
    for days in range(0, 3):
        day = local.date() + dt.timedelta(days=days)
        for cut in sorted(cutoffs):
            candidate = dt.datetime.combine(day, cut, tzinfo=local_zone)
            if candidate > local:
                return candidate.astimezone(dt.UTC)
    raise InvalidLaneRule("No cut-off found in the next days.")  # unreachable with at least one time


def is_past_cutoff(*, cutoff_at: dt.datetime, now: dt.datetime) -> bool:
    """A consolidation takes no parcel at or after its cut-off."""
    return now >= cutoff_at


# --- capacity -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    max_parcels: int
    max_weight_grams: int


@dataclass(frozen=True)
class Load:
    parcels: int
    weight_grams: int


def fits(*, load: Load, capacity: Capacity, weight_grams: int) -> bool:
    """Whether one more parcel of this weight fits under the master's parcel count and weight."""
    return load.parcels + 1 <= capacity.max_parcels and load.weight_grams + weight_grams <= capacity.max_weight_grams


def is_full(*, load: Load, capacity: Capacity) -> bool:
    """Full: no more parcels, or the weight limit reached."""
    return load.parcels >= capacity.max_parcels or load.weight_grams >= capacity.max_weight_grams


def too_heavy_for_any(*, capacity: Capacity, weight_grams: int) -> bool:
    """A parcel heavier than a whole master never fits: it flies on its own."""
    return weight_grams > capacity.max_weight_grams


# --- IATA air waybill -----------------------------------------------------------------------------


def awb_check_digit(serial7: str) -> int:
    """The check digit of an air waybill: the first seven digits of the serial, modulo 7."""
    if len(serial7) != 7 or not serial7.isdigit():
        raise InvalidLaneRule(f"An air waybill serial starts with 7 digits, got {serial7!r}.")
    return int(serial7) % 7


def make_awb(*, airline_prefix: str, serial: int) -> str:
    """'176-12345675': the airline's 3-digit prefix, then 7 serial digits and their check digit."""
    if not _PREFIX.match(airline_prefix):
        raise InvalidLaneRule(f"An airline prefix is 3 digits, got {airline_prefix!r}.")
    if not 0 <= serial <= 9_999_999:
        raise InvalidLaneRule(f"An air waybill serial is 0 to 9999999, got {serial}.")
    digits = f"{serial:07d}"
    return f"{airline_prefix}-{digits}{awb_check_digit(digits)}"


def is_valid_awb(number: str) -> bool:
    """Whether the text is 3 + 8 digits (a dash or space allowed after the prefix) with the right check digit."""
    digits = number.replace("-", "").replace(" ", "")
    if len(digits) != 11 or not digits.isdigit():
        return False
    return awb_check_digit(digits[3:10]) == int(digits[10])
