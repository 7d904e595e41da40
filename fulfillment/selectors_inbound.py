"""Reads about inbound stock (ASNs) shaped for the seller's dashboard and API and for staff."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from fulfillment.models import InboundShipment, InboundShipmentLine, Warehouse

S = InboundShipment.Status


def receiving_warehouses() -> list[Warehouse]:
    """Where sellers may send stock: our own active fulfillment centres."""
    return list(
        Warehouse.objects.filter(
            kind=Warehouse.Kind.FULFILLMENT_CENTRE, is_active=True, operator=Warehouse.Operator.NETWORK
        ).order_by("code")
    )


def seller_inbound_shipments(*, seller_id: int) -> QuerySet[InboundShipment]:
    """A seller's announced shipments, newest first, with their lines and unit totals (fixed query count)."""
    return (
        InboundShipment.objects.filter(seller_id=seller_id)
        .select_related("warehouse")
        .prefetch_related(Prefetch("lines", InboundShipmentLine.objects.order_by("pk")))
        .annotate(units_expected=Sum("lines__quantity_expected"), line_count=Count("lines"))
        .order_by("-created_at", "-id")
    )


def seller_inbound_shipment(*, seller_id: int, shipment_id: int) -> InboundShipment | None:
    """One of the seller's shipments with its lines, or None (another seller's answers None too)."""
    return seller_inbound_shipments(seller_id=seller_id).filter(pk=shipment_id).first()


def closes_to_send_again(*, older_than: dt.timedelta) -> list[tuple[int, int | None]]:
    """(shipment id, who asked) of receipts whose close was asked for but never finished (a worker killed)."""
    return list(
        InboundShipment.objects.filter(
            close_requested_at__lte=timezone.now() - older_than, status__in=(S.ANNOUNCED, S.RECEIVING)
        )
        .order_by("pk")
        .values_list("pk", "close_requested_by_id")
    )


def seller_stock_warehouses(*, seller_id: int) -> list[Warehouse]:
    """The stock columns a seller sees: our active fulfillment centres and the seller's own, by code.

    Another seller's own warehouse is left out. Only the seller's own are counted by the seller
    (`Warehouse.counted_by_seller`); ours are counted by staff as shipments are received.
    """
    return list(
        Warehouse.objects.filter(kind=Warehouse.Kind.FULFILLMENT_CENTRE, is_active=True)
        .filter(Q(operator=Warehouse.Operator.NETWORK) | Q(operator_seller_id=seller_id))
        .order_by("code")
    )
