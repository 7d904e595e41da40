"""The request fulfillment gets for a paid order abroad carries its incoterm, its value in SDR and the exporter."""

from decimal import Decimal

import pytest

from shop.models import ExchangeRate, SellerCustomsProfile
from shop.services.order_fulfillment import fulfillment_request
from shop.tests.factories import paid_order
from shop.tests.test_checkout_import_charges import BERLIN, LONDON, NEW_YORK, shirt

pytestmark = pytest.mark.django_db


def test_an_order_to_germany_asks_for_ddp_with_its_value_in_sdr_and_the_sellers_exporter():
    tee = shirt(price="40.00", currency="EUR")
    SellerCustomsProfile.objects.create(
        seller=tee.product.seller, exporter_name="Porto Tees Lda", address_line1="Rua das Flores 1",
        city="Porto", postal_code="4050-262", country="PT", eori_number="PT123456789", ioss_number="IM6200000001",
    )  # fmt: skip
    order = paid_order((tee, 2), address=BERLIN)

    request = fulfillment_request(order)

    assert request.incoterm == "DDP"
    assert request.value_in_sdr == str((Decimal("80.00") / Decimal("1.1696")).quantize(Decimal("0.01")))  # 68.40
    assert request.exporter == {
        "name": "Porto Tees Lda", "line1": "Rua das Flores 1", "line2": "", "city": "Porto", "region": "",
        "postal_code": "4050-262", "country": "PT", "eori": "PT123456789", "vat_number": "",
        "ioss_number": "IM6200000001",
    }  # fmt: skip
    assert request.from_payload(request.as_payload()) == request


def test_lines_of_several_sellers_leave_as_the_marketplaces_export(settings):
    settings.MARKETPLACE_EXPORTER = {
        "name": "Marketplace Inc.",
        "line1": "1 Dock St",
        "city": "Newark",
        "country": "US",
    }
    order = paid_order(
        (shirt(price="200.00", currency="GBP"), 1), (shirt(price="10.00", currency="GBP"), 1), address=LONDON
    )

    request = fulfillment_request(order)

    assert (request.incoterm, request.exporter) == ("DAP", settings.MARKETPLACE_EXPORTER)


def test_without_an_sdr_rate_the_value_is_left_empty():
    ExchangeRate.objects.filter(base="XDR").delete()
    order = paid_order((shirt(price="40.00", currency="EUR"), 1), address=BERLIN)

    assert fulfillment_request(order).value_in_sdr == ""


def test_a_domestic_order_asks_for_no_incoterm_and_no_customs_figures():
    request = fulfillment_request(paid_order((shirt(price="40.00", currency="USD"), 1), address=NEW_YORK))

    assert (request.incoterm, request.value_in_sdr, request.exporter) == ("", "", {})
