"""`seed_demo` gives `make run` creators with playable tagged videos and paid orders in every fulfillment state."""

import io

import pytest
from django.core.management import call_command

from creators.models import Commission, Creator, ProductTag, VideoPost
from fulfillment.models import Backorder, FulfillmentOrder, Shipment, ShippingLabel, TrackingEvent
from fulfillment.selectors import allocation_mismatches, stock_ledger_mismatches
from marketplace.outbox import deliver_pending
from shop.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (videos are encoded for real), in a transaction rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--products", "30", "--force", stdout=io.StringIO())
            deliver_pending()  # the facts the seed wrote, as the relay delivers them after a commit
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_creators_have_published_playable_posts_with_visible_tags(seeded):
    assert Creator.objects.filter(status=Creator.Status.APPROVED).count() == 6
    posts = VideoPost.objects.published()
    assert posts.count() == 12
    assert all(post.video.name.endswith(".mp4") and post.poster and post.duration_seconds for post in posts)
    assert ProductTag.objects.visible().filter(post__in=posts).count() == 36


def test_paid_orders_reach_every_fulfillment_state(seeded):
    shipment_states = set(Shipment.objects.values_list("status", flat=True))
    assert {"picking", "packed", "labelled", "in_transit", "out_for_delivery", "delivered", "exception"} <= (
        shipment_states
    )
    assert FulfillmentOrder.objects.filter(status=FulfillmentOrder.Status.ON_HOLD).exists()
    assert FulfillmentOrder.objects.filter(status=FulfillmentOrder.Status.OPEN).exists()
    assert Backorder.objects.filter(allocated_at__isnull=True).exists()
    assert {"paid", "fulfilled", "cancelled"} <= set(Order.objects.values_list("status", flat=True))
    labelled = Shipment.objects.exclude(tracking_number="")
    assert ShippingLabel.objects.filter(shipment__in=labelled, voided_at__isnull=True).count() == labelled.count()
    delivered = Shipment.objects.filter(status="delivered").first()
    assert list(TrackingEvent.objects.filter(shipment=delivered).values_list("status", flat=True))[-1] == "delivered"


def test_the_demo_keeps_the_books_straight(seeded):
    assert stock_ledger_mismatches() == []
    assert allocation_mismatches() == []
    assert Commission.objects.filter(status="pending").exists()
    assert Commission.objects.filter(status="payable").exists()  # delivered long enough ago
