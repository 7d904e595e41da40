"""The seller API's inbound shipments, and stock counts refused in warehouses we run."""

import datetime as dt

import pytest
from django.utils import timezone

from fulfillment.models import InboundShipment, Stock, StockMovement, Warehouse
from fulfillment.services.receiving import LineCount, close_receipt, record_line_counts
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import announced, run_by
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/seller/inbound/"


def _in(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def newark():
    return WarehouseFactory(code="US-NJ1", name="Newark")


@pytest.fixture
def tea(seller_api_client):
    return VariantFactory(product=ProductFactory(seller=seller_api_client.seller), sku="TEA-1")


def _everything() -> tuple:
    return (
        list(InboundShipment.objects.values()),
        list(Stock.objects.values()),
        StockMovement.objects.count(),
    )


def test_a_seller_announces_a_shipment_to_our_warehouse(seller_api_client, seller_member, newark, tea):
    body = {
        "warehouse": "US-NJ1",
        "expected_on": _in(4),
        "carrier": "UPS Freight",
        "tracking_number": "1Z999AA1",
        "lines": [{"sku": "TEA-1", "quantity_expected": 40}],
    }

    response = seller_api_client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    shipment = InboundShipment.objects.get()
    assert (shipment.seller_id, shipment.warehouse, shipment.created_by) == (
        seller_api_client.seller.pk,
        newark,
        seller_member.user,
    )
    data = response.json()
    assert data["number"] == shipment.number and data["number"].startswith("ASN-")
    assert (data["status"], data["warehouse"], data["has_discrepancy"], data["closed_at"]) == (
        "announced",
        "US-NJ1",
        False,
        None,
    )
    assert data["lines"] == [
        {
            "sku": "TEA-1",
            "quantity_expected": 40,
            "quantity_received": None,
            "quantity_damaged": 0,
            "quantity_short": 0,
            "quantity_over": 0,
            "quantity_good": 0,
        }
    ]
    assert not Stock.objects.exists()  # nothing is on the shelf until staff receive it


def test_the_seller_sees_each_lines_discrepancy_once_received(seller_api_client, newark, tea):
    shipment = announced(newark, (tea, 10))
    record_line_counts(
        shipment_id=shipment.pk, counts=[LineCount(line_id=shipment.lines.get().pk, received=8, damaged=2)]
    )
    close_receipt(shipment_id=shipment.pk)

    data = seller_api_client.get(f"{URL}{shipment.pk}/").json()

    assert (data["status"], data["has_discrepancy"]) == ("closed", True)
    line = data["lines"][0]
    assert (line["quantity_received"], line["quantity_damaged"], line["quantity_short"], line["quantity_good"]) == (
        8,
        2,
        2,
        6,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"warehouse": "NOPE"}, "warehouse"),
        ({"warehouse": "HUB"}, "warehouse"),
        ({"warehouse": "MINE"}, "warehouse"),  # a warehouse the seller runs: they count it themselves
        ({"lines": [{"sku": "THEIRS", "quantity_expected": 1}]}, "lines"),
        ({"lines": [{"sku": "TEA-1", "quantity_expected": 1}, {"sku": "TEA-1", "quantity_expected": 2}]}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "TEA-1", "quantity_expected": 0}]}, "lines"),
        ({"lines": [{"sku": "TEA-1", "quantity_expected": 10**12}]}, "lines"),
        ({"lines": [{"sku": "TEA-1", "quantity_expected": "many"}]}, "lines"),
        ({"lines": [{"sku": "TEA\x00", "quantity_expected": 1}]}, "body"),  # the JSON parser refuses NUL
        ({"lines": "TEA-1"}, "lines"),
        ({"note": "hello\x00"}, "body"),
        ({"expected_on": _in(-2)}, "expected_on"),
        ({"expected_on": "tomorrow"}, "expected_on"),
        ({"carrier": "x" * 61}, "carrier"),
    ],
)
def test_a_bad_announcement_is_a_400_naming_the_field_and_changes_nothing(
    seller_api_client, newark, tea, change, field
):
    WarehouseFactory(code="HUB", kind=Warehouse.Kind.CONSOLIDATION_HUB)
    WarehouseFactory(code="MINE", **run_by(seller_api_client.seller))
    VariantFactory(sku="THEIRS")  # another seller's variant
    body = {"warehouse": "US-NJ1", "expected_on": _in(2), "lines": [{"sku": "TEA-1", "quantity_expected": 3}]}
    before = _everything()

    response = seller_api_client.post(URL, {**body, **change}, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert _everything() == before


def test_the_list_shows_only_my_shipments_in_the_same_queries_for_one_and_many(
    seller_api_client, newark, tea, django_assert_max_num_queries
):
    other_tea = VariantFactory(sku="OTHER")
    announced(newark, (other_tea, 5))  # another seller's
    announced(newark, (tea, 5))
    with django_assert_max_num_queries(6) as one:
        first = seller_api_client.get(URL)
    for _ in range(6):
        cup = VariantFactory(product=tea.product)
        announced(newark, (tea, 2), (cup, 3))
    with django_assert_max_num_queries(len(one.captured_queries)):
        many = seller_api_client.get(URL)

    assert first.json()["count"] == 1 and many.json()["count"] == 7
    assert {line["sku"] for s in many.json()["results"] for line in s["lines"]} >= {"TEA-1"}
    assert "OTHER" not in str(many.json())


def test_another_sellers_shipment_is_404_to_read_and_to_cancel(seller_api_client, newark):
    theirs = announced(newark, (VariantFactory(), 5))

    assert seller_api_client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert seller_api_client.post(f"{URL}{theirs.pk}/cancel/").status_code == 404
    assert InboundShipment.objects.get().status == "announced"


def test_a_seller_cancels_an_announced_shipment_but_not_one_being_counted(seller_api_client, newark, tea):
    waiting = announced(newark, (tea, 5))
    counting = announced(newark, (tea, 5))
    record_line_counts(shipment_id=counting.pk, counts=[LineCount(line_id=counting.lines.get().pk, received=5)])

    cancelled = seller_api_client.post(f"{URL}{waiting.pk}/cancel/")
    refused = seller_api_client.post(f"{URL}{counting.pk}/cancel/")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert refused.status_code == 409 and refused.json()["code"] == "already_receiving"
    assert InboundShipment.objects.get(pk=counting.pk).status == "receiving"


def test_anonymous_and_non_sellers_are_refused(api_client, user):
    assert api_client.get(URL).status_code in (401, 403)
    api_client.force_authenticate(user)
    assert api_client.get(URL).status_code == 403


# ---------------------------------------------------------------- stock counts: ours are counted by staff


def test_a_seller_is_refused_when_setting_counts_in_our_warehouse(seller_api_client, newark, tea):
    stock_of(tea, newark, quantity=7)
    before = _everything()

    response = seller_api_client.put(f"/api/v1/seller/variants/{tea.pk}/stock/US-NJ1/", {"quantity": 50})

    assert response.status_code == 403
    assert response.json()["code"] == "counted_by_staff"
    assert "US-NJ1" in response.json()["message"] and "inbound shipment" in response.json()["message"]
    assert _everything() == before
    assert Stock.objects.get().quantity == 7


def test_a_seller_still_counts_their_own_warehouse_and_never_sees_another_sellers(seller_api_client, newark, tea):
    WarehouseFactory(code="MINE", **run_by(seller_api_client.seller))
    WarehouseFactory(code="THEIRS", **run_by(VariantFactory().product.seller))

    listed = seller_api_client.get(f"/api/v1/seller/variants/{tea.pk}/stock/").json()
    counted = seller_api_client.put(f"/api/v1/seller/variants/{tea.pk}/stock/MINE/", {"quantity": 12})
    theirs = seller_api_client.put(f"/api/v1/seller/variants/{tea.pk}/stock/THEIRS/", {"quantity": 12})

    assert [(row["warehouse"], row["counted_by"]) for row in listed] == [("MINE", "seller"), ("US-NJ1", "network")]
    assert counted.status_code == 200 and counted.json()["quantity"] == 12
    assert theirs.status_code == 404
    assert list(Stock.objects.values_list("warehouse__code", "quantity")) == [("MINE", 12)]
