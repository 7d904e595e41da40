"""The customs declaration of an international shipment, made when its label is bought.

`declaration_for` builds the plain data from fulfillment's copy of the order (lines with their HS
code, origin, description and net weight; the incoterm, value in SDR and exporter the shop sent); the
label service checks it before buying and stores the document (PDF and electronic record) with the
label in one transaction: no international label leaves without its declaration.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile

from fulfillment.customs import Declaration, DeclarationLine, Party, check_declaration, document_kind, electronic_record
from fulfillment.documents.customs import render
from fulfillment.models import Allocation, CustomsDocument, OutboundLine, Shipment, ShippingLabel


def _exporter(shipment: Shipment) -> Party:
    """The exporter the shop named (the seller's customs profile), else the shipping warehouse as the sender."""
    order, warehouse = shipment.fulfillment_order.order, shipment.fulfillment_order.warehouse
    if order.exporter:
        known = set(Party.__dataclass_fields__)
        return Party(**{key: str(value) for key, value in order.exporter.items() if key in known})
    return Party(
        name=warehouse.name,
        line1=warehouse.address_line1,
        line2=warehouse.address_line2,
        city=warehouse.city,
        region=warehouse.region,
        postal_code=warehouse.postal_code,
        country=str(warehouse.country),
    )


def declaration_for(
    shipment: Shipment, *, tracking_number: str = "", postal: bool = True, service: str = ""
) -> Declaration:
    """What this shipment carries, for customs (its fulfillment order's allocated units)."""
    order = shipment.fulfillment_order.order
    units: dict[int, int] = defaultdict(int)
    for line_id, quantity in Allocation.objects.filter(fulfillment_order_id=shipment.fulfillment_order_id).values_list(
        "order_line_id", "quantity"
    ):
        units[line_id] += quantity
    lines = [
        DeclarationLine(
            description=line.customs_description,
            quantity=units[line.pk],
            unit_value=line.unit_value,
            net_weight_grams=line.net_weight_grams,
            hs_code=line.hs_code,
            origin_country=str(line.country_of_origin or ""),
        )
        for line in OutboundLine.objects.filter(pk__in=list(units)).order_by("pk")
    ]
    value_in_sdr = None
    if order.value_in_sdr is not None:
        # A part of the order in this parcel: its share of the order's value in SDR.
        part = sum((line.value for line in lines), Decimal("0"))
        whole = sum((line.unit_value * line.quantity for line in order.lines.all()), Decimal("0"))
        value_in_sdr = (order.value_in_sdr * part / whole).quantize(Decimal("0.01")) if whole else order.value_in_sdr
    return Declaration(
        shipment_reference=order.number,
        tracking_number=tracking_number,
        invoice_number=order.number,
        invoice_date=order.created_at.date(),
        currency=order.currency,
        exporter=_exporter(shipment),
        importer=Party(
            name=order.ship_name,
            line1=order.ship_line1,
            line2=order.ship_line2,
            city=order.ship_city,
            region=order.ship_region,
            postal_code=order.ship_postal_code,
            country=str(order.ship_country),
            phone=order.ship_phone,
        ),
        lines=tuple(lines),
        incoterm=order.incoterm or "DAP",
        gross_weight_grams=sum(parcel.weight_grams for parcel in shipment.parcels.all()),
        value_in_sdr=value_in_sdr,
        service=service,
        postal=postal,
    )


def store_customs_document(*, shipment: Shipment, label: ShippingLabel, declaration: Declaration) -> CustomsDocument:
    """Render and keep the declaration the label travels with (inside the label's transaction)."""
    check_declaration(declaration)
    kind = document_kind(declaration)
    return CustomsDocument.objects.create(
        shipment=shipment,
        label=label,
        kind=kind,
        pdf=ContentFile(render(declaration, kind), name=f"{kind}-{label.tracking_number}.pdf"),
        record=electronic_record(declaration, kind=kind),
    )
