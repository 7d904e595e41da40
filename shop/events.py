"""Facts the shop announces (marketplace.outbox): written in the transaction of the change, handled after commit.

Handlers live in the reacting app's receivers.py (shop's own, and creators').
"""

from marketplace.outbox import Event

order_paid = Event(
    "shop.order_paid",
    doc="order_id, number, fulfillment (fulfillment.requests.FulfillmentRequest.as_payload(): what was paid for)",
)
order_refunded = Event("shop.order_refunded", doc="order_id, number, refund_id, fully_refunded")
order_cancelled = Event("shop.order_cancelled", doc="order_id, number")
refund_requested = Event("shop.refund_requested", doc="refund_id: a pending refund to send to Stripe")
stripe_event_ready = Event(
    "shop.stripe_event_ready", doc="event_pk: a stored Stripe event that waited for its payment, to apply now"
)
product_image_uploaded = Event("shop.product_image_uploaded", doc="image_id: its renditions are to be made")
return_requested = Event(
    "shop.return_requested", doc="return_id, order_id, in_review: a shopper asked to send units back"
)
return_approved = Event(
    "shop.return_approved",
    doc="return_id, order_id, receive (fulfillment.requests.ReturnRequestToReceive.as_payload()): bring it back",
)
return_closed = Event("shop.return_closed", doc="return_id, order_id, status (completed, rejected, expired, kept)")
return_reminder_due = Event("shop.return_reminder_due", doc="return_id, order_id: the label is still unused")
customs_data_changed = Event(
    "shop.customs_data_changed",
    doc="variant_ids: their customs data (variant or product) changed; fulfillment's copy of lines to ship follows",
)
