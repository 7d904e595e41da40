"""Returns coming back: expected, labelled, carried, received at a centre, inspected, restocked.

The shop approves a return and announces it; `expect_return` keeps fulfillment's copy (keyed by the
shop's return id, so a replay changes nothing). `buy_return_label` buys a prepaid label from the
shopper to the returns centre through the same carriers as outbound labels. The parcel's scans come
through `ingest_tracking_event` like any shipment's. Staff `receive_return` (a scan at the centre)
and `inspect_return` (a disposition for every unit: restocked units go back into the centre's stock
as RETURNED movements). Each step is idempotent and announces its fact for the shop.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fulfillment import events
from fulfillment.models import InboundReturn, InboundReturnLine, OutboundOrder, Parcel, Shipment, StockMovement
from fulfillment.requests import ReturnRequestToReceive
from fulfillment.services import labels
from fulfillment.services.shipments import SHIPMENT_TRANSITIONS, set_shipment_status
from fulfillment.services.stock import adjust_stock

logger = logging.getLogger(__name__)
R = InboundReturn.Status
S = Shipment.Status
# The box a shopper reuses: weight and size when the products say nothing.
DEFAULT_RETURN_PARCEL = {"length_mm": 300, "width_mm": 220, "height_mm": 120}
RETURN_PACKAGING_GRAMS = 150
# Letters and digits that cannot be mistaken for one another when read aloud at a counter.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class ReturnError(Exception):
    """A return step that cannot be taken; `code` for the API, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _drop_off_code() -> str:
    return "RT-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def expect_return(*, request: ReturnRequestToReceive) -> InboundReturn:
    """Keep fulfillment's copy of an approved return (once; a replayed fact finds it there)."""
    existing = InboundReturn.objects.filter(pk=request.return_id).first()
    if existing is not None:
        return existing
    ship_from = request.ship_from
    try:
        with transaction.atomic():
            inbound = InboundReturn.objects.create(
                id=request.return_id,
                number=request.number,
                order=OutboundOrder.objects.get(pk=request.order_id),
                warehouse_id=request.warehouse_id,
                # Returned to sender: the outbound parcel is already on its way back, no label to buy.
                status=R.IN_TRANSIT if request.shipment_id else R.EXPECTED,
                shipment_id=request.shipment_id,
                drop_off_code="" if request.shipment_id else _drop_off_code(),
                ship_name=ship_from.name,
                ship_line1=ship_from.line1,
                ship_line2=ship_from.line2,
                ship_city=ship_from.city,
                ship_region=ship_from.region,
                ship_postal_code=ship_from.postal_code,
                ship_country=ship_from.country,
                ship_phone=ship_from.phone,
            )
            InboundReturnLine.objects.bulk_create(
                InboundReturnLine(
                    id=line.line_id,
                    inbound_return=inbound,
                    order_line_id=line.order_line_id,
                    variant_id=line.variant_id,
                    quantity=line.quantity,
                )
                for line in request.lines
            )
    except IntegrityError:  # a concurrent delivery of the same fact won
        return InboundReturn.objects.get(pk=request.return_id)
    return inbound


def _return_parcel(inbound: InboundReturn) -> dict[str, int]:
    """One parcel: the products' weights (and the largest product's size) plus packaging."""
    weight, size = RETURN_PACKAGING_GRAMS, dict(DEFAULT_RETURN_PARCEL)
    for line in inbound.lines.select_related("variant__product"):
        product = line.variant.product
        weight += product.weight_grams * line.quantity
        if product.length_mm and product.length_mm * product.width_mm * product.height_mm > (
            size["length_mm"] * size["width_mm"] * size["height_mm"]
        ):
            size = {"length_mm": product.length_mm, "width_mm": product.width_mm, "height_mm": product.height_mm}
    return {"weight_grams": weight, **size}


