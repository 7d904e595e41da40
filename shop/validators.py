"""Validators for catalog fields."""

from django.core.exceptions import ValidationError


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it (weights 3, 1 from the right)."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_gtin(value: str) -> None:
    if not value:
        return
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ValidationError("A GTIN has 8, 12, 13 or 14 digits.", code="gtin_length")
    if gtin_check_digit(value[:-1]) != int(value[-1]):
        raise ValidationError("This GTIN's check digit is wrong.", code="gtin_check_digit")
