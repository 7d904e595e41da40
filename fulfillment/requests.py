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
    # Across a border: DDP (duties and taxes collected at checkout) or DAP (the buyer pays at the door), the
    # goods' value in SDR (postal CN22 or CN23) and the exporter on the declaration (fulfillment.customs.Party).
    incoterm: str = ""
    value_in_sdr: str = ""
    exporter: dict[str, str] = field(default_factory=dict)
    # The delivery dates promised at checkout (ISO dates; empty for orders placed before promises existed).
    promised_from: str = ""
    promised_to: str = ""

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
            incoterm=data.get("incoterm", ""),
            value_in_sdr=data.get("value_in_sdr", ""),
            exporter=dict(data.get("exporter") or {}),
            promised_from=data.get("promised_from", ""),
            promised_to=data.get("promised_to", ""),
            lines=tuple(
                FulfillmentLine(**{**line, "unit_value": Decimal(str(line["unit_value"]))}) for line in data["lines"]
            ),
        )


@dataclass(frozen=True)
class ReturnLineRequest:
    line_id: int  # the shop's return line id
    order_line_id: int
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class ReturnRequestToReceive:
    """Bring these units of order `order_id` back to warehouse `warehouse_id`, from the shopper's address.

    `shipment_id` names an outbound shipment already coming back (returned to sender): no label is bought.
    """

    return_id: int
    number: str
    order_id: int
    warehouse_id: int
    ship_from: ShipTo
    lines: tuple[ReturnLineRequest, ...]
    shipment_id: int | None = None

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> "ReturnRequestToReceive":
        return cls(
            return_id=int(data["return_id"]),
            number=data["number"],
            order_id=int(data["order_id"]),
            warehouse_id=int(data["warehouse_id"]),
            ship_from=ShipTo(**data["ship_from"]),
            lines=tuple(ReturnLineRequest(**line) for line in data["lines"]),
            shipment_id=data.get("shipment_id"),
        )
