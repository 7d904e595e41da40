"""The shop's side of the seam with fulfillment: what a paid order asks it to ship, and the order's status
derived from what fulfillment announces.

Commands go down (fulfillment.services), facts come up (fulfillment.events, handled in shop/receivers.py).
Lock order between the apps: the shop's Order row first, then fulfillment's rows (its OutboundOrder,
fulfillment orders, stock), each in primary-key order. Fulfillment never locks the shop's rows.
"""

from dataclasses import asdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fulfillment.models import Allocation
from fulfillment.requests import FulfillmentLine, FulfillmentRequest, ShipTo
from fulfillment.selectors import shipping_progress
from fulfillment.services.allocation import allocate_order, stop_fulfillment
from fulfillment.services.customs import LineCustoms, update_customs_data
from shop import events
from shop.currencies import quantize_money
from shop.customs import CustomsData, customs_by_variant, effective_customs_data
from shop.exchange_rates import MissingExchangeRate
from shop.models import Order, OrderEvent, OrderLine, SellerCustomsProfile, Variant
from shop.selectors import exchange_rates_on
from shop.services.orders import ORDER_TRANSITIONS, set_order_status

S = Order.Status


def ship_to_of(order: Order) -> ShipTo:
    """The address the order was paid to ship to, as fulfillment reads it (and a return comes back from)."""
    return ShipTo(
        name=order.ship_name,
        line1=order.ship_line1,
        line2=order.ship_line2,
        city=order.ship_city,
        region=order.ship_region,
        postal_code=order.ship_postal_code,
        country=str(order.ship_country),
        phone=order.ship_phone,
    )


def fulfillment_request(order: Order, *, lines: list[OrderLine] | None = None) -> FulfillmentRequest:
    """What the order asks fulfillment to ship, as plain data (the lines and address paid for, with customs data).

    Customs data is the variants' as it is now (variant, else product), complete or not: fulfillment holds
    what crosses a border without it. Across a border the request also carries the order's incoterm, the
    goods' value in SDR (empty when no XDR exchange rate is known) and the exporter for the declaration.
    `lines`: the order's lines in id order when the caller holds them (with variant and product: no query).
    """
    lines = list(order.lines.all()) if lines is None else lines
    customs = _customs_of_lines(lines)
    empty = CustomsData(hs_code="", country_of_origin="", customs_description="", net_weight_grams=0)
    abroad = str(order.ship_country) != settings.SHOP_HOME_COUNTRY or bool(order.incoterm)
    return FulfillmentRequest(
        order_id=order.pk,
        number=order.number,
        currency=order.currency,
        shipping_method=order.shipping_method,
        shipping_days_max=order.shipping_days_max,
        promised_from=order.promised_from.isoformat() if order.promised_from else "",
        promised_to=order.promised_to.isoformat() if order.promised_to else "",
        incoterm=order.incoterm,
        value_in_sdr=value_in_sdr(order, lines) if abroad else "",
        exporter=exporter_of(lines) if abroad else {},
        ship_to=ship_to_of(order),
        lines=tuple(
            FulfillmentLine(
                line_id=line.pk,
                variant_id=line.variant_id,
                sku=line.sku,
                product_title=line.product_title,
                variant_label=line.variant_label,
                quantity=line.quantity,
                unit_value=line.unit_price,
                **asdict(customs.get(line.variant_id, empty)),
            )
            for line in lines
        ),
    )


def value_in_sdr(order: Order, lines: list[OrderLine]) -> str:
    """The goods' value in SDR (XDR) on the day the order was placed, as a string; empty without a rate."""
    goods = sum((line.line_total for line in lines), Decimal("0"))
    on = order.created_at.date()
    try:
        value = exchange_rates_on(on=on).convert(goods, from_currency=order.currency, to_currency="XDR", on=on)
    except MissingExchangeRate:
        return ""
    return str(quantize_money(value, "XDR"))


