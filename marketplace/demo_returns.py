"""Demo returns for `seed_demo`: the demo shopper's delivered orders with a return in every state.

Each return goes through the services the site uses: the shopper asks (`request_return`, with a photo
when something arrived damaged), the policy or staff decide (`approve`/`reject_return`,
`refund_without_return`), fulfillment buys the prepaid label, the simulated carrier scans the parcel
back (fixed seed), staff receive and inspect it at the returns centre (restock), and the refund goes
to the Stripe stand-in. Handlers run as the relay delivers them (`deliver_pending`). Together with the
parcel refused at the door in `demo_orders` (a return opened by the carrier), the shopper's returns
are in every state: waiting for review, rejected, refunded without return, approved with a label, on
its way back, received, inspected and refunded, expired. Skipped when the shopper has returns already.
"""

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from fulfillment.models import InboundReturn, InboundReturnLine
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from marketplace.demo_orders import (
    ADDRESSES,
    SEED,
    DemoOrder,
    _sellable,
    advance_demo_order,
    carry_demo_shipment,
    paid_demo_order,
)
from marketplace.outbox import deliver_pending
from shop.models import Order, ReturnRequest, Variant
from shop.services.returns import refund_without_return, reject_return, request_return
from shop.tasks import expire_unsent_returns

# Delivered orders, one line per return, and the state each line's return is taken to.
RETURN_ORDERS = (
    (DemoOrder("delivered", "US", lines=3), ("in_review", "rejected", "refunded_without_return")),
    (DemoOrder("delivered", "US-W", lines=3), ("approved", "in_transit", "received")),
    (DemoOrder("delivered", "GB", lines=2), ("completed", "expired")),  # to the Midlands returns centre
)
# Why each was sent back (damaged and not as described need a photo and wait for staff).
REASONS = {
    "in_review": ("damaged", "The lid arrived cracked and the box was crushed."),
    "rejected": ("not_as_described", "The colour is darker than in the video."),
    "refunded_without_return": ("damaged", "The bottle leaked in the parcel."),
    "approved": ("changed_mind", ""),
    "in_transit": ("doesnt_fit", "Too small."),
    "received": ("arrived_late", "It came after the birthday."),
    "completed": ("doesnt_fit", "One size up, please, next time."),
    "expired": ("changed_mind", ""),
}
MAX_PRICE = 100  # every return the policy approves by itself stays under its value limit


def seed_demo_returns(report, *, shopper, by) -> list[ReturnRequest]:
    """Create the demo returns (once) on delivered orders of their own; returns them."""
    if ReturnRequest.objects.filter(order__user=shopper).exclude(source=ReturnRequest.Source.CARRIER).exists():
        return []
    rng = random.Random(f"{SEED}:returns")
    variants = list(
        Variant.objects.filter(
            is_active=True,
            product__status="active",
            currency="USD",
            price__lte=MAX_PRICE,
            stocks__quantity__gte=5,
            product__final_sale=False,
        )
        .select_related("product")
        .distinct()
        .order_by("pk")[:80]
    )
    made = []
    for plan, states in RETURN_ORDERS:
        pool = _sellable(variants, to=ADDRESSES[plan.address].country)  # what checkout accepts for that country
        order = paid_demo_order(plan, shopper=shopper, rng=rng, tags=[], variants=pool)
        if order is None:
            continue
        advance_demo_order(order, plan.state, by=by)
        report.add("orders")
        deliver_pending()
        lines = list(order.lines.order_by("pk"))
        for line, state in zip(lines, states, strict=False):
            made.append(_return_to(state, order=order, line_id=line.pk, shopper=shopper, by=by))
            report.add("returns")
    return made


def _return_to(state: str, *, order: Order, line_id: int, shopper, by) -> ReturnRequest:
    """Ask for the line's return and take it to `state` through the shopper's, staff's and carrier's steps."""
    reason, comment = REASONS[state]
    photos = [_photo_of_damage(f"{order.number}-{line_id}.jpg")] if reason in ("damaged", "not_as_described") else []
    ret = request_return(order=order, lines=[(line_id, 1)], reason=reason, comment=comment, photos=photos, by=shopper)
    deliver_pending()  # the label is bought, the shopper emailed
    if state == "rejected":
        reject_return(return_id=ret.pk, message="The photo shows the colour the listing describes.", by=by)
    elif state == "refunded_without_return":
        refund_without_return(return_id=ret.pk, message="Not worth the trip back: keep it, with our apologies.", by=by)
    elif state == "in_transit":
        carry_demo_shipment(_parcel(ret), scans=2, exception=False)
    elif state in ("received", "completed"):
        carry_demo_shipment(_parcel(ret), scans=None, exception=False)  # to the returns centre's door
        deliver_pending()
        inbound = receive_return(code=_parcel(ret).tracking_number, by=by)
        if state == "completed":
            deliver_pending()
            lines = InboundReturnLine.objects.filter(inbound_return=inbound)
            restock = [Disposition(line_id=line.pk, restock=line.quantity) for line in lines]
            inspect_return(return_id=ret.pk, dispositions=restock, by=by)
    elif state == "expired":
        # Approved more than RETURNS_SHIP_BY_DAYS ago and never sent: the beat task voids its label and closes it.
        ReturnRequest.objects.filter(pk=ret.pk).update(
            approved_at=timezone.now() - dt.timedelta(days=20), ship_by=timezone.now() - dt.timedelta(days=6)
        )
        expire_unsent_returns()
    deliver_pending()  # refunds sent to the stand-in, emails, the order's status
    ret.refresh_from_db()
    if ret.status != state:
        raise RuntimeError(f"Demo return {ret.number} is {ret.status}, not {state}.")
    return ret


def _parcel(ret: ReturnRequest):
    return InboundReturn.objects.select_related("shipment").get(pk=ret.pk).shipment


def _photo_of_damage(name: str) -> SimpleUploadedFile:
    """A shopper's snapshot: a parcel with a crack across its lid (drawn, nothing downloaded)."""
    image = Image.new("RGB", (640, 480), (214, 200, 178))
    draw = ImageDraw.Draw(image)
    draw.rectangle((140, 120, 500, 380), fill=(181, 140, 96), outline=(120, 88, 56), width=6)
    draw.line((150, 250, 260, 200, 330, 270, 420, 210, 490, 240), fill=(60, 40, 30), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