def _return_shipment(inbound: InboundReturn) -> Shipment:
    """The return's own shipment, packed by the shopper (one parcel), created once."""
    with transaction.atomic():
        inbound = InboundReturn.objects.select_for_update().get(pk=inbound.pk)
        if inbound.shipment_id is not None:
            return inbound.shipment
        shipment = Shipment.objects.create(direction=Shipment.Direction.RETURN, status=S.PACKED)
        Parcel.objects.create(shipment=shipment, sequence=1, **_return_parcel(inbound))
        inbound.shipment = shipment
        inbound.save(update_fields=["shipment", "updated_at"])
        return shipment


def buy_return_label(*, return_id: int) -> InboundReturn:
    """Buy the prepaid label of an expected return (the cheapest service); safe to repeat, one live label.

    The label's purchase announces `return_label_ready` in its own transaction (shipments' door).
    """
    inbound = InboundReturn.objects.get(pk=return_id)
    if inbound.status == R.EXPECTED:
        labels.buy_label(shipment_id=_return_shipment(inbound).pk)
    return InboundReturn.objects.get(pk=return_id)


def _find(code: str) -> InboundReturn:
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise ReturnError("unknown_return", "Scan a return's tracking number, drop-off code or number.")
    inbound = (
        InboundReturn.objects.filter(
            Q(number=code)
            | Q(drop_off_code=code)
            | Q(shipment__tracking_number=code)
            | Q(shipment__parcels__tracking_number=code)
        )
        .distinct()
        .first()
    )
    if inbound is None:
        raise ReturnError("unknown_return", f"No return is expected with the code {code!r}.")
    return inbound


def receive_return(*, code: str, by=None, warehouse_id: int | None = None) -> InboundReturn:
    """A parcel scanned in at the centre; a second scan of the same parcel changes nothing."""
    found = _find(code)
    with transaction.atomic():
        inbound = InboundReturn.objects.select_for_update().get(pk=found.pk)
        if inbound.status in (R.RECEIVED, R.INSPECTED):
            return inbound
        if warehouse_id is not None and inbound.warehouse_id != warehouse_id:
            raise ReturnError(
                "wrong_centre", f"Return {inbound.number} is expected at another centre ({inbound.warehouse})."
            )
        inbound.status, inbound.received_at = R.RECEIVED, timezone.now()
        inbound.received_by = by if getattr(by, "is_authenticated", False) else None
        inbound.save(update_fields=["status", "received_at", "received_by", "updated_at"])
        shipment = Shipment.objects.select_for_update().filter(pk=inbound.shipment_id).first()
        if shipment is not None and shipment.is_return and shipment.status not in (S.DELIVERED, S.CANCELLED):
            # In our hands whatever the carrier said last: the return shipment ends here.
            _finish_return_shipment(shipment)
        events.return_received.publish(
            return_id=inbound.pk, order_id=inbound.order_id, warehouse=inbound.warehouse.code
        )
    return inbound


def _finish_return_shipment(shipment: Shipment) -> None:
    if shipment.status in (S.PACKED, S.LABELLED):
        set_shipment_status(shipment=shipment, to=S.IN_TRANSIT)
    if S.DELIVERED in SHIPMENT_TRANSITIONS[shipment.status]:
        set_shipment_status(shipment=shipment, to=S.DELIVERED)
    Shipment.objects.filter(pk=shipment.pk).update(next_simulated_at=None)


@dataclass(frozen=True)
class Disposition:
    """What an inspector decided for one line: how many units of each outcome."""

    line_id: int
    restock: int = 0
    refurbish: int = 0
    write_off: int = 0
    missing: int = 0
    note: str = ""

    @property
    def total(self) -> int:
        return self.restock + self.refurbish + self.write_off + self.missing


