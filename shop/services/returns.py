"""Free returns: the shopper asks, the policy (or staff) decides, fulfillment brings it back, the money moves once.

`request_return` is the one service the order page and the API share. A return's status changes only
through `set_return_status` (RETURN_TRANSITIONS); each change is a line on the order's timeline.
Approval announces `shop.return_approved`; fulfillment's facts (label ready, in transit, received,
inspected) come back through shop/receivers.py, which call the functions below. The refund is one
Refund row per return (its idempotency key is the return's), written in the transaction that
decides it and sent to Stripe after commit: a replayed scan, webhook, click or task never refunds twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fulfillment.requests import ReturnLineRequest, ReturnRequestToReceive
from fulfillment.selectors import delivered_units, returns_centre_for
from shop import events
from shop.models import (
    CLAIMING_RETURN_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
    Refund,
    ReturnLine,
    ReturnPhoto,
    ReturnRequest,
)
from shop.services.images import check_image
from shop.services.order_fulfillment import ship_to_of
from shop.services.orders import ORDER_TRANSITIONS, record_order_event, set_order_status
from shop.services.payments import RefundNotAllowed, open_line_refund

S = ReturnRequest.Status
Reason = ReturnRequest.Reason
K = OrderEvent.Kind
RETURN_TRANSITIONS: dict[str, set[str]] = {
    S.IN_REVIEW: {S.APPROVED, S.REJECTED, S.REFUNDED_WITHOUT_RETURN},
    S.APPROVED: {S.IN_TRANSIT, S.RECEIVED, S.EXPIRED},
    S.IN_TRANSIT: {S.RECEIVED},
    S.RECEIVED: {S.COMPLETED},
    S.EXPIRED: {S.RECEIVED},  # it turned up at the centre after all
    S.COMPLETED: set(),
    S.REFUNDED_WITHOUT_RETURN: set(),
    S.REJECTED: set(),
}
SHOPPER_REASONS = [reason for reason in Reason if reason != Reason.RETURNED_TO_SENDER]
# The kind of timeline line each status is reached with.
STATUS_EVENT = {
    S.APPROVED: K.RETURN_APPROVED,
    S.REJECTED: K.RETURN_REJECTED,
    S.IN_TRANSIT: K.RETURN_IN_TRANSIT,
    S.RECEIVED: K.RETURN_RECEIVED,
    S.COMPLETED: K.RETURN_INSPECTED,
    S.REFUNDED_WITHOUT_RETURN: K.RETURN_REFUNDED_WITHOUT_RETURN,
    S.EXPIRED: K.RETURN_EXPIRED,
}


class ReturnNotAllowed(Exception):
    """A return cannot be asked for or decided; `field` names the input at fault (for form and API errors)."""

    def __init__(self, code: str, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class IllegalReturnTransition(ReturnNotAllowed):
    def __init__(self, ret: ReturnRequest, to: str) -> None:
        super().__init__(
            "illegal_transition",
            f"Return {ret.number} is {ret.get_status_display().lower()}: it cannot become {S(to).label.lower()}.",
        )


# ---------------------------------------------------------------------------------- what can be returned


@dataclass(frozen=True)
class ReturnableLine:
    line: OrderLine
    returnable: int  # units that can be asked for now
    why_not: str  # why none can, in words ("" when some can)
    window_ends: dt.datetime | None


def returnable_lines(*, order: Order, now: dt.datetime | None = None) -> list[ReturnableLine]:
    """Each line of the order with the units a return may still ask for, and why not when none (4 queries)."""
    now = now or timezone.now()
    window = dt.timedelta(days=settings.RETURNS_WINDOW_DAYS)
    delivered = delivered_units(order_id=order.pk)
    claimed = dict(
        ReturnLine.objects.filter(return_request__order=order, return_request__status__in=CLAIMING_RETURN_STATUSES)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    refunded_apart: Counter[int] = Counter()  # units refunded by staff, not through a return
    for refund in Refund.objects.filter(order=order, return_request__isnull=True).exclude(status=Refund.Status.FAILED):
        for item in refund.lines:
            refunded_apart[int(item["order_line_id"])] += int(item["quantity"])
    result = []
    for line in order.lines.select_related("variant__product").order_by("pk"):
        units = delivered.get(line.pk)
        window_ends = units.delivered_at + window if units and units.delivered_at else None
        why = ""
        if line.variant.product.final_sale:
            why = "Final sale: this item cannot be returned."
        elif units is None:
            why = "Not delivered yet: you can return it once it has arrived."
        elif window_ends is not None and window_ends < now:
            why = f"The return window closed on {window_ends:%-d %b %Y}."
        left = 0
        if not why:
            left = max(0, min(units.quantity, line.quantity - refunded_apart[line.pk]) - claimed.get(line.pk, 0))
            if not left:
                why = "Already returned or refunded."
        result.append(ReturnableLine(line=line, returnable=left, why_not=why, window_ends=window_ends))
    return result


# ---------------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Decision:
    status: str
    review_reason: str
    cost_bearer: str
    refund_at: str
    refund_shipping: bool


def decide(*, reason: str, value: Decimal, currency: str) -> Decision:
    """The returns policy from the settings: who pays, when the money moves, whether staff look first."""
    limit = settings.RETURNS_AUTO_APPROVE_MAX_VALUE.get(currency)
    review = ""
    if reason in settings.RETURNS_REVIEW_REASONS:
        review = f"{Reason(reason).label}: staff look at the photos first."
    elif limit is None or value > Decimal(str(limit)):
        review = f"Worth {value} {currency}, above what is approved without a look."
    return Decision(
        status=S.IN_REVIEW if review else S.APPROVED,
        review_reason=review,
        cost_bearer=(
            ReturnRequest.CostBearer.SELLER
            if reason in settings.RETURNS_SELLER_PAYS_REASONS
            else ReturnRequest.CostBearer.PLATFORM
        ),
        refund_at=(
            ReturnRequest.RefundAt.FIRST_SCAN
            if reason in settings.RETURNS_REFUND_AT_FIRST_SCAN_REASONS
            else ReturnRequest.RefundAt.INSPECTION
        ),
        refund_shipping=reason in settings.RETURNS_REFUND_SHIPPING_REASONS,
    )


# ---------------------------------------------------------------------------------- asking


def _clean_request(
    *, lines: list[tuple[int, int]], reason: str, comment: str, photos: list[UploadedFile]
) -> tuple[Counter[int], str]:
    if reason not in SHOPPER_REASONS:
        raise ReturnNotAllowed("invalid_reason", "Choose why you are sending it back.", field="reason")
    if "\x00" in comment:
        raise ReturnNotAllowed("invalid_comment", "The comment contains characters we cannot store.", field="comment")
    comment = comment.strip()
    if len(comment) > 1000:
        raise ReturnNotAllowed("invalid_comment", "Keep the comment under 1,000 characters.", field="comment")
    if len(photos) > settings.RETURNS_MAX_PHOTOS:
        raise ReturnNotAllowed("too_many_photos", f"Add at most {settings.RETURNS_MAX_PHOTOS} photos.", field="photos")
    if reason in settings.RETURNS_PHOTO_REQUIRED_REASONS and not photos:
        raise ReturnNotAllowed("photos_required", "Add at least one photo that shows what is wrong.", field="photos")
    for photo in photos:
        try:
            extension = check_image(photo)
        except ValidationError as error:
            raise ReturnNotAllowed("invalid_photo", f"{photo.name}: {error.messages[0]}", field="photos") from error
        # Stored under a name of ours with the extension its content proved, never the shopper's file name.
        photo.name = f"{uuid.uuid4().hex}.{extension}"
    asked: Counter[int] = Counter()
    for line_id, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ReturnNotAllowed("invalid_quantity", "Quantities are whole numbers from 0.", field="lines")
        if quantity:
            asked[int(line_id)] += quantity
    if not asked:
        raise ReturnNotAllowed("nothing_to_return", "Choose at least one item to send back.", field="lines")
    return asked, comment


def request_return(
    *,
    order: Order,
    lines: list[tuple[int, int]],
    reason: str,
    comment: str = "",
    photos: list[UploadedFile] | None = None,
    by=None,
) -> ReturnRequest:
    """Open a return for some delivered units; the policy approves it or sends it to staff.

    The order row is locked while the units are counted, so two requests (two tabs) for the last
    returnable unit cannot both pass. Raises ReturnNotAllowed (nothing is written).
    """
    photos = photos or []
    asked, comment = _clean_request(lines=lines, reason=reason, comment=comment, photos=photos)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        returnable = {row.line.pk: row for row in returnable_lines(order=order)}
        value = Decimal("0")
        for line_id, quantity in sorted(asked.items()):
            row = returnable.get(line_id)
            if row is None:
                raise ReturnNotAllowed("unknown_line", f"Line {line_id} is not part of this order.", field="lines")
            if quantity > row.returnable:
                why = row.why_not or f"Only {row.returnable} can be returned."
                raise ReturnNotAllowed("exceeds_returnable", f"{row.line.product_title}: {why}", field="lines")
            value += row.line.unit_price * quantity
        decision = decide(reason=reason, value=value, currency=order.currency)
        warehouse = returns_centre_for(country=str(order.ship_country), postal_code=order.ship_postal_code)
        ret = ReturnRequest.objects.create(
            number=f"{order.number}-R{order.returns.count() + 1}",
            order=order,
            status=S.IN_REVIEW,
            reason=reason,
            comment=comment,
            cost_bearer=decision.cost_bearer,
            refund_at=decision.refund_at,
            refund_shipping=decision.refund_shipping,
            review_reason=decision.review_reason,
            value=value,
            currency=order.currency,
            warehouse=warehouse,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(return_request=ret, order_line_id=line_id, quantity=quantity)
            for line_id, quantity in sorted(asked.items())
        )
        for photo in photos:
            ReturnPhoto.objects.create(return_request=ret, image=photo)
        record_order_event(
            order=order,
            kind=K.RETURN_REQUESTED,
            params={"return": ret.number, "reason": ret.get_reason_display(), "units": sum(asked.values())},
            by=by,
        )
        events.return_requested.publish(return_id=ret.pk, order_id=order.pk, in_review=decision.status == S.IN_REVIEW)
        if decision.status == S.APPROVED:
            _approve(ret, by=None)
    return ret


# ---------------------------------------------------------------------------------- the status door


def set_return_status(*, ret: ReturnRequest, to: str, params: dict | None = None, by=None) -> bool:
    """Move a (locked) return along its machine and write the timeline line; False when already there."""
    if ret.status == to:
        return False
    if to not in RETURN_TRANSITIONS[ret.status]:
        raise IllegalReturnTransition(ret, to)
    now = timezone.now()
    ret.status = to
    fields = ["status", "updated_at"]
    stamp = {S.APPROVED: "approved_at", S.IN_TRANSIT: "shipped_at", S.RECEIVED: "received_at"}.get(to)
    if to in (S.COMPLETED, S.REJECTED, S.REFUNDED_WITHOUT_RETURN, S.EXPIRED):
        stamp = "closed_at"
    if stamp and getattr(ret, stamp) is None:
        setattr(ret, stamp, now)
        fields.append(stamp)
    ret.save(update_fields=fields)
    record_order_event(order=ret.order, kind=STATUS_EVENT[to], params={"return": ret.number, **(params or {})}, by=by)
    return True


def _lock(return_id: int) -> ReturnRequest:
    return ReturnRequest.objects.select_for_update().select_related("order").get(pk=return_id)


def _approve(ret: ReturnRequest, *, by) -> None:
    set_return_status(ret=ret, to=S.APPROVED, by=by)
    ret.ship_by = timezone.now() + dt.timedelta(days=settings.RETURNS_SHIP_BY_DAYS)
    ret.save(update_fields=["ship_by", "updated_at"])
    events.return_approved.publish(return_id=ret.pk, order_id=ret.order_id, receive=_to_receive(ret).as_payload())


def _to_receive(ret: ReturnRequest, *, shipment_id: int | None = None) -> ReturnRequestToReceive:
    order = ret.order
    return ReturnRequestToReceive(
        return_id=ret.pk,
        number=ret.number,
        order_id=order.pk,
        warehouse_id=ret.warehouse_id,
        ship_from=ship_to_of(order),
        lines=tuple(
            ReturnLineRequest(
                line_id=line.pk,
                order_line_id=line.order_line_id,
                variant_id=line.order_line.variant_id,
                quantity=line.quantity,
            )
            for line in ret.lines.select_related("order_line")
        ),
        shipment_id=shipment_id,
    )


# ---------------------------------------------------------------------------------- staff decisions


def approve_return(*, return_id: int, by=None) -> ReturnRequest:
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status != S.APPROVED:
            if ret.status != S.IN_REVIEW:
                raise IllegalReturnTransition(ret, S.APPROVED)
            ret.decided_by = by if getattr(by, "is_authenticated", False) else None
            ret.save(update_fields=["decided_by", "updated_at"])
            _approve(ret, by=by)
    return ret


def reject_return(*, return_id: int, message: str, by=None) -> ReturnRequest:
    message = (message or "").strip()
    if not message or "\x00" in message or len(message) > 500:
        raise ReturnNotAllowed("message_required", "Tell the shopper why, in up to 500 characters.", field="message")
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status == S.REJECTED:  # a second click: the first decision stands
            return ret
        ret.decision_message = message
        ret.decided_by = by if getattr(by, "is_authenticated", False) else None
        set_return_status(ret=ret, to=S.REJECTED, params={"message": message}, by=by)
        ret.save(update_fields=["decision_message", "decided_by", "updated_at"])
        events.return_closed.publish(return_id=ret.pk, order_id=ret.order_id, status=ret.status)
    return ret


def refund_without_return(*, return_id: int, message: str = "", by=None) -> ReturnRequest:
    """Not worth shipping back: refund the units now and let the shopper keep them."""
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status == S.REFUNDED_WITHOUT_RETURN:  # a second click: refunded once
            return ret
        ret.decision_message = (message or "").replace("\x00", "").strip()[:500]
        ret.decided_by = by if getattr(by, "is_authenticated", False) else None
        set_return_status(ret=ret, to=S.REFUNDED_WITHOUT_RETURN, params={"message": ret.decision_message}, by=by)
        ret.save(update_fields=["decision_message", "decided_by", "updated_at"])
        lines = list(ret.lines.all())
        for line in lines:
            line.quantity_accepted = line.quantity
        ReturnLine.objects.bulk_update(lines, ["quantity_accepted"])
        _refund(ret, {line.order_line_id: line.quantity for line in lines}, by=by)
        events.return_closed.publish(return_id=ret.pk, order_id=ret.order_id, status=ret.status)
    return ret


# ---------------------------------------------------------------------------------- what fulfillment reports


def label_ready(*, return_id: int, tracking_number: str) -> None:
    with transaction.atomic():
        ret = _lock(return_id)
        record_order_event(
            order=ret.order, kind=K.RETURN_LABEL_READY, params={"return": ret.number, "tracking": tracking_number}
        )


def return_in_transit(*, return_id: int) -> ReturnRequest:
    """The carrier's first scan: on its way back; trusted cases are refunded now."""
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status == S.APPROVED:
            set_return_status(ret=ret, to=S.IN_TRANSIT)
        if ret.refund_at == ReturnRequest.RefundAt.FIRST_SCAN and ret.status in (S.IN_TRANSIT, S.RECEIVED):
            _refund(ret, {line.order_line_id: line.quantity for line in ret.lines.all()}, by=None)
    return ret


