"""Landed cost: the import duty, the tax (VAT, GST, sales tax) and any fixed charge on a cart, and who collects them.

`quote_landed_cost` is a pure function over plain data: it reads a `Rules` value (loaded once per
destination by `shop.landed_cost_rules.rules_for`, or built by hand in tests) and never queries. Rates
live in data with effective dates and a source (`shop.models.landed_cost`), never in this code:

- Tax: the destination's region row (a US state, a Canadian province) replaces its country row (a
  Canadian HST includes the GST); no row for the place raises `NoLandedCostRules`.
- Duty, per line: rows for the goods' origin country come before rows for any origin; then the longest
  HS prefix wins (the empty prefix is the country's default); then the newest row. At or under the
  duty de-minimis threshold, rows scoped to low-value parcels replace the normal tariff rates.
- De minimis, per charge (duty, tax): the consignment's value, converted into the threshold's currency
  with the exchange-rate table, decides whether the charge is due at all and who collects it: the
  marketplace at sale (DDP) or the carrier at the door (DAP). No threshold row: due on every
  consignment, collected at sale. A row conditioned on the sending country or the channel (Canada's
  courier shipments from the US or Mexico) beats an unconditioned one.
- A consignment shipped from inside the destination country pays no import duty, only the tax, at sale.

Money is `Decimal` in the cart's currency, rounded half-up to its minor unit (JPY has none). Each total
is the rounded sum of the exact per-line amounts, and the lines share it by largest remainder (ties to
the earlier line), so the lines always add up to the totals.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import models
from django_countries import countries

from shop.currencies import ISO_4217_CODES, minor_unit_exponent, quantize_money
from shop.exchange_rates import ExchangeRates

ZERO = Decimal(0)
HUNDRED = Decimal(100)


# --- vocabulary, shared with the tables' columns ---------------------------------------------------


class Collector(models.TextChoices):
    EXEMPT = "exempt", "nothing due"
    MARKETPLACE = "marketplace", "the marketplace at sale (DDP)"
    CARRIER = "carrier", "the carrier at the door (DAP)"


class ChargeKind(models.TextChoices):
    DUTY = "duty", "import duty"
    TAX = "tax", "tax (VAT, GST, sales tax)"


class Basis(models.TextChoices):
    GOODS = "goods", "intrinsic value of the goods"
    GOODS_AND_SHIPPING = "goods_and_shipping", "goods and shipping"


class DutyScope(models.TextChoices):
    ALL = "all", "every consignment (normal tariff rate)"
    LOW_VALUE = "low_value", "all low-value B2C parcels"
    LOW_VALUE_SCHEME = "low_value_scheme", "low-value parcels declared under IOSS"


class FixedPer(models.TextChoices):
    ITEM = "item", "per item"
    SUBHEADING = "subheading", "per distinct tariff subheading"


class Channel(models.TextChoices):
    COURIER = "courier", "courier"
    POSTAL = "postal", "postal"


class TaxName(models.TextChoices):
    VAT = "VAT", "VAT"
    GST = "GST", "GST"
    HST = "HST", "HST"
    SALES_TAX = "sales tax", "sales tax"
    CONSUMPTION_TAX = "consumption tax", "consumption tax"


# --- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where the parcel goes: ISO country code and, for the US and Canada, the state or province code."""

    country: str
    region: str = ""


@dataclass(frozen=True)
class Line:
    """One cart line as customs sees it; `customs_value` is the value of ONE unit, in the quote's currency."""

    hs_code: str
    origin_country: str
    customs_value: Decimal
    quantity: int
    weight_grams: int = 0


