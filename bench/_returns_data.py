"""Data for bench/returns.py: warehouses and returns centres, delivered orders paid on the Stripe stand-in, the checks.

Imported after django.setup(). Every order is made through the services a shopper's purchase goes
through: a cart, `check_out` (the order placed, stock reserved, a Checkout Session opened on the local
Stripe stand-in), the stand-in's hosted page paid with the test card 4242 (`pay_session`: a PaymentIntent
and a Charge), and `fulfill_checkout` as the success page calls it (the order paid, "order paid"
announced; its handlers, run eagerly here, allocate it). Delivery takes the short way of the returns
tests (shop/tests/returns_support.py): a labelled shipment per fulfillment order handed over (the units
leave stock), out for delivery, delivered. So each refund later goes to the stand-in against a real charge.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import F, Sum

from fulfillment.delivery_quotes import STANDARD
from fulfillment.models import (
    FulfillmentOrder,
    InboundReturn,
    InboundReturnLine,
    Shipment,
    StockMovement,
    Warehouse,
)
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.shipments import hand_over_shipment, set_shipment_status
from fulfillment.services.stock import set_stock_quantity
from marketplace.models import OutboxEvent
from shop.models import (
    Cart,
    CartLine,
    Category,
    LocalStripeObject,
    Order,
    Product,
    Refund,
    ReturnLine,
    ReturnRequest,
    Seller,
    Variant,
)
from shop.payments.local_stripe.checkout import PaidCard, pay_session
from shop.services.checkout import check_out
from shop.services.orders import ShippingAddress
from shop.services.payments import fulfill_checkout

# Fulfillment centres that ship the orders (every variant is stocked in each), and the returns centres
# the parcels come back to (the nearest one to the shopper, chosen by request_return).
FULFILLMENT_CENTRES = [
    ("US-NJ1", "Newark", "07102", "US"),
    ("GB-LON", "London", "E14 5AB", "GB"),
    ("DE-BER", "Berlin", "10115", "DE"),
]
RETURNS_CENTRES = [
    ("US-RC-NJ", "Edison", "08817", "US"),
    ("US-RC-NV", "Reno", "89502", "US"),
    ("GB-RC", "Coventry", "CV1 2AA", "GB"),
    ("DE-RC", "Leipzig", "04109", "DE"),
]
# Shoppers, weighted towards the US; Paris has no returns centre in France (its parcel crosses a border).
DESTINATIONS = [
    ShippingAddress(name="Ada Lovelace", line1="350 Fifth Avenue", city="New York", country="US", postal_code="10118"),
    ShippingAddress(name="Grace Hopper", line1="1 Grand Ave", city="Los Angeles", country="US", postal_code="90012"),
    ShippingAddress(name="Alan Turing", line1="233 S Wacker Dr", city="Chicago", country="US", postal_code="60606"),
    ShippingAddress(name="Tim Berners-Lee", line1="10 Downing St", city="London", country="GB", postal_code="SW1A 2AA"),
    ShippingAddress(name="Konrad Zuse", line1="Marienplatz 1", city="Munich", country="DE", postal_code="80331"),
    ShippingAddress(name="Sophie Germain", line1="1 Rue de Rivoli", city="Paris", country="FR", postal_code="75001"),
]
DESTINATION_WEIGHTS = [4, 2, 2, 1, 1, 1]
# Reasons the policy approves without staff under its value limit: refunded after inspection, except
# wrong_item (refunded at the carrier's first scan); wrong_item and arrived_late refund the shipping too.
REASONS = ["doesnt_fit", "changed_mind", "wrong_item", "arrived_late"]
REASON_WEIGHTS = [40, 30, 15, 15]
CARD = PaidCard(
    brand="visa", last4="4242", exp_month=12, exp_year=2034, funding="credit", name="Bench Shopper", email=""
)
PRICES = [Decimal("12.50"), Decimal("19.99"), Decimal("24.00"), Decimal("39.90")]


@dataclass
class Catalogue:
    fulfillment_centres: list[Warehouse]
    returns_centres: list[Warehouse]
    variants: list[Variant]


@dataclass(frozen=True)
class ReturnSpec:
    """One return to ask for: the order, which of its lines and how many units, why, and what inspection finds."""

    order_id: int
    lines: tuple[tuple[int, int], ...]  # (order line id, units)
    reason: str
    write_off_first_unit: bool  # the inspector writes one unit off (damaged in transit) and restocks the rest


def build_catalogue(*, variant_count: int, units: int) -> Catalogue:
    """Three fulfillment centres, four returns centres, a seller's catalogue, stock through the stock service."""

    def warehouse(code: str, city: str, postal: str, country: str, kind: str) -> Warehouse:
        label = "fulfillment centre" if kind == Warehouse.Kind.FULFILLMENT_CENTRE else "returns centre"
        return Warehouse.objects.create(
            code=code, name=f"{city} {label}", address_line1="1 Dock Road", city=city, postal_code=postal,
            country=country, kind=kind,
        )  # fmt: skip

    centres = [warehouse(*row, Warehouse.Kind.FULFILLMENT_CENTRE) for row in FULFILLMENT_CENTRES]
    returns_centres = [warehouse(*row, Warehouse.Kind.RETURNS_CENTRE) for row in RETURNS_CENTRES]
    seller = Seller.objects.create(
        name="Bench Seller", slug="bench-seller", country="US", support_email="b@example.com"
    )
    category = Category.objects.create(name="Bench", slug="bench")
    variants = []
    for index in range(variant_count):
        product = Product.objects.create(
            seller=seller, title=f"Bench product {index}", slug=f"bench-product-{index}", description="Bench.",
            category=category, status=Product.Status.ACTIVE, affiliate_commission_rate=Decimal("10.00"),
            hs_code="610910", country_of_origin="US", customs_description="Cotton T-shirt",
            weight_grams=250 + 50 * (index % 5), length_mm=280, width_mm=200, height_mm=40 + 10 * (index % 3),
        )  # fmt: skip
        variants.append(
            Variant.objects.create(
                product=product, sku=f"BENCH-{index:05d}", name=f"Size {index}",
                price=PRICES[index % len(PRICES)], currency="USD",
            )
        )  # fmt: skip
    for variant in variants:
        for centre in centres:
            set_stock_quantity(warehouse=centre, variant_id=variant.pk, quantity=units, reference="bench")
    return Catalogue(centres, returns_centres, variants)