def exporter_of(lines: list[OrderLine]) -> dict[str, str]:
    """The exporter on the declaration: the seller's customs profile when one seller sold every line (and has
    one), else the marketplace's own (settings.MARKETPLACE_EXPORTER); one query."""
    sellers = set(
        Variant.objects.filter(pk__in={line.variant_id for line in lines}).values_list("product__seller_id", flat=True)
    )
    profile = SellerCustomsProfile.objects.filter(seller_id=sellers.pop()).first() if len(sellers) == 1 else None
    if profile is None:
        return {key: str(value) for key, value in settings.MARKETPLACE_EXPORTER.items()}
    return {
        "name": profile.exporter_name,
        "line1": profile.address_line1,
        "line2": profile.address_line2,
        "city": profile.city,
        "region": "",
        "postal_code": profile.postal_code,
        "country": str(profile.country),
        "eori": profile.eori_number,
        "vat_number": profile.vat_number,
        "ioss_number": profile.ioss_number,
    }


def _customs_of_lines(lines: list[OrderLine]) -> dict[int, CustomsData]:
    """Each line's variant's customs data: from the variants loaded with the lines, else in one query."""
    if lines and all(OrderLine.variant.is_cached(line) and Variant.product.is_cached(line.variant) for line in lines):
        return {line.variant_id: effective_customs_data(line.variant) for line in lines}
    return customs_by_variant(variant_ids=[line.variant_id for line in lines])


def announce_paid(order: Order, *, lines: list[OrderLine] | None = None) -> None:
    """Write the "order paid" fact in the current transaction, with the request fulfillment will get."""
    events.order_paid.publish(
        order_id=order.pk, number=order.number, fulfillment=fulfillment_request(order, lines=lines).as_payload()
    )


def send_customs_data(*, variant_ids: list[int]) -> int:
    """Hand fulfillment the variants' current customs data for the lines it still has to ship; answers how many."""
    current = customs_by_variant(variant_ids=variant_ids)
    return update_customs_data(by_variant={pk: LineCustoms(**asdict(data)) for pk, data in current.items()})


def send_to_fulfillment(*, order_id: int) -> list[Allocation]:
    """Hand a paid order to fulfillment now, with its current lines and address (demo data, tests, benches).

    The paid-order handler does the same from the fact's snapshot.
    """
    order = Order.objects.get(pk=order_id)
    if order.status != S.PAID:
        return []
    return allocate_order(request=fulfillment_request(order))


def stop_fulfillment_of(*, order_id: int, number: str) -> int:
    """The order will not ship: fulfillment gives back its unshipped stock (safe to repeat)."""
    return stop_fulfillment(order_id=order_id, number=number, reference=f"order {number}")


def sync_order_status(*, order_id: int) -> str:
    """Derive shipped / partly shipped / delivered / partly delivered from fulfillment's shipping progress.

    Idempotent and independent of the order in which fulfillment's facts arrive: it reads the state,
    never the event. A status the machine does not allow from here (refunded, returned) is left alone.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        progress = shipping_progress(order_id=order_id)
        if not progress.handed_over:
            return order.status
        fully_delivered = progress.delivered and not progress.waiting and progress.delivered == progress.shipments
        if fully_delivered and order.delivered_on is None and progress.last_delivered_at is not None:
            # The day the promise is judged by: the last parcel's delivery, in the shop's time zone.
            order.delivered_on = timezone.localdate(progress.last_delivered_at)
            order.save(update_fields=["delivered_on", "updated_at"])
        if fully_delivered:
            target = S.DELIVERED
        elif progress.delivered:
            target = S.PARTIALLY_DELIVERED
        elif progress.waiting:
            target = S.PARTIALLY_FULFILLED
        else:
            target = S.FULFILLED
        if target != order.status and target in ORDER_TRANSITIONS[order.status]:
            set_order_status(order=order, to=target, kind=OrderEvent.Kind.SHIPPING_PROGRESS)
        return order.status
