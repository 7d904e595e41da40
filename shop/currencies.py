"""ISO 4217 currency codes in circulation, the minor-unit exponent of the exceptions, and amounts in minor units."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

ISO_4217_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
    VND VUV WST XAF XCD XCG XDR XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905  (a block of codes reads better than a list)
)

# Currencies whose minor unit is not the cent (Stripe amounts are in minor units).
MINOR_UNIT_EXPONENT = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def validate_currency(value: str) -> None:
    if value not in ISO_4217_CODES:
        raise ValidationError("%(value)s is not an ISO 4217 currency code.", params={"value": value}, code="currency")


def to_minor_units(amount: Decimal, currency: str) -> int:
    """An amount in a currency's smallest unit, as Stripe counts it (12.34 USD -> 1234, 500 JPY -> 500)."""
    exponent = MINOR_UNIT_EXPONENT.get(currency.upper(), 2)
    return int((Decimal(amount) * (10**exponent)).to_integral_value(rounding=ROUND_HALF_UP))


def from_minor_units(amount: int, currency: str) -> Decimal:
    """An integer amount in minor units back to a Decimal in the currency's major unit."""
    exponent = MINOR_UNIT_EXPONENT.get(currency.upper(), 2)
    return (Decimal(amount) / (10**exponent)).quantize(Decimal(1).scaleb(-max(exponent, 2)))


def minor_unit_exponent(currency: str) -> int:
    """Decimal places of a currency's minor unit: 2 for USD and EUR, 0 for JPY, 3 for KWD."""
    return MINOR_UNIT_EXPONENT.get(currency.upper(), 2)


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """An amount rounded half-up to the currency's minor unit (12.345 USD -> 12.35, 1234.5 JPY -> 1235)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_unit_exponent(currency)), rounding=ROUND_HALF_UP)
