"""The prepaid return label: to the nearest returns centre, a 4x6 PDF and ZPL with barcodes and a drop-off QR code."""

import io

import pytest
import segno
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from fulfillment.carriers.labels import drop_off_qr_png, drop_off_qr_svg
from fulfillment.models import InboundReturn, OutboundLine, OutboundOrder, Shipment, TrackingLeg, Warehouse
from fulfillment.requests import ReturnLineRequest, ReturnRequestToReceive, ShipTo
from fulfillment.selectors import return_label, returns_centre_for
from fulfillment.services.returns import buy_return_label, expect_return
from fulfillment.services.tracking import ingest_tracking_event
from fulfillment.tests.factories import WarehouseFactory
from marketplace.models import OutboxEvent
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

RC = Warehouse.Kind.RETURNS_CENTRE


def _expected_return(*, country: str = "US", city: str = "Springfield", postal: str = "62701") -> InboundReturn:
    variant = VariantFactory(product__weight_grams=400)
    order = OutboundOrder.objects.create(id=7001, number="MK-TEST-0001", ship_country=country, ship_city=city)
    line = OutboundLine.objects.create(
        id=9001, order=order, variant=variant, sku=variant.sku, product_title="Tea", quantity=2
    )
    centre = returns_centre_for(country=country, postal_code=postal)
    return expect_return(
        request=ReturnRequestToReceive(
            return_id=501,
            number="MK-TEST-0001-R1",
            order_id=order.pk,
            warehouse_id=centre.pk,
            ship_from=ShipTo(name="Ada Shopper", line1="1 Main St", city=city, country=country, postal_code=postal),
            lines=(ReturnLineRequest(line_id=601, order_line_id=line.pk, variant_id=variant.pk, quantity=2),),
        )
    )


def test_the_nearest_returns_centre_in_the_shoppers_country_is_chosen():
    east = WarehouseFactory(kind=RC, country="US", postal_code="08817")
    west = WarehouseFactory(kind=RC, country="US", postal_code="90001")
    london = WarehouseFactory(kind=RC, country="GB", postal_code="E1 6AN")
    WarehouseFactory(country="GB", postal_code="M1 1AE")  # a fulfillment centre: not where returns go
    assert returns_centre_for(country="US", postal_code="10001") == east
    assert returns_centre_for(country="US", postal_code="94105") == west
    assert returns_centre_for(country="GB", postal_code="M2 3AA") == london


def test_without_any_returns_centre_returns_go_to_a_fulfillment_centre():
    centre = WarehouseFactory(country="US", postal_code="08817")
    assert returns_centre_for(country="US", postal_code="10001") == centre


def test_the_label_goes_from_the_shopper_to_the_centre_with_a_qr_code_for_drop_off():
    centre = WarehouseFactory(kind=RC, country="US", postal_code="08817", city="Edison")
    inbound = buy_return_label(return_id=_expected_return().pk)
    label = return_label(return_id=inbound.pk)

    assert inbound.status == "expected" and inbound.shipment.direction == Shipment.Direction.RETURN
    assert inbound.shipment.status == "labelled" and inbound.shipment.tracking_number == label.tracking_number
    assert inbound.shipment.parcels.get().weight_grams == 2 * 400 + 150
    page = PdfReader(io.BytesIO(label.pdf.read())).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 432)
    text = page.extract_text()
    for expected in (
        "RETURN",
        inbound.drop_off_code,
        "Ada Shopper",
        "Edison",
        "MK-TEST-0001-R1",
        label.tracking_number,
    ):
        assert expected in text
    assert f"^BQN,2,4^FH^FDMA,{inbound.drop_off_code}^FS" in label.zpl
    legs = list(TrackingLeg.objects.filter(shipment=inbound.shipment).values_list("origin", "destination"))
    assert legs[0][0] == "Springfield drop-off point" and legs[-1][1] == "Edison returns centre"
    assert OutboxEvent.objects.filter(name="fulfillment.return_label_ready").count() == 1
    assert centre == inbound.warehouse


def test_buying_again_keeps_the_one_label():
    WarehouseFactory(kind=RC, country="US", postal_code="08817")
    inbound = _expected_return()
    first = return_label(return_id=buy_return_label(return_id=inbound.pk).pk)
    buy_return_label(return_id=inbound.pk)
    assert return_label(return_id=inbound.pk) == first
    assert OutboxEvent.objects.filter(name="fulfillment.return_label_ready").count() == 1


def test_the_qr_code_on_the_page_and_in_the_email_is_a_full_qr_code_of_the_drop_off_code():
    code = "RT-ABCDEFGH23"
    symbol = segno.make_qr(code, error="m")  # a full QR code: phones do not read Micro QR
    assert not symbol.is_micro and symbol.version == 1
    assert drop_off_qr_svg(code) == symbol.svg_inline(scale=4, border=2)
    png = Image.open(io.BytesIO(drop_off_qr_png(code)))
    assert png.size == ((21 + 2 * 2) * 6, (21 + 2 * 2) * 6)


def test_the_first_scan_puts_the_return_in_transit_on_fulfillments_side_too():
    WarehouseFactory(kind=RC, country="US", postal_code="08817")
    inbound = buy_return_label(return_id=_expected_return().pk)
    ingest_tracking_event(
        tracking_number=inbound.shipment.tracking_number,
        status="picked_up",
        occurred_at=timezone.now(),
        location="Springfield",
    )
    inbound.refresh_from_db()
    assert (inbound.status, inbound.shipment.status) == ("in_transit", "in_transit")