def return_received(*, return_id: int) -> ReturnRequest:
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status in (S.APPROVED, S.IN_TRANSIT, S.EXPIRED):
            set_return_status(ret=ret, to=S.RECEIVED)
    return ret


def return_inspected(*, return_id: int, lines: list[dict], mismatch_note: str = "") -> ReturnRequest:
    """Inspection done: units that came back are refunded (once), the order says returned or partly returned."""
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status in (S.APPROVED, S.IN_TRANSIT, S.EXPIRED):
            set_return_status(ret=ret, to=S.RECEIVED)
        if ret.status != S.RECEIVED:
            return ret
        by_line = {int(item["line_id"]): item for item in lines}
        rows = list(ret.lines.all())
        for row in rows:
            item = by_line.get(row.pk, {})
            row.quantity_missing = int(item.get("missing", 0))
            row.quantity_accepted = row.quantity - row.quantity_missing
        ReturnLine.objects.bulk_update(rows, ["quantity_accepted", "quantity_missing"])
        accepted = sum(row.quantity_accepted for row in rows)
        missing = sum(row.quantity_missing for row in rows)
        set_return_status(
            ret=ret, to=S.COMPLETED, params={"accepted": accepted, "missing": missing, "note": mismatch_note}
        )
        if ret.refund_id is None:
            _refund(ret, {row.order_line_id: row.quantity_accepted for row in rows if row.quantity_accepted}, by=None)
        sync_returned_status(order=ret.order)
        events.return_closed.publish(return_id=ret.pk, order_id=ret.order_id, status=ret.status)
    return ret


