"""Fulfillment's reactions to its own facts: work a change starts after it is saved (marketplace.outbox).

Each handler is idempotent by itself, so it runs outside the outbox's transaction (a carrier call must
never hold one open).
"""

import logging
from typing import Any

from fulfillment import events
from fulfillment.services.fulfillment_orders import allocate_backorders
from fulfillment.services.labels import LabelError, buy_label

logger = logging.getLogger(__name__)
Payload = dict[str, Any]


@events.stock_arrived.handler("fulfillment.allocate_backorders", queue="allocation", atomic=False)
def allocate_arrived_backorders(payload: Payload) -> None:
    allocate_backorders(variant_ids=[payload["variant_id"]])


@events.shipment_packed.handler("fulfillment.buy_label", queue="labels", atomic=False)
def buy_packed_shipments_label(payload: Payload) -> None:
    """The label of a packed shipment; one it already has is kept. A carrier that is down is tried again."""
    try:
        buy_label(shipment_id=payload["shipment_id"])
    except LabelError as error:  # final: retrying would not change the answer; staff see it in the work queues
        logger.warning("No label for shipment %s: %s", payload["shipment_id"], error.message)
