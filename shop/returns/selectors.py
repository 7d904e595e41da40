"""Reads for the shopper's returns (order page, request page, API): each return with what fulfillment knows of it.

A constant number of queries whatever the number of returns and lines: the returns with their lines and
refund (two), fulfillment's side of all of them at once (three, only when there are returns), and what
can still be returned (four, only once something may have been delivered). Timelines come from the
order's prefetched events.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch
from django.urls import reverse

from fulfillment.carriers.labels import drop_off_qr_svg
from fulfillment.models import InboundReturn, Shipment
from fulfillment.selectors import inbound_returns
from shop.checkout.links import signed_for_guest
from shop.models import Order, Refund, ReturnLine, ReturnRequest
from shop.order_timeline import TimelineEntry, return_timelines
from shop.services.returns import ReturnableLine, returnable_lines

S = ReturnRequest.Status
# Orders whose lines may have arrived: only these are asked what can be returned.
AFTER_DELIVERY = (
    Order.Status.PARTIALLY_DELIVERED,
    Order.Status.DELIVERED,
    Order.Status.PARTIALLY_RETURNED,
    Order.Status.RETURNED,
)
REFUND_WORDS = {
    Refund.Status.PENDING: "on its way to your card",
    Refund.Status.SUCCEEDED: "refunded to your card",
    Refund.Status.FAILED: "failed; our team is on it",
}
REFUND_WHEN = {
    ReturnRequest.RefundAt.INSPECTION: "once we have received and checked it",
    ReturnRequest.RefundAt.FIRST_SCAN: "as soon as the carrier scans your parcel",
}


@dataclass(frozen=True)
class ShopperReturn:
    """One return as its shopper sees it: lines, refund, its own timeline, and the parcel's label and scans."""

    ret: ReturnRequest
    lines: list[ReturnLine]
    timeline: list[TimelineEntry]
    inbound: InboundReturn | None  # with .shipment (its timeline and carrier names) and .live_label
    label_path: str  # the label page (signed for a guest); shown only while a live label exists

    @property
    def number(self) -> str:
        return self.ret.number

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def shipment(self) -> Shipment | None:
        return self.inbound.shipment if self.inbound is not None else None

    @property
    def tracking_number(self) -> str:
        return self.shipment.tracking_number if self.shipment is not None else ""

    @property
    def has_label(self) -> bool:
        return self.ret.status == S.APPROVED and self.inbound is not None and self.inbound.live_label is not None

    @property
    def drop_off_code(self) -> str:
        """The code a drop-off point scans, while the parcel is still to be sent."""
        if self.ret.status != S.APPROVED or self.inbound is None:
            return ""
        return self.inbound.drop_off_code

    @property
    def qr_svg(self) -> str:
        """The drop-off code as inline SVG (segno's own markup: no script, no style attribute)."""
        return drop_off_qr_svg(self.drop_off_code, scale=6) if self.drop_off_code else ""

    @property
    def refund_words(self) -> str:
        refund = self.ret.refund
        return REFUND_WORDS.get(refund.status, refund.get_status_display()) if refund is not None else ""

    @property
    def refund_when(self) -> str:
        """When the money moves, for a return still open and not refunded yet."""
        if self.ret.refund is not None or not self.ret.is_open:
            return ""
        return REFUND_WHEN.get(self.ret.refund_at, "")

    @property
    def ship_by(self) -> datetime | None:
        return self.ret.ship_by if self.ret.status == S.APPROVED else None


@dataclass(frozen=True)
class ReturnsSection:
    """The order page's Returns section: what can still be returned (and why not), and every return."""

    rows: list[ReturnableLine]
    returns: list[ShopperReturn]

    @property
    def can_return(self) -> bool:
        return any(row.returnable for row in self.rows)

    @property
    def not_returnable(self) -> list[ReturnableLine]:
        return [row for row in self.rows if not row.returnable]

    @property
    def shown(self) -> bool:
        return bool(self.rows or self.returns)


def returns_of(*, order: Order) -> list[ReturnRequest]:
    """The order's returns, newest first, with their lines (and ordered lines), refund and photo count: two queries."""
    return list(
        ReturnRequest.objects.filter(order=order)
        .select_related("refund")
        .annotate(photo_count=Count("photos"))
        .prefetch_related(Prefetch("lines", ReturnLine.objects.select_related("order_line")))
        .order_by("-created_at", "-id")
    )


def shopper_returns(*, order: Order, returns: list[ReturnRequest]) -> list[ShopperReturn]:
    """Each return with its timeline (from the order's prefetched events) and fulfillment's side: three queries."""
    if not returns:
        return []
    inbound = inbound_returns(return_ids=[ret.pk for ret in returns])
    timelines = return_timelines(order, numbers={ret.pk: ret.number for ret in returns})
    return [
        ShopperReturn(
            ret=ret,
            lines=list(ret.lines.all()),
            timeline=timelines[ret.number],
            inbound=inbound.get(ret.pk),
            label_path=signed_for_guest(
                order, reverse("order-return-label", kwargs={"number": order.number, "return_number": ret.number})
            ),
        )
        for ret in returns
    ]


def returns_section(*, order: Order) -> ReturnsSection:
    """What the order page shows under Returns (an order not delivered yet and without returns shows nothing)."""
    rows = returnable_lines(order=order) if order.status in AFTER_DELIVERY else []
    return ReturnsSection(rows=rows, returns=shopper_returns(order=order, returns=returns_of(order=order)))
