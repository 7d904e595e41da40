"""What delivery would cost and take before an order exists, priced as the label will be.

The warehouses that would ship the cart are chosen as allocation would choose them (the same
`choose_warehouses` over today's free stock, without locking: it is a quote), each part is packed
into that warehouse's boxes as the packing station would be told to, and every configured carrier
quotes the parcels from its own rate tables (`fulfillment/carriers/data`). Two methods come out:

- `standard`: the cheapest service from every shipping warehouse;
- `express`: the fastest service from every shipping warehouse, offered only when it is faster.

A part that nobody stocks (backordered) ships from the warehouse chosen first, or from the best
active fulfillment centre when nobody stocks anything. Without a postal code the domestic zone is
the farthest one, so an early quote is never below the one at checkout. Amounts are in the
carriers' currency; the shop converts them.

Each method also carries its delivery dates (`fulfillment.delivery_promise`): from each shipping
warehouse's cut-off, time zone and handling days and the chosen service's transit days, the latest
window over the warehouses (the shopper has everything when the slowest parcel arrives).

The boxes are read through the cache (`active_boxes`): one query for the stock, none for the boxes while warm.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import timezone

from fulfillment import carriers
from fulfillment.allocation import Destination, WarehouseInfo, choose_warehouses, distance
from fulfillment.carriers import Address, Parcel, Rate, ShipmentSpec
from fulfillment.delivery_promise import PromiseWindow, promise_window
from fulfillment.models import Box, Stock, Warehouse
from fulfillment.models.stock import SHIPPING_WAREHOUSE_KINDS
from fulfillment.packing import ItemSize, suggest_parcels
from fulfillment.services.labels import warehouse_address
from fulfillment.services.packing import box_sizes
from marketplace.fragments import bump_version, cached_rows

STANDARD = "standard"
BOXES_VERSION = "boxes"  # bumped on commit by every box save or delete, and by migrations
EXPRESS = "express"


@dataclass(frozen=True)
class QuoteItem:
    """One cart line as the quote needs it: the variant, how many, and the product's packed size."""

    variant_id: int
    quantity: int
    weight_grams: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True)
class DeliveryQuote:
    """A method for the whole cart: the sum of its warehouses' rates, as slow as the slowest."""

    code: str
    amount: Decimal
    currency: str
    days_min: int
    days_max: int
    rates: tuple[Rate, ...]  # one per shipping warehouse
    arrives: PromiseWindow

    @property
    def arrives_from(self) -> dt.date:
        return self.arrives.arrives_from

    @property
    def arrives_to(self) -> dt.date:
        return self.arrives.arrives_to

    @property
    def warehouse_count(self) -> int:
        return len(self.rates)


def delivery_quotes(
    *,
    items: Sequence[QuoteItem],
    country: str,
    postal_code: str = "",
    now: dt.datetime | None = None,
    stocks: list[Stock] | None = None,
) -> list[DeliveryQuote]:
    """The methods to `country` for these items, cheapest first; empty when no warehouse or carrier can ship a part.

    Delivery dates are for an order placed at `now` (default: now). `stocks`: the items' `shipping_stock`, when the
    caller has read it (checkout reads it once for this and for the shipping restrictions).

    One query (stock with its warehouses; the boxes come from the cache); another only when nobody stocks anything.
    """
    items = [item for item in items if item.quantity > 0]
    if not items:
        return []
    destination = Destination(country.upper(), postal_code.strip())
    if stocks is None:
        stocks = shipping_stock(variant_ids={item.variant_id for item in items})
    parts = _parts_by_warehouse(items, destination, stocks)
    if parts is None:
        return []
    boxes = defaultdict(list)
    for box in active_boxes():
        boxes[box.warehouse_id].append(box)
    now = now or timezone.now()
    standard: list[tuple[Warehouse, Rate]] = []
    express: list[tuple[Warehouse, Rate]] = []
    for warehouse, part in parts.items():
        rates = carriers.quote_all(_shipment(warehouse, part, boxes[warehouse.pk], destination))
        if not rates:
            return []
        standard.append((warehouse, carriers.cheapest_rate(rates, None)))
        express.append((warehouse, min(rates, key=lambda r: (r.days_max, r.amount, r.carrier, r.service))))
    quotes = [_combined(STANDARD, standard, now)]
    fastest = _combined(EXPRESS, express, now)
    if fastest.days_max < quotes[0].days_max:
        quotes.append(fastest)
    return quotes


def active_boxes() -> list[Box]:
    """Every active box of every warehouse, in id order, from the cache under `BOXES_VERSION` (bumped by box writes)."""
    return cached_rows(BOXES_VERSION, "boxes", lambda: list(Box.objects.filter(is_active=True).order_by("pk")))


def _boxes_changed(sender, **kwargs) -> None:
    bump_version(BOXES_VERSION)


