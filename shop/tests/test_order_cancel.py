"""A shopper cancels an order no warehouse has started picking: stock back, refunded once, commission reversed."""

import pytest
from django.utils import timezone

from creators.models import Commission
from creators.tests.money import click, tagged_variant
from fulfillment.models import FulfillmentOrder, Warehouse
from fulfillment.selectors import available_by_variant
from fulfillment.services.picking import NothingToPick, create_pick_list
from marketplace.tests.factories import UserFactory
from shop.models import Cart, Order, Refund
from shop.services.cancellation import cancel_by_shopper
from shop.services.cart import add_to_cart
from shop.services.orders import place_order
from shop.services.payments import CancelNotAllowed, start_payment
from shop.tests.factories import cart_shipping
from shop.tests.test_payments_support import (
    ADDRESS,
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
    stocked_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, user, local_stripe, django_capture_on_commit_callbacks, deliver_events):
    """The user's order of 2 x tea (12.50 each, plus shipping), paid on the stand-in and allocated."""

    def make(variant=None, *, tag=None) -> Order:
        variant = variant or stocked_variant(price="12.50")
        cart = Cart.objects.create(user=user)
        extra = {"attribution_tag_id": tag.pk, "attribution_creator_id": tag.post.creator_id} if tag else {}
        add_to_cart(cart=cart, variant=variant, quantity=2, **extra)
        order = place_order(
            cart=cart, email="ada@example.com", address=ADDRESS, shipping=cart_shipping(cart), user=user
        )
        pay_on_page(client, start_payment(order=order))
        with django_capture_on_commit_callbacks(execute=True):
            deliver_stand_in_events(client)
        deliver_events()
        order.refresh_from_db()
        assert order.status == "paid"
        assert FulfillmentOrder.objects.get(order_id=order.pk).status == "open"
        return order

    return make


def _cancel(client, order: Order, django_capture_on_commit_callbacks, deliver_events):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.number}/cancel/", follow=True)
    deliver_events()
    return response


def test_a_shopper_cancels_an_unpicked_order_gets_the_stock_back_and_is_refunded(
    client, user, paid, django_capture_on_commit_callbacks, deliver_events
):
    order = paid()
    variant_id = order.lines.get().variant_id
    free_before = available_by_variant(variant_ids=[variant_id])[variant_id]
    client.force_login(user)

    page = _cancel(client, order, django_capture_on_commit_callbacks, deliver_events).content.decode()

    order.refresh_from_db()
    refund = Refund.objects.get(order=order)
    assert (order.status, order.amount_refunded, refund.status, refund.amount) == (
        "cancelled", order.amount_paid, "succeeded", order.amount_paid,
    )  # fmt: skip
    assert f"Order {order.number} is cancelled." in page and "is being refunded to your card" in page
    assert available_by_variant(variant_ids=[variant_id])[variant_id] == free_before + 2
    assert FulfillmentOrder.objects.get(order_id=order.pk).status == "cancelled"
    assert "Yes, cancel order" not in page  # nothing left to cancel


def test_cancelling_twice_refunds_once(client, user, paid, django_capture_on_commit_callbacks, deliver_events):
    order = paid()
    client.force_login(user)

    _cancel(client, order, django_capture_on_commit_callbacks, deliver_events)
    page = _cancel(client, order, django_capture_on_commit_callbacks, deliver_events).content.decode()
    again = cancel_by_shopper(order=order, by=user)

    assert Refund.objects.filter(order=order).count() == 1
    assert f"Order {order.number} was already cancelled." in page
    assert (again.already, again.refund) == (True, Refund.objects.get(order=order))


def test_a_cancelled_order_reverses_the_creators_commission(
    client, user, paid, django_capture_on_commit_callbacks, deliver_events
):
    tag, variant = tagged_variant(price="10.00", rate="15.00")
    click(tag, at=timezone.now(), user=user)
    order = paid(variant, tag=tag)
    commission = Commission.objects.get()
    assert commission.amount_cents == 300
    client.force_login(user)

    _cancel(client, order, django_capture_on_commit_callbacks, deliver_events)

    commission.refresh_from_db()
    assert commission.amount_reversed_cents == 300


def test_once_picking_started_the_cancel_is_refused_and_nothing_changes(
    client, user, paid, django_capture_on_commit_callbacks, deliver_events
):
    order = paid()
    create_pick_list(warehouse_id=Warehouse.objects.get(code="TEST-FC").pk)
    client.force_login(user)

    assert "Yes, cancel order" not in client.get(order.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.number}/cancel/")

    assert response.status_code == 409
    assert "started picking this order; it can no longer be cancelled" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("paid", 0)
    assert not Refund.objects.filter(order=order).exists()
    assert FulfillmentOrder.objects.get(order_id=order.pk).status == "in_progress"


def test_a_cancelled_order_is_never_picked(user, paid):
    order = paid()

    cancel_by_shopper(order=order, by=user)

    with pytest.raises(NothingToPick):
        create_pick_list(warehouse_id=Warehouse.objects.get(code="TEST-FC").pk)
    assert FulfillmentOrder.objects.get(order_id=order.pk).status == "cancelled"


def test_someone_elses_order_is_not_found_and_a_visitor_must_log_in(client, paid):
    order = paid()

    anonymous = client.post(f"/orders/{order.number}/cancel/")
    client.force_login(UserFactory())
    stranger = client.post(f"/orders/{order.number}/cancel/")
    get = client.get(f"/orders/{order.number}/cancel/")

    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert (stranger.status_code, get.status_code) == (404, 405)
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_delivered_order_cannot_be_cancelled(user, paid):
    order = paid()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.DELIVERED)

    with pytest.raises(CancelNotAllowed) as refused:
        cancel_by_shopper(order=order, by=user)

    assert refused.value.code == "not_cancellable"


# --- the API ------------------------------------------------------------------------------------


def test_the_api_cancels_once_and_answers_the_refund(
    api_client, user, paid, django_capture_on_commit_callbacks, deliver_events
):
    order = paid()
    api_client.force_authenticate(user)

    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(f"/api/v1/orders/{order.number}/cancel/")
    deliver_events()
    second = api_client.post(f"/api/v1/orders/{order.number}/cancel/")

    assert first.status_code == 200
    assert first.json() == {
        "number": order.number,
        "status": "cancelled",
        "already_cancelled": False,
        "refund": {"amount": str(order.amount_paid), "currency": "USD", "status": "pending"},
    }
    assert second.json()["already_cancelled"] is True
    assert second.json()["refund"]["status"] == "succeeded"
    assert Refund.objects.filter(order=order).count() == 1


def test_the_api_refuses_a_picked_order_and_hides_others_orders(api_client, user, paid):
    order = paid()
    create_pick_list(warehouse_id=Warehouse.objects.get(code="TEST-FC").pk)
    api_client.force_authenticate(user)

    refused = api_client.post(f"/api/v1/orders/{order.number}/cancel/")
    api_client.force_authenticate(UserFactory())
    hidden = api_client.post(f"/api/v1/orders/{order.number}/cancel/")

    assert (refused.status_code, refused.json()["code"]) == (409, "picking_started")
    assert hidden.status_code == 404
    order.refresh_from_db()
    assert order.status == "paid"
