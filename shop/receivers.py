"""The shop's reactions to facts (its own and fulfillment's); each handler is idempotent and does one thing.

Registered with marketplace.outbox: each runs as its own Celery task after the fact commits, once per
fact, and again later if it fails. The queue says which workers run it.
"""

import datetime as dt
import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from fulfillment import events as fulfillment_events
from fulfillment.requests import FulfillmentRequest, ReturnRequestToReceive
from fulfillment.selectors import return_label, shipment_label_cost
from fulfillment.services.allocation import allocate_order
from fulfillment.services.returns import buy_return_label, expect_return
from shop import events
from shop.models import Order, OrderEvent, ProductImage, Refund, ReturnRequest, SentEmail
from shop.services import payments, returns, seller_transfers
from shop.services.cart import merge_session_cart
from shop.services.images import make_renditions
from shop.services.inbound_emails import send_inbound_received_email
from shop.services.ledger_postings import post_label_purchase, post_return_label
from shop.services.notifications import send_order_email
from shop.services.order_fulfillment import send_customs_data, stop_fulfillment_of, sync_order_status
from shop.services.orders import record_order_event

logger = logging.getLogger(__name__)
K = OrderEvent.Kind
Payload = dict[str, Any]


@receiver(user_logged_in, dispatch_uid="shop.merge_cart_at_login")
def merge_cart_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        merge_session_cart(request=request, user=user)


# --- the shop's own facts -------------------------------------------------------------------------


@events.order_paid.handler("shop.send_order_confirmation")
def confirm_paid_order(payload: Payload) -> None:
    # The handler's transaction (outbox.handle) rolls back whole on an error: no savepoint needed.
    send_order_email(order_id=payload["order_id"], kind=SentEmail.Kind.CONFIRMATION, savepoint=False)


@events.order_paid.handler("shop.request_fulfillment", queue="allocation", atomic=False)
def request_fulfillment(payload: Payload) -> None:
    """Hand fulfillment the lines and address that were paid for (the fact's snapshot).

    Idempotent by itself (fulfillment's copy is keyed by the order), so it runs in its own transaction.
    """
    allocate_order(request=FulfillmentRequest.from_payload(payload["fulfillment"]))


@events.order_cancelled.handler("shop.stop_fulfillment", queue="allocation")
def stop_fulfillment_of_cancelled_order(payload: Payload) -> None:
    stop_fulfillment_of(order_id=payload["order_id"], number=payload["number"])


@events.order_refunded.handler("shop.stop_fulfillment", queue="allocation")
def stop_fulfillment_of_refunded_order(payload: Payload) -> None:
    if payload.get("fully_refunded"):  # a partial refund: the order still ships
        stop_fulfillment_of(order_id=payload["order_id"], number=payload["number"])


@events.order_refunded.handler("shop.reverse_seller_transfers", atomic=False)
def reverse_seller_transfers(payload: Payload) -> None:
    """A refund after a seller was paid takes back what they now owe on the order (Stripe calls: not atomic)."""
    seller_transfers.reverse_for_refund(order_id=payload["order_id"])


@events.order_refunded.handler("shop.automatic_refund_email")
def email_automatic_refund(payload: Payload) -> None:
    """The shopper is told when the shop refunded a payment on its own or for a return (not on staff's request)."""
    refund = Refund.objects.filter(pk=payload["refund_id"]).only("reason", "idempotency_key").first()
    if refund is None:
        return
    if refund.reason.startswith(payments.AUTOMATIC_REFUND):
        send_order_email(order_id=payload["order_id"], kind=SentEmail.Kind.AUTOMATIC_REFUND, refund_id=refund.pk)
    elif refund.idempotency_key.startswith("return:"):
        send_order_email(
            order_id=payload["order_id"],
            kind=SentEmail.Kind.RETURN_REFUNDED,
            return_id=int(refund.idempotency_key.removeprefix("return:")),
        )


@events.refund_requested.handler("shop.submit_refund", atomic=False)
def submit_refund(payload: Payload) -> None:
    """Send a pending refund to Stripe; its idempotency key makes a repeat harmless (a network call: no transaction)."""
    refund = Refund.objects.filter(pk=payload["refund_id"]).first()
    if refund is None:
        return
    try:
        payments.submit_refund(refund=refund)
    except payments.RefundFailed as error:  # final: marked failed on the order; staff see it
        logger.error("Refund %s refused by Stripe: %s", refund.pk, error.message)


@events.stripe_event_ready.handler("shop.apply_stripe_event", atomic=False)
def apply_stripe_event(payload: Payload) -> None:
    """A Stripe event that waited for its payment: applied once (its effect and mark commit together)."""
    payments.process_event(event_pk=payload["event_pk"])