def _refund(ret: ReturnRequest, units: dict[int, int], *, by) -> Refund | None:
    """The return's one refund (its key is the return's): written now, sent to Stripe after commit."""
    if ret.refund_id is not None or not units:
        return None
    try:
        refund = open_line_refund(
            order=ret.order,
            lines=sorted(units.items()),
            include_shipping=ret.refund_shipping,
            reason=f"Return {ret.number}: {ret.get_reason_display()}",
            key=f"return:{ret.pk}",
            by=by,
        )
    except RefundNotAllowed as error:  # staff refunded these units already: nothing is left to give back
        record_order_event(order=ret.order, kind=K.NOTE, params={"note": f"Return {ret.number}: {error.message}"})
        return None
    ret.refund = refund
    ret.save(update_fields=["refund", "updated_at"])
    return refund


def sync_returned_status(*, order: Order) -> str:
    """Partly returned / returned, from the units that came back (inspected returns)."""
    accepted = (
        ReturnLine.objects.filter(return_request__order=order, return_request__status=S.COMPLETED).aggregate(
            total=Sum("quantity_accepted")
        )["total"]
        or 0
    )
    if not accepted:
        return order.status
    bought = order.lines.aggregate(total=Sum("quantity"))["total"] or 0
    target = Order.Status.RETURNED if accepted >= bought else Order.Status.PARTIALLY_RETURNED
    if target != order.status and target in ORDER_TRANSITIONS[order.status]:
        set_order_status(order=order, to=target, kind=K.RETURNS_PROGRESS, params={"units": accepted})
    return order.status


