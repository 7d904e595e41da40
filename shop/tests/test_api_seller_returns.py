"""GET /api/v1/seller/returns/: a seller's returns, only their own lines, paged like the other seller lists."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.tests.factories import UserFactory
from shop.services.returns import refund_without_return, request_return
from shop.tests.factories import SellerMemberFactory, image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.seller_returns_support import plain_returns, seller_of
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db

URL = "/api/v1/seller/returns/"


def _as_seller_of(api_client, line):
    api_client.force_authenticate(SellerMemberFactory(seller=seller_of(line)).user)
    return api_client


def test_a_return_with_its_reason_comment_status_cost_bearer_and_lines(api_client, delivered_order):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="doesnt_fit", comment="Too small")

    response = _as_seller_of(api_client, order.tea).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    [item] = body["results"]
    assert item == {
        "number": ret.number,
        "order_number": order.number,
        "created_at": item["created_at"],
        "status": "approved",
        "status_label": "Approved: send it back",
        "reason": "doesnt_fit",
        "reason_label": "Doesn't fit",
        "comment": "Too small",
        "cost_bearer": "seller",
        "currency": "USD",
        "refund_status": "",
        "refund_amount": None,
        "lines": [
            {
                "sku": order.tea.sku,
                "product_title": order.tea.product_title,
                "variant_label": order.tea.variant_label,
                "unit_price": "12.50",
                "quantity": 2,
                "quantity_accepted": 0,
                "quantity_missing": 0,
                "refunded_units": 0,
                "refund_amount": None,
            }
        ],
    }


def test_each_seller_gets_only_their_own_lines_and_the_refund_of_their_units(
    api_client, delivered_order, deliver_events, django_capture_on_commit_callbacks
):
    order = delivered_order
    ret = request_return(
        order=order, lines=[(order.tea.pk, 1), (order.cup.pk, 1)], reason="damaged", photos=[image_upload()]
    )
    refund_without_return(return_id=ret.pk)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()

    [tea] = _as_seller_of(api_client, order.tea).get(URL).json()["results"]
    [cup] = _as_seller_of(api_client, order.cup).get(URL).json()["results"]

    assert [line["sku"] for line in tea["lines"]] == [order.tea.sku]
    assert [line["sku"] for line in cup["lines"]] == [order.cup.sku]
    assert (tea["refund_status"], tea["refund_amount"], tea["lines"][0]["refunded_units"]) == ("succeeded", "12.50", 1)
    assert (cup["refund_amount"], cup["lines"][0]["refund_amount"]) == ("8.00", "8.00")
    ret.refresh_from_db()
    assert Decimal(tea["refund_amount"]) + Decimal(cup["refund_amount"]) < ret.refund.amount  # tax and shipping apart
    assert tea["cost_bearer"] == "platform"


def test_a_return_of_another_sellers_products_only_is_not_listed(api_client, delivered_order):
    order = delivered_order
    request_return(order=order, lines=[(order.cup.pk, 1)], reason="changed_mind")

    body = _as_seller_of(api_client, order.tea).get(URL).json()

    assert (body["count"], body["results"]) == (0, [])


def test_returns_are_paged_like_the_other_seller_lists(api_client, delivered_order):
    plain_returns(delivered_order, 25, lines=[delivered_order.tea])
    _as_seller_of(api_client, delivered_order.tea)

    first, second = api_client.get(URL).json(), api_client.get(URL, {"page": 2}).json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (25, 24, 1)
    assert first["next"].endswith("/api/v1/seller/returns/?page=2")
    assert api_client.get(URL, {"page": 3}).status_code == 404


def test_as_many_queries_for_ten_returns_as_for_one(api_client, delivered_order):
    order = delivered_order
    plain_returns(order, 1, lines=[order.tea, order.cup])
    _as_seller_of(api_client, order.tea)
    api_client.get(URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(URL).status_code == 200
        return len(queries)

    one = count()
    plain_returns(order, 5, lines=[order.tea, order.cup])
    plain_returns(order, 4, lines=[order.tea], refunded=True)

    assert count() == one


def test_only_seller_members_may_ask(api_client, delivered_order):
    anonymous = api_client.get(URL)
    api_client.force_authenticate(UserFactory())
    shopper = api_client.get(URL)

    assert (anonymous.status_code, shopper.status_code) == (403, 403)
    assert shopper.json()["code"] in {"permission_denied", "not_authenticated"}