post_save.connect(_boxes_changed, sender=Box, dispatch_uid="boxes-version-save")
post_delete.connect(_boxes_changed, sender=Box, dispatch_uid="boxes-version-delete")
post_migrate.connect(_boxes_changed, dispatch_uid="boxes-version-migrated")


def arrival_window(warehouse: Warehouse, rate: Rate, now: dt.datetime) -> PromiseWindow:
    """When a parcel of this warehouse sent by this service today would arrive."""
    return promise_window(
        now=now,
        cutoff=warehouse.cutoff_time,
        time_zone=warehouse.time_zone,
        handling_days=warehouse.handling_days,
        transit_days_min=rate.days_min,
        transit_days_max=rate.days_max,
    )


def _combined(code: str, chosen: list[tuple[Warehouse, Rate]], now: dt.datetime) -> DeliveryQuote:
    rates = [rate for _, rate in chosen]
    windows = [arrival_window(warehouse, rate, now) for warehouse, rate in chosen]
    arrives = windows[0]
    for window in windows[1:]:
        arrives = arrives.later(window)
    currencies = {rate.currency for rate in rates}
    if len(currencies) != 1:
        raise ValueError(f"Carriers quoted in several currencies: {sorted(currencies)}")
    return DeliveryQuote(
        code=code,
        amount=sum((rate.amount for rate in rates), Decimal("0")),
        currency=currencies.pop(),
        days_min=max(rate.days_min for rate in rates),
        days_max=max(rate.days_max for rate in rates),
        rates=tuple(rates),
        arrives=arrives,
    )


def shipping_stock(*, variant_ids: Iterable[int]) -> list[Stock]:
    """The variants' stock rows in active shipping warehouses, with their warehouses (one query)."""
    return list(
        Stock.objects.filter(
            variant_id__in=set(variant_ids),
            warehouse__is_active=True,
            warehouse__kind__in=SHIPPING_WAREHOUSE_KINDS,
        ).select_related("warehouse")
    )


def _parts_by_warehouse(
    items: list[QuoteItem], destination: Destination, stocks: list[Stock]
) -> dict[Warehouse, list[ItemSize]] | None:
    """Which warehouse ships which units, as allocation would plan it today; None when no warehouse can."""
    warehouses = {stock.warehouse_id: stock.warehouse for stock in stocks}
    plan = choose_warehouses(
        [(index, item.variant_id, item.quantity) for index, item in enumerate(items)],
        destination,
        [WarehouseInfo(w.pk, str(w.country), w.postal_code, w.priority, w.is_active) for w in warehouses.values()],
        {(stock.warehouse_id, stock.variant_id): stock.quantity - stock.quantity_allocated for stock in stocks},
    )
    parts: dict[Warehouse, list[ItemSize]] = defaultdict(list)
    for planned in plan.allocations:
        parts[warehouses[planned.warehouse_id]].append(_size(items[planned.line_id], planned.quantity))
    if plan.backorders:
        fallback = warehouses[plan.warehouse_ids[0]] if plan.warehouse_ids else _best_warehouse(destination)
        if fallback is None:
            return None
        for backorder in plan.backorders:
            parts[fallback].append(_size(items[backorder.line_id], backorder.quantity))
    return parts


def _best_warehouse(destination: Destination) -> Warehouse | None:
    """The active fulfillment centre allocation would prefer for this destination when stock arrives."""
    centres = list(Warehouse.objects.filter(is_active=True, kind=Warehouse.Kind.FULFILLMENT_CENTRE))
    if not centres:
        return None
    return min(
        centres,
        key=lambda w: (
            -w.priority,
            distance(str(w.country), w.postal_code, destination.country, destination.postal_code),
            w.pk,
        ),
    )


def _size(item: QuoteItem, quantity: int) -> ItemSize:
    return ItemSize(item.length_mm, item.width_mm, item.height_mm, item.weight_grams, quantity, str(item.variant_id))


def _shipment(warehouse: Warehouse, part: list[ItemSize], boxes: list[Box], destination: Destination) -> ShipmentSpec:
    """The part packed as the packing station would be told to; without boxes, one parcel of everything."""
    suggestions = suggest_parcels(part, box_sizes(boxes)) if boxes else []
    if suggestions:
        parcels = tuple(
            Parcel(
                # A unit of unknown weight still pays the first weight break, as the carrier bills it.
                weight_grams=max(suggestion.weight_grams, 1),
                length_mm=suggestion.box.length_mm if suggestion.box else 0,
                width_mm=suggestion.box.width_mm if suggestion.box else 0,
                height_mm=suggestion.box.height_mm if suggestion.box else 0,
            )
            for suggestion in suggestions
        )
    else:
        parcels = (Parcel(weight_grams=max(sum(i.weight_grams * i.quantity for i in part), 1)),)
    return ShipmentSpec(
        from_address=warehouse_address(warehouse),
        to_address=Address(
            name="", line1="", city="", postal_code=destination.postal_code, country=destination.country
        ),
        parcels=parcels,
    )
