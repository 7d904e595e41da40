"""The delivery promise: quoted with dates, kept on the order, compared with the delivery; on-time rates."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.models import FulfillmentOrder, OutboundOrder, Shipment
from fulfillment.services.shipments import hand_over_shipment, set_shipment_status
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Order
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.orders import ShippingAddress
from shop.services.shipping import quote_shipping, shipping_items
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db

MONDAY_9AM = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
PORTLAND = ShippingAddress(
    name="Grace Guest", line1="1 SW Main Street", city="Portland", region="OR", postal_code="97204", country="US"
)


def _tea(warehouse=None):
    tea = VariantFactory()
    stock_of(tea, warehouse or WarehouseFactory(), quantity=5)
    return tea


def _options(variant, *, now=MONDAY_9AM, postal_code="97204"):
    return quote_shipping(
        items=shipping_items([(variant, 1)]),
        country="US",
        postal_code=postal_code,
        subtotal=variant.price,
        currency=variant.currency,
        now=now,
    )


def test_each_method_says_when_it_arrives_from_the_warehouses_cut_off_handling_and_the_carriers_transit():
    # Newark (07102) to Portland (97204) is zone 8: ground 4-7 business days, express 1-2.
    tea = _tea(WarehouseFactory(cutoff_time=dt.time(14, 0), handling_days=1))

    standard, express = sorted(_options(tea), key=lambda option: option.code != "standard")

    # Monday 9:00 is before the cut-off: handled Monday, leaves Tuesday 8 December.
    assert (standard.code, standard.arrives_from, standard.arrives_to) == (
        "standard", dt.date(2026, 12, 14), dt.date(2026, 12, 17),
    )  # fmt: skip
    assert (express.code, express.arrives_from, express.arrives_to) == (
        "express", dt.date(2026, 12, 9), dt.date(2026, 12, 10),
    )  # fmt: skip


def test_after_the_cut_off_or_with_more_handling_the_promise_moves_by_business_days():
    warehouse = WarehouseFactory(cutoff_time=dt.time(8, 0), handling_days=2)
    tea = _tea(warehouse)

    standard = next(option for option in _options(tea) if option.code == "standard")

    # After 8:00: handled from Tuesday, two handling days -> leaves Thursday 10; 4-7 business days after it.
    assert (standard.arrives_from, standard.arrives_to) == (dt.date(2026, 12, 16), dt.date(2026, 12, 21))


def test_the_order_keeps_the_promise_it_was_sold_with_and_fulfillment_gets_it():
    tea = _tea()
    order = paid_order((tea, 1), address=PORTLAND)
    quoted = next(option for option in _options(tea, now=timezone.now()) if option.code == order.shipping_method)

    assert (order.promised_from, order.promised_to) == (quoted.arrives_from, quoted.arrives_to)
    send_to_fulfillment(order_id=order.pk)
    copy = OutboundOrder.objects.get(pk=order.pk)
    assert (copy.promised_from, copy.promised_to) == (order.promised_from, order.promised_to)


def test_the_product_page_shows_the_range_the_order_then_keeps(client):
    tea = _tea()

    page = client.get(tea.product.get_absolute_url()).content.decode()
    order = paid_order((tea, 1), address=PORTLAND)  # zone 8, as the product page assumes without a postal code

    shown = re.search(r'id="product-delivery-range" data-from="([\d-]+)" data-to="([\d-]+)"', page)
    assert shown is not None
    assert (shown[1], shown[2]) == (order.promised_from.isoformat(), order.promised_to.isoformat())
    assert "Arrives" in page


def _hand_over(order: Order) -> Shipment:
    send_to_fulfillment(order_id=order.pk)
    shipment = Shipment.objects.create(
        fulfillment_order=FulfillmentOrder.objects.get(order_id=order.pk),
        status=Shipment.Status.LABELLED,
        tracking_number=f"9400{order.pk:018d}",
        carrier="domestic_ground",
        service="ground",
    )
    hand_over_shipment(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    return shipment


def _deliver(order: Order) -> Shipment:
    shipment = _hand_over(order)
    for step in (Shipment.Status.OUT_FOR_DELIVERY, Shipment.Status.DELIVERED):
        set_shipment_status(shipment=shipment, to=step)
    return shipment


def test_the_delivered_fact_records_the_day_and_the_order_page_says_it_came_on_time(client, user, deliver_events):
    order = paid_order((_tea(), 1), address=PORTLAND, user=user)

    _deliver(order)
    deliver_events()

    order.refresh_from_db()
    assert (order.status, order.delivered_on, order.delivered_on_time) == ("delivered", timezone.localdate(), True)
    client.force_login(user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "on time" in page and "delivery-late" not in page


def test_a_promise_missed_reads_late(client, user, deliver_events):
    order = paid_order((_tea(), 1), address=PORTLAND, user=user)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Order.objects.filter(pk=order.pk).update(promised_from=yesterday - dt.timedelta(days=2), promised_to=yesterday)

    _deliver(order)
    deliver_events()

    order.refresh_from_db()
    assert order.delivered_on_time is False
    client.force_login(user)
    assert 'class="badge delivery-late">late' in client.get(order.get_absolute_url()).content.decode()


def _report(client) -> str:
    return client.get("/admin/fulfillment/warehouse/on-time/").content.decode()


def test_staff_read_the_on_time_rate_per_carrier_and_per_warehouse(admin_client, deliver_events):
    on_time, late, undelivered = (paid_order((_tea(), 1), address=PORTLAND) for _ in range(3))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Order.objects.filter(pk__in=[late.pk, undelivered.pk]).update(promised_to=yesterday)
    for order in (on_time, late):
        _deliver(order)
    _hand_over(undelivered)
    deliver_events()

    page = _report(admin_client)

    carriers = page[page.index('id="on-time-carriers"') : page.index('id="on-time-warehouses"')]
    # Two delivered by ground, one of them on time; the third is on its way, past its last promised day.
    assert re.search(r"Domestic[^<]*</th><td>2</td><td>1</td><td>50\.0 %</td><td>1</td>", carriers)
    warehouses = page[page.index('id="on-time-warehouses"') :]
    assert warehouses.count("<td>1</td><td>1</td><td>100.0 %</td><td>0</td>") == 1
    assert warehouses.count("<td>1</td><td>0</td><td>0.0 %</td><td>0</td>") == 1
    assert warehouses.count("<td>0</td><td>0</td><td>\u2013</td><td>1</td>") == 1


def test_the_report_is_for_staff_only_and_its_queries_do_not_grow_with_parcels(client, user, admin_client):
    client.force_login(user)
    assert client.get("/admin/fulfillment/warehouse/on-time/").status_code == 302  # to the admin log-in

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/fulfillment/warehouse/on-time/").status_code == 200
        return len(captured)

    send_to_fulfillment(order_id=paid_order((_tea(), 1), address=PORTLAND).pk)
    one = queries()
    for _ in range(3):
        send_to_fulfillment(order_id=paid_order((_tea(), 1), address=PORTLAND).pk)
    assert queries() == one
