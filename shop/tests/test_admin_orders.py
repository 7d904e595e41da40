"""Staff admin for orders: list, timeline, refunds (in full, by line), cancel, and Stripe events."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import Order, Refund, StripeEvent
from shop.services.payments import start_payment
from shop.tests.test_payments_support import (
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    make_event,
    pay_on_page,
    place_test_order,
    post_event,
    stocked_variant,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shop/order/"


@pytest.fixture
def paid_order(client, local_stripe, django_capture_on_commit_callbacks):
    tea, cup = stocked_variant(price="12.50"), stocked_variant(price="8.00")
    order = place_test_order((tea, 2), (cup, 1))
    pay_on_page(client, start_payment(order=order))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)
    order.refresh_from_db()
    return order


def _orders(count: int) -> None:
    variant = stocked_variant(quantity=100)
    for index in range(count):
        place_test_order((variant, 1), email=f"shopper{index}@example.com")


def test_the_order_list_takes_as_many_queries_for_1_order_as_for_30(staff_client, get_counting_queries):
    _orders(1)
    response, one = get_counting_queries(staff_client, CHANGELIST)
    assert response.status_code == 200
    _orders(29)

    response, thirty = get_counting_queries(staff_client, CHANGELIST)

    assert response.status_code == 200
    assert response.content.decode().count('class="field-number"') == 30
    assert thirty == one


def test_the_order_list_shows_number_email_status_total_and_payment(staff_client, paid_order):
    response = staff_client.get(CHANGELIST, {"q": paid_order.email})

    page = response.content.decode()
    assert paid_order.number in page
    assert "42.62 USD" in page
    assert "Paid" in page


def test_the_order_page_shows_lines_payments_and_its_timeline_read_only(staff_client, paid_order):
    response = staff_client.get(reverse("admin:shop_order_change", args=[paid_order.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert paid_order.lines.first().sku in page
    assert paid_order.payments.get().checkout_session_id in page
    assert "Order placed." in page
    assert 'name="_save"' not in page  # nothing here is edited by hand
    assert reverse("admin:shop_order_refund_lines", args=[paid_order.pk]) in page


def test_the_refund_in_full_action_refunds_through_stripe(staff_client, staff_user, paid_order):
    response = staff_client.post(
        CHANGELIST, {"action": "refund_in_full", "_selected_action": [paid_order.pk]}, follow=True
    )

    assert f"Refunded: {paid_order.number}." in response.content.decode()
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == ("refunded", Decimal("42.62"))
    assert Refund.objects.get().by == staff_user


def test_refunding_some_lines_from_the_order_page(staff_client, paid_order):
    url = reverse("admin:shop_order_refund_lines", args=[paid_order.pk])
    tea = paid_order.lines.get(unit_price=Decimal("12.50"))
    cup = paid_order.lines.get(unit_price=Decimal("8.00"))
    assert staff_client.get(url).status_code == 200

    too_many = staff_client.post(url, {f"line_{tea.pk}": 3, f"line_{cup.pk}": 0, "reason": "Broken"})
    assert too_many.status_code == 200
    assert "Ensure this value is less than or equal to 2." in too_many.content.decode()
    response = staff_client.post(url, {f"line_{tea.pk}": 1, f"line_{cup.pk}": 0, "reason": "Broken"})

    assert response.status_code == 302
    tea.refresh_from_db()
    paid_order.refresh_from_db()
    assert (tea.quantity_refunded, paid_order.amount_refunded, paid_order.status) == (1, Decimal("12.50"), "paid")
    assert Refund.objects.get().reason == "Broken"


def test_refunded_lines_read_as_quantity_sku_and_title_not_json(staff_client, paid_order):
    tea = paid_order.lines.get(unit_price=Decimal("12.50"))
    cup = paid_order.lines.get(unit_price=Decimal("8.00"))
    staff_client.post(
        reverse("admin:shop_order_refund_lines", args=[paid_order.pk]),
        {f"line_{tea.pk}": 2, f"line_{cup.pk}": 1, "reason": "Broken"},
    )
    refund = Refund.objects.get()

    order_page = staff_client.get(reverse("admin:shop_order_change", args=[paid_order.pk])).content.decode()
    refund_page = staff_client.get(reverse("admin:shop_refund_change", args=[refund.pk])).content.decode()

    times = "\N{MULTIPLICATION SIGN}"
    words = f"2 {times} {tea.sku} — {tea.product_title}<br>1 {times} {cup.sku} — {cup.product_title}"
    assert words in order_page
    assert words in refund_page
    assert "order_line_id" not in order_page + refund_page


def test_the_cancel_action_cancels_an_unpaid_order_and_refunds_a_paid_one(staff_client, paid_order):
    unpaid = place_test_order((stocked_variant(), 1))

    staff_client.post(
        CHANGELIST, {"action": "cancel_before_fulfillment", "_selected_action": [paid_order.pk, unpaid.pk]}
    )

    paid_order.refresh_from_db()
    unpaid.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == ("cancelled", Decimal("42.62"))
    assert unpaid.status == "cancelled"


def test_an_order_on_hold_can_be_released_by_staff(
    client, staff_client, local_stripe, django_capture_on_commit_callbacks
):
    order = place_test_order((stocked_variant(), 1))
    Order.objects.filter(pk=order.pk).update(status=Order.Status.ON_HOLD, amount_paid=order.total)

    staff_client.post(CHANGELIST, {"action": "release_from_hold", "_selected_action": [order.pk]})

    order.refresh_from_db()
    assert order.status == "paid"


def test_an_unprocessed_stripe_event_can_be_queued_again(client, staff_client, local_stripe):
    post_event(client, make_event("customer.created", {"id": "cus_1", "object": "customer"}))  # task lost
    event = StripeEvent.objects.get()

    response = staff_client.post(
        "/admin/shop/stripeevent/", {"action": "reprocess", "_selected_action": [event.pk]}, follow=True
    )

    assert "Queued 1 event(s) again." in response.content.decode()
    event.refresh_from_db()
    assert event.processed_at is not None


def test_payments_refunds_and_events_are_read_only(staff_client, paid_order):
    for url in ("/admin/shop/payment/", "/admin/shop/refund/", "/admin/shop/stripeevent/"):
        assert staff_client.get(url).status_code == 200
        assert staff_client.get(f"{url}add/").status_code == 403
