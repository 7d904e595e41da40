"""Data for bench/fulfillment.py: warehouses, stocked variants, paid orders made in bulk, and the checks.

Imported after django.setup(). Paid orders are written with bulk_create in the exact state checkout
leaves them (shop.tests.factories.paid_order: place_order, hold_reservations, set_order_status(PAID)):
an order in `paid` with its lines, two OrderEvents (placed, then pending_payment -> paid) and held
Reservation rows (reserved_until null) on the stock reserve_stock would pick (most free units first,
then lowest pk). `check_bulk_matches_services` proves it against the services at set-up.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fulfillment.models import Allocation, Backorder, FulfillmentOrder, Reservation, Stock, StockMovement, Warehouse
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.stock import adjust_stock, hold_reservations, set_stock_quantity, shift_available
from marketplace.models import OutboxEvent
from shop.events import order_paid
from shop.models import Cart, CartLine, Category, Order, OrderEvent, OrderLine, Product, Seller, Variant
from shop.services.import_charges import charge_quoter, chargeable_lines
from shop.services.order_fulfillment import announce_paid, fulfillment_request
from shop.services.orders import ShippingAddress, claims_of, new_order_number, place_order, set_order_status
from shop.services.shipping import quote_shipping, shipping_items

# Eight fulfillment centres in four zones (north America, Europe, Asia, Oceania).
WAREHOUSES = [
    ("US-NJ1", "Newark", "07102", "US"),
    ("US-CA1", "Los Angeles", "90021", "US"),
    ("CA-ON1", "Toronto", "M5V 2T6", "CA"),
    ("GB-LON", "London", "E14 5AB", "GB"),
    ("DE-BER", "Berlin", "10115", "DE"),
    ("NL-AMS", "Amsterdam", "1012 AB", "NL"),
    ("JP-TYO", "Tokyo", "100-0001", "JP"),
    ("AU-SYD", "Sydney", "2000", "AU"),
]
# Destinations, weighted towards the US: only where checkout can quote tax and duty (Brazil cannot be, so none).
DESTINATIONS = [
    ShippingAddress(
        name="Ada Lovelace", line1="350 Fifth Avenue", city="New York", region="NY", country="US", postal_code="10118"
    ),
    ShippingAddress(
        name="Grace Hopper", line1="1 Grand Ave", city="Los Angeles", region="CA", country="US", postal_code="90012"
    ),
    ShippingAddress(
        name="Alan Turing", line1="233 S Wacker Dr", city="Chicago", region="IL", country="US", postal_code="60606"
    ),
    ShippingAddress(
        name="Anita Borg", line1="1 Yonge St", city="Toronto", region="ON", country="CA", postal_code="M5E 1W7"
    ),
    ShippingAddress(name="Tim Berners-Lee", line1="10 Downing St", city="London", country="GB", postal_code="SW1A 2AA"),
    ShippingAddress(name="Konrad Zuse", line1="Marienplatz 1", city="Munich", country="DE", postal_code="80331"),
    ShippingAddress(name="Sophie Germain", line1="1 Rue de Rivoli", city="Paris", country="FR", postal_code="75001"),
    ShippingAddress(name="Hedy Lamarr", line1="1-1 Chiyoda", city="Tokyo", country="JP", postal_code="100-8111"),
    ShippingAddress(name="Ada Byron", line1="1 Macquarie St", city="Sydney", country="AU", postal_code="2000"),
]
DESTINATION_WEIGHTS = [4, 2, 2, 1, 1, 1, 1, 1, 1]
STOCKED_IN = 3  # each catalogue variant is kept in 3 of the 8 warehouses, so 2- and 3-line orders often split


@dataclass
class Catalogue:
    warehouses: list[Warehouse]
    variants: list[Variant]  # the round variants
    scarce: Variant  # written off after payment in each round, so a few orders backorder
    single: Variant  # query sample: in one warehouse only
    trio: list[Variant]  # query sample: three variants together in one warehouse
    split_trio: list[Variant]  # query sample: three variants, each in its own warehouse


def build_catalogue(*, variant_count: int, units: int) -> Catalogue:
    """Eight warehouses, a seller's catalogue, and stock through the stock service (ledgered)."""
    warehouses = [
        Warehouse.objects.create(
            code=code, name=f"{city} fulfillment centre", address_line1="1 Dock Road", city=city,
            postal_code=postal, country=country, kind=Warehouse.Kind.FULFILLMENT_CENTRE,
        )
        for code, city, postal, country in WAREHOUSES
    ]  # fmt: skip
    seller = Seller.objects.create(
        name="Bench Seller", slug="bench-seller", country="US", support_email="b@example.com"
    )
    category = Category.objects.create(name="Bench", slug="bench")

    def variant(index: int) -> Variant:
        product = Product.objects.create(
            seller=seller, title=f"Bench product {index}", slug=f"bench-product-{index}", description="Bench.",
            category=category, status=Product.Status.ACTIVE, affiliate_commission_rate=Decimal("10.00"),
            hs_code="330499", country_of_origin="US", customs_description="Cosmetic", weight_grams=250,
        )  # fmt: skip
        return Variant.objects.create(
            product=product, sku=f"BENCH-{index:05d}", name=f"Option {index}", price=Decimal("19.99"), currency="USD"
        )

    variants = [variant(index) for index in range(variant_count)]
    for index, item in enumerate(variants):
        for offset in (0, 1, 3):  # three warehouses per variant, a different set for neighbours
            set_stock_quantity(warehouse=warehouses[(index + offset) % 8], variant_id=item.pk, quantity=units)
    scarce = variant(variant_count)
    single = variant(variant_count + 1)
    trio = [variant(variant_count + 2 + i) for i in range(3)]
    split_trio = [variant(variant_count + 5 + i) for i in range(3)]
    set_stock_quantity(warehouse=warehouses[0], variant_id=single.pk, quantity=100_000)
    for item in trio:
        set_stock_quantity(warehouse=warehouses[0], variant_id=item.pk, quantity=100_000)
    for offset, item in enumerate(split_trio):
        set_stock_quantity(warehouse=warehouses[1 + offset], variant_id=item.pk, quantity=100_000)
    return Catalogue(warehouses, variants, scarce, single, trio, split_trio)


