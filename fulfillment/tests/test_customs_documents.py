"""Customs declarations bought with an international label: which document, what its PDF says, its electronic record.

CN22 for a postal item up to 300 SDR, CN23 above (or when the value in SDR is unknown), a commercial invoice
for the express carrier; no international label without a declaration.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fulfillment.customs import RECORD_SCHEMA, Declaration, DeclarationLine, Party, document_kind
from fulfillment.documents.customs import render
from fulfillment.models import (
    CustomsDocument,
    IssuedTrackingNumber,
    OutboundLine,
    OutboundOrder,
    Shipment,
    ShippingLabel,
    TrackingEvent,
)
from fulfillment.services.labels import NoDeclaration, buy_label
from fulfillment.tests.shipping_helpers import LONDON, packed_shipment

pytestmark = pytest.mark.django_db

A4_PT = (595.28, 841.89)
LABEL_PT = (288.0, 432.0)
EXPORTER = {
    "name": "Glow Theory Ltd",
    "line1": "12 Canal Street",
    "city": "Newark",
    "postal_code": "07102",
    "country": "US",
    "eori": "US123456789000",
    "vat_number": "GB123456789",
    "ioss_number": "",
}


def shipment_abroad(*, value_in_sdr=None, incoterm: str = "DAP", exporter=None, days_max: int | None = None, **line):
    """A packed parcel from Newark to London; the order's and its line's customs data set as given."""
    shipment = packed_shipment(address=LONDON)
    order = OutboundOrder.objects.get(pk=shipment.fulfillment_order.order_id)
    order.value_in_sdr, order.incoterm, order.exporter = value_in_sdr, incoterm, exporter or {}
    if days_max is not None:  # a promise only the express carrier keeps
        order.shipping_days_max = days_max
    order.save()
    OutboundLine.objects.filter(order=order).update(
        **{
            "hs_code": "610910",
            "country_of_origin": "PT",
            "customs_description": "Cotton t-shirt",
            "net_weight_grams": 180,
            "unit_value": Decimal("19.99"),
            **line,
        }
    )
    return shipment


def pdf_of(document: CustomsDocument) -> PdfReader:
    document.pdf.open("rb")
    try:
        return PdfReader(io.BytesIO(document.pdf.read()))
    finally:
        document.pdf.close()


def page_size(reader: PdfReader) -> tuple[float, float]:
    box = reader.pages[0].mediabox
    return (round(float(box.width), 2), round(float(box.height), 2))


def text_of(reader: PdfReader) -> str:
    """The pages' text with runs of whitespace as one space (a table's cells come out one per line)."""
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- which document ------------------------------------------------------------------------------


def test_a_postal_item_up_to_300_sdr_travels_with_a_cn22_on_a_4x6_page():
    shipment = shipment_abroad(value_in_sdr=Decimal("300.00"), exporter=EXPORTER)

    label = buy_label(shipment_id=shipment.pk)

    document = CustomsDocument.objects.get(shipment=shipment)
    assert (label.carrier, document.kind, document.label_id) == ("intl_postal", "cn22", label.pk)
    reader = pdf_of(document)
    assert page_size(reader) == LABEL_PT and len(reader.pages) == 1
    text = text_of(reader)
    assert "CUSTOMS DECLARATION CN22" in text
    assert "[X] Sale of goods" in text and "Incoterm: DAP" in text
    assert f"Tracking: {label.tracking_number}" in text
    assert "IOSS / VAT no.: GB123456789" in text
    # The line: description, quantity, net weight (2 x 180 g), value (2 x 19.99), HS code and origin.
    assert "Cotton t-shirt 2 0.360 kg 39.98 610910 PT" in text
    assert "Total value: 39.98 USD" in text


def test_a_postal_item_above_300_sdr_travels_with_an_a4_cn23():
    shipment = shipment_abroad(value_in_sdr=Decimal("300.01"), incoterm="DDP", exporter=EXPORTER)

    buy_label(shipment_id=shipment.pk)

    document = CustomsDocument.objects.get(shipment=shipment)
    assert document.kind == "cn23"
    reader = pdf_of(document)
    assert page_size(reader) == A4_PT
    text = text_of(reader)
    assert "CUSTOMS DECLARATION CN23" in text
    assert "Reason for export Sale of goods" in text and "Incoterm DDP" in text
    assert "[X] Sale of goods" in text and "IOSS / VAT GB123456789" in text
    assert "Cotton t-shirt 2 19.99 39.98 0.360 kg 610910 PT" in text
    assert "EORI: US123456789000" in text


def test_a_postal_item_of_unknown_value_in_sdr_gets_a_cn23():
    shipment = shipment_abroad(value_in_sdr=None)

    buy_label(shipment_id=shipment.pk)

    assert CustomsDocument.objects.get(shipment=shipment).kind == "cn23"


def test_the_express_carrier_gets_a_commercial_invoice_on_a4_with_the_ioss_number():
    exporter = {**EXPORTER, "ioss_number": "IM3720000001"}
    shipment = shipment_abroad(value_in_sdr=Decimal("20"), incoterm="DDP", exporter=exporter, days_max=3)

    label = buy_label(shipment_id=shipment.pk)

    document = CustomsDocument.objects.get(shipment=shipment)
    assert (label.carrier, document.kind) == ("intl_express", "commercial_invoice")
    reader = pdf_of(document)
    assert page_size(reader) == A4_PT
    text = text_of(reader)
    assert "COMMERCIAL INVOICE" in text
    assert "Terms of sale DDP" in text and "Reason for export Sale of goods" in text
    assert "IOSS / VAT IM3720000001" in text and "IOSS: IM3720000001" in text
    assert "Cotton t-shirt 2 19.99 39.98 0.360 kg 610910 PT" in text
    assert f"Tracking number {label.tracking_number}" in text


def test_without_an_ioss_or_vat_number_the_document_says_none():
    shipment = shipment_abroad(value_in_sdr=Decimal("10"))

    buy_label(shipment_id=shipment.pk)

    text = text_of(pdf_of(CustomsDocument.objects.get(shipment=shipment)))
    assert "IOSS / VAT no." not in text
    # Without a seller's customs profile, the shipping warehouse is the sender.
    assert f"Sender: {shipment.fulfillment_order.warehouse.name}" in text


def test_every_line_is_declared_on_the_a4_documents():
    lines = tuple(DeclarationLine(f"Item {n}", n, Decimal("5.00"), 100 * n, f"61091{n}", "VN") for n in range(1, 4))
    declaration = _declaration(lines=lines, postal=False)

    text = text_of(PdfReader(io.BytesIO(render(declaration, document_kind(declaration)))))

    for n in range(1, 4):
        assert f"Item {n} {n} 5.00 {5 * n:.2f} {0.1 * n * n:.3f} kg 61091{n} VN" in text
    assert "Total 6 30.00 USD 1.400 kg" in text


def test_the_kind_follows_the_service_and_the_value_in_sdr():
    assert document_kind(_declaration(value_in_sdr=Decimal("300"))) == "cn22"
    assert document_kind(_declaration(value_in_sdr=Decimal("300.01"))) == "cn23"
    assert document_kind(_declaration(value_in_sdr=None)) == "cn23"
    assert document_kind(_declaration(value_in_sdr=Decimal("1"), postal=False)) == "commercial_invoice"


# --- the electronic record -----------------------------------------------------------------------


def test_the_electronic_record_has_the_documented_shape():
    shipment = shipment_abroad(value_in_sdr=Decimal("34.50"), incoterm="DDP", exporter=EXPORTER)

    label = buy_label(shipment_id=shipment.pk)

    record = CustomsDocument.objects.get(shipment=shipment).record
    order = OutboundOrder.objects.get(pk=shipment.fulfillment_order.order_id)
    assert set(record) == {"schema", "document", "shipment", "exporter", "importer", "items"}
    assert (record["schema"], record["document"]) == (RECORD_SCHEMA, "cn22")
    assert record["shipment"] == {
        "reference": order.number,
        "tracking_number": label.tracking_number,
        "service": "postal",
        "incoterm": "DDP",
        "category": "Sale of goods",
        "currency": "USD",
        "invoice_number": order.number,
        "invoice_date": order.created_at.date().isoformat(),
        "total_value": "39.98",
        "shipping_cost": "0.00",
        "net_weight_grams": 360,
        "gross_weight_grams": 800,
        "value_in_sdr": "34.50",
        "tax_id_on_parcel": "GB123456789",
    }
    assert record["items"] == [
        {
            "description": "Cotton t-shirt",
            "quantity": 2,
            "unit_value": "19.99",
            "value": "39.98",
            "net_weight_grams": 180,
            "hs_code": "610910",
            "origin_country": "PT",
        }
    ]
    assert record["exporter"]["eori"] == "US123456789000" and record["exporter"]["country"] == "US"
    assert record["exporter"]["lines"] == ["Glow Theory Ltd", "12 Canal Street", "07102 Newark", "US"]
    importer = record["importer"]
    assert (importer["name"], importer["city"], importer["postal_code"], importer["country"]) == (
        "John Smith",
        "London",
        "SW1A 1AA",
        "GB",
    )
    for party in (record["exporter"], record["importer"]):
        assert {"name", "line1", "city", "country", "eori", "vat_number", "ioss_number", "lines"} <= set(party)


def test_a_domestic_label_has_no_declaration():
    shipment = packed_shipment()

    buy_label(shipment_id=shipment.pk)

    assert not CustomsDocument.objects.exists()


# --- no international label without a declaration ----------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [{"hs_code": ""}, {"hs_code": "6109"}, {"country_of_origin": ""}, {"customs_description": ""}],
    ids=["no HS code", "HS code too short", "no origin", "no description"],
)
def test_a_line_lacking_customs_data_gets_no_label_and_nothing_is_stored(missing):
    shipment = shipment_abroad(value_in_sdr=Decimal("20"), **missing)

    with pytest.raises(NoDeclaration) as refused:
        buy_label(shipment_id=shipment.pk)

    assert "cannot get a label without its customs declaration" in str(refused.value)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PACKED and shipment.tracking_number == ""
    assert not ShippingLabel.objects.exists() and not CustomsDocument.objects.exists()
    assert not IssuedTrackingNumber.objects.exists()  # no label was bought from the carrier
    assert not TrackingEvent.objects.filter(shipment=shipment).exists()


def test_once_the_hs_code_is_back_the_label_is_bought_with_its_declaration():
    shipment = shipment_abroad(value_in_sdr=Decimal("20"), hs_code="")
    with pytest.raises(NoDeclaration):
        buy_label(shipment_id=shipment.pk)
    OutboundLine.objects.filter(order_id=shipment.fulfillment_order.order_id).update(hs_code="61091000")

    label = buy_label(shipment_id=shipment.pk)

    assert CustomsDocument.objects.get(shipment=shipment).record["items"][0]["hs_code"] == "61091000"
    assert label.customs_document.kind == "cn22"


def _declaration(*, value_in_sdr=Decimal("10"), postal: bool = True, lines=None) -> Declaration:
    party = Party(name="A", line1="1 Street", city="Town", country="US")
    return Declaration(
        shipment_reference="ORD-1",
        tracking_number="RR123456785GB",
        invoice_number="ORD-1",
        invoice_date=dt.date(2026, 12, 3),
        currency="USD",
        exporter=party,
        importer=party,
        lines=lines or (DeclarationLine("Cotton t-shirt", 1, Decimal("10"), 180, "610910", "PT"),),
        value_in_sdr=value_in_sdr,
        postal=postal,
    )
