"""Inbound stock: a seller announces a shipment (ASN), staff count it on arrival and close the receipt.

`announce_inbound_shipment` keeps the seller's announcement (the shop checks the variants are theirs);
`record_line_counts` stores what staff counted per line (received, of which damaged);
`close_receipt` puts the good units into stock through the stock service (RECEIVED movements whose
reference names the receipt) in the same transaction as the status change, keeps each line's
discrepancy, and announces the receipt. Closing twice changes nothing, so a task that is sent again
(a worker killed, the sweep) is harmless. Every status change goes through `set_inbound_status`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from fulfillment import events
from fulfillment.models import InboundShipment, InboundShipmentLine
from fulfillment.selectors_inbound import receiving_warehouses
from fulfillment.services.stock import receive_stock

S = InboundShipment.Status
MAX_LINES = 200
MAX_UNITS_PER_LINE = 1_000_000
MAX_DAYS_AHEAD = 365
# Letters and digits that cannot be mistaken for one another when read off a carton.
_NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

INBOUND_TRANSITIONS: dict[str, set[str]] = {
    S.ANNOUNCED: {S.RECEIVING, S.CLOSED, S.CANCELLED},
    S.RECEIVING: {S.CLOSED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}


class ReceivingError(Exception):
    """An inbound step that cannot be taken; `code` for the API, `message` for people, `fields` per input."""

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


@dataclass(frozen=True)
class AnnouncedLine:
    variant_id: int
    sku: str
    quantity: int


@dataclass(frozen=True)
class LineCount:
    """What staff counted for one line: units that arrived, and how many of those are damaged."""

    line_id: int
    received: int
    damaged: int = 0


def set_inbound_status(*, shipment: InboundShipment, to: str, by=None) -> None:
    """The one door for an inbound shipment's status; an illegal step raises."""
    if to not in INBOUND_TRANSITIONS[shipment.status]:
        raise ReceivingError(
            "illegal_transition", f"Inbound shipment {shipment.number} cannot go from {shipment.status} to {to}."
        )
    shipment.status = to
    fields = ["status", "updated_at"]
    if to == S.CLOSED:
        shipment.closed_at = timezone.now()
        shipment.closed_by = by if getattr(by, "is_authenticated", False) else None
        fields += ["closed_at", "closed_by"]
    shipment.save(update_fields=fields)


def _number() -> str:
    return "ASN-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def announce_inbound_shipment(
    *,
    seller_id: int,
    warehouse_code: str,
    lines: list[AnnouncedLine],
    expected_on: dt.date,
    carrier: str = "",
    tracking_number: str = "",
    note: str = "",
    by=None,
) -> InboundShipment:
    """Keep a seller's announcement of stock on its way to one of our warehouses."""
    warehouse = next((w for w in receiving_warehouses() if w.code == warehouse_code), None)
    if warehouse is None:
        raise ReceivingError(
            "unknown_warehouse",
            "Stock can only be sent to one of our active fulfillment centres.",
            {"warehouse": [f"No fulfillment centre of ours has the code {warehouse_code!r}."]},
        )
    problems: dict[str, list[str]] = {}
    if not lines:
        problems["lines"] = ["Announce at least one line."]
    elif len(lines) > MAX_LINES:
        problems["lines"] = [f"At most {MAX_LINES} lines per shipment."]
    elif len({line.variant_id for line in lines}) != len(lines):
        problems["lines"] = ["Each variant may appear on one line only: add the quantities together."]
    elif any(not 1 <= line.quantity <= MAX_UNITS_PER_LINE for line in lines):
        problems["lines"] = [f"Each quantity must be between 1 and {MAX_UNITS_PER_LINE:,}."]
    today = timezone.localdate()
    if expected_on < today:
        problems["expected_on"] = ["The expected date cannot be in the past."]
    elif expected_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        problems["expected_on"] = [f"The expected date must be within {MAX_DAYS_AHEAD} days."]
    if problems:
        raise ReceivingError("invalid", "The shipment cannot be announced as it is.", problems)
    for _ in range(5):  # a random number that is taken already is drawn again
        try:
            with transaction.atomic():
                shipment = InboundShipment.objects.create(
                    number=_number(),
                    seller_id=seller_id,
                    warehouse=warehouse,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    expected_on=expected_on,
                    note=note,
                    created_by=by if getattr(by, "is_authenticated", False) else None,
                )
                InboundShipmentLine.objects.bulk_create(
                    InboundShipmentLine(
                        shipment=shipment, variant_id=line.variant_id, sku=line.sku, quantity_expected=line.quantity
                    )
                    for line in lines
                )
            return shipment
        except IntegrityError:
            continue
    raise ReceivingError("busy", "No shipment number could be drawn; try again.")


