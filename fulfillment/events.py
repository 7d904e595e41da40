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
return_label_ready = Event(
    "fulfillment.return_label_ready", doc="return_id, order_id, tracking_number, carrier, service (label bought)"
)
return_in_transit = Event("fulfillment.return_in_transit", doc="return_id, order_id, tracking_number (first scan)")
return_arrived = Event("fulfillment.return_arrived", doc="return_id, order_id: the carrier delivered it to the centre")
return_received = Event("fulfillment.return_received", doc="return_id, order_id, warehouse: staff scanned it in")
return_inspected = Event(
    "fulfillment.return_inspected",
    doc="return_id, order_id, lines: [{line_id, order_line_id, restocked, refurbished, written_off, missing}], "
    "mismatch_note",
)
shipment_held_at_customs = Event(
    "fulfillment.shipment_held_at_customs", doc="order_id, shipment_id, tracking_number, reason (in words)"
)
shipment_cleared_customs = Event("fulfillment.shipment_cleared_customs", doc="order_id, shipment_id, tracking_number")
shipment_duties_due = Event(
    "fulfillment.shipment_duties_due", doc="order_id, shipment_id, tracking_number, description (DAP: pay at the door)"
)
inbound_shipment_received = Event(
    "fulfillment.inbound_shipment_received",
    doc="shipment_id, number, seller_id, warehouse, discrepancies: [{sku, expected, received, damaged, short, over}]",
)
shipment_rolled_to_next_departure = Event(
    "fulfillment.shipment_rolled_to_next_departure",
    doc="order_id, shipment_id, tracking_number, hub, lane, cutoff_at (ISO, UTC): it missed a departure's cut-off",
)
shipment_pulled_from_consolidation = Event(
    "fulfillment.shipment_pulled_from_consolidation",
    doc="order_id, shipment_id, tracking_number, awb: held at import customs, taken out of its master to clear alone",
)
