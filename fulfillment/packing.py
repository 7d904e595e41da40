"""Which box to pack in: pure functions over plain sizes and weights, so the rule is tested alone.

A suggestion only: staff at the packing bench may pick another box or measure the parcel.

The rule for one box: among active boxes, smallest inner volume first, the first one where
- every item (so the largest) fits in some orientation: its sorted sides within the box's sorted sides,
- the items' total volume is at most FILL_FACTOR of the box's volume, and
- the items' total weight is at most the box's max weight.
When no box takes everything, `suggest_parcels` splits greedily (first fit, largest item first).
Items with unknown dimensions (zero) take no room; with unknown weight, weigh nothing: the scale
at the bench gives the real weight.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Units never tile a carton perfectly: leave a fifth of the volume for air, padding and tape.
FILL_FACTOR = 0.8


class _Cuboid:
    """Volume and sorted dimensions of anything with a length, width and height in millimetres."""

    length_mm: int
    width_mm: int
    height_mm: int

    @property
    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    def dimensions(self) -> tuple[int, int, int]:
        return tuple(sorted((self.length_mm, self.width_mm, self.height_mm), reverse=True))


@dataclass(frozen=True)
class ItemSize(_Cuboid):
    """One unit of a product (or `quantity` equal units)."""

    length_mm: int
    width_mm: int
    height_mm: int
    weight_grams: int
    quantity: int = 1
    sku: str = ""


@dataclass(frozen=True)
class BoxSize(_Cuboid):
    id: int
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_grams: int
    tare_weight_grams: int = 0
    is_active: bool = True
    code: str = ""


@dataclass(frozen=True)
class ParcelSuggestion:
    """A box (None when none fits: staff measure it) and the units that go in it."""

    box: BoxSize | None
    items: tuple[ItemSize, ...]

    @property
    def contents_weight_grams(self) -> int:
        return sum(item.weight_grams * item.quantity for item in self.items)

    @property
    def weight_grams(self) -> int:
        """Estimated parcel weight: contents plus the box itself."""
        return self.contents_weight_grams + (self.box.tare_weight_grams if self.box else 0)


def _units(items: Iterable[ItemSize]) -> list[ItemSize]:
    units = []
    for item in items:
        if item.quantity < 1:
            raise ValueError(f"Item {item.sku or item} has quantity {item.quantity}; at least one is packed.")
        units.extend(
            [ItemSize(item.length_mm, item.width_mm, item.height_mm, item.weight_grams, 1, item.sku)] * item.quantity
        )
    return units


def fits(box: BoxSize, items: Sequence[ItemSize]) -> bool:
    """True when the box takes all the items by the rule in the module docstring."""
    units = _units(items)
    if not box.is_active or not units:
        return False
    # Sorted against sorted dimensions: a unit fits in some orientation iff each of its sides does.
    inner = box.dimensions()
    if any(any(side > room for side, room in zip(unit.dimensions(), inner, strict=True)) for unit in units):
        return False
    volume = sum(unit.volume_mm3 for unit in units)
    weight = sum(unit.weight_grams for unit in units)
    return volume <= box.volume_mm3 * FILL_FACTOR and weight <= box.max_weight_grams


def suggest_box(items: Sequence[ItemSize], boxes: Iterable[BoxSize]) -> BoxSize | None:
    """The smallest active box (by volume, then id) that takes all the items; None if none does."""
    for box in sorted(boxes, key=lambda b: (b.volume_mm3, b.id)):
        if fits(box, items):
            return box
    return None


def suggest_parcels(items: Sequence[ItemSize], boxes: Iterable[BoxSize]) -> list[ParcelSuggestion]:
    """One parcel if a box takes everything, else a greedy split (largest unit first, first fit).

    A unit that fits no box goes alone in a parcel with box None, for staff to measure.
    """
    boxes = [box for box in boxes if box.is_active]
    units = _units(items)
    if not units:
        return []
    whole = suggest_box(units, boxes)
    if whole is not None:
        return [ParcelSuggestion(box=whole, items=tuple(_merge(units)))]
    parcels: list[list[ItemSize]] = []
    for unit in sorted(units, key=lambda u: (u.volume_mm3, u.weight_grams), reverse=True):
        for parcel in parcels:
            if suggest_box([*parcel, unit], boxes) is not None:
                parcel.append(unit)
                break
        else:
            parcels.append([unit])
    return [ParcelSuggestion(box=suggest_box(parcel, boxes), items=tuple(_merge(parcel))) for parcel in parcels]


def _merge(units: list[ItemSize]) -> list[ItemSize]:
    """Equal units back into one item with a quantity, in first-seen order."""
    counts: dict[ItemSize, int] = {}
    for unit in units:
        counts[unit] = counts.get(unit, 0) + 1
    return [ItemSize(u.length_mm, u.width_mm, u.height_mm, u.weight_grams, count, u.sku) for u, count in counts.items()]
