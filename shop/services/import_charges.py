"""Tax and import duty on a cart or an order, from the landed-cost engine: what is charged at sale and what is left
for the door.

`charge_quoter` loads what the engine needs once (the cart's customs data, the destination's rows and the
exchange rates, from the cache while warm: at most five queries whatever the number of lines); its
`for_shipping` answers the charges for one shipping amount without querying, so a checkout page prices every
shipping method from one load.

- DDP (across a border, the marketplace collects at sale): the tax and duties are charged with the order.
- DAP (the carrier collects at the door): nothing is charged; `due_at_door` is the estimate the shopper is shown.
- Domestic (shipped within the destination country): the sales tax (a US state's) is charged at sale; the
  incoterm is empty.

Where the tables cannot quote a destination (no rows, a region required, an exchange rate missing), checkout
refuses with `CannotQuoteCharges`. One documented exception: a DOMESTIC order to a state with no sales-tax row
(the demo table has 10 US states) is charged no tax and the order's explanations say so, so staff can add the
state's row; refusing would stop every home sale to 40 states.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django_countries import countries

from shop.customs import effective_customs_data
from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import (
    Collector,
    Destination,
    LandedCost,
    Line,
    NoLandedCostRules,
    RegionRequired,
    Rules,
    quote_landed_cost,
)
from shop.landed_cost_rules import rules_for
from shop.models import Variant

ZERO = Decimal("0")


class CannotQuoteCharges(Exception):
    """The tables cannot quote tax and duty for this destination or currency: checkout refuses the country."""

    def __init__(self, *, code: str, message: str, field: str, country: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field  # the form field the shopper can change: "country" or "region"
        self.country = country


@dataclass(frozen=True)
class ChargeableLine:
    """One line as the engine needs it: customs data of one unit, its price (the customs value) and quantity."""

    variant_id: int
    hs_code: str
    origin_country: str
    unit_price: Decimal
    quantity: int
    weight_grams: int = 0


@dataclass(frozen=True)
class OrderCharges:
    """Tax and duty of an order: charged at sale (per line and in total), and the estimate left for the door."""

    currency: str
    incoterm: str  # "DDP", "DAP", or "" for a domestic order
    tax_total: Decimal
    duty_total: Decimal
    due_at_door: Decimal
    line_taxes: tuple[Decimal, ...]
    line_duties: tuple[Decimal, ...]
    explanations: tuple[str, ...]

    @property
    def at_sale(self) -> Decimal:
        """What is added to the order's total."""
        return self.tax_total + self.duty_total

    @property
    def import_charges_included(self) -> bool:
        return self.incoterm == "DDP"


def no_charges(*, currency: str, count: int, explanation: str = "") -> OrderCharges:
    return OrderCharges(
        currency=currency,
        incoterm="",
        tax_total=ZERO,
        duty_total=ZERO,
        due_at_door=ZERO,
        line_taxes=(ZERO,) * count,
        line_duties=(ZERO,) * count,
        explanations=(explanation,) if explanation else (),
    )


class ChargeQuoter:
    """The charges of one cart to one destination, for any shipping amount (no query once built)."""

    def __init__(
        self,
        *,
        destination: Destination,
        currency: str,
        lines: Sequence[ChargeableLine],
        rules: Rules | None,
        ship_from: str,
        on: date,
        unquotable: str = "",
    ) -> None:
        self.destination, self.currency, self.lines = destination, currency, list(lines)
        self.rules, self.ship_from, self.on, self.unquotable = rules, ship_from, on, unquotable

    @property
    def domestic(self) -> bool:
        return self.destination.country == self.ship_from

    def for_shipping(self, shipping: Decimal) -> OrderCharges:
        """The charges when shipping costs `shipping` (in the cart's currency); raises CannotQuoteCharges."""
        if self.rules is None:
            return no_charges(currency=self.currency, count=len(self.lines), explanation=self.unquotable)
        try:
            quote = quote_landed_cost(
                destination=self.destination,
                lines=[
                    Line(
                        hs_code=line.hs_code,
                        origin_country=line.origin_country,
                        customs_value=line.unit_price,
                        quantity=line.quantity,
                        weight_grams=line.weight_grams,
                    )
                    for line in self.lines
                ],
                shipping=shipping,
                currency=self.currency,
                on=self.on,
                rules=self.rules,
                ship_from=self.ship_from,
            )
        except (NoLandedCostRules, MissingExchangeRate) as error:
            if self.domestic and isinstance(error, NoLandedCostRules):
                return no_charges(
                    currency=self.currency, count=len(self.lines), explanation=_untaxed_domestic(self.destination)
                )
            raise refusal(error, destination=self.destination, currency=self.currency) from error
        return _charges_of(quote, domestic=self.domestic)


