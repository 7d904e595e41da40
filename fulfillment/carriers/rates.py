"""Zone x weight-break rate tables for the built-in carriers, read once from `data/*.csv`.

- `<table>.csv`: `max_grams, zone_1, zone_2, ...`; a parcel pays the first row whose max_grams
  is at or above its billable weight; heavier than the last row means the service refuses it.
- `domestic_zones.csv`: zone by first digit of the origin and destination postal codes.
- `intl_zones.csv`: zone by destination country; `*` is every other country.
- `transit_days.csv`: days_min / days_max per table and zone.

Prices are in `RATE_CURRENCY`. Editing a CSV changes prices without touching code.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .base import Parcel, ShipmentSpec

DATA_DIR = Path(__file__).resolve().parent / "data"
RATE_CURRENCY = "USD"
DOMESTIC_TABLES = ("domestic_ground", "domestic_express")
INTERNATIONAL_TABLES = ("intl_postal", "intl_express")
# Volumetric divisor in mm^3 per gram (5000 cm^3 per kg), applied to express services only.
VOLUMETRIC_DIVISOR = {"domestic_express": 5000, "intl_express": 5000}


@dataclass(frozen=True)
class RateTable:
    name: str
    breaks: tuple[int, ...]  # max grams per row, ascending
    prices: dict[int, tuple[Decimal, ...]]  # zone -> price per row

    @property
    def max_grams(self) -> int:
        return self.breaks[-1]

    def price(self, *, zone: int, weight_grams: int) -> Decimal | None:
        """Price for one parcel of this billable weight in this zone; None if too heavy or no such zone."""
        if zone not in self.prices or weight_grams <= 0:
            return None
        for i, limit in enumerate(self.breaks):
            if weight_grams <= limit:
                return self.prices[zone][i]
        return None


@functools.cache
def load_table(name: str) -> RateTable:
    """The rate table `data/<name>.csv`, parsed once per process."""
    with (DATA_DIR / f"{name}.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    zones = sorted(int(k.removeprefix("zone_")) for k in rows[0] if k.startswith("zone_"))
    breaks = tuple(int(r["max_grams"]) for r in rows)
    if list(breaks) != sorted(breaks):
        raise ValueError(f"{name}.csv: max_grams must ascend")
    prices = {z: tuple(Decimal(r[f"zone_{z}"]) for r in rows) for z in zones}
    return RateTable(name=name, breaks=breaks, prices=prices)


@functools.cache
def _domestic_zone_matrix() -> dict[tuple[int, int], int]:
    with (DATA_DIR / "domestic_zones.csv").open(newline="") as f:
        return {
            (int(r["origin_digit"]), int(k.removeprefix("dest_"))): int(v)
            for r in csv.DictReader(f)
            for k, v in r.items()
            if k.startswith("dest_")
        }


@functools.cache
def _intl_zone_table() -> dict[str, int]:
    with (DATA_DIR / "intl_zones.csv").open(newline="") as f:
        return {r["country"].strip().upper(): int(r["zone"]) for r in csv.DictReader(f)}


@functools.cache
def _transit_days() -> dict[tuple[str, int], tuple[int, int]]:
    with (DATA_DIR / "transit_days.csv").open(newline="") as f:
        return {(r["table"], int(r["zone"])): (int(r["days_min"]), int(r["days_max"])) for r in csv.DictReader(f)}


def domestic_zone(origin_postal_code: str, destination_postal_code: str) -> int:
    """Zone 1-8 from the first digits of the two postal codes; the farthest zone if either has no leading digit."""
    matrix = _domestic_zone_matrix()
    o, d = origin_postal_code.strip()[:1], destination_postal_code.strip()[:1]
    if not (o.isdigit() and d.isdigit()):
        return max(matrix.values())
    return matrix[(int(o), int(d))]


def international_zone(country: str) -> int:
    """Zone of the destination country (ISO alpha-2); unlisted countries get the `*` zone."""
    table = _intl_zone_table()
    return table.get(country.strip().upper(), table["*"])


def zone_for(shipment: ShipmentSpec) -> int:
    """The zone of the shipment: domestic by postal codes, international by destination country."""
    if shipment.is_domestic:
        return domestic_zone(shipment.from_address.postal_code, shipment.to_address.postal_code)
    return international_zone(shipment.to_address.country)


def transit_days(table: str, zone: int) -> tuple[int, int]:
    """(days_min, days_max) of a table's service in a zone."""
    return _transit_days()[(table, zone)]


def billable_weight_grams(parcel: Parcel, table: str) -> int:
    """Actual weight, or the volumetric weight if the service charges it and it is higher."""
    divisor = VOLUMETRIC_DIVISOR.get(table)
    if not divisor:
        return parcel.weight_grams
    volume = parcel.length_mm * parcel.width_mm * parcel.height_mm
    return max(parcel.weight_grams, -(-volume // divisor))


def shipment_price(table: str, shipment: ShipmentSpec) -> Decimal | None:
    """Sum of per-parcel prices from the table; None if the table does not apply or any parcel is refused."""
    if not shipment.parcels:
        return None
    if (table in DOMESTIC_TABLES) != shipment.is_domestic:
        return None
    rate_table, zone = load_table(table), zone_for(shipment)
    total = Decimal("0.00")
    for parcel in shipment.parcels:
        price = rate_table.price(zone=zone, weight_grams=billable_weight_grams(parcel, table))
        if price is None:
            return None
        total += price
    return total