def free_by_stock() -> dict[int, tuple[int, int]]:
    """stock pk -> (variant id, units not allocated nor held), over active warehouses, as reserve_stock sees it."""
    held = dict(
        Reservation.objects.active()
        .order_by()
        .values("stock")
        .annotate(total=Sum("quantity"))
        .values_list("stock", "total")
    )
    return {
        pk: (variant_id, quantity - allocated - held.get(pk, 0))
        for pk, variant_id, quantity, allocated in Stock.objects.filter(warehouse__is_active=True).values_list(
            "pk", "variant_id", "quantity", "quantity_allocated"
        )
    }


_SHIPPING: dict[tuple, object] = {}


def _shipping(address: ShippingAddress, items: list[tuple[Variant, int]], subtotal: Decimal):
    """The cheapest method as checkout quotes it (set-up only: memoised per destination and cart)."""
    key = (address.country, address.postal_code[:1], tuple((v.pk, q) for v, q in items), subtotal)
    if key not in _SHIPPING:
        _SHIPPING[key] = quote_shipping(
            items=shipping_items(items),
            country=address.country,
            postal_code=address.postal_code,
            subtotal=subtotal,
            currency="USD",
        )[0]
    return _SHIPPING[key]


def bulk_paid_orders(specs: list[tuple[ShippingAddress, list[tuple[Variant, int]]]]) -> list[int]:
    """Paid orders with held reservations for (address, [(variant, quantity)]) specs; returns their pks in order."""
    now = timezone.now()
    reserved_until = now + timedelta(minutes=settings.RESERVATION_MINUTES)
    free = free_by_stock()
    stocks_of: dict[int, list[int]] = {}
    for pk, (variant_id, _units) in free.items():
        stocks_of.setdefault(variant_id, []).append(pk)
    numbers: set[str] = set(Order.objects.values_list("number", flat=True))
    with transaction.atomic():
        carts = Cart.objects.bulk_create([Cart(session_key=uuid.uuid4().hex) for _ in specs])
        orders, charges_of = [], []
        for cart, (address, items) in zip(carts, specs, strict=True):
            number = new_order_number()
            while number in numbers:
                number = new_order_number()
            numbers.add(number)
            subtotal = sum((variant.price * quantity for variant, quantity in items), Decimal("0"))
            shipping = _shipping(address, items, subtotal)
            # Tax and duty as checkout charges them (the same service; a few queries per order, set-up only).
            charges = charge_quoter(
                country=address.country,
                region=address.region,
                currency=items[0][0].currency,
                lines=chargeable_lines([(variant, quantity, variant.price) for variant, quantity in items]),
            ).for_shipping(shipping.amount)
            charges_of.append(charges)
            orders.append(
                Order(
                    number=number, cart=cart, user=None, email="bench@example.com", status=Order.Status.PAID,
                    currency=items[0][0].currency, subtotal=subtotal, shipping_total=shipping.amount,
                    tax_total=charges.tax_total, duty_total=charges.duty_total, incoterm=charges.incoterm,
                    import_charges_due_at_door=charges.due_at_door, landed_cost_rules=list(charges.explanations),
                    total=subtotal + shipping.amount + charges.at_sale, shipping_method=shipping.code,
                    shipping_method_name=shipping.name, shipping_days_max=shipping.days_max,
                    ship_name=address.name, ship_line1=address.line1, ship_line2=address.line2,
                    ship_city=address.city, ship_region=address.region, ship_postal_code=address.postal_code,
                    ship_country=address.country, ship_phone=address.phone, reserved_until=reserved_until,
                    paid_at=now,
                )
            )  # fmt: skip
        orders = Order.objects.bulk_create(orders)
        lines = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order, variant=variant, product_title=variant.product.title, variant_label=variant.label,
                    sku=variant.sku, quantity=quantity, unit_price=variant.price, currency=variant.currency,
                    line_total=variant.price * quantity, tax_amount=charges.line_taxes[index],
                    duty_amount=charges.line_duties[index],
                    affiliate_commission_rate=variant.product.affiliate_commission_rate,
                )
                for order, charges, (_address, items) in zip(orders, charges_of, specs, strict=True)
                for index, (variant, quantity) in enumerate(items)
            ]
        )  # fmt: skip
        events = []
        for order in orders:
            events.append(OrderEvent(order=order, to_status=Order.Status.PENDING_PAYMENT, kind=OrderEvent.Kind.PLACED))
            events.append(
                OrderEvent(
                    order=order, from_status=Order.Status.PENDING_PAYMENT, to_status=Order.Status.PAID,
                    kind=OrderEvent.Kind.PAID, params=_paid_params(order),
                )
            )  # fmt: skip
        OrderEvent.objects.bulk_create(events)
        # The "order paid" facts, as the payment writes them (the relay dispatches them when the bench says).
        lines_of: dict[int, list[OrderLine]] = {}
        for line in lines:
            lines_of.setdefault(line.order_id, []).append(line)
        OutboxEvent.objects.bulk_create(
            [OutboxEvent(name=order_paid.name, payload=_paid_payload(order, lines_of[order.pk])) for order in orders]
        )
        reservations = []
        for line in lines:  # reserve_stock's choice: most free units first, then lowest pk; all or nothing
            missing = line.quantity
            candidates = sorted(stocks_of.get(line.variant_id, []), key=lambda pk: (-free[pk][1], pk))
            for pk in candidates:
                take = min(missing, free[pk][1])
                if take <= 0:
                    continue
                free[pk] = (free[pk][0], free[pk][1] - take)
                missing -= take
                reservations.append(Reservation(order_line=line, stock_id=pk, quantity=take, reserved_until=None))
                if missing == 0:
                    break
            if missing:
                raise RuntimeError(f"bench stock too small: variant {line.variant_id} short of {missing}")
        Reservation.objects.bulk_create(reservations)
        # Written in bulk past the stock service: take the units off the stored counts as it would.
        variant_of_line = {line.pk: line.variant_id for line in lines}
        taken: dict[int, int] = {}
        for reservation in reservations:
            variant_id = variant_of_line[reservation.order_line_id]
            taken[variant_id] = taken.get(variant_id, 0) - reservation.quantity
        shift_available(taken)
    return [order.pk for order in orders]


