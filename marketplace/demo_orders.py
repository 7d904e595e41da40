"""Demo orders for `seed_demo`: paid orders in every fulfillment state, some sold through creators' tags.

Every step goes through the services the site uses: checkout places the order and opens its payment
page on the local Stripe stand-in, the demo shopper pays it there with a test card, and the payment is
recorded as the success page records it (a Payment with the stand-in's PaymentIntent and Charge, so
staff can refund it), announcing `order_paid`; its handlers allocate, record commissions and email.
Then pick lists, packing, labels and tracking. So the admin work queues and actions, the shopper's
order pages and the creators' dashboards show real data. Idempotent: skipped when the demo shopper
already has orders. Lives in the project package because it drives all three apps.
"""

import datetime as dt
import random
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from creators.models import ProductTag, TagClick
from creators.services.commissions import release_payable_commissions
from fulfillment.delivery_quotes import STANDARD
from fulfillment.models import Box, FulfillmentOrder, OutboundOrder, Shipment, TrackingEvent, Warehouse
from fulfillment.services.fulfillment_orders import hold_fulfillment_order
from fulfillment.services.labels import buy_label, void_label
from fulfillment.services.packing import pack_shipment, suggest_parcels
from fulfillment.services.picking import create_pick_list
from fulfillment.services.stock import set_stock_quantity
from fulfillment.services.tracking import hand_over_to_carrier, ingest_tracking_event
from fulfillment.simulated_warehouse import parcel_spec
from fulfillment.simulation import Chances, ingest_scan, next_scan
from marketplace.outbox import deliver_pending
from shop.cross_border import shipping_check
from shop.models import Cart, CartLine, Order, Payment, Variant
from shop.payments.local_stripe.checkout import PaidCard, pay_session
from shop.services.catalog import update_product
from shop.services.checkout import check_out
from shop.services.orders import ShippingAddress
from shop.services.payments import cancel_order, fulfill_checkout

SEED = 11
# Stripe's test card 4242 4242 4242 4242, as the demo shopper types it on the stand-in's payment page.
TEST_CARD = PaidCard(
    brand="visa", last4="4242", exp_month=12, exp_year=2034, funding="credit", name="Sam Rivera", email=""
)
CALM = Chances(delay=0, customs_hold=0, missed_delivery=0)
BOXES = (  # code, name, inner L x W x H mm, max weight g, tare g
    ("S", "Small mailer", 250, 180, 80, 2000, 60),
    ("M", "Medium carton", 400, 300, 200, 10000, 180),
    ("L", "Large carton", 600, 400, 400, 25000, 420),
)
ADDRESSES = {
    "US": ShippingAddress(
        name="Sam Rivera", line1="350 Fifth Avenue", city="New York", region="NY", postal_code="10118", country="US"
    ),
    "US-W": ShippingAddress(
        name="Sam Rivera",
        line1="1 Ferry Building",
        city="San Francisco",
        region="CA",
        postal_code="94111",
        country="US",
    ),
    "GB": ShippingAddress(
        name="Sam Rivera", line1="10 Downing Street", city="London", postal_code="SW1A 2AA", country="GB"
    ),
    "DE": ShippingAddress(
        name="Sam Rivera", line1="Unter den Linden 1", city="Berlin", postal_code="10117", country="DE"
    ),
}


@dataclass(frozen=True)
class DemoOrder:
    """One demo order: where it goes, how far fulfillment took it, and whether a creator's tag sold it."""

    state: str
    address: str = "US"
    lines: int = 1
    via_creator: bool = False


