"""Facts fulfillment announces (marketplace.outbox): the shop derives the order's status, timeline and emails.

Every payload carries `order_id` (the shop's order id); shipment facts also `shipment_id`.
"""

from marketplace.outbox import Event

fulfillment_order_held = Event(
    "fulfillment.fulfillment_order_held",
    doc="order_id, fulfillment_order_id, warehouse, by_id, reason, reason_label, note",
)
fulfillment_order_released = Event(
    "fulfillment.fulfillment_order_released", doc="order_id, fulfillment_order_id, warehouse, by_id, note"
)
fulfillment_order_moved = Event(
    "fulfillment.fulfillment_order_moved",
    doc="order_id, fulfillment_order_id, warehouse (the new one), from_warehouse, by_id, reason",
)
backorder_allocated = Event("fulfillment.backorder_allocated", doc="order_id, units, still_awaited")
stock_arrived = Event("fulfillment.stock_arrived", doc="variant_id: units arrived while lines of it wait (backorders)")
shipment_packed = Event("fulfillment.shipment_packed", doc="shipment_id: its label is bought next (queue `labels`)")
shipment_handed_over = Event(
    "fulfillment.shipment_handed_over", doc="order_id, shipment_id, tracking_number, carrier, service"
)
shipment_delivered = Event("fulfillment.shipment_delivered", doc="order_id, shipment_id, tracking_number")
shipment_failed = Event("fulfillment.shipment_failed", doc="order_id, shipment_id, tracking_number (an exception)")
shipment_returned_to_sender = Event(
    "fulfillment.shipment_returned_to_sender", doc="order_id, shipment_id, tracking_number"
)
shipment_cancelled = Event("fulfillment.shipment_cancelled", doc="order_id, shipment_id")