def _paid_params(order: Order) -> dict:
    return {"amount": str(order.total), "currency": order.currency, "attempt": 1}


def _paid_payload(order: Order, lines: list[OrderLine]) -> dict:
    """announce_paid's payload, from rows in memory (it would read the lines again)."""
    order._prefetched_objects_cache = {"lines": lines}
    return {"order_id": order.pk, "number": order.number, "fulfillment": fulfillment_request(order).as_payload()}


def paid_facts(pks: list[int]) -> list[int]:
    """The outbox ids of these orders' "order paid" facts, in order."""
    ids = dict(
        OutboxEvent.objects.filter(name=order_paid.name, payload__order_id__in=pks).values_list(
            "payload__order_id", "pk"
        )
    )
    return [ids[pk] for pk in pks]


def random_specs(catalogue: Catalogue, count: int, rng: random.Random, *, with_scarce: bool = True) -> list:
    """A mix: 60 % single-line, 25 % two lines, 15 % three lines, 1-2 units each; ~1 % include the scarce variant."""
    specs = []
    for _ in range(count):
        address = rng.choices(DESTINATIONS, DESTINATION_WEIGHTS)[0]
        size = rng.choices((1, 2, 3), (60, 25, 15))[0]
        variants = rng.sample(catalogue.variants, size)
        if with_scarce and rng.random() < 0.01:
            variants[0] = catalogue.scarce
        specs.append((address, [(variant, rng.choice((1, 1, 1, 2))) for variant in variants]))
    return specs