# The stages a paid order goes through, each shown by at least one order.
PLAN = (
    DemoOrder("allocated", via_creator=True),
    DemoOrder("allocated", "GB", lines=2),
    DemoOrder("on_hold", "DE"),
    DemoOrder("picking"),
    DemoOrder("packed", "US-W"),
    DemoOrder("labelled", via_creator=True),
    DemoOrder("in_transit", "US-W", lines=2),
    DemoOrder("in_transit", "GB", via_creator=True),
    DemoOrder("out_for_delivery"),
    DemoOrder("delivered", via_creator=True),  # within its delivery promise
    DemoOrder("delivered_long_ago", via_creator=True),  # two days after its promise: the on-time report counts it
    DemoOrder("exception", "DE"),
    DemoOrder("returned_to_sender"),  # refused at the door: the parcel comes back and a return opens by itself
    DemoOrder("cancelled"),
    # Paid for a demo seller's item shipped from the US to the UK, whose HS code the seller cleared while the
    # shopper paid: fulfillment holds it for missing customs data (the seller's dashboard and the work queue
    # show it; once the code is back, staff release it).
    DemoOrder("customs_hold", "GB"),
    DemoOrder("backordered"),  # last: it zeroes its variant's stock, which no later order may need
)
CUSTOMS_HOLD_SELLER = "glow-theory"  # the demo seller log-in's shop


def seed_demo_orders(report, *, shopper, by) -> list[Order]:
    """Create the demo orders (once) and push each to its state; returns them."""
    if Order.objects.filter(user=shopper).exists():
        return []
    _seed_boxes(report)
    rng = random.Random(SEED)
    tags = list(ProductTag.objects.visible().select_related("post").order_by("pk"))
    variants = list(
        Variant.objects.filter(is_active=True, product__status="active", currency="USD", stocks__quantity__gte=5)
        .select_related("product__seller__customs_profile")
        .distinct()
        .order_by("pk")[:80]
    )
    orders, used = [], set()
    for plan in PLAN:
        # The backordered order takes a variant no other demo order holds, so zeroing its stock harms none.
        pool = [v for v in variants if v.pk not in used] if plan.state == "backordered" else variants
        pool = _sellable(pool, to=ADDRESSES[plan.address].country)
        if plan.state == "customs_hold":
            pool = [
                v for v in pool if _ships_only_from_abroad(v, plan) and v.product.seller.slug == CUSTOMS_HOLD_SELLER
            ]
        order = paid_demo_order(plan, shopper=shopper, rng=rng, tags=tags, variants=pool)
        if order is None:
            continue
        used.update(order.lines.values_list("variant_id", flat=True))
        advance_demo_order(order, plan.state, by=by)
        orders.append(order)
        report.add("orders")
    release_payable_commissions()
    return orders


def _sellable(variants: list[Variant], *, to: str) -> list[Variant]:
    """The variants checkout accepts for this country by standard shipping (customs data, restricted items)."""
    check = shipping_check(variants=variants, destination=to)
    return [variant for variant in variants if not check.problems(variant, shipping_method="standard")]


def _ships_only_from_abroad(variant: Variant, plan: DemoOrder) -> bool:
    """No fulfillment centre in the destination's country holds the variant: its order crosses a border."""
    country = ADDRESSES[plan.address].country
    return not variant.stocks.filter(warehouse__country=country, quantity__gt=0).exists()


def _seed_boxes(report) -> None:
    for warehouse in Warehouse.objects.filter(kind=Warehouse.Kind.FULFILLMENT_CENTRE):
        for code, name, length, width, height, weight, tare in BOXES:
            _, created = Box.objects.get_or_create(
                warehouse=warehouse,
                code=code,
                defaults={
                    "name": name,
                    "inner_length_mm": length,
                    "inner_width_mm": width,
                    "inner_height_mm": height,
                    "max_weight_grams": weight,
                    "tare_weight_grams": tare,
                },
            )
            if created:
                report.add("boxes")


