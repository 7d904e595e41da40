"""Reads of stock, shipments and returns shaped for pages, the API and reconciliation."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from fulfillment.allocation.zones import distance
from fulfillment.carriers import carrier_names
from fulfillment.models import (
    Allocation,
    Backorder,
    CustomsDocument,
    FulfillmentOrder,
    InboundReturn,
    Reservation,
    Shipment,
    ShippingLabel,
    Stock,
    StockMovement,
    TrackingEvent,
    TrackingLeg,
    VariantAvailability,
    Warehouse,
)
from fulfillment.models.shipping import HANDED_OVER_STATUSES
from marketplace.outbox import backlog

# The version (`marketplace.fragments.current_versions`) the stock service bumps whenever a stored available
# count moves: lists cached under it show every stock change on the next request.
AVAILABILITY_VERSION = "variant-availability"


def _reserved(variant_ref: str) -> Coalesce:
    """Units of the variant held by unexpired reservations (and by paid orders not yet allocated)."""
    held = (
        Reservation.objects.active()
        .filter(stock__variant_id=OuterRef(variant_ref), stock__warehouse__is_active=True)
        .order_by()
        .values("stock__variant_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def available_quantity(variant_ref: str = "pk") -> Greatest:
    """Expression: free units of the variant at `variant_ref` over active warehouses, never below 0."""
    on_hand = (
        Stock.objects.filter(variant_id=OuterRef(variant_ref), warehouse__is_active=True)
        .order_by()
        .values("variant_id")
        .annotate(free=Sum(F("quantity") - F("quantity_allocated")))
        .values("free")
    )
    free = Coalesce(Subquery(on_hand, output_field=IntegerField()), Value(0))
    return Greatest(free - _reserved(variant_ref), Value(0), output_field=IntegerField())


def stored_available(variant_ref: str = "pk") -> Greatest:
    """Expression: the variant's stored available count (`VariantAvailability`), never below 0; a join, no sum.

    For listing pages: it may show fewer units for up to a minute after a reservation expired (until the
    sweep deletes it), never more. Checkout and the cart check with `available_quantity`.
    """
    path = (
        "availability__available"
        if variant_ref == "pk"
        else f"{variant_ref.removesuffix('_id')}__availability__available"
    )
    return Greatest(Coalesce(F(path), Value(0)), Value(0), output_field=IntegerField())


def stored_available_recount(
    *, only_mismatches: bool = False, variant_ids: list[int] | None = None
) -> list[tuple[int, int, int]]:
    """(variant id, stored count, count from stock and reservations) per variant with either; three queries.

    Counted as the stock service keeps it: free units over active warehouses minus every reservation
    held there (expired ones too, until swept).
    """
    stocks = Stock.objects.filter(warehouse__is_active=True)
    held = Reservation.objects.filter(stock__warehouse__is_active=True)
    stored_rows = VariantAvailability.objects.all()
    if variant_ids is not None:
        stocks = stocks.filter(variant_id__in=variant_ids)
        held = held.filter(stock__variant_id__in=variant_ids)
        stored_rows = stored_rows.filter(variant_id__in=variant_ids)
    counted: dict[int, int] = dict(
        stocks.order_by()
        .values("variant_id")
        .annotate(free=Sum(F("quantity") - F("quantity_allocated")))
        .values_list("variant_id", "free")
    )
    for variant_id, units in (
        held.order_by()
        .values("stock__variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("stock__variant_id", "units")
    ):
        counted[variant_id] = counted.get(variant_id, 0) - units
    stored = dict(stored_rows.values_list("variant_id", "available"))
    rows = [
        (variant_id, stored.get(variant_id, 0), counted.get(variant_id, 0))
        for variant_id in sorted(counted.keys() | stored.keys())
    ]
    return [row for row in rows if row[1] != row[2]] if only_mismatches else rows


def available_by_variant(*, variant_ids: list[int]) -> dict[int, int]:
    """Free units per variant id, one query."""
    rows = (
        # The catalogue's variants, through the relation fulfillment declares (no import of the shop).
        Stock.variant.field.related_model.objects.filter(pk__in=variant_ids)
        .annotate(available=available_quantity())
        .values_list("pk", "available")
    )
    return dict(rows)


def stocking_warehouses() -> list[Warehouse]:
    """Active fulfillment centres: where sellers' stock is kept and counted."""
    return list(Warehouse.objects.filter(kind=Warehouse.Kind.FULFILLMENT_CENTRE, is_active=True).order_by("code"))


