"""The seller dashboard's Returns page: returns of the seller's products, only their own lines."""

import pytest
from django.urls import reverse

from marketplace.tests.factories import UserFactory
from shop.models import ReturnRequest
from shop.services.returns import refund_without_return, request_return
from shop.tests.factories import SellerMemberFactory, image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.seller_returns_support import plain_returns, seller_of
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db

URL = "/seller/returns/"


def _as_seller_of(client, line):
    client.force_login(SellerMemberFactory(seller=seller_of(line)).user)
    return client


def test_the_page_lists_the_return_with_reason_comment_status_cost_and_units(client, delivered_order):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="doesnt_fit", comment="Too small for me")
    _as_seller_of(client, order.tea)

    response = client.get(URL)

    assert response.status_code == 200
    [row] = response.context["returns"]
    assert (row.number, row.order_number, row.units, row.reason_label, row.comment) == (
        ret.number,
        order.number,
        2,
        "Doesn't fit",
        "Too small for me",
    )
    assert (row.status, row.cost_bearer, row.refund_amount) == ("approved", "seller", None)
    page = response.content.decode()
    assert order.tea.product_title in page and "Too small for me" in page
    assert "<td data-cost-bearer>You</td>" in page
    assert "Not yet" in page
    assert 'aria-current="page">Returns</a>' in page


def test_a_seller_sees_only_their_own_lines_of_a_return_and_its_refund_for_them(
    client, delivered_order, deliver_events, django_capture_on_commit_callbacks
):
    order = delivered_order
    ret = request_return(
        order=order,
        lines=[(order.tea.pk, 2), (order.cup.pk, 1)],
        reason="damaged",
        comment="Both broken",
        photos=[image_upload()],
    )
    refund_without_return(return_id=ret.pk, message="Keep them")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()

    tea_page = _as_seller_of(client, order.tea).get(URL)
    cup_page = _as_seller_of(client, order.cup).get(URL)

    [tea_row], [cup_row] = tea_page.context["returns"], cup_page.context["returns"]
    assert [line.sku for line in tea_row.lines] == [order.tea.sku]
    assert [line.sku for line in cup_row.lines] == [order.cup.sku]
    assert (tea_row.refund_amount, tea_row.refund_status) == (order.tea.unit_price * 2, "succeeded")
    assert cup_row.refund_amount == order.cup.unit_price
    assert order.cup.product_title not in tea_page.content.decode()
    assert order.tea.product_title not in cup_page.content.decode()
    assert "$25.00" in tea_page.content.decode() and "$8.00" in cup_page.content.decode()
    assert tea_row.cost_bearer == ReturnRequest.CostBearer.PLATFORM


def test_a_return_of_another_sellers_products_only_is_not_listed(client, delivered_order):
    order = delivered_order
    request_return(order=order, lines=[(order.cup.pk, 1)], reason="changed_mind")

    response = _as_seller_of(client, order.tea).get(URL)

    assert response.context["returns"] == []
    assert "No returns of your products." in response.content.decode()


def test_returns_are_paged_25_at_a_time_newest_first(client, delivered_order):
    plain_returns(delivered_order, 26, lines=[delivered_order.tea])
    _as_seller_of(client, delivered_order.tea)

    first, second = client.get(URL), client.get(URL, {"page": 2})

    assert len(first.context["returns"]) == 25 and len(second.context["returns"]) == 1
    assert second.context["returns"][0].number == ReturnRequest.objects.order_by("created_at", "pk").first().number
    assert 'rel="next"' in first.content.decode()


def test_the_page_takes_as_many_queries_for_ten_returns_as_for_one(client, delivered_order, get_counting_queries):
    order = delivered_order
    plain_returns(order, 1, lines=[order.tea, order.cup])
    _as_seller_of(client, order.tea)
    client.get(URL)
    _, one = get_counting_queries(client, URL)
    plain_returns(order, 5, lines=[order.tea, order.cup], refunded=False)
    plain_returns(order, 4, lines=[order.tea], refunded=True)

    response, ten = get_counting_queries(client, URL)

    assert len(response.context["returns"]) == 10
    assert ten == one


def test_only_seller_members_see_the_page(client, delivered_order):
    anonymous = client.get(URL)
    client.force_login(UserFactory())
    shopper = client.get(URL)

    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert shopper.status_code == 403
