"""On PostgreSQL, with real threads: the webhook and the success page racing on one paid session."""

import threading

import pytest
from django.db import connection
from django.test import Client

from fulfillment.models import Allocation, Reservation
from marketplace.models import OutboxEvent
from shop.models import Order, StripeEvent
from shop.services.payments import fulfill_checkout, start_payment
from shop.tests.test_payments_support import (
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
    place_test_order,
    post_event,
    stand_in_events,
    stocked_variant,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(workers: list) -> list[BaseException]:
    """Start every worker at the same moment, each on its own database connection; answers their errors."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck (deadlock?)"
    return errors


@pytest.fixture
def order_paid_signals():
    """Ids of the orders announced paid (read from the outbox when compared)."""

    class Announced:
        def __eq__(self, other: object) -> bool:
            rows = OutboxEvent.objects.filter(name="shop.order_paid").order_by("pk").values_list("payload", flat=True)
            return [payload["order_id"] for payload in rows] == other

        __hash__ = None

    return Announced()


def test_the_webhook_and_the_success_page_racing_make_one_paid_order(local_stripe, order_paid_signals):
    order = place_test_order((stocked_variant(quantity=3), 2))
    payment = start_payment(order=order)
    assert pay_on_page(Client(), payment).status_code == 302
    (completed,) = stand_in_events("checkout.session.completed")

    def success_page() -> None:
        fulfill_checkout(session_id=payment.checkout_session_id)

    def webhook() -> None:
        assert post_event(Client(), completed).status_code == 200

    errors = _race([success_page, webhook] * 4)

    assert errors == []
    order.refresh_from_db()
    assert (order.status, order.events.filter(to_status="paid").count()) == ("paid", 1)
    assert order_paid_signals == [order.pk]
    # Paid once, so allocated once: the held reservation became one allocation of 2.
    assert not Reservation.objects.filter(order_line__order=order).exists()
    assert list(Allocation.objects.filter(order_line__order=order.pk).values_list("quantity", flat=True)) == [2]
    stored = StripeEvent.objects.get()
    assert stored.processed_at is not None


def test_five_concurrent_deliveries_of_one_event_store_it_once(local_stripe, order_paid_signals):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    pay_on_page(Client(), payment)
    (completed,) = stand_in_events("checkout.session.completed")
    statuses: list[int] = []

    errors = _race([lambda: statuses.append(post_event(Client(), completed).status_code)] * 5)

    assert errors == []
    assert statuses == [200] * 5
    assert StripeEvent.objects.count() == 1
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert order_paid_signals == [order.pk]