@dataclass(frozen=True, kw_only=True)
class DutyRule:
    """A duty row: ad valorem rate plus an optional fixed amount, for an HS prefix ("" = any code)."""

    id: int | None = None
    hs_prefix: str = ""
    rate_percent: Decimal = ZERO
    fixed_amount: Decimal = ZERO
    fixed_currency: str = ""
    fixed_per: str = ""
    origin_country: str = ""
    scope: str = DutyScope.ALL
    basis: str = Basis.GOODS
    effective_from: date = date.min
    effective_to: date | None = None
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class TaxRule:
    """A tax row for the country (region "") or one of its states or provinces."""

    id: int | None = None
    region: str = ""
    name: str = TaxName.VAT
    rate_percent: Decimal = ZERO
    shipping_taxable: bool = True
    duty_taxable: bool = True
    effective_from: date = date.min
    effective_to: date | None = None
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class DeMinimisRule:
    """A threshold for duty or tax, and who collects at or under it and above it."""

    id: int | None = None
    kind: str = ChargeKind.DUTY
    threshold: Decimal = ZERO
    currency: str = "USD"
    basis: str = Basis.GOODS
    shipped_from: tuple[str, ...] = ()
    channel: str = ""
    collected_at_or_under: str = Collector.EXEMPT
    collected_above: str = Collector.CARRIER
    effective_from: date = date.min
    effective_to: date | None = None
    source: str = ""


@dataclass(frozen=True)
class Rules:
    """Everything the engine needs for one destination country: its rows and the exchange rates."""

    country: str
    duties: tuple[DutyRule, ...] = ()
    taxes: tuple[TaxRule, ...] = ()
    de_minimis: tuple[DeMinimisRule, ...] = ()
    exchange_rates: ExchangeRates = field(default_factory=ExchangeRates)


# --- outputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppliedRule:
    """The row behind a figure: its table, its id and a short text such as "DE VAT 19 % (source ...)"."""

    table: str
    id: int | None
    text: str


@dataclass(frozen=True)
class LineCharge:
    """What one line pays: its value and share of shipping, and the duty, fixed charges and tax on it."""

    index: int
    hs_code: str
    value: Decimal
    shipping: Decimal
    duty: Decimal
    fixed: Decimal
    tax: Decimal
    duty_rule: AppliedRule | None
    tax_rule: AppliedRule | None

    @property
    def charges(self) -> Decimal:
        return self.duty + self.fixed + self.tax


@dataclass(frozen=True)
class LandedCost:
    """A quote: per line and in total, in `currency`; the lines add up to the totals exactly."""

    destination: Destination
    on: date
    currency: str
    lines: tuple[LineCharge, ...]
    goods_total: Decimal
    shipping_total: Decimal
    duty_total: Decimal
    fixed_total: Decimal
    tax_total: Decimal
    duty_collected_by: str
    tax_collected_by: str
    explanations: tuple[str, ...]

    @property
    def duties_total(self) -> Decimal:
        """Duty and fixed charges together: the "Duties" line a shopper sees."""
        return self.duty_total + self.fixed_total

    @property
    def total(self) -> Decimal:
        """Every import charge and tax (not the goods or shipping)."""
        return self.duty_total + self.fixed_total + self.tax_total

    @property
    def due_at_sale(self) -> Decimal:
        """What the marketplace collects at checkout."""
        return self._collected(Collector.MARKETPLACE)

    @property
    def due_at_door(self) -> Decimal:
        """What the carrier will ask the shopper for on delivery."""
        return self._collected(Collector.CARRIER)

    @property
    def collected_by(self) -> str:
        """`Collector.CARRIER` when anything is left to pay at the door, else `Collector.MARKETPLACE`."""
        return Collector.CARRIER if self.due_at_door else Collector.MARKETPLACE

    @property
    def incoterm(self) -> str:
        """DDP (delivered duty paid: all collected at sale) or DAP (the shopper pays at the door)."""
        return "DAP" if self.collected_by == Collector.CARRIER else "DDP"

    def _collected(self, collector: str) -> Decimal:
        amount = ZERO
        if self.duty_collected_by == collector:
            amount += self.duties_total
        if self.tax_collected_by == collector:
            amount += self.tax_total
        return quantize_money(amount, self.currency)


class NoLandedCostRules(LookupError):
    """The tables cannot quote this destination (or this item for it): checkout must refuse, not guess."""

    code = "no_landed_cost_rules"

    def __init__(self, country: str, *, region: str = "", hs_code: str = "") -> None:
        self.country = country
        self.region = region
        self.hs_code = hs_code
        place = _country_name(country)
        if hs_code:
            message = (
                f"We cannot ship items of HS code {hs_code} to {place} yet: import charges for them are not set up."
            )
        elif region:
            message = f"We cannot ship to {region}, {place} yet: taxes for it are not set up."
        else:
            message = f"We cannot ship to {place} yet: import charges for it are not set up."
        super().__init__(message)