def random_orders(catalogue: Catalogue, count: int, rng: random.Random) -> list:
    """(address, [(variant, units)]) for `count` orders: 60 % one line, 25 % two, 15 % three; 1-2 units each."""
    specs = []
    for _ in range(count):
        address = rng.choices(DESTINATIONS, DESTINATION_WEIGHTS)[0]
        size = rng.choices((1, 2, 3), (60, 25, 15))[0]
        items = [(variant, rng.choice((1, 1, 1, 2))) for variant in rng.sample(catalogue.variants, size)]
        specs.append((address, items))
    return specs


def delivered_order(address: ShippingAddress, items: list[tuple[Variant, int]], *, session: str) -> int:
    """One order bought as a shopper buys it (checkout, the stand-in's page, the success page) and delivered."""
    cart = Cart.objects.create(session_key=session)
    CartLine.objects.bulk_create(CartLine(cart=cart, variant=variant, quantity=units) for variant, units in items)
    checkout = check_out(
        cart=cart, email="bench@example.com", address=address, shipping_code=STANDARD, expected_total=None
    )
    if checkout.payment is None:
        raise RuntimeError(f"no payment page for {checkout.order.number}: {checkout.payment_error}")
    session_id = checkout.payment.checkout_session_id
    pay_session(session_id=session_id, card=replace(CARD, email="bench@example.com"))  # the hosted page
    order = fulfill_checkout(session_id=session_id)  # the success page; allocation runs eagerly after commit
    if order.status != Order.Status.PAID:
        raise RuntimeError(f"order {order.number} is {order.status} after payment")
    deliver(order.pk)
    return order.pk


def deliver(order_id: int) -> None:
    """Every fulfillment order of the order labelled, handed over (units leave stock) and delivered."""
    fulfillment_orders = list(FulfillmentOrder.objects.filter(order_id=order_id).order_by("pk"))
    if not fulfillment_orders:
        raise RuntimeError(f"order {order_id} was not allocated")
    for fulfillment_order in fulfillment_orders:
        shipment = Shipment.objects.create(
            fulfillment_order=fulfillment_order, status=Shipment.Status.LABELLED,
            tracking_number=f"9400{fulfillment_order.pk:018d}", carrier="domestic_ground", service="ground",
        )  # fmt: skip
        hand_over_shipment(shipment_id=shipment.pk)
        shipment.refresh_from_db()
        for step in (Shipment.Status.OUT_FOR_DELIVERY, Shipment.Status.DELIVERED):
            set_shipment_status(shipment=shipment, to=step)