def stock_levels(*, variant_ids: list[int], warehouse_ids: list[int] | None = None) -> dict[tuple[int, int], Stock]:
    """Stock rows keyed by (variant id, warehouse id), one query."""
    rows = Stock.objects.filter(variant_id__in=variant_ids).select_related("warehouse")
    if warehouse_ids is not None:
        rows = rows.filter(warehouse_id__in=warehouse_ids)
    return {(stock.variant_id, stock.warehouse_id): stock for stock in rows}


def stock_countries(*, variant_ids: list[int]) -> dict[int, set[str]]:
    """Per variant, the countries of the active fulfillment centres holding units of it (it ships from there).

    One query.

    A variant held nowhere is missing from the answer.
    """
    rows = (
        Stock.objects.filter(
            variant_id__in=variant_ids,
            quantity__gt=0,
            warehouse__is_active=True,
            warehouse__kind=Warehouse.Kind.FULFILLMENT_CENTRE,
        )
        .order_by()
        .values_list("variant_id", "warehouse__country")
        .distinct()
    )
    countries: dict[int, set[str]] = {}
    for variant_id, country in rows:
        countries.setdefault(variant_id, set()).add(str(country))
    return countries


def stock_countries_of(stocks: Iterable[Stock]) -> dict[int, set[str]]:
    """`stock_countries` from stock rows already read with their warehouses (every row of the variants in active
    shipping warehouses: `fulfillment.delivery_quotes.shipping_stock`); no query."""
    countries: dict[int, set[str]] = {}
    for stock in stocks:
        warehouse = stock.warehouse
        if stock.quantity > 0 and warehouse.is_active and warehouse.kind == Warehouse.Kind.FULFILLMENT_CENTRE:
            countries.setdefault(stock.variant_id, set()).add(str(warehouse.country))
    return countries


@dataclass(frozen=True)
class LedgerMismatch:
    stock_id: int
    quantity: int
    ledger_quantity: int
    allocated: int
    ledger_allocated: int


def stock_ledger_mismatches() -> list[LedgerMismatch]:
    """Stock rows whose totals differ from the sum of their movements."""
    ledger = StockMovement.objects.filter(stock=OuterRef("pk")).order_by().values("stock")
    rows = Stock.objects.annotate(
        ledger_quantity=Coalesce(
            Subquery(ledger.annotate(total=Sum("quantity_change")).values("total"), output_field=IntegerField()),
            Value(0),
        ),
        ledger_allocated=Coalesce(
            Subquery(ledger.annotate(total=Sum("allocated_change")).values("total"), output_field=IntegerField()),
            Value(0),
        ),
    ).values_list("pk", "quantity", "ledger_quantity", "quantity_allocated", "ledger_allocated")
    return [
        LedgerMismatch(stock_id=pk, quantity=q, ledger_quantity=lq, allocated=a, ledger_allocated=la)
        for pk, q, lq, a, la in rows
        if q != lq or a != la
    ]


# ---------------------------------------------------------------- allocations, pick lists, work queues


@dataclass(frozen=True)
class AllocationMismatch:
    stock_id: int
    warehouse_id: int
    variant_id: int
    quantity_allocated: int
    from_allocations: int


