"""The seller dashboard's inbound shipments, and its stock grid where our warehouses are counted by staff."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import InboundShipment, Stock, StockMovement
from fulfillment.services.receiving import LineCount, close_receipt, record_line_counts
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import announced, run_by
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newark():
    return WarehouseFactory(code="US-NJ1", name="Newark")


@pytest.fixture
def tea(seller_client):
    return VariantFactory(product=ProductFactory(seller=seller_client.seller), sku="TEA-1")


def _form(**lines) -> dict:
    data = {
        "warehouse": "US-NJ1",
        "expected_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        "carrier": "DHL Freight",
        "tracking_number": "JD0001",
        "note": "2 cartons",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
    }
    for index, (sku, quantity) in enumerate(lines.items()):
        data[f"lines-{index}-sku"], data[f"lines-{index}-quantity"] = sku, str(quantity)
    return data


def _receive(shipment, **counts) -> None:
    record_line_counts(
        shipment_id=shipment.pk,
        counts=[LineCount(line_id=line.pk, received=counts[line.sku][0], damaged=counts[line.sku][1])
                for line in shipment.lines.all()],
    )  # fmt: skip
    close_receipt(shipment_id=shipment.pk)


def test_a_seller_announces_a_shipment_and_lands_on_its_page(seller_client, newark, tea):
    cup = VariantFactory(product=tea.product, sku="CUP-1")

    response = seller_client.post(reverse("dashboard:inbound-create"), _form(**{"TEA-1": 24, "CUP-1": 6}))

    shipment = InboundShipment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:inbound-detail", kwargs={"pk": shipment.pk})
    assert [(line.variant_id, line.quantity_expected) for line in shipment.lines.all()] == [(tea.pk, 24), (cup.pk, 6)]
    page = seller_client.get(response["Location"]).content.decode()
    assert f"Shipment {shipment.number} was announced to US-NJ1" in page
    assert "Counted when it arrives" in page and "Cancel this shipment" in page


def test_the_form_offers_only_our_open_fulfillment_centres(seller_client, newark):
    WarehouseFactory(code="MINE", **run_by(seller_client.seller))
    WarehouseFactory(code="SHUT", is_active=False)

    form = seller_client.get(reverse("dashboard:inbound-create")).context["form"]

    assert [code for code, _ in form.fields["warehouse"].choices] == ["US-NJ1"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ({"THEIRS": 3}, "No variant of yours has the SKU &#x27;THEIRS&#x27;."),
        ({"TEA-1": 0}, "Ensure this value is greater than or equal to 1."),
        ({"TEA-1": "lots"}, "Enter a whole number."),
        ({"TEA-1": ""}, "How many units of this SKU?"),
        ({}, "Announce at least one line."),
    ],
)
def test_a_bad_line_is_a_form_error_and_nothing_is_announced(seller_client, newark, tea, lines, message):
    VariantFactory(sku="THEIRS")

    response = seller_client.post(reverse("dashboard:inbound-create"), _form(**lines))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not InboundShipment.objects.exists()


def test_a_nul_byte_in_a_field_is_a_form_error(seller_client, newark, tea):
    response = seller_client.post(reverse("dashboard:inbound-create"), {**_form(**{"TEA-1": 2}), "note": "a\x00b"})

    assert response.status_code == 200 and "Null characters are not allowed." in response.content.decode()
    assert not InboundShipment.objects.exists()


def test_the_list_shows_discrepancies_in_the_same_queries_for_one_and_many(
    seller_client, newark, tea, get_counting_queries
):
    first = announced(newark, (tea, 10))
    _receive(first, **{"TEA-1": (9, 1)})
    one_response, one = get_counting_queries(seller_client, reverse("dashboard:inbound"))
    for _ in range(5):
        announced(newark, (tea, 3), (VariantFactory(product=tea.product), 4))
    many_response, many = get_counting_queries(seller_client, reverse("dashboard:inbound"))

    assert len(one_response.context["shipments"]) == 1 and len(many_response.context["shipments"]) == 6
    assert many == one
    html = many_response.content.decode()
    assert "TEA-1: 1 short 1 damaged" in html
    assert html.count("After receipt") == 5


def test_the_shipment_page_shows_each_lines_count_and_discrepancy(seller_client, newark, tea):
    cup = VariantFactory(product=tea.product, sku="CUP-1")
    shipment = announced(newark, (tea, 10), (cup, 4))
    _receive(shipment, **{"TEA-1": (10, 0), "CUP-1": (5, 0)})

    html = seller_client.get(reverse("dashboard:inbound-detail", kwargs={"pk": shipment.pk})).content.decode()

    assert "<td data-discrepancy>1 over </td>" in html
    assert "<td data-discrepancy>None</td>" in html
    assert "Cancel this shipment" not in html


def test_another_sellers_shipment_is_404_and_cannot_be_cancelled(seller_client, newark):
    theirs = announced(newark, (VariantFactory(), 5))

    assert seller_client.get(reverse("dashboard:inbound-detail", kwargs={"pk": theirs.pk})).status_code == 404
    assert seller_client.post(reverse("dashboard:inbound-cancel", kwargs={"pk": theirs.pk})).status_code == 404
    assert InboundShipment.objects.get().status == "announced"


def test_a_seller_cancels_an_announced_shipment(seller_client, newark, tea):
    shipment = announced(newark, (tea, 5))

    response = seller_client.post(reverse("dashboard:inbound-cancel", kwargs={"pk": shipment.pk}), follow=True)

    assert f"Shipment {shipment.number} was cancelled." in response.content.decode()
    assert InboundShipment.objects.get().status == "cancelled"


def test_the_pages_need_a_seller(client, user):
    assert client.get(reverse("dashboard:inbound")).status_code == 302
    client.force_login(user)
    assert client.get(reverse("dashboard:inbound")).status_code == 403


# ---------------------------------------------------------------- the stock grid: ours read-only


def test_the_grid_shows_our_warehouse_read_only_and_the_sellers_own_editable(seller_client, newark, tea):
    mine = WarehouseFactory(code="MINE", name="My garage", **run_by(seller_client.seller))
    WarehouseFactory(code="THEIRS", **run_by(VariantFactory().product.seller))
    stock_of(tea, newark, quantity=7)

    html = seller_client.get(reverse("dashboard:product-edit", kwargs={"pk": tea.product_id})).content.decode()

    assert f'name="stock-{tea.pk}-{mine.pk}-quantity"' in html
    assert f'name="stock-{tea.pk}-{newark.pk}-quantity"' not in html
    assert "TEA-1 at US-NJ1: </span>7 on hand" in html
    assert "THEIRS" not in html
    assert reverse("dashboard:inbound-create") in html


def test_a_seller_is_refused_when_setting_counts_in_our_warehouse(seller_client, newark, tea):
    mine = WarehouseFactory(code="MINE", **run_by(seller_client.seller))
    stock_of(tea, newark, quantity=7)
    movements = StockMovement.objects.count()
    ours, own = f"stock-{tea.pk}-{newark.pk}", f"stock-{tea.pk}-{mine.pk}"

    response = seller_client.post(
        reverse("dashboard:stock-save", kwargs={"pk": tea.product_id}),
        {f"{ours}-quantity": "70", f"initial-{ours}-quantity": "7", f"{own}-quantity": "3",
         f"initial-{own}-quantity": "0"},
    )  # fmt: skip

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved: one cell needs fixing." in html
    assert "US-NJ1 is one of our warehouses: staff count it as your shipments arrive." in html
    assert list(Stock.objects.values_list("warehouse__code", "quantity")) == [("US-NJ1", 7)]
    assert StockMovement.objects.count() == movements
