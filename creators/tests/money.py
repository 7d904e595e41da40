"""Helpers for the commission, payout and earnings tests (this module holds no tests of its own)."""

import time
import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from creators.models import TagClick
from creators.tests.factories import ProductTagFactory
from fulfillment.services.stock import hold_reservations
from fulfillment.tests.factories import stock_of
from shop.models import Cart, CartLine, Order, OrderEvent, Payment
from shop.payments.local_stripe.checkout import PaidCard, pay_session
from shop.payments.local_stripe.testing import local_client
from shop.services.orders import ShippingAddress, claims_of, place_order, set_order_status
from shop.tests.factories import VariantFactory, cart_shipping

ADDRESS = ShippingAddress(name="Ada Shopper", line1="1 Main St", city="Springfield", country="US", postal_code="62701")
CARD = PaidCard(brand="visa", last4="4242", exp_month=12, exp_year=2034, funding="credit", name="Ada", email="a@x.io")


@pytest.fixture(name="local_stripe")
def local_stripe_fixture(settings):
    """The stand-in plays Stripe; its events are stored, not delivered."""
    settings.STRIPE_USE_LOCAL = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""
    settings.SITE_URL = "http://testserver"
    return settings


def tagged_variant(*, creator=None, rate: str = "10.00", price: str = "20.00", seller=None):
    """A stocked variant of a product tagged in a post (by `creator` if given); answers (tag, variant)."""
    post = {"post__creator": creator} if creator is not None else {}
    product = {"product__seller": seller} if seller is not None else {}
    tag = ProductTagFactory(**post, **product, product__affiliate_commission_rate=Decimal(rate))
    variant = VariantFactory(product=tag.product, price=Decimal(price))
    stock_of(variant, quantity=50)
    return tag, variant


def click(tag, *, at: datetime, user=None, session_key: str = "", product=None) -> TagClick:
    return TagClick.objects.create(
        tag=tag,
        post=tag.post,
        product=product or tag.product,
        creator=tag.post.creator,
        user=user,
        session_key=session_key,
        created_at=at,
    )


def order_paid_at(*items, paid_at: datetime, user=None, token: str | None = None, cart_tag=None) -> Order:
    """A paid order of (variant, quantity) items from a cart (the user's, or a guest's with `token`).

    `cart_tag` sets the tag the cart lines came from (as the feed does on add to cart).
    """
    if user is not None:
        cart = Cart.objects.create(user=user, session_key=token)
    else:
        cart = Cart.objects.create(session_key=token or uuid.uuid4().hex)
    for variant, quantity in items:
        CartLine.objects.create(
            cart=cart,
            variant=variant,
            quantity=quantity,
            attribution_tag_id=cart_tag.pk if cart_tag else None,
            attribution_creator_id=cart_tag.post.creator_id if cart_tag else None,
        )
    shipping = cart_shipping(cart)
    order = place_order(cart=cart, email="ada@example.com", address=ADDRESS, shipping=shipping, user=user)
    hold_reservations(claims=claims_of(list(order.lines.all())))
    set_order_status(order=order, to=Order.Status.PAID, kind=OrderEvent.Kind.PAID)
    Order.objects.filter(pk=order.pk).update(paid_at=paid_at, amount_paid=order.total)
    order.refresh_from_db()
    return order


def pay_through_stand_in(order: Order) -> str:
    """A real charge on the stand-in for the order (its total), recorded as the order's paid payment; answers it."""
    sdk = local_client()
    cents = int(order.total * 100)
    session = sdk.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {"currency": "usd", "unit_amount": cents, "product_data": {"name": "Order"}},
                    "quantity": 1,
                }
            ],
            "customer_email": order.email,
            "metadata": {"order_number": order.number},
            "success_url": "http://testserver/done/?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://testserver/cancelled/",
            "expires_at": int(time.time()) + 3600,
            "payment_intent_data": {"transfer_group": order.number},
        }
    )
    pay_session(session_id=session.id, card=CARD)
    intent_id = sdk.v1.checkout.sessions.retrieve(session.id).payment_intent
    Payment.objects.create(
        order=order,
        checkout_session_id=session.id,
        payment_intent_id=intent_id,
        status=Payment.Status.PAID,
        amount=order.total,
        amount_paid=order.total,
        currency=order.currency,
    )
    return sdk.v1.payment_intents.retrieve(intent_id).latest_charge
