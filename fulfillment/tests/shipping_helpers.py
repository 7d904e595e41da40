"""Packed and labelled shipments for the label, tracking and page tests, built straight from the models.

The packing services belong to another piece of work; these tests only need the state it leaves.
"""

import datetime as dt
import hashlib
import hmac
import json

from fulfillment.models import FulfillmentOrder, Parcel, Shipment
from fulfillment.services.labels import buy_label
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.orders import ShippingAddress
from shop.tests.factories import VariantFactory, paid_order

LONDON = ShippingAddress(name="John Smith", line1="1 High St", city="London", country="GB", postal_code="SW1A 1AA")
NEW_YORK = ShippingAddress(
    name="Ada Lovelace", line1="1 Main St", city="New York", country="US", postal_code="10118", phone="+1 212 555 0100"
)
# Scans come after the label is bought (now), however long the test run takes: a week after it starts.
T0 = dt.datetime.now(tz=dt.UTC).replace(microsecond=0) + dt.timedelta(days=7)


def packed_shipment(*, parcels: int = 1, address: ShippingAddress = NEW_YORK, warehouse=None, user=None) -> Shipment:
    """A paid, allocated order whose only fulfillment order has one packed shipment of `parcels` parcels."""
    variant = VariantFactory()
    warehouse = warehouse or WarehouseFactory(city="Newark", postal_code="07102", country="US")
    stock_of(variant, warehouse, quantity=10)
    order = paid_order((variant, 2), address=address, user=user, email=user.email if user else "ada@example.com")
    send_to_fulfillment(order_id=order.pk)
    fulfillment_order = FulfillmentOrder.objects.get(order_id=order.pk)
    fulfillment_order.status = FulfillmentOrder.Status.IN_PROGRESS
    fulfillment_order.save(update_fields=["status"])
    shipment = Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.PACKED)
    for sequence in range(1, parcels + 1):
        Parcel.objects.create(
            shipment=shipment, sequence=sequence, weight_grams=800, length_mm=300, width_mm=200, height_mm=100
        )
    return shipment


def labelled_shipment(**kwargs) -> Shipment:
    shipment = packed_shipment(**kwargs)
    buy_label(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    return shipment


def signed_post(client, carrier: str, body, secret: str, *, timestamp: int | None = None, tamper: bool = False):
    """POST a body to the carrier webhook with a real Carrier-Signature header."""
    import time

    raw = json.dumps(body, default=str).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    if tamper:
        raw = raw.replace(b"delivered", b"returned_to_sender")
    return client.post(
        f"/carriers/webhook/{carrier}/",
        data=raw,
        content_type="application/json",
        headers={"Carrier-Signature": f"t={ts},v1={digest}"},
    )
