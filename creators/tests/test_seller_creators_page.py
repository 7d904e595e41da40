"""The seller's page of creators selling their products: their numbers only, sellers only, constant queries."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creators.services.commissions import record_order_commissions
from creators.tests.factories import CreatorFactory
from creators.tests.money import click, order_paid_at, tagged_variant
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/studio/earnings/seller/"


def _sale(creator, seller, *, quantity=1, price="20.00"):
    token = uuid.uuid4().hex
    now = timezone.now()
    tag, variant = tagged_variant(creator=creator, seller=seller, price=price)
    click(tag, at=now - timedelta(hours=1), session_key=token)
    order = order_paid_at((variant, quantity), paid_at=now, token=token)
    record_order_commissions(order_id=order.pk)
    return order


def _rows(response):
    return [
        (row.creator.handle, row.orders, row.units, row.sales, row.commission_cents) for row in response.context["rows"]
    ]


def test_a_seller_sees_orders_units_sales_and_commission_per_creator(seller_client):
    ada, bob = CreatorFactory(handle="ada.makes"), CreatorFactory(handle="bob.films")
    _sale(ada, seller_client.seller, quantity=2)
    _sale(ada, seller_client.seller, quantity=1)
    _sale(bob, seller_client.seller, quantity=1, price="15.00")

    response = seller_client.get(URL)

    assert response.status_code == 200
    assert _rows(response) == [
        ("ada.makes", 2, 3, Decimal("60.00"), 600),
        ("bob.films", 1, 1, Decimal("15.00"), 150),
    ]
    body = response.content.decode()
    assert "@ada.makes" in body and "$60.00" in body and "$6.00" in body


def test_another_sellers_sales_are_never_shown(seller_client):
    carol = CreatorFactory(handle="carol.cooks")
    _sale(carol, None)  # a product of another seller

    response = seller_client.get(URL)

    assert _rows(response) == []
    assert "carol.cooks" not in response.content.decode()


def test_a_user_who_is_not_a_seller_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and "next=" in response["Location"]


def test_as_many_queries_for_many_creators_as_for_one(seller_client, get_counting_queries):
    _sale(CreatorFactory(), seller_client.seller)
    seller_client.get(URL)
    _, one = get_counting_queries(seller_client, URL)
    for _ in range(5):
        _sale(CreatorFactory(), seller_client.seller)

    response, many = get_counting_queries(seller_client, URL)

    assert len(response.context["rows"]) == 6
    assert many == one
