"""`seed_demo` gives `make run` creators with playable tagged videos and orders paid on the stand-in in every state."""

import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from creators.models import Commission, Creator, Follow, Like, ProductTag, VideoPost
from fulfillment.models import (
    Backorder,
    FulfillmentOrder,
    InboundReturn,
    Shipment,
    ShippingLabel,
    StockMovement,
    TrackingEvent,
)
from fulfillment.selectors import allocation_mismatches, return_label, stock_ledger_mismatches
from marketplace.celery import app as celery_app
from marketplace.outbox import deliver_pending
from shop.models import Order, OrderEvent, Payment, Refund, ReturnRequest, SentEmail
from shop.payments.gateway import to_minor_units
from shop.payments.local_stripe.testing import local_client
from shop.services.payments import refund_order

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (videos are encoded for real), in a transaction rolled back at the end."""
    from django.db import transaction

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # handlers run here, as with `make run` and no broker
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
            celery_app.conf.task_always_eager = eager


def test_creators_have_published_playable_posts_with_visible_tags(seeded):
    assert Creator.objects.filter(status=Creator.Status.APPROVED).count() == 6
    posts = VideoPost.objects.published()
    assert posts.count() == 12
    assert all(post.video.name.endswith(".mp4") and post.poster and post.duration_seconds for post in posts)
    assert ProductTag.objects.visible().filter(post__in=posts).count() == 36


def test_the_demo_shopper_follows_creators_and_every_count_agrees_with_its_rows(seeded):
    shopper_follows = Follow.objects.filter(user__username="shopper")
    assert shopper_follows.count() == 3
    assert Like.objects.filter(user__username="shopper").count() == 6
    assert all(creator.follower_count == creator.follows.count() > 0 for creator in Creator.objects.all())
    assert all(post.like_count == post.likes.count() for post in VideoPost.objects.all())


def test_paid_orders_reach_every_fulfillment_state(seeded):
    shipment_states = set(Shipment.objects.values_list("status", flat=True))
    assert {"picking", "packed", "labelled", "in_transit", "out_for_delivery", "delivered", "exception"} <= (
        shipment_states
    )
    assert FulfillmentOrder.objects.filter(status=FulfillmentOrder.Status.ON_HOLD).exists()
    held_for_customs = FulfillmentOrder.objects.get(hold_reason=FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA)
    assert (held_for_customs.order.ship_country, held_for_customs.warehouse.country) == ("GB", "US")
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


def test_the_shoppers_returns_are_in_every_state(seeded):
    returns = {ret.status: ret for ret in ReturnRequest.objects.select_related("order", "refund", "warehouse")}
    S = ReturnRequest.Status
    assert set(returns) == set(S.values)
    assert all(ret.order.user.username == "shopper" for ret in returns.values())
    in_review = returns[S.IN_REVIEW]
    assert (in_review.reason, in_review.photos.count(), in_review.review_reason != "") == ("damaged", 1, True)
    assert returns[S.REJECTED].decision_message
    approved = returns[S.APPROVED]
    label = return_label(return_id=approved.pk)
    assert label is not None and label.pdf.read(4) == b"%PDF"
    assert InboundReturn.objects.get(pk=approved.pk).drop_off_code.startswith("RT-")
    assert SentEmail.objects.filter(kind=SentEmail.Kind.RETURN_APPROVED, subject_key=str(approved.pk)).exists()
    moving = ReturnRequest.objects.filter(status=S.IN_TRANSIT)
    assert set(moving.values_list("source", flat=True)) == {"shopper", "carrier"}  # one refused at the door
    assert InboundReturn.objects.get(pk=returns[S.RECEIVED].pk).status == InboundReturn.Status.RECEIVED
    completed, kept = returns[S.COMPLETED], returns[S.REFUNDED_WITHOUT_RETURN]
    for refunded in (completed, kept):
        assert refunded.refund.status == Refund.Status.SUCCEEDED
        assert local_client().v1.refunds.retrieve(refunded.refund.stripe_refund_id).status == "succeeded"
    assert completed.order.status == Order.Status.PARTIALLY_RETURNED
    assert completed.warehouse.code == "GB-RET1"  # a shopper in London sends it to the Midlands centre
    restocked = StockMovement.objects.filter(reason="returned", reference=f"return {completed.number}")
    assert list(restocked.values_list("stock__warehouse__code", "quantity_change")) == [("GB-RET1", 1)]
    assert InboundReturn.objects.get(pk=returns[S.EXPIRED].pk).status == InboundReturn.Status.CANCELLED
    assert ReturnRequest.objects.filter(refund__isnull=False).count() == 2


def test_seeded_orders_are_paid_on_the_stand_in(seeded):
    paid = Order.objects.exclude(status__in=["pending_payment", "cancelled"])
    assert paid.exists()
    client = local_client()
    for order in paid:
        payment = order.payments.get(status=Payment.Status.PAID)
        intent = client.v1.payment_intents.retrieve(payment.payment_intent_id)
        charge = client.v1.charges.retrieve(intent.latest_charge)
        assert (payment.amount_paid, order.amount_paid) == (order.total, order.total)
        assert (intent.status, charge.paid, charge.amount) == ("succeeded", True, to_minor_units(order.total, "USD"))
        assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).exists()
        assert SentEmail.objects.filter(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION).exists()
    cancelled = Order.objects.get(status="cancelled")
    assert list(cancelled.payments.values_list("status", flat=True)) == [Payment.Status.EXPIRED]


def test_staff_refund_a_seeded_paid_order_in_full_from_the_admin(seeded, staff_client):
    order = Order.objects.filter(status=Order.Status.PAID).order_by("pk").first()
    intent_id = order.payments.get().payment_intent_id

    response = staff_client.post(
        "/admin/shop/order/", {"action": "refund_in_full", "_selected_action": [order.pk]}, follow=True
    )

    assert f"Refunded: {order.number}." in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, order.total)
    refund = order.refunds.get()
    at_stripe = local_client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert (refund.status, at_stripe.status, at_stripe.payment_intent) == ("succeeded", "succeeded", intent_id)
    assert at_stripe.amount == to_minor_units(order.total, "USD")
    page = staff_client.get(reverse("admin:shop_order_change", args=[order.pk])).content.decode()
    assert refund.stripe_refund_id in page
    assert "Nothing to refund." in page


def test_staff_refund_a_line_of_a_delivered_demo_order_sold_through_a_creator(seeded, staff_user):
    commission = Commission.objects.filter(
        kind=Commission.Kind.EARNING, amount_cents__gt=0, order_line__order__status=Order.Status.DELIVERED
    ).first()
    line = commission.order_line
    order = line.order

    refund = refund_order(order=order, lines=[(line.pk, 1)], by=staff_user, reason="Arrived broken")
    deliver_pending()  # order_refunded: the creator's commission is taken back

    order.refresh_from_db()
    # The unit goes back with its own share of the line's sales tax (the demo orders are taxed by state).
    own_tax = (line.tax_amount / line.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (refund.status, order.amount_refunded) == (Refund.Status.SUCCEEDED, line.unit_price + own_tax)
    assert local_client().v1.refunds.retrieve(refund.stripe_refund_id).status == "succeeded"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.REFUNDED).exists()
    commission.refresh_from_db()
    assert (commission.status, commission.amount_reversed_cents) == ("reversed", commission.amount_cents)


def test_cross_border_orders_reach_every_clearance_state(seeded):
    abroad = (
        Shipment.objects.exclude(fulfillment_order__order__ship_country="US")
        .exclude(tracking_number="")
        .filter(consolidation_item__isnull=True)  # flying alone (the consolidation demo has its own test)
    )
    statuses = lambda shipment: list(shipment.tracking_events.values_list("status", flat=True))  # noqa: E731

    in_transit_abroad = abroad.get(status="at_hub")  # export cleared, at the international hub
    assert statuses(in_transit_abroad)[-2:] == ["export_cleared", "in_transit"]
    held = abroad.get(status="customs_hold")
    hold = held.tracking_events.get(status="customs_held")
    assert (hold.customs_reason, held.clearance_documents.exists()) == ("documents_missing", False)
    released = abroad.get(clearance_documents__isnull=False)
    assert released.status == "cleared" and statuses(released)[-2:] == ["customs_held", "customs_released"]
    assert released.clearance_documents.get().document.name.endswith(".pdf")
    duties_due = abroad.get(fulfillment_order__order__incoterm="DAP", status="out_for_delivery")
    assert "duties_due" in statuses(duties_due) and "duties_paid" not in statuses(duties_due)
    delivered = abroad.get(fulfillment_order__order__incoterm="DAP", status="delivered")
    assert statuses(delivered)[-2:] == ["duties_paid", "delivered"]
    refused = abroad.get(status="returned_to_sender")
    assert statuses(refused)[-3:] == ["duties_due", "out_for_delivery", "returned_to_sender"]
    # Every one of them left with its customs declaration.
    for shipment in (in_transit_abroad, held, released, duties_due, delivered, refused):
        assert shipment.customs_documents.count() == 1
    # The shopper reads it on the order's timeline.
    held_order = held.fulfillment_order.order.number
    assert OrderEvent.objects.filter(order__number=held_order, kind="customs_held").exists()


def test_consolidations_reach_every_state_on_realistic_lanes(seeded):
    from fulfillment.consolidation import is_valid_awb
    from fulfillment.models import Consolidation, ConsolidationItem, Lane

    assert set(Lane.objects.values_list("code", flat=True)) >= {"US-GB-POSTAL", "US-DE-POSTAL", "CN-US-POSTAL"}
    states = set(Consolidation.objects.values_list("status", flat=True))
    assert states == set(Consolidation.Status.values)
    for consolidation in Consolidation.objects.exclude(status="open"):
        assert is_valid_awb(consolidation.awb) and consolidation.manifest_pdf and consolidation.declarations
    held = Consolidation.objects.get(status="customs_held")
    assert held.items.filter(pulled_out_at__isnull=False).count() == 1
    split = ConsolidationItem.objects.filter(consolidation__status__in=("split", "done"))
    assert split.exists() and all(item.last_mile_tracking_number for item in split)
    done = Consolidation.objects.get(status="done")
    assert set(done.items.values_list("shipment__status", flat=True)) == {"delivered"}


def test_sellers_are_onboarded_paid_and_the_ledger_agrees_with_stripe(seeded, client):
    from shop.models import JournalEntry, ReconciliationReport, SellerMember, SellerPaymentAccount, SellerTransfer
    from shop.services.ledger import unbalanced_entries

    accounts = SellerPaymentAccount.objects.all()
    assert accounts.filter(payouts_enabled=True).count() >= 2
    transfers = SellerTransfer.objects.filter(status="paid")
    assert transfers.exists()
    # Each transfer pays a delivered order from its own charge, and is in the journal.
    for transfer in transfers:
        assert transfer.order.status in ("delivered", "partially_returned", "returned")
        assert JournalEntry.objects.filter(kind="transfer", external_id=transfer.stripe_transfer_id).exists()
    assert unbalanced_entries() == []
    report = ReconciliationReport.objects.get()
    assert report.differences == [], report.differences
    # The demo seller sees their money, transfers and a statement.
    member = SellerMember.objects.get(user__username="seller")
    client.force_login(member.user)
    page = client.get("/seller/money/").content.decode()
    assert "data-balances" in page and "Sales and fees by month" in page
    statement = client.get("/seller/money/statement.csv", {"month": report.day.strftime("%Y-%m")})
    assert statement.status_code == 200 and "Sale" in statement.content.decode()


def test_delivered_orders_kept_or_missed_their_promise_and_staff_read_the_rates(seeded, admin_client):
    delivered = Order.objects.filter(delivered_on__isnull=False, promised_to__isnull=False)
    assert {order.delivered_on_time for order in delivered} == {True, False}
    page = admin_client.get("/admin/fulfillment/warehouse/on-time/").content.decode()
    assert "On-time rate" in page and " %</td>" in page
