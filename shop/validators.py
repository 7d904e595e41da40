"""Validators for catalog fields: GTINs, and the customs data a product needs to cross a border."""

import re

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


# --- customs --------------------------------------------------------------------------------------

HS_CODE_SEPARATORS = re.compile(r"[\s.]+")
HS_CODE_HELP = "6 digits (HS), or 8 to 10 with your country's extension (e.g. 6109.10 or 6109.10.0012)."
# Words customs services refuse as a whole description (UPS, USPS and the EU's lists of unacceptable
# descriptions): they say what the parcel is for, not what it is.
VAGUE_WORDS = frozenset(
    (
        "accessories", "accessory", "apparel", "clothes", "clothing", "electronics", "gift", "gifts", "goods",
        "item", "items", "merchandise", "misc", "miscellaneous", "novelty", "novelties", "parts", "part", "present",
        "presents", "product", "products", "sample", "samples", "spare", "spares", "stuff", "thing", "things",
        "tools", "toys", "general", "various", "assorted", "other", "others", "personal", "effects", "commercial",
    )
)  # fmt: skip
FILLER_WORDS = frozenset(("a", "an", "and", "the", "of", "for", "with", "set", "pack", "piece", "pieces", "pcs", "x"))
MIN_DESCRIPTION_LETTERS = 3
EORI_PATTERN = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")
IOSS_PATTERN = re.compile(r"IM\d{10}")
VAT_PATTERN = re.compile(r"[A-Z0-9]{4,20}")


def normalise_hs_code(value: str | None) -> str:
    """The HS code as digits only: dots and spaces people type ("6109.10 00") are dropped."""
    return HS_CODE_SEPARATORS.sub("", value or "")


def validate_hs_code(value: str) -> None:
    """6 digits, or 8 to 10 with a national extension (US HTS 10, EU CN 8, TARIC 10); blank is allowed."""
    code = normalise_hs_code(value)
    if not code:
        return
    if not code.isdigit():
        raise ValidationError(
            "An HS code is made of digits (dots and spaces are fine), e.g. 6109.10.", code="hs_code_digits"
        )
    if len(code) != 6 and not 8 <= len(code) <= 10:
        raise ValidationError(
            f"An HS code has 6 digits, or 8 to 10 with a national extension; this one has {len(code)}.",
            code="hs_code_length",
        )


def validate_customs_description(value: str) -> None:
    """Customs want to know what the item is ("Cotton T-shirt"), never what it is for ("Gift")."""
    text = (value or "").strip()
    if not text:
        return
    words = re.findall(r"[a-z]+", text.lower())
    if sum(len(word) for word in words) < MIN_DESCRIPTION_LETTERS:
        raise ValidationError(
            "Too short for customs: say what the item is and what it is made of, e.g. “Cotton T-shirt”.",
            code="customs_description_short",
        )
    meaningful = [word for word in words if word not in FILLER_WORDS]
    if not meaningful or all(word in VAGUE_WORDS for word in meaningful):
        raise ValidationError(
            f"“{text}” is too vague for customs: say what the item is and what it is made of, "
            "e.g. “Cotton T-shirt” or “Ceramic coffee mug”.",
            code="customs_description_vague",
        )


def normalise_tax_id(value: str | None) -> str:
    """An EORI, VAT or IOSS number in capitals without the spaces, dots and dashes people type."""
    return re.sub(r"[\s.\-]+", "", value or "").upper()


def validate_eori(value: str) -> None:
    number = normalise_tax_id(value)
    if number and not EORI_PATTERN.fullmatch(number):
        raise ValidationError(
            "An EORI number is the 2-letter country code and up to 15 letters or digits, e.g. DE123456789012345.",
            code="eori",
        )


def validate_ioss(value: str) -> None:
    number = normalise_tax_id(value)
    if number and not IOSS_PATTERN.fullmatch(number):
        raise ValidationError("An IOSS number is IM and 10 digits, e.g. IM2760000742.", code="ioss")


def validate_vat_number(value: str) -> None:
    number = normalise_tax_id(value)
    if number and not VAT_PATTERN.fullmatch(number):
        raise ValidationError(
            "A VAT number is 4 to 20 letters and digits, usually with the country code first, e.g. GB123456789.",
            code="vat_number",
        )