@events.customs_data_changed.handler("shop.send_customs_data")
def send_customs_data_to_fulfillment(payload: Payload) -> None:
    """The seller or staff corrected customs data: lines still to ship (perhaps held for it) take it."""
    send_customs_data(variant_ids=payload["variant_ids"])


@events.product_image_uploaded.handler("shop.make_image_renditions", queue="media", atomic=False)
def make_image_renditions(payload: Payload) -> None:
    image = ProductImage.objects.filter(pk=payload["image_id"]).select_related("product").first()
    if image is not None:  # deleted before a worker got to it
        make_renditions(image=image)


# --- fulfillment's facts: the order's timeline, status and emails ---------------------------------


def _note(payload: Payload, kind: str, keys: tuple[str, ...]) -> None:
    record_order_event(
        order=Order.objects.get(pk=payload["order_id"]),
        kind=kind,
        params={key: payload[key] for key in keys if key in payload},
        by_id=payload.get("by_id"),
    )


@fulfillment_events.fulfillment_order_held.handler("shop.timeline")
def fulfillment_order_held(payload: Payload) -> None:
    _note(payload, K.FULFILLMENT_HELD, ("fulfillment_order_id", "warehouse", "reason", "reason_label", "note"))


@fulfillment_events.fulfillment_order_released.handler("shop.timeline")
def fulfillment_order_released(payload: Payload) -> None:
    _note(payload, K.FULFILLMENT_RELEASED, ("fulfillment_order_id", "warehouse", "note"))


@fulfillment_events.fulfillment_order_moved.handler("shop.timeline")
def fulfillment_order_moved(payload: Payload) -> None:
    _note(payload, K.FULFILLMENT_MOVED, ("fulfillment_order_id", "warehouse", "from_warehouse", "reason"))


@fulfillment_events.backorder_allocated.handler("shop.timeline")
def backorder_allocated(payload: Payload) -> None:
    _note(payload, K.BACKORDER_ALLOCATED, ("units", "still_awaited"))


@fulfillment_events.shipment_held_at_customs.handler("shop.timeline")
def shipment_held_at_customs(payload: Payload) -> None:
    _note(payload, K.CUSTOMS_HELD, ("shipment_id", "tracking_number", "reason"))


@fulfillment_events.shipment_cleared_customs.handler("shop.timeline")
def shipment_cleared_customs(payload: Payload) -> None:
    _note(payload, K.CUSTOMS_CLEARED, ("shipment_id", "tracking_number"))


@fulfillment_events.shipment_duties_due.handler("shop.timeline")
def shipment_duties_due(payload: Payload) -> None:
    _note(payload, K.DUTIES_DUE, ("shipment_id", "tracking_number", "description"))


@fulfillment_events.shipment_rolled_to_next_departure.handler("shop.timeline")
def shipment_rolled_to_next_departure(payload: Payload) -> None:
    cutoff = dt.datetime.fromisoformat(payload["cutoff_at"]).strftime("%-d %b %Y, %H:%M UTC")
    record_order_event(
        order=Order.objects.get(pk=payload["order_id"]),
        kind=K.MISSED_DEPARTURE,
        params={"shipment_id": payload["shipment_id"], "tracking_number": payload["tracking_number"],
                "hub": payload["hub"], "cutoff": cutoff},
    )  # fmt: skip


@fulfillment_events.shipment_pulled_from_consolidation.handler("shop.timeline")
def shipment_pulled_from_consolidation(payload: Payload) -> None:
    _note(payload, K.PULLED_FROM_CONSOLIDATION, ("shipment_id", "tracking_number", "awb"))


@fulfillment_events.shipment_handed_over.handler("shop.order_status")
@fulfillment_events.shipment_delivered.handler("shop.order_status")
@fulfillment_events.shipment_failed.handler("shop.order_status")
@fulfillment_events.shipment_returned_to_sender.handler("shop.order_status")
@fulfillment_events.shipment_cancelled.handler("shop.order_status")
def derive_order_status(payload: Payload) -> None:
    sync_order_status(order_id=payload["order_id"])


@fulfillment_events.shipment_handed_over.handler("shop.post_label_cost")
def post_label_cost(payload: Payload) -> None:
    """The label of a shipment that left is a cost to the carrier, charged to the sellers of what it carried."""
    cost = shipment_label_cost(shipment_id=payload["shipment_id"])
    if cost is not None:
        post_label_purchase(cost=cost)


@fulfillment_events.shipment_handed_over.handler("shop.shipped_email")
def email_shipment_shipped(payload: Payload) -> None:
    send_order_email(
        order_id=payload["order_id"], kind=SentEmail.Kind.SHIPMENT_SHIPPED, shipment_id=payload["shipment_id"]
    )