def open_backorder_units(variant: Variant) -> int:
    """Units of the variant still backordered (not yet allocated)."""
    open_units = Backorder.objects.filter(order_line__variant=variant, allocated_at__isnull=True)
    return open_units.aggregate(total=Sum("quantity"))["total"] or 0


def stock_scarce_variant(catalogue: Catalogue, specs: list) -> int:
    """Give the scarce variant the free units this round's orders ask for, in two warehouses, plus last round's
    backorders: raising a count enqueues allocate_backorders_task, which fills those first (the caller waits)."""
    wanted = sum(quantity for _address, items in specs for variant, quantity in items if variant == catalogue.scarce)
    wanted += open_backorder_units(catalogue.scarce)
    for index, warehouse in enumerate(catalogue.warehouses[:2]):
        share = wanted // 2 + (wanted % 2 if index == 0 else 0)
        stock = Stock.objects.filter(warehouse=warehouse, variant=catalogue.scarce).first()
        allocated = stock.quantity_allocated if stock else 0
        set_stock_quantity(warehouse=warehouse, variant_id=catalogue.scarce.pk, quantity=allocated + share)
    return wanted


def write_off_scarce(catalogue: Catalogue, units: int) -> int:
    """After payment, some of the scarce variant is found damaged (through the stock service): a few backorders."""
    written_off = 0
    for warehouse in catalogue.warehouses[:2]:
        stock = Stock.objects.get(warehouse=warehouse, variant=catalogue.scarce)
        take = min(units - written_off, stock.quantity - stock.quantity_allocated)
        if take > 0:
            adjust_stock(
                warehouse=warehouse, variant_id=catalogue.scarce.pk, change=-take,
                reason=StockMovement.Reason.DAMAGED, reference="bench: found damaged after payment",
            )  # fmt: skip
            written_off += take
    return written_off