def return_specs(order_ids: list[int], rng: random.Random, *, reason: str | None = None) -> list[ReturnSpec]:
    """What each order's shopper sends back: every line or some, all its units or one fewer, and why."""
    lines_of: dict[int, list[tuple[int, int]]] = {}
    for order_id, line_id, quantity in (
        Order.objects.filter(pk__in=order_ids).values_list("pk", "lines__pk", "lines__quantity").order_by("lines__pk")
    ):
        lines_of.setdefault(order_id, []).append((line_id, quantity))
    specs = []
    for order_id in order_ids:
        lines = lines_of[order_id]
        if reason is None and len(lines) > 1 and rng.random() < 0.4:
            lines = rng.sample(lines, len(lines) - 1)  # keeps one item
        chosen = tuple(
            sorted((line_id, quantity - 1 if reason is None and quantity > 1 and rng.random() < 0.3 else quantity)
                   for line_id, quantity in lines)
        )  # fmt: skip
        specs.append(
            ReturnSpec(
                order_id=order_id,
                lines=chosen,
                reason=reason or rng.choices(REASONS, REASON_WEIGHTS)[0],
                write_off_first_unit=reason is None and rng.random() < 0.1,
            )
        )
    return specs


def dispositions_for(inbound_lines: list[InboundReturnLine], spec: ReturnSpec):
    """Restock every unit, or, when the spec says so, write the first line's first unit off."""
    from fulfillment.services.returns import Disposition

    result = []
    for index, line in enumerate(sorted(inbound_lines, key=lambda line: line.pk)):
        write_off = 1 if spec.write_off_first_unit and index == 0 else 0
        result.append(Disposition(line_id=line.pk, restock=line.quantity - write_off, write_off=write_off))
    return result


# ------------------------------------------------------------------------------------------ checks


def round_state(return_ids: list[int], order_ids: list[int]) -> dict:
    """Correctness of one round's returns, and of the whole database's money, stock and facts."""
    keys = [f"return:{pk}" for pk in return_ids]
    returns = ReturnRequest.objects.filter(pk__in=return_ids)
    refunds = Refund.objects.filter(idempotency_key__in=keys)
    per_return = Counter(refunds.values_list("idempotency_key", flat=True))
    succeeded = refunds.filter(status=Refund.Status.SUCCEEDED)
    # The stand-in's side: each of our refunds reached it once, and no charge gave back more than it took.
    sent = Counter(
        (data.get("metadata") or {}).get("refund_id", "")
        for data in LocalStripeObject.objects.filter(object="refund").values_list("data", flat=True)
    )
    charges = LocalStripeObject.objects.filter(object="charge").values_list("data", flat=True)
    restocked = InboundReturnLine.objects.aggregate(t=Sum("restocked"))["t"] or 0
    movements = StockMovement.objects.filter(reason=StockMovement.Reason.RETURNED)
    accepted = ReturnLine.objects.filter(return_request__in=returns).aggregate(t=Sum("quantity_accepted"))["t"]
    orders = Order.objects.filter(pk__in=order_ids)
    return {
        "returns": returns.count(),
        "completed": returns.filter(status=ReturnRequest.Status.COMPLETED).count(),
        "returns without exactly one refund": sum(1 for key in keys if per_return[key] != 1),
        "refunds succeeded": succeeded.count(),
        "refunds not sent to the stand-in exactly once": sum(
            1 for pk in succeeded.values_list("pk", flat=True) if sent[str(pk)] != 1
        ),
        "refunded": str(succeeded.aggregate(t=Sum("amount"))["t"] or 0),
        "orders refunded more than paid": Order.objects.filter(amount_refunded__gt=F("amount_paid")).count(),
        "charges refunded more than their amount (stand-in)": sum(
            1 for data in charges if data["amount_refunded"] > data["amount"]
        ),
        "orders returned / partly returned": (
            orders.filter(status=Order.Status.RETURNED).count(),
            orders.filter(status=Order.Status.PARTIALLY_RETURNED).count(),
        ),
        "units accepted": accepted or 0,
        "inbound returns inspected": InboundReturn.objects.filter(
            pk__in=return_ids, status=InboundReturn.Status.INSPECTED
        ).count(),
        "units restocked (all rounds)": restocked,
        "RETURNED movements (all rounds)": movements.aggregate(t=Sum("quantity_change"))["t"] or 0,
        "stock_ledger_mismatches()": stock_ledger_mismatches(),
        "facts not handled by every handler": unfinished_facts(),
    }


def unfinished_facts() -> int:
    from marketplace.outbox import mark_completed

    mark_completed()
    return OutboxEvent.objects.filter(completed_at__isnull=True).count()


def round_is_correct(state: dict, expected: int) -> bool:
    return (
        state["returns"] == expected
        and state["completed"] == expected
        and state["returns without exactly one refund"] == 0
        and state["refunds succeeded"] == expected
        and state["refunds not sent to the stand-in exactly once"] == 0
        and state["orders refunded more than paid"] == 0
        and state["charges refunded more than their amount (stand-in)"] == 0
        and state["inbound returns inspected"] == expected
        and state["units restocked (all rounds)"] == state["RETURNED movements (all rounds)"]
        and state["stock_ledger_mismatches()"] == []
        and state["facts not handled by every handler"] == 0
    )
