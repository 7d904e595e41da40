"""The shopper's orders list: each order's items with their pictures, its status, its delivery dates, a cancel
button while nothing is picked; as many queries for many orders as for one."""

import datetime as dt

import pytest

from fulfillment.models import FulfillmentOrder
from fulfillment.services.picking import create_pick_list
from fulfillment.tests.factories import stock_of
from shop.models import Order
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import ProductImageFactory, VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _pictured_tea(title: str = "Green tea"):
    tea = VariantFactory(product__title=title)
    ProductImageFactory(product=tea.product, alt_text="")
    stock_of(tea, quantity=20)
    return tea


def _order_of(user, *items) -> Order:
    """A paid order of the user's (not through their one cart, so a test can make many)."""
    order = paid_order(*items)
    Order.objects.filter(pk=order.pk).update(user=user)
    order.refresh_from_db()
    return order


def test_each_order_shows_its_items_with_pictures_status_and_delivery_dates(client, user):
    order = paid_order((_pictured_tea("Green tea"), 2), user=user)
    client.force_login(user)

    page = client.get("/orders/").content.decode()

    card = page[page.index(f"Order {order.number}") :]
    assert "Green tea" in card and "\u00d7 2" in card
    assert "<img" in card.split("</li>")[0] or "<picture" in card.split("</li>")[0]
    assert "Paid" in card
    assert f'data-from="{order.promised_from:%Y-%m-%d}" data-to="{order.promised_to:%Y-%m-%d}"' in card
    assert "Yes, cancel order " + order.number in card


def test_a_delivered_order_reads_its_delivery_day_and_whether_it_was_late(client, user):
    order = paid_order((_pictured_tea(), 1), user=user)
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.DELIVERED, promised_to=dt.date(2026, 12, 10), delivered_on=dt.date(2026, 12, 11)
    )
    client.force_login(user)

    page = client.get("/orders/").content.decode()

    assert '<time datetime="2026-12-11">Fri 11 Dec</time>' in page
    assert 'class="badge delivery-late">late' in page
    assert "Yes, cancel order" not in page


def test_an_order_being_picked_offers_no_cancel(client, user):
    order = paid_order((_pictured_tea(), 1), user=user)
    send_to_fulfillment(order_id=order.pk)
    create_pick_list(warehouse_id=FulfillmentOrder.objects.get(order_id=order.pk).warehouse_id)
    client.force_login(user)

    assert "Yes, cancel order" not in client.get("/orders/").content.decode()


def test_the_list_takes_as_many_queries_for_many_orders_as_for_one(client, user, get_counting_queries):
    first = paid_order((_pictured_tea(), 1), user=user)
    send_to_fulfillment(order_id=first.pk)
    client.force_login(user)
    client.get("/orders/")  # warm per-process caches
    _, one = get_counting_queries(client, "/orders/")

    for index in range(5):
        order = _order_of(user, (_pictured_tea(), 1), (_pictured_tea(), 2))
        if index % 2:
            send_to_fulfillment(order_id=order.pk)
    picked = FulfillmentOrder.objects.filter(status="open").order_by("pk").first()
    create_pick_list(warehouse_id=picked.warehouse_id, fulfillment_order_ids=[picked.pk])
    response, many = get_counting_queries(client, "/orders/")

    assert response.content.decode().count('class="order-card"') == 6
    assert many == one