def charge_quoter(
    *, country: str, region: str, currency: str, lines: Sequence[ChargeableLine], on: date | None = None
) -> ChargeQuoter:
    """Load the destination's rows for the cart (from the cache; four queries when cold); raises CannotQuoteCharges."""
    on = on or timezone.localdate()
    destination = Destination(country.upper(), (region or "").strip().upper())
    ship_from = ship_from_country(country=destination.country)
    try:
        rules = rules_for(destination.country, on=on)
    except NoLandedCostRules as error:
        if destination.country == ship_from:
            return ChargeQuoter(
                destination=destination,
                currency=currency,
                lines=lines,
                rules=None,
                ship_from=ship_from,
                on=on,
                unquotable=_untaxed_domestic(destination),
            )
        raise refusal(error, destination=destination, currency=currency) from error
    return ChargeQuoter(
        destination=destination, currency=currency, lines=lines, rules=rules, ship_from=ship_from, on=on
    )


def ship_from_country(*, country: str) -> str:
    """The country the parcel leaves from: the shop's home country, where its fulfillment centres ship from."""
    return settings.SHOP_HOME_COUNTRY


def chargeable_lines(items: Sequence[tuple[Variant, int, Decimal]]) -> list[ChargeableLine]:
    """(variant with its product loaded, quantity, unit price) -> the engine's lines, in the same order."""
    lines = []
    for variant, quantity, unit_price in items:
        data = effective_customs_data(variant)
        lines.append(
            ChargeableLine(
                variant_id=variant.pk,
                hs_code=data.hs_code,
                origin_country=data.country_of_origin,
                unit_price=unit_price,
                quantity=quantity,
                weight_grams=variant.product.weight_grams or data.net_weight_grams,
            )
        )
    return lines


def refusal(
    error: NoLandedCostRules | MissingExchangeRate, *, destination: Destination, currency: str
) -> CannotQuoteCharges:
    """The engine's reason as the shopper reads it, on the field they can change."""
    name = countries.name(destination.country) or destination.country
    if isinstance(error, MissingExchangeRate):
        return CannotQuoteCharges(
            code=MissingExchangeRate.code,
            message=f"We cannot ship to {name} for a cart priced in {currency} yet: "
            f"import charges in {currency} are not set up.",
            field="country",
            country=destination.country,
        )
    field = "region" if isinstance(error, RegionRequired) or error.region else "country"
    code = "region_required" if isinstance(error, RegionRequired) else NoLandedCostRules.code
    return CannotQuoteCharges(code=code, message=str(error), field=field, country=destination.country)


def _untaxed_domestic(destination: Destination) -> str:
    place = f"{destination.region}, {destination.country}" if destination.region else destination.country
    return (
        f"No sales-tax row for {place}: no tax was collected. Staff: add the state's row "
        "(admin: Shop > Tax rates) if the marketplace must collect there."
    )


def _charges_of(quote: LandedCost, *, domestic: bool) -> OrderCharges:
    tax_at_sale = quote.tax_collected_by == Collector.MARKETPLACE
    duty_at_sale = quote.duty_collected_by == Collector.MARKETPLACE
    line_taxes = tuple(line.tax if tax_at_sale else ZERO for line in quote.lines)
    line_duties = tuple(line.duty + line.fixed if duty_at_sale else ZERO for line in quote.lines)
    return OrderCharges(
        currency=quote.currency,
        incoterm="" if domestic else quote.incoterm,
        tax_total=quote.tax_total if tax_at_sale else ZERO,
        duty_total=quote.duties_total if duty_at_sale else ZERO,
        due_at_door=quote.due_at_door,
        line_taxes=line_taxes,
        line_duties=line_duties,
        explanations=quote.explanations
        + tuple(sorted({rule.text for line in quote.lines for rule in (line.duty_rule, line.tax_rule) if rule})),
    )


@dataclass(frozen=True)
class ImportChargesNotice:
    """What a product page says of import charges to the shopper's country, for one unit by standard shipping."""

    incoterm: str = ""
    due_at_door: Decimal = ZERO
    currency: str = ""
    refused: str = ""


def import_charges_notice(*, variant: Variant | None, country: str, shipping: Decimal) -> ImportChargesNotice:
    """DDP ("import charges included") or the DAP estimate for one unit of `variant` sent to `country`; nothing
    for a domestic shopper (no query then), the engine's reason where the tables cannot quote (tables: cached)."""
    if variant is None or country.upper() == ship_from_country(country=country):
        return ImportChargesNotice()
    try:
        charges = charge_quoter(
            country=country, region="", currency=variant.currency, lines=chargeable_lines([(variant, 1, variant.price)])
        ).for_shipping(shipping)
    except CannotQuoteCharges as error:
        return ImportChargesNotice(refused=error.message)
    return ImportChargesNotice(incoterm=charges.incoterm, due_at_door=charges.due_at_door, currency=variant.currency)