def allocation_mismatches() -> list[AllocationMismatch]:
    """Stock rows whose allocated units differ from the sum of their unconsumed allocations, one query."""

    open_units = (
        Allocation.objects.filter(stock=OuterRef("pk"), consumed_at__isnull=True)
        .order_by()
        .values("stock")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    rows = (
        Stock.objects.annotate(from_allocations=Coalesce(Subquery(open_units, output_field=IntegerField()), Value(0)))
        .exclude(quantity_allocated=F("from_allocations"))
        .order_by("pk")
        .values_list("pk", "warehouse_id", "variant_id", "quantity_allocated", "from_allocations")
    )
    return [
        AllocationMismatch(stock_id=pk, warehouse_id=w, variant_id=v, quantity_allocated=a, from_allocations=fa)
        for pk, w, v, a, fa in rows
    ]


# --- shipments and tracking (pages) ------------------------------------------------------------------


def _with_display_names(shipments: list) -> list:
    """Sets `carrier_name` / `service_name` (from the carrier registry, no query) and the public `timeline`."""
    for shipment in shipments:
        # Scans of a voided label are history for staff: the shopper sees the live label's only.
        voids = [i for i, e in enumerate(shipment.events_in_order) if e.status == TrackingEvent.Status.VOIDED]
        shipment.timeline = shipment.events_in_order[voids[-1] + 1 :] if voids else shipment.events_in_order
        shipment.carrier_name, shipment.service_name = (
            carrier_names(shipment.carrier, shipment.service) if shipment.carrier else ("", "")
        )
        # Consolidated abroad: the master it flies under and, after the split, the last-mile carrier's number.
        shipment.consolidated = shipment.consolidation_item if _has_item(shipment) else None
    return shipments


def _has_item(shipment) -> bool:
    try:
        return shipment.consolidation_item is not None
    except ObjectDoesNotExist:
        return False


def _timeline_prefetch():
    return Prefetch("tracking_events", TrackingEvent.objects.order_by("occurred_at", "id"), to_attr="events_in_order")


def _legs_prefetch():
    return Prefetch("legs", TrackingLeg.objects.order_by("sequence"), to_attr="legs_in_order")


_CONSOLIDATED = ("consolidation_item__consolidation__lane",)


def shipments_for_order(*, order_id: int) -> list:
    """The order's shipments (not cancelled), each with its timeline and carrier names, in two queries."""

    shipments = list(
        Shipment.objects.filter(fulfillment_order__order_id=order_id)
        .exclude(status=Shipment.Status.CANCELLED)
        .select_related(*_CONSOLIDATED)
        .prefetch_related(_timeline_prefetch(), _legs_prefetch())
        .order_by("created_at", "id")
    )
    return _with_display_names(shipments)


def shipment_for_email(*, shipment_id: int):
    """One shipment with its carrier and service names, for the shopper's shipped / delivered email."""
    return _with_display_names([Shipment.objects.prefetch_related(_timeline_prefetch()).get(pk=shipment_id)])[0]


def shipment_for_tracking(*, tracking_number: str):
    """The shipment whose live label has this number (or one of its parcels), with its timeline; else None."""

    shipment = (
        Shipment.objects.filter(
            Q(tracking_number=tracking_number)
            | Q(parcels__tracking_number=tracking_number)
            | Q(consolidation_item__last_mile_tracking_number=tracking_number)
        )
        .exclude(tracking_number="")
        .select_related(*_CONSOLIDATED)
        .prefetch_related(_timeline_prefetch(), _legs_prefetch())
        .first()
    )
    return _with_display_names([shipment])[0] if shipment is not None else None


@dataclass(frozen=True)
class PickItem:
    """Units of one order line to take from one bin, as a pick list prints them."""

    bin_location: str
    sku: str
    product_title: str
    variant_label: str
    order_number: str
    ship_to: str
    quantity: int


def pick_list_items(*, pick_list_id: int) -> list[PickItem]:
    """Every unconsumed allocation of a pick list's fulfillment orders, one query."""

    rows = (
        Allocation.objects.filter(fulfillment_order__pick_list_id=pick_list_id, consumed_at__isnull=True)
        .order_by("fulfillment_order__created_at", "fulfillment_order_id", "pk")
        .values_list(
            "stock__bin_location",
            "order_line__sku",
            "order_line__product_title",
            "order_line__variant_label",
            "order_line__order__number",
            "order_line__order__ship_name",
            "order_line__order__ship_city",
            "order_line__order__ship_country",
            "quantity",
        )
    )
    return [
        PickItem(
            bin_location=bin_location,
            sku=sku,
            product_title=title,
            variant_label=label,
            order_number=number,
            ship_to=f"{name}, {city} ({country})",
            quantity=quantity,
        )
        for bin_location, sku, title, label, number, name, city, country, quantity in rows
    ]


@dataclass(frozen=True)
class WarehouseQueue:
    warehouse_id: int
    code: str
    name: str
    held: int  # fulfillment orders on hold
    held_for_customs: int  # of those, held because a line going abroad lacks customs data
    to_pick: int  # open fulfillment orders, not on a pick list
    to_pack: int  # shipments being picked
    to_label: int  # shipments packed, waiting for a label
    exceptions: int  # shipments a carrier reported a problem with


@dataclass(frozen=True)
class WorkQueues:
    unallocated_orders: int  # paid, neither allocated nor backordered yet
    open_backorders: int
    backordered_orders: int
    warehouses: list[WarehouseQueue]


def _count_per_warehouse(queryset, warehouse_field: str) -> Coalesce:
    counted = (
        queryset.filter(**{warehouse_field: OuterRef("pk")})
        .order_by()
        .values(warehouse_field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def work_queues() -> WorkQueues:
    """The staff work queues, per active fulfillment centre; three queries whatever the numbers."""

    fo, shipment = FulfillmentOrder.Status, Shipment.Status
    shipments = Shipment.objects.all()
    warehouses = (
        Warehouse.objects.filter(kind=Warehouse.Kind.FULFILLMENT_CENTRE, is_active=True)
        .annotate(
            held=_count_per_warehouse(FulfillmentOrder.objects.filter(status=fo.ON_HOLD), "warehouse"),
            held_for_customs=_count_per_warehouse(
                FulfillmentOrder.objects.filter(
                    status=fo.ON_HOLD, hold_reason=FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA
                ),
                "warehouse",
            ),
            to_pick=_count_per_warehouse(
                FulfillmentOrder.objects.filter(status=fo.OPEN, pick_list__isnull=True), "warehouse"
            ),
            to_pack=_count_per_warehouse(shipments.filter(status=shipment.PICKING), "fulfillment_order__warehouse"),
            to_label=_count_per_warehouse(shipments.filter(status=shipment.PACKED), "fulfillment_order__warehouse"),
            exceptions=_count_per_warehouse(
                shipments.filter(status=shipment.EXCEPTION), "fulfillment_order__warehouse"
            ),
        )
        .order_by("code")
        .values_list("pk", "code", "name", "held", "held_for_customs", "to_pick", "to_pack", "to_label", "exceptions")
    )
    unallocated = backlog(queue="allocation")  # paid orders announced, not yet taken by allocation
    backorders = Backorder.objects.filter(allocated_at__isnull=True).aggregate(
        rows=Count("pk"), orders=Count("order_line__order", distinct=True)
    )
    return WorkQueues(
        unallocated_orders=unallocated,
        open_backorders=backorders["rows"],
        backordered_orders=backorders["orders"],
        warehouses=[WarehouseQueue(*row) for row in warehouses],
    )


@dataclass(frozen=True)
class CustomsHold:
    """A fulfillment order held for missing customs data, as a seller sees it."""

    order_number: str
    fulfillment_order_id: int
    warehouse: str
    skus_missing: tuple[str, ...]  # the seller's SKUs on it still lacking data; empty: fixed, awaiting release


def customs_holds(*, variant_ids: Iterable[int]) -> list[CustomsHold]:
    """Fulfillment orders held for missing customs data that hold any of these variants, oldest first; one query.

    `variant_ids` may be a subquery (a seller's variants).
    """
    rows = (
        Allocation.objects.filter(
            fulfillment_order__status=FulfillmentOrder.Status.ON_HOLD,
            fulfillment_order__hold_reason=FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA,
            consumed_at__isnull=True,
            order_line__variant_id__in=variant_ids,
        )
        .select_related("order_line", "fulfillment_order__order", "fulfillment_order__warehouse")
        .order_by("fulfillment_order__created_at", "fulfillment_order_id", "order_line__sku")
    )
    holds: dict[int, tuple[str, str, list[str]]] = {}
    for allocation in rows:
        fulfillment_order, line = allocation.fulfillment_order, allocation.order_line
        _, _, skus = holds.setdefault(
            fulfillment_order.pk, (fulfillment_order.order.number, fulfillment_order.warehouse.code, [])
        )
        if not line.has_customs_data and line.sku not in skus:
            skus.append(line.sku)
    return [
        CustomsHold(order_number=number, fulfillment_order_id=pk, warehouse=warehouse, skus_missing=tuple(skus))
        for pk, (number, warehouse, skus) in holds.items()
    ]


def delivered_at_by_order(*, order_ids: set[int] | list[int]) -> dict[int, datetime | None]:
    """When each order was delivered: its last shipment's delivery, once every live shipment is delivered.

    An order with no shipment, or with one still on its way, answers None (it is not delivered).
    Cancelled shipments do not count.
    """
    rows = (
        Shipment.objects.filter(fulfillment_order__order_id__in=order_ids)
        .exclude(status=Shipment.Status.CANCELLED)
        .values("fulfillment_order__order_id")
        .annotate(
            last=Max("delivered_at"),
            open=Count("pk", filter=Q(delivered_at__isnull=True)),
        )
    )
    answer: dict[int, datetime | None] = dict.fromkeys(order_ids)
    for row in rows:
        answer[row["fulfillment_order__order_id"]] = row["last"] if row["open"] == 0 else None
    return answer


@dataclass(frozen=True)
class ShippingProgress:
    """How far an order's shipments got; the shop derives the order's status from it."""

    shipments: int  # live ones (not cancelled)
    handed_over: int  # taken by the carrier, whatever happened since
    delivered: int
    # Something is still at a warehouse: a shipment not handed over, a fulfillment order not shipped,
    # or an open backorder.
    waiting: bool
    # When the last live shipment was delivered (None before any was): the order's actual delivery.
    last_delivered_at: datetime | None = None


def orders_being_picked(*, order_ids: Iterable[int]) -> set[int]:
    """Which of these orders a warehouse has started picking (or shipped): too late to cancel. One query."""
    return set(
        FulfillmentOrder.objects.filter(
            order_id__in=list(order_ids),
            status__in=[FulfillmentOrder.Status.IN_PROGRESS, FulfillmentOrder.Status.CLOSED],
        )
        .values_list("order_id", flat=True)
        .distinct()
    )


def shipping_progress(*, order_id: int) -> ShippingProgress:
    """The order's shipping progress, in three queries."""
    live = FulfillmentOrder.objects.filter(order_id=order_id).exclude(status=FulfillmentOrder.Status.CANCELLED)
    rows = list(
        Shipment.objects.filter(fulfillment_order__in=live)
        .exclude(status=Shipment.Status.CANCELLED)
        .values_list("status", "delivered_at")
    )
    statuses = [status for status, _ in rows]
    delivered_at = [at for _, at in rows if at is not None]
    handed = sum(status in HANDED_OVER_STATUSES for status in statuses)
    waiting = handed < len(statuses) or (
        live.exclude(shipments__status__in=HANDED_OVER_STATUSES).exists()
        or Backorder.objects.filter(order_line__order_id=order_id, allocated_at__isnull=True).exists()
    )
    return ShippingProgress(
        shipments=len(statuses),
        handed_over=handed,
        delivered=statuses.count(Shipment.Status.DELIVERED),
        waiting=waiting,
        last_delivered_at=max(delivered_at, default=None),
    )


# --- returns ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveredUnits:
    quantity: int
    delivered_at: datetime | None  # the latest delivery of units of the line


def delivered_units(*, order_id: int) -> dict[int, DeliveredUnits]:
    """Per order line id: units in delivered shipments and when they arrived, one query."""
    rows = (
        Allocation.objects.filter(
            fulfillment_order__order_id=order_id,
            consumed_at__isnull=False,
            fulfillment_order__shipments__status=Shipment.Status.DELIVERED,
        )
        .values("order_line_id", "pk", "quantity")
        .annotate(delivered_at=Max("fulfillment_order__shipments__delivered_at"))
    )
    units: dict[int, list] = {}
    for row in rows:  # one row per allocation (grouped by its pk: several delivered shipments count once)
        quantity, at = units.get(row["order_line_id"], (0, None))
        latest = max(filter(None, (at, row["delivered_at"])), default=None)
        units[row["order_line_id"]] = (quantity + row["quantity"], latest)
    return {line_id: DeliveredUnits(quantity, at) for line_id, (quantity, at) in units.items()}


def returns_centre_for(*, country: str, postal_code: str = "") -> Warehouse | None:
    """The nearest active returns centre (one in the shopper's country first); a fulfillment centre if none."""
    for kind in (Warehouse.Kind.RETURNS_CENTRE, Warehouse.Kind.FULFILLMENT_CENTRE):
        centres = list(Warehouse.objects.filter(kind=kind, is_active=True))
        if centres:
            return min(
                centres,
                key=lambda w: (distance(w.country, w.postal_code, country, postal_code), -w.priority, w.pk),
            )
    return None


def inbound_returns(*, return_ids: list[int]) -> dict[int, InboundReturn]:
    """Fulfillment's side of the shop's returns: status, label, timeline and carrier names, three queries."""
    rows = list(
        InboundReturn.objects.filter(pk__in=return_ids)
        .select_related("warehouse", *(f"shipment__{path}" for path in _CONSOLIDATED))
        .prefetch_related(
            Prefetch(
                "shipment__labels",
                ShippingLabel.objects.filter(voided_at__isnull=True),
                to_attr="live_labels",
            ),
            Prefetch(
                "shipment__tracking_events",
                TrackingEvent.objects.order_by("occurred_at", "id"),
                to_attr="events_in_order",
            ),
        )
    )
    shipments = [row.shipment for row in rows if row.shipment is not None]
    _with_display_names(shipments)
    for row in rows:
        row.live_label = row.shipment.live_labels[0] if row.shipment is not None and row.shipment.live_labels else None
    return {row.pk: row for row in rows}


def return_label(*, return_id: int) -> ShippingLabel | None:
    """The live label of a return's own shipment, if one was bought."""
    return (
        ShippingLabel.objects.filter(
            shipment__inbound_return__pk=return_id,
            shipment__direction=Shipment.Direction.RETURN,
            voided_at__isnull=True,
        )
        .order_by("-pk")
        .first()
    )


def returns_work_queue() -> dict[str, QuerySet]:
    """The returns centres' queues: to receive (expected or on the way), to inspect (received)."""
    base = InboundReturn.objects.select_related("warehouse", "shipment", "order").order_by("created_at", "pk")
    return {
        "to_receive": base.filter(status__in=(InboundReturn.Status.EXPECTED, InboundReturn.Status.IN_TRANSIT)),
        "to_inspect": base.filter(status=InboundReturn.Status.RECEIVED),
    }


def held_at_customs() -> QuerySet[Shipment]:
    """Shipments held at import customs, oldest hold first, with why and since when, and their declarations.

    Each row carries `hold_reason` and `held_since` (its last `customs_held` event), its order and warehouse,
    and `live_customs_documents` (the declarations of its live labels, newest first): one query for the rows
    and one for the documents, however many are held.
    """
    last_hold = TrackingEvent.objects.filter(
        shipment_id=OuterRef("pk"), status=TrackingEvent.Status.CUSTOMS_HELD
    ).order_by("-occurred_at", "-id")
    return (
        Shipment.objects.filter(status=Shipment.Status.CUSTOMS_HOLD)
        .select_related("fulfillment_order__order", "fulfillment_order__warehouse")
        .annotate(
            hold_reason=Subquery(last_hold.values("customs_reason")[:1]),
            held_since=Subquery(last_hold.values("occurred_at")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "customs_documents",
                CustomsDocument.objects.filter(label__voided_at__isnull=True).defer("record"),
                to_attr="live_customs_documents",
            )
        )
        .order_by(F("held_since").asc(nulls_first=True), "pk")
    )


@dataclass(frozen=True)
class ShipmentLabelCost:
    """What the live label of an outbound shipment cost, and the units of each order line it carried."""

    order_id: int
    shipment_id: int
    tracking_number: str
    amount: Decimal
    currency: str
    units_by_order_line: dict[int, int]


def shipment_label_cost(*, shipment_id: int) -> ShipmentLabelCost | None:
    """The live label of a shipment with the order lines it carries (for the shop's ledger); None without one."""
    shipment = Shipment.objects.select_related("fulfillment_order").filter(pk=shipment_id).first()
    label = ShippingLabel.objects.filter(shipment_id=shipment_id, voided_at__isnull=True).order_by("-pk").first()
    if shipment is None or label is None:
        return None
    units: dict[int, int] = {}
    for line_id, quantity in Allocation.objects.filter(fulfillment_order_id=shipment.fulfillment_order_id).values_list(
        "order_line_id", "quantity"
    ):
        units[line_id] = units.get(line_id, 0) + quantity
    return ShipmentLabelCost(
        order_id=shipment.fulfillment_order.order_id,
        shipment_id=shipment.pk,
        tracking_number=label.tracking_number,
        amount=label.amount,
        currency=label.currency,
        units_by_order_line=units,
    )


@dataclass(frozen=True)
class LineFulfillment:
    """How far a shop order line's units got: held for it in a warehouse, shipped, delivered."""

    allocated: int
    shipped: int
    delivered: int


def fulfillment_of_lines(*, order_line_ids: Iterable[int]) -> dict[int, LineFulfillment]:
    """Per order line id (lines with no allocation are left out): units allocated, shipped, delivered; 2 queries."""
    rows = list(
        Allocation.objects.filter(order_line_id__in=list(order_line_ids)).values(
            "order_line_id", "quantity", "consumed_at", "fulfillment_order_id"
        )
    )
    delivered_orders = set(
        Shipment.objects.filter(
            fulfillment_order_id__in={row["fulfillment_order_id"] for row in rows}, status=Shipment.Status.DELIVERED
        ).values_list("fulfillment_order_id", flat=True)
    )
    totals: dict[int, list[int]] = {}
    for row in rows:
        allocated, shipped, delivered = totals.setdefault(row["order_line_id"], [0, 0, 0])
        shipped_now = row["quantity"] if row["consumed_at"] else 0
        delivered_now = shipped_now if row["fulfillment_order_id"] in delivered_orders else 0
        totals[row["order_line_id"]] = [allocated + row["quantity"], shipped + shipped_now, delivered + delivered_now]
    return {line_id: LineFulfillment(*values) for line_id, values in totals.items()}
