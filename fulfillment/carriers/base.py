"""The carrier interface, its plain data types and the carrier registry.

A carrier quotes rates, buys a label, voids a label and reports tracking events. Built-in
carriers live in `fulfillment.carriers.builtin`; a real carrier plugs in through settings:

    FULFILLMENT_CARRIERS = [
        "fulfillment.carriers.builtin.DomesticGround",
        "myproject.carriers.UpsCarrier",   # a Carrier subclass; `code` is its registry key
    ]

Each entry is the dotted path of a `Carrier` subclass (or of a zero-argument factory returning
one). When the setting is absent the built-ins are used.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


class CarrierError(Exception):
    """Base class for carrier failures; carries the carrier code."""

    def __init__(self, message: str, *, carrier: str = "") -> None:
        super().__init__(message)
        self.carrier = carrier


class UnknownCarrier(CarrierError):
    """No carrier is registered under this code."""


class ServiceUnavailable(CarrierError):
    """The carrier does not offer this service for this shipment (route, weight, size)."""


class UnknownTrackingNumber(CarrierError):
    """The carrier has never issued this tracking number."""


class CarrierTemporarilyUnavailable(CarrierError):
    """The carrier could not answer now (timeout, 5xx, rate limit); the same call may work later.

    Carrier adapters raise it (or a ConnectionError / TimeoutError) for failures worth retrying;
    any other CarrierError is final (e.g. the service cannot carry this parcel).
    """


class LabelAlreadyVoided(CarrierError):
    """The label was voided before."""


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    line2: str = ""
    state: str = ""
    company: str = ""
    phone: str = ""

    def lines(self) -> list[str]:
        """Printable lines, top to bottom, empty parts left out."""
        city_line = " ".join(p for p in (self.city, self.state, self.postal_code) if p)
        parts = [self.name, self.company, self.line1, self.line2, city_line, self.country.upper()]
        return [p for p in parts if p]


@dataclass(frozen=True)
class Parcel:
    weight_grams: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True)
class ShipmentSpec:
    from_address: Address
    to_address: Address
    parcels: tuple[Parcel, ...]
    reference: str = ""
    promised_days: int | None = None
    # A return's code for label-free drop-off: printed as a QR code on the label.
    drop_off_code: str = ""

    @property
    def is_domestic(self) -> bool:
        return self.from_address.country.upper() == self.to_address.country.upper()

    @property
    def total_weight_grams(self) -> int:
        return sum(p.weight_grams for p in self.parcels)


@dataclass(frozen=True)
class Rate:
    carrier: str
    service: str
    amount: Decimal
    currency: str
    days_min: int
    days_max: int


@dataclass(frozen=True)
class Label:
    """A bought label: the first parcel's tracking number, one PDF page and one ZPL label per parcel."""

    carrier: str
    service: str
    tracking_number: str
    pdf: bytes
    zpl: str
    parcel_tracking_numbers: tuple[str, ...] = ()
    rate: Rate | None = None


class TrackingStatus(enum.StrEnum):
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    AT_SORTING_FACILITY = "at_sorting_facility"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    RETURNED_TO_SENDER = "returned_to_sender"
    VOIDED = "voided"


@dataclass(frozen=True)
class TrackingEvent:
    tracking_number: str
    status: TrackingStatus
    occurred_at: dt.datetime
    location: str = ""
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Carrier(abc.ABC):
    """What every carrier does; the rest of fulfillment talks only to this."""

    code: str = ""
    name: str = ""
    # A postal operator (UPU rules: CN22 / CN23 customs forms) rather than a courier (commercial invoice).
    postal: bool = False

    @abc.abstractmethod
    def quote(self, shipment: ShipmentSpec) -> list[Rate]:
        """Rates for every service that can carry the shipment; empty if none can."""

    @abc.abstractmethod
    def buy_label(self, shipment: ShipmentSpec, service: str) -> Label:
        """Buy a label for the shipment with the given service."""

    @abc.abstractmethod
    def void_label(self, tracking_number: str) -> None:
        """Void a label that has not been handed over."""

    @abc.abstractmethod
    def track(self, tracking_number: str) -> list[TrackingEvent]:
        """Tracking events for the number, oldest first."""


# --- choosing a rate ---------------------------------------------------------------------


def cheapest_rate(rates: Iterable[Rate], promised_days: int | None) -> Rate | None:
    """The cheapest rate whose days_max meets the promised days (faster wins a price tie); None if none does."""
    eligible = [r for r in rates if promised_days is None or r.days_max <= promised_days]
    if not eligible:
        return None
    return min(eligible, key=lambda r: (r.amount, r.days_max, r.carrier, r.service))


# --- registry ----------------------------------------------------------------------------

BUILTIN_CARRIERS = (
    "fulfillment.carriers.builtin.DomesticGround",
    "fulfillment.carriers.builtin.DomesticExpress",
    "fulfillment.carriers.builtin.InternationalPostal",
    "fulfillment.carriers.builtin.InternationalExpress",
)


def carrier_paths() -> tuple[str, ...]:
    """Dotted paths of the configured carriers: settings.FULFILLMENT_CARRIERS, else the built-ins."""

    configured = getattr(settings, "FULFILLMENT_CARRIERS", None) if settings.configured else None
    if configured is None:
        return BUILTIN_CARRIERS
    if isinstance(configured, dict):
        return tuple(configured.values())
    return tuple(configured)


def all_carriers(**options: Any) -> list[Carrier]:
    """A fresh instance of every configured carrier, in settings order; options go to each constructor."""
    return [_instantiate(path, options) for path in carrier_paths()]


def get_carrier(code: str, **options: Any) -> Carrier:
    """A fresh instance of the configured carrier with this code; options (e.g. store=) go to its constructor."""

    for path in carrier_paths():
        if getattr(import_string(path), "code", None) == code:
            return _instantiate(path, options)
    # A factory function has no class-level code: build each and ask.
    for path in carrier_paths():
        if not isinstance(import_string(path), type):
            carrier = _instantiate(path, options)
            if carrier.code == code:
                return carrier
    raise UnknownCarrier(f"no carrier registered as {code!r}", carrier=code)


def carrier_names(carrier_code: str, service_code: str) -> tuple[str, str]:
    """(carrier name, service name) for people; the codes when the carrier is no longer configured."""
    try:
        carrier = get_carrier(carrier_code)
    except CarrierError:
        return carrier_code, service_code
    services = {s.code: s.name for s in getattr(carrier, "services", ())}
    return carrier.name or carrier_code, services.get(service_code, service_code)


def _instantiate(path: str, options: dict[str, Any]) -> Carrier:

    carrier = import_string(path)(**options)
    if not isinstance(carrier, Carrier):
        raise TypeError(f"{path} did not produce a Carrier")
    return carrier


def quote_all(shipment: ShipmentSpec, carriers: Iterable[Carrier] | None = None) -> list[Rate]:
    """Rates from every carrier (configured ones by default) for the shipment."""
    return [rate for carrier in (all_carriers() if carriers is None else carriers) for rate in carrier.quote(shipment)]
