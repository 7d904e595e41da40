"""Exchange rates as plain data: the rate effective on a date, and amounts converted with it.

Rows come from the admin-editable `ExchangeRate` table (`shop.selectors.exchange_rates_on` loads
them); this module never queries. A pair is converted with its newest row effective on the date,
read directly (EUR -> USD) or inverted (USD -> EUR from a EUR -> USD row). A pair with no row is
refused with `MissingExchangeRate`: an amount is never relabelled in another currency.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class MissingExchangeRate(LookupError):
    """No exchange rate between two currencies is effective on the date asked for."""

    code = "missing_exchange_rate"

    def __init__(self, from_currency: str, to_currency: str, on: date) -> None:
        self.from_currency = from_currency
        self.to_currency = to_currency
        self.on = on
        super().__init__(
            f"No exchange rate from {from_currency} to {to_currency} is effective on {on.isoformat()}: "
            "staff must add one (admin: Shop > Exchange rates) before amounts can be converted."
        )


@dataclass(frozen=True, kw_only=True)
class Rate:
    """One row of the table: 1 `base` = `rate` `quote` from `effective_from` until a newer row."""

    base: str
    quote: str
    rate: Decimal
    effective_from: date
    id: int | None = None
    source: str = ""


@dataclass(frozen=True)
class AppliedRate:
    """The factor that turns an amount of one currency into another, and the row it came from."""

    factor: Decimal
    row: Rate
    inverted: bool

    def describe(self) -> str:
        """E.g. "1 USD = 0.86 EUR (exchange rate #4 from 2026-12-03)"."""
        row = self.row
        return (
            f"1 {row.base} = {row.rate.normalize():f} {row.quote} "
            f"(exchange rate #{row.id} from {row.effective_from.isoformat()})"
        )


@dataclass(frozen=True)
class ExchangeRates:
    """A set of exchange-rate rows; answers conversions on any date they cover."""

    rows: tuple[Rate, ...] = ()

    def lookup(self, from_currency: str, to_currency: str, *, on: date) -> AppliedRate | None:
        """The newest row effective on `on` for the pair, either way round; None for the same currency."""
        from_currency, to_currency = from_currency.upper(), to_currency.upper()
        if from_currency == to_currency:
            return None
        best: AppliedRate | None = None
        for row in self.rows:
            if row.effective_from > on:
                continue
            if (row.base, row.quote) == (from_currency, to_currency):
                candidate = AppliedRate(factor=row.rate, row=row, inverted=False)
            elif (row.base, row.quote) == (to_currency, from_currency):
                candidate = AppliedRate(factor=Decimal(1) / row.rate, row=row, inverted=True)
            else:
                continue
            # Newest first; on the same day the direct row wins over an inverted one, then the lowest id.
            if best is None or _rank(candidate) > _rank(best):
                best = candidate
        if best is None:
            raise MissingExchangeRate(from_currency, to_currency, on)
        return best

    def convert(self, amount: Decimal, *, from_currency: str, to_currency: str, on: date) -> Decimal:
        """`amount` in `to_currency`, unrounded (callers round with `shop.currencies.quantize_money`)."""
        applied = self.lookup(from_currency, to_currency, on=on)
        return Decimal(amount) if applied is None else Decimal(amount) * applied.factor


def _rank(applied: AppliedRate) -> tuple[date, bool, int]:
    return (applied.row.effective_from, not applied.inverted, -(applied.row.id or 0))
