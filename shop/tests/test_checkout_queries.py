"""What a shopper's purchase costs in SQL (signed in, and as a guest): add to cart, checkout, the webhook with its task.

Pinned for a 1-line and a 10-line cart, which must cost the same (no query per line). Counted as the
checkout bench counts (bench/checkout.py): committed transactions, BEGIN/COMMIT and savepoints
included, every task and outbox handler run eagerly inside the webhook's figure. The checkout's figure
includes the local Stripe stand-in's own queries (it keeps its objects in our database; real Stripe is an
HTTPS call), among them making the shopper's Stripe customer on their first checkout.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.models import Allocation
from shop.models import Order
from shop.tests.test_payments_support import (
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
    post_event,
    stand_in_events,
    stocked_variant,
)

# Committed transactions, as in production: only nested atomic blocks make savepoints here.
pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {
    "name": "Ada Shopper",
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
# Per step and shopper, the queries of each database (PostgreSQL also logs BEGIN and COMMIT; SQLite's are counted too).
SIGNED_IN = {"first add to cart": 7, "add to cart": 8, "checkout": 36, "webhook and its tasks": 65}
GUEST = {"first add to cart": 6, "add to cart": 7, "checkout": 27, "webhook and its tasks": 65}
PINNED = {
    "postgresql": {"signed in": SIGNED_IN, "guest": GUEST},
    "sqlite": {"signed in": SIGNED_IN, "guest": GUEST},
}


def _counted(counts: dict[str, list[int]], step: str, call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    counts.setdefault(step, []).append(len(queries))
    return response


def _add(client, variant_id: int):
    return client.post("/api/v1/cart/lines/", {"variant": variant_id, "quantity": 1}, content_type="application/json")


def _check_out(client):
    body = {"email": "ada@example.com", "address": ADDRESS, "shipping_method": "standard"}
    return client.post("/api/v1/checkout/", body, content_type="application/json")


def buy_counting_queries(client, variants) -> dict[str, list[int]]:
    """Add each variant, check out, pay on the stand-in's page and deliver its webhook; queries per step."""
    counts: dict[str, list[int]] = {}
    for index, variant in enumerate(variants):
        step = "first add to cart" if index == 0 else "add to cart"
        response = _counted(counts, step, lambda variant_id=variant.pk: _add(client, variant_id))
        assert response.status_code == 201, response.content
    response = _counted(counts, "checkout", lambda: _check_out(client))
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["order_number"])
    pay_on_page(client, order.payments.get())
    (event,) = stand_in_events("checkout.session.completed")
    response = _counted(counts, "webhook and its tasks", lambda: post_event(client, event))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Allocation.objects.filter(order_line__order_id=order.pk).count() == len(variants)
    return counts


@pytest.mark.parametrize("shopper", ["signed in", "guest"])
@pytest.mark.parametrize("lines", [1, 10])
def test_a_purchase_costs_the_pinned_queries_whatever_the_lines(client, user, local_stripe, lines, shopper):
    if shopper == "signed in":
        client.force_login(user)
    variants = [stocked_variant(quantity=50) for _ in range(lines)]

    counts = buy_counting_queries(client, variants)

    pinned = PINNED[connection.vendor][shopper]
    assert counts["first add to cart"] == [pinned["first add to cart"]]
    assert counts.get("add to cart", []) == [pinned["add to cart"]] * (lines - 1)
    assert counts["checkout"] == [pinned["checkout"]]
    assert counts["webhook and its tasks"] == [pinned["webhook and its tasks"]]