@fulfillment_events.shipment_delivered.handler("shop.delivered_email")
def email_shipment_delivered(payload: Payload) -> None:
    send_order_email(
        order_id=payload["order_id"], kind=SentEmail.Kind.SHIPMENT_DELIVERED, shipment_id=payload["shipment_id"]
    )


# --- returns: the shop's decisions, fulfillment's progress ---------------------------------------


@events.return_approved.handler("shop.bring_return_back", queue="returns", atomic=False)
def bring_return_back(payload: Payload) -> None:
    """Fulfillment expects the parcel and buys its prepaid label (both idempotent: a repeat finds them done)."""
    if not ReturnRequest.objects.filter(pk=payload["return_id"]).exclude(status=ReturnRequest.Status.EXPIRED).exists():
        return
    inbound = expect_return(request=ReturnRequestToReceive.from_payload(payload["receive"]))
    buy_return_label(return_id=inbound.pk)


@events.return_requested.handler("shop.return_requested_email")
def email_return_requested(payload: Payload) -> None:
    if payload.get("in_review"):  # an approved one is told with its label
        send_order_email(
            order_id=payload["order_id"], kind=SentEmail.Kind.RETURN_REQUESTED, return_id=payload["return_id"]
        )


@events.return_closed.handler("shop.return_closed_email")
def email_return_closed(payload: Payload) -> None:
    kind = {
        ReturnRequest.Status.REJECTED: SentEmail.Kind.RETURN_REJECTED,
        ReturnRequest.Status.EXPIRED: SentEmail.Kind.RETURN_EXPIRED,
    }.get(payload["status"])
    if kind is not None:
        send_order_email(order_id=payload["order_id"], kind=kind, return_id=payload["return_id"])


@events.return_reminder_due.handler("shop.return_reminder_email")
def email_return_reminder(payload: Payload) -> None:
    send_order_email(order_id=payload["order_id"], kind=SentEmail.Kind.RETURN_REMINDER, return_id=payload["return_id"])


@fulfillment_events.return_label_ready.handler("shop.return_label_ready", queue="returns")
def return_label_ready(payload: Payload) -> None:
    returns.label_ready(return_id=payload["return_id"], tracking_number=payload["tracking_number"])
    send_order_email(order_id=payload["order_id"], kind=SentEmail.Kind.RETURN_APPROVED, return_id=payload["return_id"])


@fulfillment_events.return_label_ready.handler("shop.post_return_label_cost", queue="returns")
def post_return_label_cost(payload: Payload) -> None:
    """The prepaid return label is a carrier cost; the sellers pay it when the return's cost is theirs."""
    label = return_label(return_id=payload["return_id"])
    return_request = ReturnRequest.objects.filter(pk=payload["return_id"]).first()
    if label is not None and return_request is not None:
        post_return_label(
            return_request=return_request,
            tracking_number=label.tracking_number,
            amount=label.amount,
            currency=label.currency,
        )


@fulfillment_events.return_in_transit.handler("shop.return_in_transit", queue="returns")
def return_in_transit(payload: Payload) -> None:
    returns.return_in_transit(return_id=payload["return_id"])


@fulfillment_events.return_received.handler("shop.return_received", queue="returns")
def return_received(payload: Payload) -> None:
    returns.return_received(return_id=payload["return_id"])
    send_order_email(order_id=payload["order_id"], kind=SentEmail.Kind.RETURN_RECEIVED, return_id=payload["return_id"])


@fulfillment_events.return_inspected.handler("shop.return_inspected", queue="returns")
def return_inspected(payload: Payload) -> None:
    returns.return_inspected(
        return_id=payload["return_id"], lines=payload["lines"], mismatch_note=payload.get("mismatch_note", "")
    )


@fulfillment_events.shipment_returned_to_sender.handler("shop.open_return_to_sender", queue="returns")
def open_return_to_sender(payload: Payload) -> None:
    ret = returns.open_return_to_sender(
        order_id=payload["order_id"],
        shipment_id=payload["shipment_id"],
        warehouse_id=payload.get("warehouse_id"),
        lines=payload.get("lines", []),
        tracking_number=payload.get("tracking_number", ""),
    )
    if ret is not None:
        send_order_email(order_id=payload["order_id"], kind=SentEmail.Kind.RETURNED_TO_SENDER, return_id=ret.pk)


# --- sellers' inbound shipments -------------------------------------------------------------------


@fulfillment_events.inbound_shipment_received.handler("shop.inbound_received_email")
def email_inbound_received(payload: Payload) -> None:
    """The seller hears that their shipment was received, and what differed."""
    send_inbound_received_email(
        seller_id=payload["seller_id"],
        shipment_id=payload["shipment_id"],
        number=payload["number"],
        warehouse=payload["warehouse"],
        discrepancies=payload["discrepancies"],
    )