# ---------------------------------------------------------------------------------- returned to sender


def open_return_to_sender(
    *, order_id: int, shipment_id: int, warehouse_id: int, lines: list[dict], tracking_number: str = ""
) -> ReturnRequest | None:
    """A shipment came back undelivered (refused, undeliverable): a return, already on its way, is opened once."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        number = f"{order.number}-RTS{shipment_id}"
        existing = ReturnRequest.objects.filter(number=number).first()
        if existing is not None or not lines:
            return existing
        units = {int(item["order_line_id"]): int(item["quantity"]) for item in lines}
        prices = dict(order.lines.filter(pk__in=list(units)).values_list("pk", "unit_price"))
        decision = decide(reason=Reason.RETURNED_TO_SENDER, value=Decimal("0"), currency=order.currency)
        ret = ReturnRequest.objects.create(
            number=number,
            order=order,
            status=S.APPROVED,
            source=ReturnRequest.Source.CARRIER,
            reason=Reason.RETURNED_TO_SENDER,
            cost_bearer=decision.cost_bearer,
            refund_at=ReturnRequest.RefundAt.INSPECTION,
            refund_shipping=decision.refund_shipping,
            value=sum((prices.get(pk, Decimal("0")) * q for pk, q in units.items()), Decimal("0")),
            currency=order.currency,
            warehouse_id=warehouse_id,
            approved_at=timezone.now(),
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(return_request=ret, order_line_id=pk, quantity=q)
            for pk, q in sorted(units.items())
            if pk in prices
        )
        record_order_event(
            order=order,
            kind=K.RETURN_REQUESTED,
            params={"return": ret.number, "reason": ret.get_reason_display(), "units": sum(units.values())},
        )
        set_return_status(ret=ret, to=S.IN_TRANSIT, params={"tracking": tracking_number})
        events.return_approved.publish(
            return_id=ret.pk, order_id=order.pk, receive=_to_receive(ret, shipment_id=shipment_id).as_payload()
        )
        events.return_requested.publish(return_id=ret.pk, order_id=order.pk, in_review=False)
    return ret


# ---------------------------------------------------------------------------------- timers


def returns_to_remind(*, now: dt.datetime | None = None) -> list[int]:
    """Approved returns whose label is still unused a few days on, not reminded yet."""
    now = now or timezone.now()
    after = dt.timedelta(days=settings.RETURNS_REMINDER_DAYS)
    return list(
        ReturnRequest.objects.filter(
            status=S.APPROVED, reminded_at__isnull=True, approved_at__lte=now - after, ship_by__gt=now
        ).values_list("pk", flat=True)[:500]
    )


def mark_reminded(*, return_id: int) -> bool:
    """Note the reminder (once); False when it was sent already or no longer applies."""
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status != S.APPROVED or ret.reminded_at is not None:
            return False
        ret.reminded_at = timezone.now()
        ret.save(update_fields=["reminded_at", "updated_at"])
        record_order_event(order=ret.order, kind=K.RETURN_REMINDER, params={"return": ret.number})
        events.return_reminder_due.publish(return_id=ret.pk, order_id=ret.order_id)
    return True


def returns_to_expire(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(ReturnRequest.objects.filter(status=S.APPROVED, ship_by__lte=now).values_list("pk", flat=True)[:500])


def expire_return(*, return_id: int) -> ReturnRequest:
    """Approved but never sent by its date: it expires (fulfillment has voided its label first)."""
    with transaction.atomic():
        ret = _lock(return_id)
        if ret.status == S.APPROVED:
            set_return_status(ret=ret, to=S.EXPIRED)
            events.return_closed.publish(return_id=ret.pk, order_id=ret.order_id, status=ret.status)
    return ret
