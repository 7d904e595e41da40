"""The order's timeline in words: each OrderEvent kind rendered from its parameters (shopper, API and admin)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shop.models import Order, OrderEvent

K = OrderEvent.Kind
# Each kind's sentence; parameters fill the braces. A missing parameter renders as empty, never fails a page.
SENTENCES: dict[str, str] = {
    K.PLACED: "Order placed.",
    K.PAID: "Paid {amount} {currency} through Stripe (attempt {attempt}).",
    K.PAYMENT_SUBMITTED: "Payment submitted; waiting for the bank to confirm it.",
    K.PAYMENT_RECEIVED_ON_HOLD: "Payment {attempt} of {amount} {currency} received while on hold.",
    K.PAYMENT_RECEIVED_UNWANTED: "Payment {attempt} of {amount} {currency} received but {why}.",
    K.AMOUNT_MISMATCH: "Amount paid ({amount} {currency}) differs from the order total ({total} {order_currency}).",
    K.PAID_AFTER_SOLD_OUT: (
        "Paid {amount} {currency} after the reservation ran out, and the stock is gone: refunding in full."
    ),
    K.STOCK_NOT_RESERVED: "The stock of this order is no longer reserved.",
    K.RELEASED_FROM_HOLD: "Released from hold by staff.",
    K.CANCELLED: "Cancelled.",
    K.REFUNDED: "Refunded {amount} {currency}.",
    K.REFUND_FAILED: "Refund of {amount} {currency} failed.",
    K.SHIPPING_PROGRESS: "Derived from shipments handed to the carrier.",
    K.FULFILLMENT_HELD: "Fulfillment order {fulfillment_order_id} at {warehouse} held: {reason_label}.",
    K.FULFILLMENT_RELEASED: "Fulfillment order {fulfillment_order_id} at {warehouse} released.",
    K.FULFILLMENT_MOVED: "Moved from {from_warehouse} to {warehouse} (fulfillment order {fulfillment_order_id}).",
    K.BACKORDER_ALLOCATED: "{units} backordered unit(s) allocated as stock arrived.",
    K.CUSTOMS_HELD: "Parcel {tracking_number} is held at import customs; we are on it. Why:",
    K.CUSTOMS_CLEARED: "Parcel {tracking_number} was released by customs.",
    K.DUTIES_DUE: "Parcel {tracking_number}: import charges are to be paid to the carrier on delivery.",
    K.EMAIL_SENT: "{email_label}: email sent.",
    K.NOTE: "",
}
# Said after the sentence when the event carries it (a staff reason, Stripe's words).
DETAILS = ("why_detail", "reason", "note", "text")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def describe(event: OrderEvent) -> str:
    """One event in plain words."""
    params: dict[str, Any] = event.params or {}
    sentence = SENTENCES.get(event.kind, "").format_map(_Blank(params))
    if event.kind == K.FULFILLMENT_HELD and params.get("note"):
        return sentence.removesuffix(".") + f" ({params['note']})."
    if event.kind == K.BACKORDER_ALLOCATED and params.get("still_awaited"):
        sentence = sentence.removesuffix(".") + "; more are still awaited."
    if event.kind == K.REFUND_FAILED and params.get("later"):
        sentence = sentence.replace(" failed.", " failed later.")
    extra = " ".join(str(params[key]).strip() for key in DETAILS if params.get(key))
    if extra and event.kind in (K.CANCELLED, K.RELEASED_FROM_HOLD):  # staff's own words replace the default
        return extra
    if extra and event.kind == K.REFUNDED:
        return sentence.removesuffix(".") + f": {extra}"
    return " ".join(part for part in (sentence, extra) if part)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    status: str
    text: str


def timeline(order: Order) -> list[TimelineEntry]:
    """The order's events in the shopper's words, oldest first (uses the prefetched `events`)."""
    labels = dict(Order.Status.choices)
    return [
        TimelineEntry(at=event.created_at, status=labels.get(event.to_status, event.to_status), text=describe(event))
        for event in order.events.all()
    ]