def paid_demo_order(plan: DemoOrder, *, shopper, rng: random.Random, tags, variants) -> Order | None:
    """Check out and pay an order as the shopper would: checkout, the stand-in's payment page, the success page."""
    chosen: list[tuple[Variant, ProductTag | None]] = []
    in_stock = {variant.product_id: variant for variant in variants}
    sold_by_tags = [tag for tag in tags if tag.product_id in in_stock]
    if plan.via_creator and sold_by_tags:
        tag = rng.choice(sold_by_tags)
        chosen.append((in_stock[tag.product_id], tag))
    others = [v for v in variants if v.pk not in {variant.pk for variant, _ in chosen}]
    chosen += [(variant, None) for variant in rng.sample(others, min(plan.lines - len(chosen), len(others)))]
    if not chosen:
        return None
    # One transaction per order (the stand-in answers in-process, so no network call is made inside it):
    # the seed commits once per order, and the backordered order's recount lands before order_paid is handled.
    with transaction.atomic():
        cart = Cart.objects.create(session_key=f"demo-{rng.getrandbits(64):x}")
        for variant, tag in chosen:
            CartLine.objects.create(
                cart=cart,
                variant=variant,
                quantity=1,
                attribution_tag_id=tag.pk if tag else None,
                attribution_creator_id=tag.post.creator_id if tag else None,
            )
            if tag is not None:  # the shopper tapped the tag in the feed before buying
                TagClick.objects.create(
                    tag=tag, post=tag.post, product=tag.product, creator_id=tag.post.creator_id, user=shopper
                )
        address = ADDRESSES[plan.address]
        checkout = check_out(
            cart=cart,
            email=shopper.email,
            address=address,
            shipping_code=STANDARD,
            expected_total=None,
            user=shopper,
        )
        order = checkout.order
        if checkout.payment is None:
            raise RuntimeError(f"The stand-in did not open a payment page for demo order {order.number}.")
        if plan.state == "cancelled":  # the shopper left the payment page; the order is cancelled
            cancel_order(order=order, reason="The shopper left the payment page (demo).")
            return order
        session_id = checkout.payment.checkout_session_id
        if plan.state == "customs_hold":  # the seller clears the HS code to check it while the shopper pays
            product = chosen[0][0].product
            update_product(product=product, data={"hs_code": ""})
        pay_session(session_id=session_id, card=replace(TEST_CARD, email=shopper.email))  # the hosted page
        order = fulfill_checkout(session_id=session_id)  # as the success page does
        if order.status != Order.Status.PAID:
            raise RuntimeError(f"Demo order {order.number} is {order.status} after payment, not paid.")
        if plan.state == "backordered":  # paid, then a recount finds the shelf empty
            for line in order.lines.all():
                for stock in line.variant.stocks.all():
                    set_stock_quantity(
                        warehouse=stock.warehouse, variant_id=stock.variant_id, quantity=0, reference="demo recount"
                    )
    # Allocation, commissions and the confirmation now, even inside a caller's transaction (tests).
    deliver_pending()
    return order


SCANS_TO = {"in_transit": 2, "out_for_delivery": 3, "exception": 1, "returned_to_sender": 3}


def advance_demo_order(order: Order, state: str, *, by) -> None:
    """Take a paid order's fulfillment as far as `state`, through the services staff and carriers use."""
    if state in {"allocated", "backordered", "cancelled", "customs_hold"}:  # customs_hold: held by allocation
        return
    for fulfillment_order in FulfillmentOrder.objects.filter(order_id=order.pk).order_by("pk"):
        if state == "on_hold":
            hold_fulfillment_order(
                fulfillment_order_id=fulfillment_order.pk,
                reason=FulfillmentOrder.HoldReason.INCORRECT_ADDRESS,
                note="The carrier cannot find this street: ask the shopper.",
                by=by,
            )
            continue
        create_pick_list(warehouse_id=fulfillment_order.warehouse_id, fulfillment_order_ids=[fulfillment_order.pk])
        if state == "picking":
            continue
        shipment = Shipment.objects.get(fulfillment_order=fulfillment_order)
        specs = [parcel_spec(s) for s in suggest_parcels(shipment_id=shipment.pk)]
        pack_shipment(shipment_id=shipment.pk, parcels=specs, by=by)  # queues the label purchase
        if state == "packed":
            continue
        buy_label(shipment_id=shipment.pk, by=by)
        if state == "labelled":
            continue
        hand_over_to_carrier(shipment_id=shipment.pk, by=by)
        carry_demo_shipment(shipment, scans=SCANS_TO.get(state), exception=state == "exception")
        if state == "returned_to_sender":
            _refused_at_the_door(shipment)
        if state == "delivered_long_ago":
            _move_back_in_time(shipment, days=40)
            _missed_promise(order)
    if state == "packed":
        # Packing bought the label (its fact handled now, even inside a caller's transaction); this demo
        # order shows a label voided at the bench, waiting for a new one.
        deliver_pending()
        for shipment in Shipment.objects.filter(fulfillment_order__order=order.pk, status=Shipment.Status.LABELLED):
            void_label(shipment_id=shipment.pk, by=by)


