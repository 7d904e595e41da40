"""Built-in offline carriers: domestic ground / express (IMpb-style numbers), international postal / express (S10).

Prices come from the CSV rate tables (`rates.py`). Issued numbers, serial counters and voids
live in a `LabelStore`: `InMemoryLabelStore` by default (one per process, for development and
tests); the fulfillment app passes a database-backed store with the same methods. Tracking
only knows "label created" and "voided"; movement through the network is simulated elsewhere.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from . import labels, rates, tracking_numbers
from .base import (
    Carrier,
    Label,
    LabelAlreadyVoided,
    Rate,
    ServiceUnavailable,
    ShipmentSpec,
    TrackingEvent,
    TrackingStatus,
    UnknownTrackingNumber,
)


@dataclass(frozen=True)
class IssuedNumber:
    tracking_number: str
    carrier: str
    service: str
    label_number: str  # the label's first tracking number; voiding it voids every parcel's number
    created_at: dt.datetime
    voided_at: dt.datetime | None = None


class LabelStore(Protocol):
    def next_serial(self, key: str) -> int: ...
    def record(self, issued: IssuedNumber) -> None: ...
    def get(self, tracking_number: str) -> IssuedNumber | None: ...
    def mark_void(self, label_number: str, *, at: dt.datetime) -> None: ...


class InMemoryLabelStore:
    """A thread-safe LabelStore in a dict; forgets everything when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serials: dict[str, int] = {}
        self._issued: dict[str, IssuedNumber] = {}

    def next_serial(self, key: str) -> int:
        with self._lock:
            self._serials[key] = self._serials.get(key, 0) + 1
            return self._serials[key]

    def record(self, issued: IssuedNumber) -> None:
        with self._lock:
            self._issued[issued.tracking_number] = issued

    def get(self, tracking_number: str) -> IssuedNumber | None:
        return self._issued.get(tracking_number)

    def mark_void(self, label_number: str, *, at: dt.datetime) -> None:
        with self._lock:
            for number, issued in list(self._issued.items()):
                if issued.label_number == label_number:
                    self._issued[number] = replace(issued, voided_at=at)


DEFAULT_STORE = InMemoryLabelStore()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    table: str  # rate table in data/


class BuiltinCarrier(Carrier):
    """Rates from a CSV table, numbers from a LabelStore serial, labels rendered locally."""

    services: tuple[Service, ...] = ()

    def __init__(self, *, store: LabelStore | None = None, now: Callable[[], dt.datetime] = _utcnow) -> None:
        self.store = store if store is not None else DEFAULT_STORE
        self.now = now

    # -- numbers ----------------------------------------------------------------------
    def make_tracking_number(self, shipment: ShipmentSpec, service: Service) -> str:
        raise NotImplementedError

    def is_valid_tracking_number(self, number: str) -> bool:
        raise NotImplementedError

    # -- interface --------------------------------------------------------------------
    def quote(self, shipment: ShipmentSpec) -> list[Rate]:
        quotes = []
        for service in self.services:
            amount = rates.shipment_price(service.table, shipment)
            if amount is None:
                continue
            days_min, days_max = rates.transit_days(service.table, rates.zone_for(shipment))
            quotes.append(Rate(self.code, service.code, amount, rates.RATE_CURRENCY, days_min, days_max))
        return quotes

    def buy_label(self, shipment: ShipmentSpec, service: str) -> Label:
        chosen = next((s for s in self.services if s.code == service), None)
        rate = next((r for r in self.quote(shipment) if r.service == service), None)
        if chosen is None or rate is None:
            raise ServiceUnavailable(f"{self.code}/{service} cannot carry this shipment", carrier=self.code)
        now = self.now()
        numbers = [self.make_tracking_number(shipment, chosen) for _ in shipment.parcels]
        data = [
            labels.LabelData(
                carrier_name=self.name,
                service_name=chosen.name,
                from_address=shipment.from_address,
                to_address=shipment.to_address,
                tracking_number=number,
                reference=shipment.reference,
                parcel_index=i,
                parcel_count=len(numbers),
                weight_grams=parcel.weight_grams,
                ship_date=now.date(),
                drop_off_code=shipment.drop_off_code,
            )
            for i, (number, parcel) in enumerate(zip(numbers, shipment.parcels, strict=True), start=1)
        ]
        for number in numbers:
            self.store.record(IssuedNumber(number, self.code, chosen.code, numbers[0], now))
        return Label(
            carrier=self.code,
            service=chosen.code,
            tracking_number=numbers[0],
            pdf=labels.render_pdf_batch(data),
            zpl=labels.render_zpl_batch(data),
            parcel_tracking_numbers=tuple(numbers),
            rate=rate,
        )

    def _issued(self, tracking_number: str) -> IssuedNumber:
        issued = self.store.get(tracking_number)
        if issued is None or issued.carrier != self.code:
            raise UnknownTrackingNumber(f"{self.code} never issued {tracking_number}", carrier=self.code)
        return issued

    def void_label(self, tracking_number: str) -> None:
        issued = self._issued(tracking_number)
        if issued.voided_at is not None:
            raise LabelAlreadyVoided(f"{tracking_number} was voided at {issued.voided_at}", carrier=self.code)
        self.store.mark_void(issued.label_number, at=self.now())

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        issued = self._issued(tracking_number)
        events = [TrackingEvent(tracking_number, TrackingStatus.LABEL_CREATED, issued.created_at, "", "Label created")]
        if issued.voided_at is not None:
            events.append(TrackingEvent(tracking_number, TrackingStatus.VOIDED, issued.voided_at, "", "Label voided"))
        return events


