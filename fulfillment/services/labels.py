"""Carrier labels: buy one for a packed shipment, void it before hand-over, reprint it, print a batch.

The carrier is called outside any transaction or row lock; what it returns is written afterwards in
one short transaction. A shipment has at most one live label (the `one_live_label_per_shipment`
constraint backs the check): when two workers race, the loser voids the label it bought.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from fulfillment import carriers
from fulfillment.carriers import labels as label_render
from fulfillment.carriers.base import (
    Address,
    Carrier,
    CarrierError,
    CarrierTemporarilyUnavailable,
    LabelAlreadyVoided,
    Rate,
    ShipmentSpec,
    carrier_names,
)
from fulfillment.carriers.builtin import BuiltinCarrier
from fulfillment.carriers.db_store import DatabaseLabelStore
from fulfillment.customs import MissingCustomsData, check_declaration
from fulfillment.models import Parcel, Shipment, ShippingLabel, TrackingEvent
from fulfillment.services.consolidation import (
    ConsolidationError,
    assign_to_consolidation,
    is_on_a_manifest,
    leave_open_consolidation,
)
from fulfillment.services.customs_documents import declaration_for, store_customs_document
from fulfillment.services.shipments import set_shipment_status
from fulfillment.services.tracking import Place, create_legs, ingest_tracking_event
from fulfillment.simulation import first_step_at

logger = logging.getLogger(__name__)
S = Shipment.Status


# What a task retries with backoff: the carrier or the database was briefly unavailable.
TRANSIENT_ERRORS = (CarrierTemporarilyUnavailable, ConnectionError, TimeoutError, OperationalError)


class LabelError(Exception):
    """A label cannot be bought, voided or printed; carries the shipment id."""

    def __init__(self, message: str, *, shipment_id: int | None = None) -> None:
        super().__init__(message)
        self.shipment_id = shipment_id
        self.message = message


class NotPacked(LabelError):
    """Only a packed shipment (parcels weighed and measured) gets a label."""


class NoRate(LabelError):
    """No configured carrier can carry this shipment."""


class NoLiveLabel(LabelError):
    """The shipment has no label to void or print."""


class AlreadyHandedOver(LabelError):
    """The carrier has the parcels: the label can no longer be voided."""


class NoDeclaration(LabelError):
    """An international shipment lacks what its customs declaration needs: no label without one."""


@dataclass(frozen=True)
class RateChoice:
    rate: Rate
    meets_promise: bool
    note: str


def carrier_for(code: str) -> Carrier:
    """The configured carrier with this code; built-ins keep their numbers in the database."""
    carrier = carriers.get_carrier(code)
    if isinstance(carrier, BuiltinCarrier):
        carrier.store = DatabaseLabelStore()
    return carrier


def choose_rate(rates: list[Rate], *, promised_days: int | None) -> RateChoice | None:
    """The cheapest rate meeting the promised days; if none does, the fastest (and the note says so)."""
    if not rates:
        return None
    rate = carriers.cheapest_rate(rates, promised_days)
    if rate is not None:
        return RateChoice(rate, True, "")
    fastest = min(rates, key=lambda r: (r.days_max, r.amount, r.carrier, r.service))
    note = (
        f"No service meets the promised {promised_days} days; the fastest, {fastest.carrier}/{fastest.service} "
        f"({fastest.days_max} days), was chosen."
    )
    return RateChoice(fastest, False, note)


def _shipment_for_label(shipment_id: int) -> Shipment:
    return (
        Shipment.objects.select_related(
            "fulfillment_order__warehouse", "fulfillment_order__order", "inbound_return__warehouse"
        )
        .prefetch_related(Prefetch("parcels", Parcel.objects.order_by("sequence", "id")))
        .get(pk=shipment_id)
    )


@dataclass(frozen=True)
class Ends:
    """Where a shipment leaves from and goes to: warehouse to shopper, or, for a return, shopper to the centre."""

    from_address: Address
    to_address: Address
    origin: Place
    destination: Place
    reference: str
    promised_days: int | None = None
    drop_off_code: str = ""


def warehouse_address(w, *, name: str = "") -> Address:
    """A warehouse as a carrier address (the sender of its parcels, or where returns go)."""
    return Address(
        name=name or w.name,
        company="Marketplace",
        line1=w.address_line1,
        line2=w.address_line2,
        city=w.city,
        state=w.region,
        postal_code=w.postal_code,
        country=str(w.country),
    )


def _shopper_address(o) -> Address:
    """The ship-to fields of an OutboundOrder or an InboundReturn (the same names)."""
    return Address(
        name=o.ship_name,
        line1=o.ship_line1,
        line2=o.ship_line2,
        city=o.ship_city,
        state=o.ship_region,
        postal_code=o.ship_postal_code,
        country=str(o.ship_country),
        phone=o.ship_phone,
    )


def shipment_ends(shipment: Shipment) -> Ends:
    if shipment.is_return:
        inbound, w = shipment.inbound_return, shipment.inbound_return.warehouse
        return Ends(
            from_address=_shopper_address(inbound),
            to_address=warehouse_address(w, name=f"Returns {inbound.number}"),
            origin=Place(city=inbound.ship_city, country=str(inbound.ship_country), facility="drop-off point"),
            destination=Place(city=f"{w.city} returns centre", country=str(w.country)),
            reference=inbound.number,
            drop_off_code=inbound.drop_off_code,
        )
    w, o = shipment.fulfillment_order.warehouse, shipment.fulfillment_order.order
    return Ends(
        from_address=warehouse_address(w),
        to_address=_shopper_address(o),
        origin=Place(city=w.city, country=str(w.country)),
        destination=Place(city=o.ship_city, country=str(o.ship_country)),
        reference=o.number,
        promised_days=o.shipping_days_max or None,
    )


def shipment_spec(shipment: Shipment) -> ShipmentSpec:
    """What the carrier needs: from, to, one entry per parcel, the promised days."""
    ends = shipment_ends(shipment)
    return ShipmentSpec(
        from_address=ends.from_address,
        to_address=ends.to_address,
        parcels=tuple(
            carriers.Parcel(
                weight_grams=p.weight_grams, length_mm=p.length_mm, width_mm=p.width_mm, height_mm=p.height_mm
            )
            for p in shipment.parcels.all()
        ),
        reference=ends.reference,
        promised_days=ends.promised_days,
        drop_off_code=ends.drop_off_code,
    )


def _needs_declaration(shipment: Shipment, spec: ShipmentSpec) -> bool:
    """Goods crossing a border to a shopper (a return to a centre in the shopper's country does not)."""
    return not shipment.is_return and not spec.is_domestic


def live_label(shipment_id: int) -> ShippingLabel | None:
    return ShippingLabel.objects.filter(shipment_id=shipment_id, voided_at__isnull=True).first()


def buy_label(*, shipment_id: int, by=None) -> ShippingLabel:
    """Buy the label of a packed shipment at the cheapest rate meeting its promise; idempotent."""
    existing = live_label(shipment_id)
    if existing is not None:
        return existing
    shipment = _shipment_for_label(shipment_id)
    if shipment.status != S.PACKED:
        raise NotPacked(f"Shipment {shipment_id} is {shipment.status}, not packed.", shipment_id=shipment_id)
    spec = shipment_spec(shipment)
    if not spec.parcels:
        raise NotPacked(f"Shipment {shipment_id} has no parcels.", shipment_id=shipment_id)
    choice = choose_rate(carriers.quote_all(spec), promised_days=spec.promised_days)
    if choice is None:
        raise NoRate(f"No carrier can carry shipment {shipment_id}.", shipment_id=shipment_id)
    if choice.note:
        logger.warning("Shipment %s: %s", shipment_id, choice.note)
    carrier = carrier_for(choice.rate.carrier)
    if _needs_declaration(shipment, spec):
        try:
            check_declaration(declaration_for(shipment, postal=carrier.postal))
        except MissingCustomsData as error:
            raise NoDeclaration(
                f"Shipment {shipment_id} cannot get a label without its customs declaration: {error}",
                shipment_id=shipment_id,
            ) from error
    # The network call: no transaction open, no row locked.
    bought = carrier.buy_label(spec, choice.rate.service)
    try:
        return _store_label(shipment_id=shipment_id, bought=bought, choice=choice, spec=spec, by=by)
    except _LostRace as lost:
        _void_quietly(carrier, bought.tracking_number)
        if lost.label is None:
            message = f"Shipment {shipment_id} changed while its label was bought."
            raise NotPacked(message, shipment_id=shipment_id) from lost
        return lost.label


class _LostRace(Exception):
    def __init__(self, label: ShippingLabel | None) -> None:
        super().__init__("another worker labelled the shipment first")
        self.label = label


def _store_label(*, shipment_id: int, bought, choice: RateChoice, spec: ShipmentSpec, by) -> ShippingLabel:
    try:
        with transaction.atomic():
            shipment = (
                Shipment.objects.select_for_update(of=("self",))
                .select_related("fulfillment_order__warehouse", "fulfillment_order__order", "inbound_return__warehouse")
                .get(pk=shipment_id)
            )
            if shipment.status != S.PACKED or live_label(shipment_id) is not None:
                raise _LostRace(live_label(shipment_id))
            rate = bought.rate or choice.rate
            label = ShippingLabel.objects.create(
                shipment=shipment,
                carrier=bought.carrier,
                service=bought.service,
                tracking_number=bought.tracking_number,
                amount=rate.amount,
                currency=rate.currency,
                pdf=ContentFile(bought.pdf, name=f"{bought.tracking_number}.pdf"),
                zpl=bought.zpl,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            numbers = bought.parcel_tracking_numbers or (bought.tracking_number,)
            parcels = list(shipment.parcels.order_by("sequence", "id"))
            for parcel, number in zip(parcels, numbers, strict=False):
                parcel.tracking_number = number
            Parcel.objects.bulk_update(parcels, ["tracking_number"])
            shipment.carrier, shipment.service = bought.carrier, bought.service
            shipment.tracking_number = bought.tracking_number
            shipment.promised_days = spec.promised_days
            shipment.next_simulated_at = _first_simulation_time(bought.carrier)
            shipment.save(
                update_fields=[
                    "carrier",
                    "service",
                    "tracking_number",
                    "promised_days",
                    "next_simulated_at",
                    "updated_at",
                ]
            )
            if _needs_declaration(shipment, spec):
                declaration = declaration_for(
                    shipment,
                    tracking_number=bought.tracking_number,
                    postal=carrier_for(bought.carrier).postal,
                    service=bought.service,
                )
                store_customs_document(shipment=shipment, label=label, declaration=declaration)
            set_shipment_status(shipment=shipment, to=S.LABELLED)
            ends = shipment_ends(shipment)
            create_legs(shipment=shipment, origin=ends.origin, destination=ends.destination)
            if _needs_declaration(shipment, spec):
                # Abroad on a lane: it joins the lane's open consolidation, and its legs become the lane's.
                assign_to_consolidation(shipment=shipment)
            description = "Label created, shipment information sent to the carrier"
            if choice.note:
                description = f"{description}. {choice.note}"[:240]
            ingest_tracking_event(
                tracking_number=bought.tracking_number,
                status=TrackingEvent.Status.LABEL_CREATED,
                occurred_at=label.created_at,
                location=f"{ends.origin.city}, {ends.origin.country}",
                description=description,
                source=TrackingEvent.Source.SYSTEM,
            )
            return label
    except IntegrityError as error:  # one_live_label_per_shipment: a racing worker committed first
        label = live_label(shipment_id)
        if label is None:
            raise
        raise _LostRace(label) from error


def _first_simulation_time(carrier_code: str):

    return first_step_at(carrier_code=carrier_code)


def _void_quietly(carrier: Carrier, tracking_number: str) -> None:
    try:
        carrier.void_label(tracking_number)
    except LabelAlreadyVoided:
        pass
    except CarrierError:
        logger.exception("Could not void the extra label %s bought in a race", tracking_number)


def void_label(*, shipment_id: int, by=None) -> ShippingLabel:
    """Void the live label of a shipment the carrier does not have yet; the shipment is packed again."""
    label = live_label(shipment_id)
    if label is None:
        raise NoLiveLabel(f"Shipment {shipment_id} has no live label.", shipment_id=shipment_id)
    status = Shipment.objects.values_list("status", flat=True).get(pk=shipment_id)
    if status != S.LABELLED:
        raise AlreadyHandedOver(f"Shipment {shipment_id} is {status}: too late to void.", shipment_id=shipment_id)
    if is_on_a_manifest(shipment_id=shipment_id):
        message = f"Shipment {shipment_id} is on a closed consolidation's manifest: too late to void."
        raise AlreadyHandedOver(message, shipment_id=shipment_id)
    # Outside any transaction; already voided means an earlier attempt failed after the carrier call.
    with contextlib.suppress(LabelAlreadyVoided):
        carrier_for(label.carrier).void_label(label.tracking_number)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        label = ShippingLabel.objects.select_for_update().get(pk=label.pk)
        if label.voided_at is not None:
            return label
        if shipment.status != S.LABELLED:
            raise AlreadyHandedOver(f"Shipment {shipment_id} was handed over meanwhile.", shipment_id=shipment_id)
        try:
            leave_open_consolidation(shipment=shipment)
        except ConsolidationError as error:
            raise AlreadyHandedOver(error.message, shipment_id=shipment_id) from error
        now = timezone.now()
        label.voided_at = now
        label.save(update_fields=["voided_at"])
        TrackingEvent.objects.get_or_create(
            fingerprint=f"void:{label.pk}",
            defaults={
                "shipment": shipment,
                "tracking_number": label.tracking_number,
                "status": TrackingEvent.Status.VOIDED,
                "occurred_at": now,
                "description": "Label voided",
                "source": TrackingEvent.Source.STAFF if by is not None else TrackingEvent.Source.SYSTEM,
            },
        )
        shipment.parcels.update(tracking_number="")
        shipment.carrier = shipment.service = shipment.tracking_number = ""
        shipment.next_simulated_at = None
        shipment.save(update_fields=["carrier", "service", "tracking_number", "next_simulated_at", "updated_at"])
        set_shipment_status(shipment=shipment, to=S.PACKED)
    return label


@dataclass(frozen=True)
class Printout:
    pdf: bytes
    zpl: str
    label: ShippingLabel


def reprint(*, label_id: int) -> Printout:
    """The stored PDF and ZPL of a label, counted as printed once more."""
    label = ShippingLabel.objects.get(pk=label_id)
    with label.pdf.open("rb") as f:
        pdf = f.read()
    ShippingLabel.objects.filter(pk=label_id).update(printed_count=F("printed_count") + 1)
    label.refresh_from_db(fields=["printed_count"])
    return Printout(pdf=pdf, zpl=label.zpl, label=label)


def _live_labels(shipment_ids: list[int]) -> list[ShippingLabel]:
    labels = list(
        ShippingLabel.objects.filter(shipment_id__in=shipment_ids, voided_at__isnull=True)
        .select_related(
            "shipment__fulfillment_order__warehouse",
            "shipment__fulfillment_order__order",
            "shipment__inbound_return__warehouse",
        )
        .prefetch_related(Prefetch("shipment__parcels", Parcel.objects.order_by("sequence", "id")))
        .order_by("shipment_id")
    )
    if not labels:
        raise NoLiveLabel("None of these shipments has a live label.")
    return labels


def _label_pages(label: ShippingLabel) -> list[label_render.LabelData]:
    shipment = label.shipment
    carrier_name, service_name = carrier_names(label.carrier, label.service)
    parcels = list(shipment.parcels.all())
    ends = shipment_ends(shipment)
    return [
        label_render.LabelData(
            carrier_name=carrier_name,
            service_name=service_name,
            from_address=ends.from_address,
            to_address=ends.to_address,
            tracking_number=parcel.tracking_number or label.tracking_number,
            reference=ends.reference,
            drop_off_code=ends.drop_off_code,
            parcel_index=i,
            parcel_count=len(parcels),
            weight_grams=parcel.weight_grams,
            ship_date=label.created_at.date(),
        )
        for i, parcel in enumerate(parcels, start=1)
    ]


def batch_labels_pdf(*, shipment_ids: list[int]) -> bytes:
    """One PDF with a 4x6 page per parcel of each shipment's live label, re-rendered as bought."""
    labels = _live_labels(shipment_ids)
    pdf = label_render.render_pdf_batch(page for label in labels for page in _label_pages(label))
    ShippingLabel.objects.filter(pk__in=[label.pk for label in labels]).update(printed_count=F("printed_count") + 1)
    return pdf


def batch_labels_zpl(*, shipment_ids: list[int]) -> str:
    """The stored ZPL of each shipment's live label, one stream (one ^XA...^XZ per parcel)."""
    labels = _live_labels(shipment_ids)
    ShippingLabel.objects.filter(pk__in=[label.pk for label in labels]).update(printed_count=F("printed_count") + 1)
    return "\n".join(label.zpl for label in labels)