def carry_demo_shipment(shipment: Shipment, *, scans: int | None, exception: bool) -> None:
    """Scans of the simulated network, an hour apart, until delivered or `scans` were made."""
    rng = random.Random(f"{SEED}:{shipment.pk}")
    at = timezone.now()
    count = 0
    while scans is None or count < scans:
        shipment.refresh_from_db()
        last = (
            TrackingEvent.objects.filter(shipment=shipment).select_related("leg").order_by("occurred_at", "id").last()
        )
        scan = next_scan(shipment=shipment, last=last, rng=rng, chances=CALM)
        if scan is None:
            return
        at += dt.timedelta(minutes=1)
        ingest_scan(shipment=shipment, scan=scan, at=at)
        count += 1
    if exception:
        ingest_tracking_event(
            tracking_number=shipment.tracking_number,
            status=TrackingEvent.Status.EXCEPTION,
            occurred_at=at + dt.timedelta(minutes=1),
            location="Line haul",
            description="Delayed: the truck missed its connection",
            source=TrackingEvent.Source.SIMULATION,
        )


def _refused_at_the_door(shipment: Shipment) -> None:
    """The shopper refused the parcel: the carrier sends it back (the shop opens a return for it)."""
    last = TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at", "id").last()
    ingest_tracking_event(
        tracking_number=shipment.tracking_number,
        status=TrackingEvent.Status.RETURNED_TO_SENDER,
        occurred_at=last.occurred_at + dt.timedelta(minutes=1),
        location=last.location,
        description="Refused by the recipient: returned to sender",
        source=TrackingEvent.Source.SIMULATION,
    )
    deliver_pending()  # the return opens now, even inside a caller's transaction


def _missed_promise(order: Order) -> None:
    """The parcel came two days after the last day promised at checkout (demo only: the dates are moved back)."""
    deliver_pending()  # the delivered fact records the order's delivery day
    order.refresh_from_db()
    delivered_on = order.delivered_on or timezone.localdate()
    promised_to = delivered_on - dt.timedelta(days=2)
    promise = {"promised_from": promised_to - dt.timedelta(days=3), "promised_to": promised_to}
    Order.objects.filter(pk=order.pk).update(**promise, delivered_on=delivered_on)
    OutboundOrder.objects.filter(pk=order.pk).update(**promise)


def _move_back_in_time(shipment: Shipment, *, days: int) -> None:
    """Shift a delivered shipment's story into the past, so its return window has closed (demo only)."""
    deliver_pending()  # the delivered fact records the order's delivery day, shifted below with its promise
    shift = dt.timedelta(days=days)
    TrackingEvent.objects.filter(shipment=shipment).update(occurred_at=F("occurred_at") - shift)
    Shipment.objects.filter(pk=shipment.pk).update(
        delivered_at=F("delivered_at") - shift, handed_over_at=F("handed_over_at") - shift
    )
    order_id = shipment.fulfillment_order.order_id
    Order.objects.filter(pk=order_id).update(paid_at=F("paid_at") - shift, created_at=F("created_at") - shift)
    order = Order.objects.get(pk=order_id)
    dates = {
        name: getattr(order, name) - shift
        for name in ("promised_from", "promised_to", "delivered_on")
        if getattr(order, name) is not None
    }
    Order.objects.filter(pk=order_id).update(**dates)
    OutboundOrder.objects.filter(pk=order_id).update(
        **{name: day for name, day in dates.items() if name != "delivered_on"}
    )
    Payment.objects.filter(order_id=order_id).update(
        created_at=F("created_at") - shift, updated_at=F("updated_at") - shift
    )
