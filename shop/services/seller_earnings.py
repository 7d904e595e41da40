"""What each party earns on an order line, in integer minor units: pure arithmetic, no database.

Sale price, minus the platform's fee (take rate), minus the creator's commission when a tag sold
it (funded from the seller's share), minus fulfillment fees (pick and pack per unit, the line's
share of the label), minus what was refunded. Tax and duty are not in here: they belong to
neither party. Rounding: ROUND_HALF_UP on the minor unit, once per amount, always computed on
the units kept (never by increments), so what a refund gives back never exceeds what was taken.
Currencies with three decimals (KWD, BHD...) are refused: Stripe transfers in them must end in 0
and we do not sell in them; settling them would lose the last digit.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from shop.currencies import minor_unit_exponent, to_minor_units


class UnsupportedSettlementCurrency(ValueError):
    """Sellers cannot be settled in this currency (three-decimal currencies)."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"Sellers are not settled in {currency}: its minor unit has three decimals.")
        self.currency = currency


def settlement_minor(amount: Decimal, currency: str) -> int:
    """An amount in minor units for settling a seller; raises UnsupportedSettlementCurrency (KWD, BHD...)."""
    if minor_unit_exponent(currency) not in (0, 2):
        raise UnsupportedSettlementCurrency(currency)
    return to_minor_units(amount, currency)


def round_half_up(value: Fraction) -> int:
    """A fraction of a minor unit rounded half up (away from zero for halves) to a whole unit."""
    whole, rest = divmod(abs(value.numerator), value.denominator)
    rounded = whole + (1 if 2 * rest >= value.denominator else 0)
    return -rounded if value < 0 else rounded


def percent_of(amount_minor: int, rate_percent: Decimal) -> int:
    """amount x rate% in minor units, ROUND_HALF_UP."""
    return round_half_up(Fraction(amount_minor) * Fraction(rate_percent) / 100)


def split_by_weight(total_minor: int, weights: list[int]) -> list[int]:
    """Split an amount over weights (units, line totals) so the parts sum to it exactly (largest remainder)."""
    if not weights:
        return []
    whole = sum(weights)
    if whole <= 0:
        parts = [0] * len(weights)
        parts[0] = total_minor
        return parts
    exact = [Fraction(total_minor * weight, whole) for weight in weights]
    parts = [int(value // 1) for value in exact]
    left = total_minor - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in by_remainder[:left]:
        parts[index] += 1
    return parts


@dataclass(frozen=True)
class LineTerms:
    """The facts of one order line that decide who earns what (as copied on the line when it was bought)."""

    currency: str
    unit_price_minor: int
    units: int
    take_rate_percent: Decimal
    commission_rate_percent: Decimal  # 0 when no creator's tag sold it
    pick_pack_per_unit_minor: int = 0
    label_share_minor: int = 0


@dataclass(frozen=True)
class LineEarnings:
    """Who earns what on a line with `units_kept` units not refunded; the seller's net is what is left."""

    currency: str
    units_kept: int
    sale: int
    platform_fee: int
    commission: int
    fulfillment_fee: int

    @property
    def seller_net(self) -> int:
        return self.sale - self.platform_fee - self.commission - self.fulfillment_fee


def line_earnings(terms: LineTerms, *, units_refunded: int = 0) -> LineEarnings:
    """The split of a line once `units_refunded` of its units were refunded.

    The platform fee and the commission follow the sale kept (a refunded unit earns neither);
    fulfillment fees stay: the unit was picked, packed and shipped.
    """
    if minor_unit_exponent(terms.currency) not in (0, 2):
        raise UnsupportedSettlementCurrency(terms.currency)
    if not 0 <= units_refunded <= terms.units:
        raise ValueError(f"{units_refunded} units refunded of a line of {terms.units}.")
    kept = terms.units - units_refunded
    sale = terms.unit_price_minor * kept
    return LineEarnings(
        currency=terms.currency,
        units_kept=kept,
        sale=sale,
        platform_fee=percent_of(sale, terms.take_rate_percent),
        commission=percent_of(sale, terms.commission_rate_percent),
        fulfillment_fee=terms.pick_pack_per_unit_minor * terms.units + terms.label_share_minor,
    )
