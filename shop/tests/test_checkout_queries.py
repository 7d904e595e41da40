"""What a signed-in shopper's purchase costs in SQL: add to cart, checkout, the webhook with its task.

The counts are pinned for a 1-line and a 10-line cart and must be the same for both (no query per line).
"""

import os
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def _dump(step: str, queries) -> None:
    if not os.environ.get("DUMP_QUERIES"):
        return
    shapes = Counter(re.sub(r"\d+", "N", q["sql"])[:220] for q in queries)
    with open(os.environ["DUMP_QUERIES"], "a") as out:
        out.write(f"\n===== {step}: {len(queries)}\n")
        for q in queries:
            out.write(q["sql"][:300] + "\n")
        out.write("--- repeated\n")
        for shape, times in shapes.most_common():
            if times > 1:
                out.write(f"{times}x {shape}\n")


def purchase(client, variants, django_capture_on_commit_callbacks) -> dict[str, int]:
    counts = {}

    def count(step, call):
        with CaptureQueriesContext(connection) as queries:
            response = call()
        counts.setdefault(step, []).append(len(queries))
        _dump(step, queries)
        return response

    for variant in variants:
        response = count(
            "add to cart",
            lambda: client.post(
                "/api/v1/cart/lines/", {"variant": variant.pk, "quantity": 1}, content_type="application/json"
            ),
        )
        assert response.status_code == 201, response.content
    response = count(
        "checkout",
        lambda: client.post(
            "/api/v1/checkout/",
            {"email": "ada@example.com", "address": ADDRESS, "shipping_method": "standard"},
            content_type="application/json",
        ),
    )
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["order_number"])
    payment = order.payments.get()
    assert urlsplit(response.json()["payment_url"]).path
    pay_on_page(client, payment)
    (event,) = stand_in_events("checkout.session.completed")
    response = count("webhook", lambda: post_event(client, event))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid"
    return counts


@pytest.mark.parametrize("lines", [1, 10])
def test_measure(client, user, local_stripe, lines, django_capture_on_commit_callbacks):
    client.force_login(user)
    variants = [stocked_variant(quantity=50) for _ in range(lines)]
    counts = purchase(client, variants, django_capture_on_commit_callbacks)
    print(lines, counts)
