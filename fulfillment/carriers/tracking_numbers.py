"""Tracking numbers with check digits: UPU S10 (international post) and USPS IMpb-style (domestic).

Pure functions over plain values. Generation takes the serial as an argument: whoever calls
(a carrier with its label store, later a database sequence) owns the counter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_MAX_SERIAL = 99_999_999
_S10_RE = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")

IMPB_LENGTH = 22
IMPB_PREFIXES = ("92", "93")
_IMPB_RE = re.compile(r"^(92|93)\d{20}$")


class InvalidTrackingNumberInput(ValueError):
    """A prefix, country, service code, mailer id or serial cannot make a valid number."""


# --- UPU S10 -------------------------------------------------------------------------------


def s10_check_digit(serial_digits: str) -> int:
    """Return the S10 check digit for the 8 serial digits."""
    if len(serial_digits) != 8 or not serial_digits.isdigit():
        raise InvalidTrackingNumberInput(f"S10 serial must be 8 digits, got {serial_digits!r}")
    remainder = sum(int(d) * w for d, w in zip(serial_digits, S10_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 10:
        return 0
    if check == 11:
        return 5
    return check


def make_s10(prefix: str, serial: int, country: str) -> str:
    """Return the S10 number for a 2-letter service prefix, a serial (0..99999999) and a country."""
    prefix, country = prefix.upper(), country.upper()
    if not re.fullmatch(r"[A-Z]{2}", prefix):
        raise InvalidTrackingNumberInput(f"S10 prefix must be 2 letters, got {prefix!r}")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidTrackingNumberInput(f"S10 country must be 2 letters, got {country!r}")
    if not 0 <= serial <= S10_MAX_SERIAL:
        raise InvalidTrackingNumberInput(f"S10 serial out of range: {serial}")
    digits = f"{serial:08d}"
    return f"{prefix}{digits}{s10_check_digit(digits)}{country}"


def is_valid_s10(number: str) -> bool:
    """Whether the text is a well-formed S10 number with the right check digit."""
    match = _S10_RE.fullmatch(number.strip().upper().replace(" ", ""))
    if not match:
        return False
    return s10_check_digit(match.group(2)) == int(match.group(3))


def s10_sequence(prefix: str, country: str, *, start: int, count: int) -> Iterator[str]:
    """Yield `count` S10 numbers for consecutive serials from `start`."""
    for serial in range(start, start + count):
        yield make_s10(prefix, serial, country)


# --- USPS IMpb-style ---------------------------------------------------------------------


def usps_mod10_check_digit(digits: str) -> int:
    """Return the USPS mod-10 check digit: weights 3, 1, 3, ... from the rightmost digit."""
    if not digits.isdigit():
        raise InvalidTrackingNumberInput(f"digits expected, got {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def make_impb(serial: int, *, mailer_id: str = "123456789", service_code: str = "001", prefix: str = "92") -> str:
    """Return a 22-digit IMpb-style number: prefix (92/93), service code, mailer id, serial, check digit."""
    if prefix not in IMPB_PREFIXES:
        raise InvalidTrackingNumberInput(f"IMpb prefix must be 92 or 93, got {prefix!r}")
    if len(service_code) != 3 or not service_code.isdigit():
        raise InvalidTrackingNumberInput(f"service code must be 3 digits, got {service_code!r}")
    if not mailer_id.isdigit() or len(mailer_id) not in (6, 9):
        raise InvalidTrackingNumberInput(f"mailer id must be 6 or 9 digits, got {mailer_id!r}")
    serial_len = IMPB_LENGTH - 1 - len(prefix) - len(service_code) - len(mailer_id)
    if not 0 <= serial < 10**serial_len:
        raise InvalidTrackingNumberInput(f"serial out of range for {serial_len} digits: {serial}")
    body = f"{prefix}{service_code}{mailer_id}{serial:0{serial_len}d}"
    return f"{body}{usps_mod10_check_digit(body)}"


def is_valid_impb(number: str) -> bool:
    """Whether the text is a 22-digit IMpb-style number (92/93...) with the right check digit."""
    number = number.strip().replace(" ", "")
    if not _IMPB_RE.fullmatch(number):
        return False
    return usps_mod10_check_digit(number[:-1]) == int(number[-1])


def impb_sequence(
    *, start: int, count: int, mailer_id: str = "123456789", service_code: str = "001", prefix: str = "92"
) -> Iterator[str]:
    """Yield `count` IMpb-style numbers for consecutive serials from `start`."""
    for serial in range(start, start + count):
        yield make_impb(serial, mailer_id=mailer_id, service_code=service_code, prefix=prefix)


def is_valid_tracking_number(number: str) -> bool:
    """Whether the text is a valid S10 or IMpb-style number."""
    return is_valid_s10(number) or is_valid_impb(number)
