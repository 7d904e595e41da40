"""What the shop hands fulfillment when an order is paid: plain data, so fulfillment never reads the shop."""

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ShipTo:
    name: str
    line1: str
    city: str
    country: str
    line2: str = ""
    region: str = ""
    postal_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class FulfillmentLine:
    line_id: int
    variant_id: int
    sku: str
    product_title: str
    quantity: int
    unit_value: Decimal
    variant_label: str = ""
    # Customs data of the variant (falling back to its product); empty where the seller has not given it.
    # Defaults keep payloads written before these fields parseable.
    hs_code: str = ""
    country_of_origin: str = ""
    customs_description: str = ""
    net_weight_grams: int = 0

    @property
    def has_customs_data(self) -> bool:
        return bool(self.hs_code and self.country_of_origin and self.customs_description and self.net_weight_grams)


@dataclass(frozen=True)
class FulfillmentRequest:
    """Ship these lines of order `order_id` to this address, by a service promising `shipping_days_max` days."""

    order_id: int
    number: str
    currency: str
    ship_to: ShipTo
    shipping_method: str = ""
    shipping_days_max: int = 0
    lines: tuple[FulfillmentLine, ...] = field(default_factory=tuple)

    def as_payload(self) -> dict[str, Any]:
        """JSON-safe (money as a string), for an event's payload."""
        data = asdict(self)
        for line in data["lines"]:
            line["unit_value"] = str(line["unit_value"])
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> "FulfillmentRequest":
        return cls(
            order_id=int(data["order_id"]),
            number=data["number"],
            currency=data["currency"],
            ship_to=ShipTo(**data["ship_to"]),
            shipping_method=data.get("shipping_method", ""),
            shipping_days_max=int(data.get("shipping_days_max") or 0),
            lines=tuple(
                FulfillmentLine(**{**line, "unit_value": Decimal(str(line["unit_value"]))}) for line in data["lines"]
            ),
        )