class _ImpbCarrier(BuiltinCarrier):
    mailer_id = "900000001"  # made-up 9-digit mailer id
    service_type_codes: dict[str, str] = {}

    def __init__(self, *, mailer_id: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if mailer_id is not None:
            self.mailer_id = mailer_id

    def make_tracking_number(self, shipment: ShipmentSpec, service: Service) -> str:
        stc = self.service_type_codes[service.code]
        serial = self.store.next_serial(f"impb:{self.mailer_id}")
        return tracking_numbers.make_impb(serial, mailer_id=self.mailer_id, service_code=stc)

    def is_valid_tracking_number(self, number: str) -> bool:
        return tracking_numbers.is_valid_impb(number)


class _S10Carrier(BuiltinCarrier):
    prefix = "LX"
    origin_country: str | None = None  # None: the shipment's origin country

    def __init__(self, *, prefix: str | None = None, origin_country: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if prefix is not None:
            self.prefix = prefix.upper()
        if origin_country is not None:
            self.origin_country = origin_country.upper()

    def make_tracking_number(self, shipment: ShipmentSpec, service: Service) -> str:
        country = (self.origin_country or shipment.from_address.country).upper()
        serial = self.store.next_serial(f"s10:{self.prefix}{country}")
        return tracking_numbers.make_s10(self.prefix, serial, country)

    def is_valid_tracking_number(self, number: str) -> bool:
        return tracking_numbers.is_valid_s10(number)


class DomesticGround(_ImpbCarrier):
    code = "domestic_ground"
    name = "Domestic Ground"
    services = (Service("ground", "Ground", "domestic_ground"),)
    service_type_codes = {"ground": "001"}


class DomesticExpress(_ImpbCarrier):
    code = "domestic_express"
    name = "Domestic Express"
    services = (Service("express", "Express", "domestic_express"),)
    service_type_codes = {"express": "002"}


class InternationalPostal(_S10Carrier):
    code = "intl_postal"
    name = "International Postal"
    postal = True
    prefix = "LX"
    services = (Service("postal", "Intl Tracked Packet", "intl_postal"),)


class InternationalExpress(_S10Carrier):
    code = "intl_express"
    name = "International Express"
    prefix = "EX"
    services = (Service("express", "Intl Express", "intl_express"),)