class RegionRequired(NoLandedCostRules):
    """Taxes for the country depend on the state or province, and none was given."""

    def __init__(self, country: str) -> None:
        super().__init__(country)
        self.args = (f"Choose a state or province: taxes for {_country_name(country)} depend on it.",)


# --- the engine ----------------------------------------------------------------------------------


def quote_landed_cost(
    *,
    destination: Destination,
    lines: Sequence[Line],
    shipping: Decimal,
    currency: str,
    on: date,
    rules: Rules,
    ship_from: str = "",
    channel: str = Channel.COURIER,
) -> LandedCost:
    """Duty, fixed charges and tax per line and in total for a cart sent to `destination` on `on`.

    `shipping` and each line's unit `customs_value` are in `currency`. `ship_from` is the country the
    parcel leaves from (unknown: treated as an import that no sending-country condition matches).
    Raises `NoLandedCostRules` when the tables cannot quote, and
    `shop.exchange_rates.MissingExchangeRate` when a threshold or fixed charge needs a missing rate.
    """
    country, region, currency = destination.country.upper(), destination.region.upper(), currency.upper()
    if rules.country.upper() != country:
        raise ValueError(f"rules for {rules.country} cannot quote a parcel to {country}")
    if currency not in ISO_4217_CODES:
        raise ValueError(f"{currency} is not an ISO 4217 currency code")
    if not lines:
        raise ValueError("a landed-cost quote needs at least one line")
    if any(line.quantity < 1 or line.customs_value < 0 for line in lines) or shipping < 0:
        raise ValueError("quantities must be positive, values and shipping not negative")

    quote = _Quote(
        country=country,
        currency=currency,
        on=on,
        rules=rules,
        ship_from=ship_from.upper(),
        channel=channel,
        lines=lines,
        shipping=quantize_money(shipping, currency),
    )
    tax_rule = quote.tax_rule(region)
    duty_regime, tax_regime = quote.regimes()
    duty_applied, ad_valorem, fixed = quote.duties(duty_regime, tax_regime)
    duty_total, duty_lines = _total_and_lines(ad_valorem, currency)
    fixed_total, fixed_lines = _total_and_lines(fixed, currency)
    tax_applied, exact_tax = quote.taxes(tax_rule, tax_regime, duty_lines, fixed_lines)
    tax_total, tax_lines = _total_and_lines(exact_tax, currency)

    charges = tuple(
        LineCharge(
            index=index,
            hs_code=line.hs_code,
            value=quote.values[index],
            shipping=quote.shipping_shares[index],
            duty=duty_lines[index],
            fixed=fixed_lines[index],
            tax=tax_lines[index],
            duty_rule=duty_applied[index],
            tax_rule=tax_applied,
        )
        for index, line in enumerate(lines)
    )
    return LandedCost(
        destination=Destination(country, region),
        on=on,
        currency=currency,
        lines=charges,
        goods_total=quote.goods,
        shipping_total=quote.shipping,
        duty_total=duty_total,
        fixed_total=fixed_total,
        tax_total=tax_total,
        duty_collected_by=duty_regime.collector if duty_total or fixed_total else Collector.EXEMPT,
        tax_collected_by=tax_regime.collector if tax_total else Collector.EXEMPT,
        explanations=tuple(quote.explanations),
    )


# --- rule choice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Regime:
    """Whether a charge is due on this consignment and who collects it, from a de-minimis row (or none)."""

    collector: str
    at_or_under: bool
    row: DeMinimisRule | None
    explanation: str = ""
    applied: AppliedRule | None = None  # the row that made the charge nothing, shown on each line