def round_state(first: int, last: int) -> dict:
    """Correctness of one round's orders after allocation, and the stock ledger."""
    lines = OrderLine.objects.filter(order__id__range=(first, last))
    allocated = (
        Allocation.objects.filter(order_line=OuterRef("pk")).order_by().values("order_line").annotate(t=Sum("quantity"))
    )
    backordered = (
        Backorder.objects.filter(order_line=OuterRef("pk")).order_by().values("order_line").annotate(t=Sum("quantity"))
    )
    annotated = lines.annotate(
        allocated=Coalesce(Subquery(allocated.values("t"), output_field=IntegerField()), Value(0)),
        backordered=Coalesce(Subquery(backordered.values("t"), output_field=IntegerField()), Value(0)),
    )
    rows = list(annotated.values_list("quantity", "allocated", "backordered"))
    orders = Order.objects.filter(pk__range=(first, last))
    wrong_warehouse = Allocation.objects.filter(order_line__order__id__range=(first, last)).exclude(
        fulfillment_order__warehouse_id=Subquery(Stock.objects.filter(pk=OuterRef("stock_id")).values("warehouse_id"))
    )
    fulfillment_orders = FulfillmentOrder.objects.filter(order__id__range=(first, last))
    split = fulfillment_orders.order_by().values("order_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    total_allocated = Allocation.objects.aggregate(t=Sum("quantity"))["t"] or 0
    return {
        "orders": orders.count(),
        "lines": len(rows),
        "lines not exactly covered": sum(1 for q, a, b in rows if a + b != q),
        "lines with two backorders": Backorder.objects.filter(order_line__order__id__range=(first, last))
        .order_by()
        .values("order_line")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "allocations in another warehouse than their fulfillment order": wrong_warehouse.count(),
        "reservations left": Reservation.objects.filter(order_line__order__id__range=(first, last)).count(),
        "orders split over warehouses": split,
        "orders with a backorder": orders.filter(
            Exists(Backorder.objects.filter(order_line__order=OuterRef("pk")))
        ).count(),
        "units backordered": sum(b for _q, _a, b in rows),
        "units allocated": sum(a for _q, a, _b in rows),
        "stock allocated = allocations": Stock.objects.aggregate(t=Sum("quantity_allocated"))["t"] == total_allocated,
        "stock_ledger_mismatches()": stock_ledger_mismatches(),
        **_allocation_mismatches(),
    }


def _allocation_mismatches() -> dict:
    """fulfillment.selectors.allocation_mismatches() where the checkout in use has it (added by issue 5)."""
    try:
        from fulfillment.selectors import allocation_mismatches
    except ImportError:
        return {}
    return {"allocation_mismatches()": allocation_mismatches()}


def done_count(first: int, last: int) -> int:
    """Orders of the range that have an allocation or a backorder (allocate_order writes them in one transaction)."""
    return (
        Order.objects.filter(pk__range=(first, last))
        .filter(
            Q(Exists(Allocation.objects.filter(order_line__order=OuterRef("pk"))))
            | Q(Exists(Backorder.objects.filter(order_line__order=OuterRef("pk"))))
        )
        .count()
    )


def _snapshot(order: Order) -> dict:
    skip_order = {"id", "number", "cart", "created_at", "updated_at", "paid_at", "reserved_until"}
    return {
        "order": {
            f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields if f.name not in skip_order
        },
        "reserved_until set": order.reserved_until is not None,
        "paid_at set": order.paid_at is not None,
        "lines": [
            {
                f.attname: getattr(line, f.attname)
                for f in OrderLine._meta.concrete_fields
                if f.name not in {"id", "order"}
            }
            for line in order.lines.order_by("pk")
        ],
        "events": list(order.events.order_by("pk").values_list("from_status", "to_status", "by", "kind", "params")),
        "paid facts": [
            _fact_shape(payload)
            for payload in OutboxEvent.objects.filter(name=order_paid.name, payload__order_id=order.pk).values_list(
                "payload", flat=True
            )
        ],
        "reservations": list(
            Reservation.objects.filter(order_line__order=order)
            .order_by("pk")
            .values_list("stock__variant_id", "quantity", "reserved_until")
        ),
    }


def _fact_shape(payload: dict) -> dict:
    """What a paid fact says, without the ids that differ between two orders."""
    request = payload["fulfillment"]
    lines = [(line["variant_id"], line["quantity"], line["unit_value"]) for line in request["lines"]]
    return {**{k: v for k, v in request.items() if k not in {"order_id", "number", "lines"}}, "lines": lines}


def check_bulk_matches_services(catalogue: Catalogue) -> None:
    """One order through place_order + hold_reservations + set_order_status, one in bulk: the same rows."""
    items = [(catalogue.trio[0], 2), (catalogue.trio[1], 1)]
    address = DESTINATIONS[0]
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    subtotal = sum((variant.price * quantity for variant, quantity in items), Decimal("0"))
    shipping = _shipping(address, items, subtotal)
    by_services = place_order(cart=cart, email="bench@example.com", address=address, shipping=shipping)
    hold_reservations(claims=claims_of(list(by_services.lines.all())))
    set_order_status(
        order=by_services, to=Order.Status.PAID, kind=OrderEvent.Kind.PAID, params=_paid_params(by_services)
    )
    announce_paid(by_services)
    CartLine.objects.filter(cart=cart).delete()  # as the webhook's remove_ordered_lines leaves the cart
    (first,) = bulk_paid_orders([(address, items)])
    expected, got = _snapshot(Order.objects.get(pk=by_services.pk)), _snapshot(Order.objects.get(pk=first))
    if expected != got:
        raise AssertionError(f"bulk-made paid order differs from checkout's:\n{expected}\n{got}")
