import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import Reservation
from fulfillment.selectors import available_by_variant
from fulfillment.services.stock import InsufficientStock, delete_expired_reservations, hold_reservations
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Cart, CartLine, Order, OrderEvent
from shop.order_timeline import describe
from shop.services.orders import (
    EmptyCart,
    IllegalTransition,
    ShippingAddress,
    cancel_unpaid_order,
    claims_of,
    place_order,
    set_order_status,
)
from shop.services.shipping import ShippingOption
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Shopper", line1="1 Main St", city="Springfield", country="US", postal_code="62701")


def _cart(*lines):
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return cart


def _standard():
    """The method as checkout priced it (place_order records what it is given)."""
    return ShippingOption("standard", "Standard (3-5 business days)", Decimal("4.99"), "USD", 3, 5)


def test_placing_an_order_copies_the_lines_and_reserves_the_stock():
    tea = VariantFactory(price=Decimal("12.50"), product__title="Green tea", product__affiliate_commission_rate=15)
    cup = VariantFactory(price=Decimal("8.00"))
    stock_of(tea, quantity=5)
    stock_of(cup, quantity=2)

    order = place_order(cart=_cart((tea, 2), (cup, 1)), email="ada@example.com", address=ADDRESS, shipping=_standard())

    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.number.startswith("MK-") and len(order.number) == 12
    assert (order.subtotal, order.shipping_total, order.total) == (Decimal("33.00"), Decimal("4.99"), Decimal("37.99"))
    line = order.lines.get(sku=tea.sku)
    assert (line.product_title, line.unit_price, line.affiliate_commission_rate) == ("Green tea", Decimal("12.50"), 15)
    assert available_by_variant(variant_ids=[tea.pk, cup.pk]) == {tea.pk: 3, cup.pk: 1}
    assert describe(OrderEvent.objects.get(order=order)) == "Order placed."


def test_a_short_line_creates_nothing_and_names_the_variant():
    tea, cup = VariantFactory(), VariantFactory()
    stock_of(tea, quantity=5)
    stock_of(cup, quantity=1)

    with pytest.raises(InsufficientStock) as error:
        place_order(cart=_cart((tea, 1), (cup, 2)), email="a@example.com", address=ADDRESS, shipping=_standard())

    assert [(line.variant_id, line.requested, line.available) for line in error.value.lines] == [(cup.pk, 2, 1)]
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()


def test_reservations_split_across_warehouses_and_expired_ones_stop_counting():
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(), quantity=2)
    stock_of(tea, WarehouseFactory(), quantity=3)

    order = place_order(cart=_cart((tea, 4)), email="a@example.com", address=ADDRESS, shipping=_standard())

    assert sorted(Reservation.objects.values_list("quantity", flat=True)) == [1, 3]
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 1}
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 5}
    assert delete_expired_reservations() == 2
    assert order.lines.get().reservations.count() == 0


def test_holding_renews_an_expired_reservation_while_stock_is_free_and_refuses_otherwise():
    tea = VariantFactory()
    stock_of(tea, quantity=2)
    order = place_order(cart=_cart((tea, 2)), email="a@example.com", address=ADDRESS, shipping=_standard())
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))

    hold_reservations(claims=claims_of(list(order.lines.all())))

    assert list(Reservation.objects.values_list("reserved_until", flat=True)) == [None]
    with pytest.raises(InsufficientStock):
        place_order(cart=_cart((tea, 1)), email="b@example.com", address=ADDRESS, shipping=_standard())


def test_holding_an_expired_reservation_whose_stock_was_taken_is_refused():
    tea = VariantFactory()
    stock_of(tea, quantity=1)
    late = place_order(cart=_cart((tea, 1)), email="a@example.com", address=ADDRESS, shipping=_standard())
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    place_order(cart=_cart((tea, 1)), email="b@example.com", address=ADDRESS, shipping=_standard())

    with pytest.raises(InsufficientStock):
        hold_reservations(claims=claims_of(list(late.lines.all())))

    assert late.lines.get().reservations.get().reserved_until < timezone.now()  # nothing changed


def test_a_refused_hold_leaves_no_line_held_for_good_and_the_sweep_frees_its_units():
    tea, mug = VariantFactory(), VariantFactory()
    stock_of(tea, quantity=1)
    stock_of(mug, quantity=1)
    late = place_order(cart=_cart((tea, 1), (mug, 1)), email="a@example.com", address=ADDRESS, shipping=_standard())
    late.lines.get(variant=tea).reservations.update(reserved_until=timezone.now() - timedelta(minutes=1))
    place_order(cart=_cart((tea, 1)), email="b@example.com", address=ADDRESS, shipping=_standard())

    with pytest.raises(InsufficientStock):  # the tea went to another shopper; the payment is refunded
        hold_reservations(claims=claims_of(list(late.lines.all())))

    # The mug's reservation was not made endless by the refused hold: it has run out, and the sweep frees it.
    assert late.lines.get(variant=mug).reservations.get().reserved_until <= timezone.now()
    delete_expired_reservations()
    place_order(cart=_cart((mug, 1)), email="c@example.com", address=ADDRESS, shipping=_standard())


def test_an_empty_cart_cannot_be_ordered():
    with pytest.raises(EmptyCart):
        place_order(cart=_cart(), email="a@example.com", address=ADDRESS, shipping=_standard())


def test_the_status_machine_refuses_illegal_moves_and_records_each_change(staff_user):
    tea = VariantFactory()
    stock_of(tea, quantity=1)
    order = place_order(cart=_cart((tea, 1)), email="a@example.com", address=ADDRESS, shipping=_standard())

    with pytest.raises(IllegalTransition):
        set_order_status(order=order, to=Order.Status.FULFILLED, kind=OrderEvent.Kind.SHIPPING_PROGRESS)
    set_order_status(order=order, to=Order.Status.PAID, by=staff_user, kind=OrderEvent.Kind.RELEASED_FROM_HOLD)

    event = order.events.last()
    assert (event.from_status, event.to_status, event.by) == ("pending_payment", "paid", staff_user)
    assert order.paid_at is not None


def test_cancelling_an_unpaid_order_gives_the_stock_back():
    tea = VariantFactory()
    stock_of(tea, quantity=1)
    order = place_order(cart=_cart((tea, 1)), email="a@example.com", address=ADDRESS, shipping=_standard())

    assert cancel_unpaid_order(order=order) is True
    assert cancel_unpaid_order(order=order) is False

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 1}