def inspect_return(
    *, return_id: int, dispositions: list[Disposition], mismatch_note: str = "", by=None
) -> InboundReturn:
    """Every announced unit gets one disposition; restocked units go back into the centre's stock.

    All or nothing: a line missing, a count that does not add up or a negative count changes nothing.
    Inspecting twice changes nothing (the first inspection stands).
    """
    with transaction.atomic():
        inbound = InboundReturn.objects.select_for_update().select_related("warehouse").get(pk=return_id)
        if inbound.status == R.INSPECTED:
            return inbound
        if inbound.status != R.RECEIVED:
            raise ReturnError(
                "not_received", f"Return {inbound.number} is {inbound.get_status_display().lower()}: receive it first."
            )
        lines = {line.pk: line for line in inbound.lines.select_for_update()}
        given = {d.line_id: d for d in dispositions}
        problems = _disposition_problems(lines, given)
        if problems:
            raise ReturnError("invalid_dispositions", " ".join(problems))
        reference = f"return {inbound.number}"
        for line_id, line in sorted(lines.items()):
            decided = given[line_id]
            line.restocked, line.refurbished = decided.restock, decided.refurbish
            line.written_off, line.missing = decided.write_off, decided.missing
            line.quantity_received = line.quantity - decided.missing
            line.note = decided.note[:200]
            if decided.restock:
                adjust_stock(
                    warehouse=inbound.warehouse,
                    variant_id=line.variant_id,
                    change=decided.restock,
                    reason=StockMovement.Reason.RETURNED,
                    by=by if getattr(by, "is_authenticated", False) else None,
                    reference=reference,
                )
        InboundReturnLine.objects.bulk_update(
            lines.values(), ["restocked", "refurbished", "written_off", "missing", "quantity_received", "note"]
        )
        missing = sum(line.missing for line in lines.values())
        if missing and not mismatch_note:
            mismatch_note = f"{missing} unit(s) announced but not in the parcel."
        inbound.status, inbound.inspected_at = R.INSPECTED, timezone.now()
        inbound.inspected_by = by if getattr(by, "is_authenticated", False) else None
        inbound.mismatch_note = mismatch_note[:300]
        inbound.save(update_fields=["status", "inspected_at", "inspected_by", "mismatch_note", "updated_at"])
        events.return_inspected.publish(
            return_id=inbound.pk,
            order_id=inbound.order_id,
            mismatch_note=inbound.mismatch_note,
            lines=[
                {
                    "line_id": line.pk,
                    "order_line_id": line.order_line_id,
                    "restocked": line.restocked,
                    "refurbished": line.refurbished,
                    "written_off": line.written_off,
                    "missing": line.missing,
                }
                for _, line in sorted(lines.items())
            ],
        )
    return inbound


def _disposition_problems(lines: dict[int, InboundReturnLine], given: dict[int, Disposition]) -> list[str]:
    problems = []
    for line_id in sorted(set(given) - set(lines)):
        problems.append(f"Line {line_id} is not part of this return.")
    for line_id, line in sorted(lines.items()):
        decided = given.get(line_id)
        if decided is None:
            problems.append(f"Say what became of every unit of line {line_id}.")
            continue
        counts = (decided.restock, decided.refurbish, decided.write_off, decided.missing)
        if any(not isinstance(count, int) or count < 0 for count in counts):
            problems.append(f"Counts of line {line_id} must be whole numbers from 0.")
        elif decided.total != line.quantity:
            problems.append(
                f"Line {line_id}: {decided.total} unit(s) given a disposition, but {line.quantity} were announced."
            )
    return problems


def cancel_expected_return(*, return_id: int) -> InboundReturn | None:
    """The shopper never sent it: the label is voided (when the carrier allows) and nothing more is awaited."""
    inbound = InboundReturn.objects.filter(pk=return_id).first()
    if inbound is None or inbound.status != R.EXPECTED:
        return inbound
    if inbound.shipment_id is not None and labels.live_label(inbound.shipment_id) is not None:
        try:
            labels.void_label(shipment_id=inbound.shipment_id)
        except labels.LabelError as error:  # scanned meanwhile: it is coming after all
            logger.info("Return %s label not voided: %s", inbound.number, error.message)
            return InboundReturn.objects.get(pk=return_id)
    with transaction.atomic():
        inbound = InboundReturn.objects.select_for_update().get(pk=return_id)
        if inbound.status != R.EXPECTED:
            return inbound
        inbound.status = R.CANCELLED
        inbound.save(update_fields=["status", "updated_at"])
        shipment = Shipment.objects.select_for_update().filter(pk=inbound.shipment_id).first()
        if shipment is not None and shipment.status in (S.PACKED, S.LABELLED):
            set_shipment_status(shipment=shipment, to=S.CANCELLED)
    return inbound
