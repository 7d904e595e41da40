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
    K.MISSED_DEPARTURE: (
        "Parcel {tracking_number} missed its flight's cut-off at {hub}; it leaves with the next departure "
        "(cut-off {cutoff})."
    ),
    K.PULLED_FROM_CONSOLIDATION: (
        "Parcel {tracking_number} was taken out of consignment {awb} to be cleared by customs on its own."
    ),
    K.RETURN_REQUESTED: "Return {return} requested: {units} unit(s), {reason_lower}.",
    K.RETURN_APPROVED: "Return {return} approved: send it back with the free label.",
    K.RETURN_REJECTED: "Return {return} not accepted.",
    K.RETURN_LABEL_READY: "Return {return}: the free label is ready (tracking number {tracking}).",
    K.RETURN_IN_TRANSIT: "Return {return} is on its way back.",
    K.RETURN_RECEIVED: "Return {return} arrived at our returns centre.",
    K.RETURN_INSPECTED: "Return {return} inspected: {accepted} unit(s) accepted.",
    K.RETURN_REFUNDED_WITHOUT_RETURN: "Return {return} refunded: keep the item, no need to send it back.",
    K.RETURN_EXPIRED: "Return {return} expired: it was not sent by its date.",
    K.RETURN_REMINDER: "Return {return}: reminder sent, the label is not used yet.",
    K.RETURNS_PROGRESS: "{units} returned unit(s) accepted so far.",
    K.EMAIL_SENT: "{email_label}: email sent.",
    K.NOTE: "",
}
# Said after the sentence when the event carries it (a staff reason, Stripe's words).
DETAILS = ("why_detail", "reason", "note", "text")
# A return's steps: their parameters are said inside the sentence (see _return_words), not after it.
RETURN_KINDS = frozenset(
    {
        K.RETURN_REQUESTED,
        K.RETURN_APPROVED,
        K.RETURN_REJECTED,
        K.RETURN_LABEL_READY,
        K.RETURN_IN_TRANSIT,
        K.RETURN_RECEIVED,
        K.RETURN_INSPECTED,
        K.RETURN_REFUNDED_WITHOUT_RETURN,
        K.RETURN_EXPIRED,
        K.RETURN_REMINDER,
        K.RETURNS_PROGRESS,
    }
)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def describe(event: OrderEvent) -> str:
    """One event in plain words."""
    params: dict[str, Any] = event.params or {}
    if event.kind in RETURN_KINDS:
        return _return_words(event.kind, params)
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


def _return_words(kind: str, params: dict[str, Any]) -> str:
    """A return's step: the tracking number, the units missing and staff's message belong to the sentence."""
    words = _Blank(params, reason_lower=str(params.get("reason", "")).lower())
    sentence = SENTENCES[kind].format_map(words)
    tracking, missing = params.get("tracking"), params.get("missing")
    if kind == K.RETURN_LABEL_READY and not tracking:
        sentence = sentence.replace(" (tracking number )", "")
    if kind == K.RETURN_IN_TRANSIT and tracking:  # returned to sender: the outbound parcel's number
        sentence = sentence.removesuffix(".") + f" (tracking number {tracking})."
    if kind == K.RETURN_INSPECTED and missing:
        sentence = sentence.removesuffix(".") + f", {missing} missing."
    note, message = str(params.get("note") or "").strip(), str(params.get("message") or "").strip()
    if kind == K.RETURN_INSPECTED and note:  # what did not match, in the inspector's words
        sentence = sentence.removesuffix(".") + f" ({note.rstrip('.')})."
    if kind in (K.RETURN_REJECTED, K.RETURN_REFUNDED_WITHOUT_RETURN) and message:  # staff's words to the shopper
        sentence = sentence.removesuffix(".") + f": {message}"
    return sentence


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    status: str
    text: str


def _entry(event: OrderEvent) -> TimelineEntry:
    labels = dict(Order.Status.choices)
    return TimelineEntry(at=event.created_at, status=labels.get(event.to_status, event.to_status), text=describe(event))


def timeline(order: Order) -> list[TimelineEntry]:
    """The order's events in the shopper's words, oldest first (uses the prefetched `events`)."""
    return [_entry(event) for event in order.events.all()]


def return_timelines(order: Order, *, numbers: dict[int, str]) -> dict[str, list[TimelineEntry]]:
    """Each return's own lines of the order's timeline, by return number (`numbers`: return id -> number).

    A step names its return by number (params["return"]); an email about a return names it by id.
    Uses the prefetched `events`, oldest first.
    """
    found: dict[str, list[TimelineEntry]] = {number: [] for number in numbers.values()}
    for event in order.events.all():
        params = event.params or {}
        number = params.get("return")
        if event.kind == K.EMAIL_SENT and str(params.get("email", "")).startswith("return"):
            about = params.get("about")
            number = numbers.get(about) if isinstance(about, int) else None
        if number in found:
            found[number].append(_entry(event))
    return found