class _Quote:
    """One quote in the making: the rows effective on the day, the cart, and the choices made from them."""

    def __init__(
        self,
        *,
        country: str,
        currency: str,
        on: date,
        rules: Rules,
        ship_from: str,
        channel: str,
        lines: Sequence[Line],
        shipping: Decimal,
    ) -> None:
        self.country, self.currency, self.on, self.rates = country, currency, on, rules.exchange_rates
        self.ship_from, self.channel, self.lines, self.shipping = ship_from, channel, lines, shipping
        self.duty_rows = effective_on(rules.duties, on)
        self.tax_rows = effective_on(rules.taxes, on)
        self.de_minimis_rows = effective_on(rules.de_minimis, on)
        self.domestic = bool(ship_from) and ship_from == country
        if not self.tax_rows or not (self.duty_rows or self.domestic):
            raise NoLandedCostRules(country)
        self.values = [quantize_money(line.customs_value * line.quantity, currency) for line in lines]
        self.goods = sum(self.values, ZERO)
        self.shipping_shares = _allocate(shipping, self.values, currency)
        route = (
            f"shipped within {country}"
            if self.domestic
            else f"shipped from {ship_from or 'abroad'} to {country} by {channel}"
        )
        self.explanations = [f"Goods {_money(self.goods, currency)}, shipping {_money(shipping, currency)}, {route}."]

    def regimes(self) -> tuple["_Regime", "_Regime"]:
        """The duty and tax regimes: within a country no duty and tax at sale, else as the thresholds say."""
        if self.domestic:
            self.explanations.append(f"Duty: none, the parcel does not cross a border into {self.country}.")
            self.explanations.append(f"Tax: a sale within {self.country}, collected by the marketplace at sale.")
            return (
                _Regime(collector=Collector.EXEMPT, at_or_under=False, row=None),
                _Regime(collector=Collector.MARKETPLACE, at_or_under=False, row=None),
            )
        duty_regime, tax_regime = self.regime(ChargeKind.DUTY), self.regime(ChargeKind.TAX)
        self.explanations += [duty_regime.explanation, tax_regime.explanation]
        return duty_regime, tax_regime

    def duties(
        self, duty_regime: "_Regime", tax_regime: "_Regime"
    ) -> tuple[list[AppliedRule | None], list[Decimal], list[Decimal]]:
        """Per line: the rule applied, the exact ad valorem duty, and the exact fixed charges."""
        count = len(self.lines)
        ad_valorem, fixed = [ZERO] * count, [ZERO] * count
        if duty_regime.collector == Collector.EXEMPT:
            return [duty_regime.applied] * count, ad_valorem, fixed
        # IOSS: the marketplace collects the tax at sale because the parcel is at or under the tax threshold.
        under_scheme = tax_regime.at_or_under and tax_regime.collector == Collector.MARKETPLACE
        chosen = [
            self.duty_rule(line, low_value=duty_regime.at_or_under, under_scheme=under_scheme) for line in self.lines
        ]
        subheadings: dict[tuple[object, str], list[int]] = defaultdict(list)
        for index, (line, rule) in enumerate(zip(self.lines, chosen, strict=True)):
            shipping = self.shipping_shares[index] if rule.basis == Basis.GOODS_AND_SHIPPING else ZERO
            ad_valorem[index] = (self.values[index] + shipping) * rule.rate_percent / HUNDRED
            if rule.fixed_amount and rule.fixed_per == FixedPer.ITEM:
                fixed[index] = self.convert(rule.fixed_amount * line.quantity, rule.fixed_currency)
            elif rule.fixed_amount and rule.fixed_per == FixedPer.SUBHEADING:
                subheadings[(rule.id if rule.id is not None else id(rule), line.hs_code[:6])].append(index)
        for (_, subheading), indexes in subheadings.items():
            # Charged once per distinct subheading in the parcel, shared by its lines in proportion to value.
            rule = chosen[indexes[0]]
            amount = self.convert(rule.fixed_amount, rule.fixed_currency)
            for index, share in zip(indexes, _shares(amount, [self.values[i] for i in indexes]), strict=True):
                fixed[index] += share
            converted = f" = {_money(amount, self.currency)}" if rule.fixed_currency != self.currency else ""
            self.explanations.append(
                f"HS subheading {subheading}: {_money(rule.fixed_amount, rule.fixed_currency)}{converted} once, "
                f"on line{'s' if len(indexes) > 1 else ''} {', '.join(str(i + 1) for i in indexes)}."
            )
        return [AppliedRule("duty", rule.id, _duty_text(self.country, rule)) for rule in chosen], ad_valorem, fixed

    def taxes(
        self, rule: TaxRule, regime: "_Regime", duty_lines: list[Decimal], fixed_lines: list[Decimal]
    ) -> tuple[AppliedRule | None, list[Decimal]]:
        """The tax rule applied to every line, and the exact tax per line."""
        if regime.collector == Collector.EXEMPT:
            return regime.applied, [ZERO] * len(self.lines)
        exact = []
        for index, value in enumerate(self.values):
            base = value
            if rule.shipping_taxable:
                base += self.shipping_shares[index]
            if rule.duty_taxable:
                base += duty_lines[index] + fixed_lines[index]
            exact.append(base * rule.rate_percent / HUNDRED)
        text = _tax_text(self.country, rule)
        taxed = ["the goods"] + ["shipping"] * rule.shipping_taxable + ["duty"] * rule.duty_taxable
        on_what = " and ".join([", ".join(taxed[:-1]), taxed[-1]]) if len(taxed) > 1 else taxed[0]
        self.explanations.append(f"{text}: on {on_what}, collected by {Collector(regime.collector).label}.")
        return AppliedRule("tax", rule.id, text), exact

    def convert(self, amount: Decimal, from_currency: str) -> Decimal:
        return self.rates.convert(amount, from_currency=from_currency, to_currency=self.currency, on=self.on)

    def tax_rule(self, region: str) -> TaxRule:
        """The region's row where it has one (a US state, a Canadian HST province), else the country's."""
        chosen = _newest(rule for rule in self.tax_rows if rule.region and rule.region == region) if region else None
        chosen = chosen or _newest(rule for rule in self.tax_rows if not rule.region)
        if chosen is None:
            raise NoLandedCostRules(self.country, region=region) if region else RegionRequired(self.country)
        return chosen

    def duty_rule(self, line: Line, *, low_value: bool, under_scheme: bool) -> DutyRule:
        """The goods' origin first, then the longest prefix, then the newest row, then the oldest id."""
        hs_code, origin = line.hs_code.strip(), line.origin_country.upper()
        matching = [
            rule
            for rule in self.duty_rows
            if hs_code.startswith(rule.hs_prefix) and rule.origin_country.upper() in ("", origin)
        ]
        normal = [rule for rule in matching if rule.scope == DutyScope.ALL]
        low = [
            rule
            for rule in matching
            if rule.scope == DutyScope.LOW_VALUE or (rule.scope == DutyScope.LOW_VALUE_SCHEME and under_scheme)
        ]
        # At or under the duty threshold, low-value rows replace the normal rates; above it only normal rates.
        pool = (low or normal) if low_value else normal
        if not pool:
            raise NoLandedCostRules(self.country, hs_code=hs_code)
        return max(pool, key=lambda r: (bool(r.origin_country), len(r.hs_prefix), r.effective_from, -(r.id or 0)))

    def regime(self, kind: str) -> _Regime:
        """The most specific threshold row matching the route decides; none: due, collected at sale."""
        what = "Duty" if kind == ChargeKind.DUTY else "Tax"
        candidates = [row for row in self.de_minimis_rows if row.kind == kind and self._matches(row)]
        if not candidates:
            return _Regime(
                collector=Collector.MARKETPLACE,
                at_or_under=False,
                row=None,
                explanation=f"{what}: no de-minimis threshold for {self.country} on {self.on.isoformat()}, "
                "so it is due on every consignment, collected by the marketplace at sale.",
            )
        row = max(candidates, key=lambda r: (bool(r.shipped_from) + bool(r.channel), r.effective_from, -(r.id or 0)))
        value = self.goods + (self.shipping if row.basis == Basis.GOODS_AND_SHIPPING else ZERO)
        converted = quantize_money(
            self.rates.convert(value, from_currency=self.currency, to_currency=row.currency, on=self.on), row.currency
        )
        at_or_under = converted <= row.threshold
        collector = row.collected_at_or_under if at_or_under else row.collected_above
        value_text = _money(converted, row.currency)
        if row.currency != self.currency:
            applied = self.rates.lookup(self.currency, row.currency, on=self.on)
            value_text = f"{_money(value, self.currency)} = {value_text} ({applied.describe()})"
        condition = ""
        if row.shipped_from or row.channel:
            condition = f" for {row.channel or 'any'} parcels from {'/'.join(row.shipped_from) or 'anywhere'}"
        threshold = _money(row.threshold, row.currency)
        outcome = "nothing due" if collector == Collector.EXEMPT else f"due, collected by {Collector(collector).label}"
        return _Regime(
            collector=collector,
            at_or_under=at_or_under,
            row=row,
            explanation=(
                f"{what}: value {value_text} ({Basis(row.basis).label}) is {'at or under' if at_or_under else 'above'}"
                f" the {threshold} threshold{condition} ({_dates(row)}, de minimis #{row.id}, "
                f"{_source(row.source)}): {outcome}."
            ),
            applied=AppliedRule(
                "de_minimis",
                row.id,
                f"{self.country} {what.lower()} de minimis {threshold}{condition}: nothing due at or under it "
                f"({_source(row.source)})",
            ),
        )

    def _matches(self, row: DeMinimisRule) -> bool:
        if row.shipped_from and self.ship_from not in {code.upper() for code in row.shipped_from}:
            return False
        return not row.channel or row.channel == self.channel