def cancel_inbound_shipment(*, shipment_id: int, seller_id: int) -> InboundShipment:
    """The seller calls off an announcement nothing of which was counted yet."""
    with transaction.atomic():
        shipment = InboundShipment.objects.select_for_update().filter(pk=shipment_id, seller_id=seller_id).first()
        if shipment is None:
            raise ReceivingError("not_found", "No inbound shipment of yours has this id.")
        if shipment.status == S.CANCELLED:
            return shipment
        if shipment.status != S.ANNOUNCED:
            raise ReceivingError(
                "already_receiving", f"Shipment {shipment.number} is being received: it can no longer be cancelled."
            )
        set_inbound_status(shipment=shipment, to=S.CANCELLED)
    return shipment


def record_line_counts(*, shipment_id: int, counts: list[LineCount], by=None) -> InboundShipment:
    """Store what staff counted (a line counted again is overwritten); the shipment is then being received."""
    with transaction.atomic():
        shipment = InboundShipment.objects.select_for_update().get(pk=shipment_id)
        if not shipment.is_open:
            raise ReceivingError(
                "not_open", f"Shipment {shipment.number} is {shipment.get_status_display().lower()}: nothing to count."
            )
        if shipment.close_requested_at is not None:  # the close uses the counts as they were when asked for
            raise ReceivingError("closing", f"Shipment {shipment.number} is being closed: its counts are final.")
        lines = {line.pk: line for line in shipment.lines.all()}
        problems: dict[str, list[str]] = {}
        for count in counts:
            if count.line_id not in lines:
                problems[str(count.line_id)] = ["Not a line of this shipment."]
            elif not 0 <= count.received <= MAX_UNITS_PER_LINE or count.damaged < 0:
                problems[str(count.line_id)] = ["Counts cannot be negative or absurdly large."]
            elif count.damaged > count.received:
                problems[str(count.line_id)] = ["Damaged units are part of the received ones: no more than those."]
        if problems:
            raise ReceivingError("invalid_count", "Some counts are not possible.", problems)
        now = timezone.now()
        counter = by if getattr(by, "is_authenticated", False) else None
        for count in counts:
            line = lines[count.line_id]
            line.quantity_received, line.quantity_damaged = count.received, count.damaged
            line.counted_at, line.counted_by = now, counter
        InboundShipmentLine.objects.bulk_update(
            [lines[count.line_id] for count in counts],
            ["quantity_received", "quantity_damaged", "counted_at", "counted_by"],
        )
        if counts and shipment.status == S.ANNOUNCED:
            set_inbound_status(shipment=shipment, to=S.RECEIVING, by=by)
    return shipment


def request_close(*, shipment_id: int, by=None) -> InboundShipment:
    """Staff asked to close the receipt (a task does it); remembered so a lost task is sent again."""
    with transaction.atomic():
        shipment = InboundShipment.objects.select_for_update().get(pk=shipment_id)
        _check_closable(shipment)
        if shipment.status != S.CLOSED and shipment.close_requested_at is None:
            shipment.close_requested_at = timezone.now()
            shipment.close_requested_by = by if getattr(by, "is_authenticated", False) else None
            shipment.save(update_fields=["close_requested_at", "close_requested_by", "updated_at"])
    return shipment


def _check_closable(shipment: InboundShipment) -> None:
    if shipment.status == S.CANCELLED:
        raise ReceivingError("cancelled", f"Shipment {shipment.number} was cancelled: there is nothing to receive.")
    if shipment.status == S.CLOSED:
        return
    uncounted = [line.sku for line in shipment.lines.all() if line.quantity_received is None]
    if uncounted:
        raise ReceivingError(
            "uncounted_lines",
            f"Count every line of {shipment.number} before closing it (enter 0 for a line that did not come): "
            f"{', '.join(uncounted)}.",
        )


def close_receipt(*, shipment_id: int, by=None) -> InboundShipment:
    """Close the receipt: good units into stock, discrepancies kept, all in one transaction; once only.

    A receipt closed already is returned as it is (a task delivered twice, the sweep).
    """
    with transaction.atomic():
        shipment = InboundShipment.objects.select_for_update().select_related("warehouse").get(pk=shipment_id)
        if shipment.status == S.CLOSED:
            return shipment
        _check_closable(shipment)
        lines = list(shipment.lines.order_by("pk"))
        for line in lines:
            line.quantity_short = max(line.quantity_expected - line.quantity_received, 0)
            line.quantity_over = max(line.quantity_received - line.quantity_expected, 0)
        InboundShipmentLine.objects.bulk_update(lines, ["quantity_short", "quantity_over"])
        receive_stock(
            warehouse=shipment.warehouse,
            quantities={line.variant_id: line.quantity_good for line in lines},
            by=by,
            reference=f"inbound {shipment.number}",
        )
        set_inbound_status(shipment=shipment, to=S.CLOSED, by=by)
        events.inbound_shipment_received.publish(
            shipment_id=shipment.pk,
            number=shipment.number,
            seller_id=shipment.seller_id,
            warehouse=shipment.warehouse.code,
            discrepancies=[
                {
                    "sku": line.sku,
                    "expected": line.quantity_expected,
                    "received": line.quantity_received,
                    "damaged": line.quantity_damaged,
                    "short": line.quantity_short,
                    "over": line.quantity_over,
                }
                for line in lines
                if line.has_discrepancy
            ],
        )
    return shipment
