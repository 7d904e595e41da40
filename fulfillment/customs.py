"""Customs declarations: what an international parcel carries, in the shape customs and carriers ask for.

A declaration is plain data (`Declaration`), built at label time from fulfillment's copy of the order.
Which document a service needs follows the UPU and carrier rules: a postal item up to 300 SDR travels
with a CN22, above that with a CN23; an express (courier) shipment with a commercial invoice. Every
international label also gets an electronic record (the data a carrier or broker files before
departure: the UPU ITMATT message, the US STOP Act / EU ICS2 advance data), as one JSON per shipment
in the shape `electronic_record` documents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

CN22_MAX_SDR = Decimal("300")
RECORD_SCHEMA = "marketplace.customs.v1"


class DocumentKind:
    CN22 = "cn22"
    CN23 = "cn23"
    COMMERCIAL_INVOICE = "commercial_invoice"
    LABELS = {CN22: "CN22", CN23: "CN23", COMMERCIAL_INVOICE: "Commercial invoice"}


@dataclass(frozen=True)
class Party:
    name: str
    line1: str
    city: str
    country: str
    line2: str = ""
    region: str = ""
    postal_code: str = ""
    eori: str = ""
    vat_number: str = ""
    ioss_number: str = ""
    phone: str = ""
    email: str = ""

    def lines(self) -> list[str]:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return [line for line in (self.name, self.line1, self.line2, place, self.region, self.country) if line]


@dataclass(frozen=True)
class DeclarationLine:
    description: str
    quantity: int
    unit_value: Decimal
    net_weight_grams: int
    hs_code: str
    origin_country: str

    @property
    def value(self) -> Decimal:
        return self.unit_value * self.quantity


@dataclass(frozen=True)
class Declaration:
    """One shipment's customs data; `incoterm` DDP (we paid duties and taxes) or DAP (the buyer pays at the door)."""

    shipment_reference: str
    tracking_number: str
    invoice_number: str
    invoice_date: dt.date
    currency: str
    exporter: Party
    importer: Party
    lines: tuple[DeclarationLine, ...]
    incoterm: str = "DAP"
    shipping_cost: Decimal = Decimal("0")
    gross_weight_grams: int = 0
    value_in_sdr: Decimal | None = None
    category: str = "Sale of goods"
    service: str = ""
    postal: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_value(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal("0"))

    @property
    def net_weight_grams(self) -> int:
        return sum(line.net_weight_grams * line.quantity for line in self.lines)

    @property
    def tax_id_on_parcel(self) -> str:
        """The number that tells customs tax was collected at sale: IOSS into the EU, else the exporter's VAT."""
        return self.exporter.ioss_number or self.exporter.vat_number


class MissingCustomsData(Exception):
    """A line lacks what a declaration needs: no international label is bought without it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check_declaration(declaration: Declaration) -> None:
    problems = []
    for number, line in enumerate(declaration.lines, start=1):
        if not (line.hs_code.isdigit() and 6 <= len(line.hs_code) <= 10):
            problems.append(f"line {number}: an HS code of 6 to 10 digits is needed")
        if len(line.origin_country) != 2:
            problems.append(f"line {number}: the country of origin is needed")
        if not line.description.strip():
            problems.append(f"line {number}: a customs description is needed")
        if line.net_weight_grams <= 0:
            problems.append(f"line {number}: the net weight is needed")
    if not declaration.lines:
        problems.append("the shipment declares no goods")
    if problems:
        raise MissingCustomsData(problems)


def document_kind(declaration: Declaration) -> str:
    """CN22 for a postal item up to 300 SDR, CN23 above (or when the value in SDR is unknown); invoice by courier."""
    if not declaration.postal:
        return DocumentKind.COMMERCIAL_INVOICE
    if declaration.value_in_sdr is not None and declaration.value_in_sdr <= CN22_MAX_SDR:
        return DocumentKind.CN22
    return DocumentKind.CN23


def electronic_record(declaration: Declaration, *, kind: str) -> dict:
    """The advance electronic data for one shipment (JSON-safe).

    Shape (`schema` "marketplace.customs.v1"): schema, document (cn22 | cn23 | commercial_invoice),
    shipment {reference, tracking_number, service, incoterm, category, currency, invoice_number,
    invoice_date, total_value, shipping_cost, net_weight_grams, gross_weight_grams, value_in_sdr},
    exporter and importer {name, address lines, country, eori, vat_number, ioss_number}, items
    [{description, quantity, unit_value, value, net_weight_grams, hs_code, origin_country}].
    Money as strings with two decimals; weights in grams; countries as ISO 3166 alpha-2.
    """
    money = lambda amount: f"{Decimal(amount):.2f}"  # noqa: E731 - a local formatter

    def party(p: Party) -> dict:
        data = asdict(p)
        data["lines"] = p.lines()
        return data

    return {
        "schema": RECORD_SCHEMA,
        "document": kind,
        "shipment": {
            "reference": declaration.shipment_reference,
            "tracking_number": declaration.tracking_number,
            "service": declaration.service,
            "incoterm": declaration.incoterm,
            "category": declaration.category,
            "currency": declaration.currency,
            "invoice_number": declaration.invoice_number,
            "invoice_date": declaration.invoice_date.isoformat(),
            "total_value": money(declaration.total_value),
            "shipping_cost": money(declaration.shipping_cost),
            "net_weight_grams": declaration.net_weight_grams,
            "gross_weight_grams": declaration.gross_weight_grams,
            "value_in_sdr": money(declaration.value_in_sdr) if declaration.value_in_sdr is not None else None,
            "tax_id_on_parcel": declaration.tax_id_on_parcel,
        },
        "exporter": party(declaration.exporter),
        "importer": party(declaration.importer),
        "items": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_value": money(line.unit_value),
                "value": money(line.value),
                "net_weight_grams": line.net_weight_grams,
                "hs_code": line.hs_code,
                "origin_country": line.origin_country,
            }
            for line in declaration.lines
        ],
    }