def effective_on(rows: Iterable, on: date) -> tuple:
    """The rows (dated rules) in effect on `on`: started, and not ended before it."""
    return tuple(
        row for row in rows if row.effective_from <= on and (row.effective_to is None or row.effective_to >= on)
    )


def _newest(rows: Iterable[TaxRule]) -> TaxRule | None:
    # Overlapping rows for the same place: the one that started last was meant to replace the other.
    return max(rows, key=lambda r: (r.effective_from, -(r.id or 0)), default=None)


# --- money ---------------------------------------------------------------------------------------


def _allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`total` (already rounded) split in proportion to `weights` by largest remainder; equal when all 0."""
    exponent = minor_unit_exponent(currency)
    units = int((total * (10**exponent)).to_integral_value())
    weights = [Decimal(w) for w in weights]
    if not any(weights):
        weights = [Decimal(1)] * len(weights)
    weight_sum = sum(weights, ZERO)
    exact = [units * w / weight_sum for w in weights]
    floors = [int(x) for x in exact]  # non-negative, so int() is floor
    leftover = units - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:leftover]:
        floors[i] += 1
    return [quantize_money(Decimal(f).scaleb(-exponent), currency) for f in floors]


def _shares(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Exact (unrounded) shares of `amount` in proportion to `weights`; equal when all 0."""
    if not any(weights):
        return [amount / len(weights)] * len(weights)
    weight_sum = sum(weights, ZERO)
    return [amount * w / weight_sum for w in weights]


