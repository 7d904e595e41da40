"""End to end on the stand-in: a shopper clicks a tag, pays; the webhook's order_paid earns the creator
commission; a line refund reverses it pro rata; payout transfers from the order's real charge."""

from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from creators.models import Commission
from creators.services.payouts import pay_creator, refresh_payout_account, start_payout_onboarding
from creators.tests.money import click, tagged_variant
from shop.models import Cart
from shop.payments.local_stripe.testing import local_client
from shop.services.cart import add_to_cart
from shop.services.orders import place_order
from shop.services.payments import refund_order, start_payment
from shop.tests.factories import cart_shipping
from shop.tests.test_payments_support import (
    ADDRESS,
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
)

pytestmark = pytest.mark.django_db


def test_a_paid_tagged_line_earns_commission_a_refund_reverses_it_and_a_payout_transfers_it(
    client, local_stripe, django_capture_on_commit_callbacks
):
    # Given a shopper who tapped a creator's tag and added 3 units from it
    tag, variant = tagged_variant(price="10.00", rate="15.00")
    cart = Cart.objects.create(session_key="shopper-token")
    click(tag, at=timezone.now(), session_key="shopper-token")
    add_to_cart(
        cart=cart, variant=variant, quantity=3, attribution_tag_id=tag.pk, attribution_creator_id=tag.post.creator_id
    )
    shipping = cart_shipping(cart)
    order = place_order(cart=cart, email="ada@example.com", address=ADDRESS, shipping=shipping)

    # When they pay on the hosted page and the webhook arrives
    pay_on_page(client, start_payment(order=order))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)

    # Then the creator earns 15 % of 30.00
    commission = Commission.objects.get()
    assert (commission.creator_id, commission.tag_id, commission.amount_cents) == (tag.post.creator_id, tag.pk, 450)

    # When one unit of three is refunded
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, lines=[(order.lines.get().pk, 1)])
    commission.refresh_from_db()
    assert (commission.amount_reversed_cents, commission.status) == (150, "pending")

    # And once payable, the payout transfers the rest from the order's own charge
    creator = tag.post.creator
    link = start_payout_onboarding(
        creator=creator, refresh_url="http://testserver/r/", return_url="http://testserver/b/"
    )
    client.post(urlsplit(link).path)
    refresh_payout_account(creator=creator)
    Commission.objects.filter(pk=commission.pk).update(status="payable")

    [payout] = pay_creator(creator_id=creator.pk)

    intent = local_client().v1.payment_intents.retrieve(order.payments.get().payment_intent_id)
    [transfer] = local_client().v1.transfers.list(params={"destination": creator.stripe_account_id}).data
    assert (payout.status, payout.amount_cents) == ("paid", 300)
    assert (transfer.amount, transfer.source_transaction, transfer.transfer_group) == (
        300,
        intent.latest_charge,
        order.number,
    )
