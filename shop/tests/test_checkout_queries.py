"""What a shopper's purchase costs in SQL (signed in, and as a guest): add to cart, checkout, the webhook with its task.

Pinned for a 1-line and a 10-line cart, which must cost the same (no query per line). Counted as the
checkout bench counts (bench/checkout.py): committed transactions, BEGIN/COMMIT and savepoints
included, every task and outbox handler run eagerly. The webhook's figure is the request and its task
(the event claimed, the order paid, its stock held, the ledger posted and the "order paid" fact written,
in one transaction; the fact handed to the broker); the fact's three handlers (fulfillment's copy and
allocation, the creators' commissions, the confirmation email), separate tasks in production, are pinned
on their own, so together they are the figure of bench/checkout.py's webhook step. The checkout's figure
includes the local Stripe stand-in's own queries (it keeps its objects in our database; real Stripe is an
HTTPS call), among them making the shopper's Stripe customer on their first checkout; those are also pinned
on their own (`STAND_IN`: the statements on its `shop_localstripe*` tables with the BEGIN and COMMIT of their
transactions), so "ours" is the figure minus them.

The purchase counted is not the site's first: another shopper's purchase before it warms the cache, as any
purchase in the last minutes does in production, so the dated rule tables (boxes, rates, thresholds, fees;
`shop.reference_data`) are read from the cache. The first purchase after a change to those tables reads them
again (`test_reference_data.py` shows a change is used by the very next checkout).
"""

from unittest.mock import patch

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fulfillment.models import Allocation
from marketplace import outbox
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
SIGNED_IN = {
    "first add to cart": 7,
    "add to cart": 8,
    "checkout": 26,
    "webhook and its task": 18,
    "its fact's handlers": 21,
}
GUEST = {
    "first add to cart": 6,
    "add to cart": 7,
    "checkout": 19,
    "webhook and its task": 18,
    "its fact's handlers": 21,
}
PINNED = {
    "postgresql": {"signed in": SIGNED_IN, "guest": GUEST},
    "sqlite": {"signed in": SIGNED_IN, "guest": GUEST},
}
# Of the checkout's figure, the stand-in's: the customer made on a signed-in shopper's first checkout, the session.
STAND_IN = {"signed in": 9, "guest": 4}


def stand_in_queries(statements: list[str]) -> int:
    """How many statements are the local Stripe stand-in's: on its tables, or opening and closing its transactions."""
    count, transaction = 0, []
    for sql in statements:
        if sql.startswith("BEGIN") or transaction:  # SQLite's is BEGIN IMMEDIATE
            transaction.append(sql)
            if sql == "COMMIT":
                count += len(transaction) if any("shop_localstripe" in each for each in transaction) else 0
                transaction = []
        elif "shop_localstripe" in sql:
            count += 1
    return count


def _counted(counts: dict[str, list[int]], step: str, call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    counts.setdefault(step, []).append(len(queries))
    statements = [str(query["sql"]) for query in queries.captured_queries]
    counts.setdefault(f"{step}: the stand-in's", []).append(stand_in_queries(statements))
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
    payment = order.payments.get()
    pay_on_page(client, payment)
    (event,) = (
        event
        for event in stand_in_events("checkout.session.completed")
        if event["data"]["object"]["id"] == payment.checkout_session_id
    )
    handed_over = []  # the paid fact's handlers, as the relay hands them to the broker after the commit
    with patch.object(outbox.run_event_handler, "apply_async", lambda *call, **options: handed_over.append(call)):
        response = _counted(counts, "webhook and its task", lambda: post_event(client, event))
    assert response.status_code == 200
    _counted(counts, "its fact's handlers", lambda: [outbox.run_event_handler.apply(*call) for call in handed_over])
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Allocation.objects.filter(order_line__order_id=order.pk).count() == len(variants)
    return counts


@pytest.mark.parametrize("shopper", ["signed in", "guest"])
@pytest.mark.parametrize("lines", [1, 10])
def test_a_purchase_costs_the_pinned_queries_whatever_the_lines(client, user, local_stripe, lines, shopper):
    if shopper == "signed in":
        client.force_login(user)
    other, *variants = [stocked_variant(quantity=50) for _ in range(1 + lines)]
    buy_counting_queries(Client(), [other])  # another shopper's purchase: the cache is warm

    counts = buy_counting_queries(client, variants)

    pinned = PINNED[connection.vendor][shopper]
    assert counts["first add to cart"] == [pinned["first add to cart"]]
    assert counts.get("add to cart", []) == [pinned["add to cart"]] * (lines - 1)
    assert counts["checkout"] == [pinned["checkout"]]
    assert counts["checkout: the stand-in's"] == [STAND_IN[shopper]]
    assert counts["webhook and its task"] == [pinned["webhook and its task"]]
    assert counts["its fact's handlers"] == [pinned["its fact's handlers"]]