def _total_and_lines(exact: Sequence[Decimal], currency: str) -> tuple[Decimal, list[Decimal]]:
    """The rounded sum of exact per-line amounts, and the lines' rounded shares of it."""
    total = quantize_money(sum(exact, ZERO), currency)
    return total, _allocate(total, exact, currency)


# --- words ---------------------------------------------------------------------------------------


def _country_name(code: str) -> str:
    return str(countries.name(code.upper()) or code.upper())


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


def _money(amount: Decimal, currency: str) -> str:
    return f"{quantize_money(amount, currency):,} {currency}"


def _source(source: str) -> str:
    return f"source: {source}" if source else "no source given"


def _dates(row: DutyRule | TaxRule | DeMinimisRule) -> str:
    start = "from " + row.effective_from.isoformat() if row.effective_from != date.min else "undated"
    return start + (f" to {row.effective_to.isoformat()}" if row.effective_to else "")


def _duty_text(country: str, rule: DutyRule) -> str:
    charges = [_percent(rule.rate_percent)] if rule.rate_percent or not rule.fixed_amount else []
    if rule.fixed_amount:
        charges.append(f"{_money(rule.fixed_amount, rule.fixed_currency)} {FixedPer(rule.fixed_per).label}")
    text = f"{country} duty {' + '.join(charges)} on " + (f"HS {rule.hs_prefix}" if rule.hs_prefix else "any HS code")
    if rule.origin_country:
        text += f" made in {rule.origin_country}"
    if rule.scope != DutyScope.ALL:
        text += f", {DutyScope(rule.scope).label}"
    return f"{text} ({_source(rule.source)})"


def _tax_text(country: str, rule: TaxRule) -> str:
    place = f"{country}-{rule.region}" if rule.region else country
    return f"{place} {rule.name} {_percent(rule.rate_percent)} ({_source(rule.source)})"
