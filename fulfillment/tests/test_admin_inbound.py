"""Staff receive sellers' inbound shipments in the admin: count each line, close the receipt (a task)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fulfillment.models import Backorder, InboundShipment, Stock, StockMovement
from fulfillment.services.receiving import cancel_inbound_shipment
from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import announced
from marketplace.tests.factories import UserFactory
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db
S = InboundShipment.Status


def receive_url(shipment) -> str:
    return reverse("admin:fulfillment_inboundshipment_receive", args=[shipment.pk])


def counts(shipment, close: bool = True, **by_sku) -> dict:
    data = {"close" if close else "save": "1"}
    for line in shipment.lines.all():
        received, damaged = by_sku[line.sku]
        data[f"line-{line.pk}-received"], data[f"line-{line.pk}-damaged"] = str(received), str(damaged)
    return data


def test_staff_count_a_shipment_with_a_discrepancy_and_close_it_which_serves_a_backorder(
    staff_client, staff_user, django_capture_on_commit_callbacks, deliver_events
):
    newark, tea = WarehouseFactory(code="US-NJ1"), VariantFactory(sku="TEA")
    stock_of(tea, newark, quantity=2)
    order = paid_order((tea, 2))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=0, reference="recount")
    send_to_fulfillment(order_id=order.pk)  # nothing on the shelf: both units backordered
    shipment = announced(newark, (tea, 6))
    page = staff_client.get(receive_url(shipment))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(receive_url(shipment), counts(shipment, TEA=(5, 1)))
    deliver_events()

    assert page.status_code == 200 and 'value="6"' in page.content.decode()  # starts at what was announced
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.closed_by) == (S.CLOSED, staff_user)
    line = shipment.lines.get()
    assert (line.quantity_received, line.quantity_damaged, line.quantity_short, line.counted_by) == (
        5,
        1,
        1,
        staff_user,
    )
    stock = Stock.objects.get(warehouse=newark, variant=tea)
    assert (stock.quantity, stock.quantity_allocated) == (4, 2)
    assert Backorder.objects.get().allocated_at is not None
    movement = StockMovement.objects.get(reason=StockMovement.Reason.RECEIVED)
    assert (movement.quantity_change, movement.reference, movement.by) == (4, f"inbound {shipment.number}", staff_user)
    change = staff_client.get(reverse("admin:fulfillment_inboundshipment_change", args=[shipment.pk]))
    assert "Units put on the shelf (RECEIVED)" in change.content.decode()


def test_saving_counts_only_keeps_the_receipt_open(staff_client):
    shipment = announced(WarehouseFactory(), (VariantFactory(sku="TEA"), 3))

    response = staff_client.post(receive_url(shipment), counts(shipment, close=False, TEA=(2, 0)))

    assert response.status_code == 302 and response["Location"] == receive_url(shipment)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.lines.get().quantity_received) == (S.RECEIVING, 2)
    assert not Stock.objects.exists()


@pytest.mark.parametrize(
    ("received", "damaged", "message"),
    [
        ("2", "3", "Damaged units are part of the received ones: no more than those."),
        ("-1", "0", "Ensure this value is greater than or equal to 0."),
        ("lots", "0", "Enter a whole number."),
        ("99999999999", "0", "Ensure this value is less than or equal to 1000000."),
    ],
)
def test_an_impossible_count_is_a_form_error_and_nothing_changes(staff_client, received, damaged, message):
    shipment = announced(WarehouseFactory(), (VariantFactory(sku="TEA"), 3))
    line = shipment.lines.get()

    response = staff_client.post(
        receive_url(shipment), {"close": "1", f"line-{line.pk}-received": received, f"line-{line.pk}-damaged": damaged}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    shipment.refresh_from_db()
    assert (shipment.status, shipment.lines.get().quantity_received, shipment.close_requested_at) == (
        S.ANNOUNCED,
        None,
        None,
    )


def test_a_closed_receipt_cannot_be_counted_again(staff_client, django_capture_on_commit_callbacks):
    shipment = announced(WarehouseFactory(), (VariantFactory(sku="TEA"), 3))
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(receive_url(shipment), counts(shipment, TEA=(3, 0)))

    again = staff_client.post(receive_url(shipment), counts(shipment, TEA=(30, 0)), follow=True)

    assert "is received: nothing to count." in again.content.decode()
    assert Stock.objects.get().quantity == 3


def test_the_close_action_closes_counted_receipts_and_names_the_others(
    staff_client, django_capture_on_commit_callbacks
):
    warehouse = WarehouseFactory()
    counted = announced(warehouse, (VariantFactory(sku="TEA"), 3))
    staff_client.post(receive_url(counted), counts(counted, close=False, TEA=(3, 0)))
    uncounted = announced(warehouse, (VariantFactory(sku="CUP"), 3))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:fulfillment_inboundshipment_changelist"),
            {"action": "close_receipts", "_selected_action": [counted.pk, uncounted.pk]},
            follow=True,
        )

    html = response.content.decode()
    assert f"Closing {counted.number}" in html
    assert f"Count every line of {uncounted.number} before closing it" in html
    assert InboundShipment.objects.get(pk=counted.pk).status == S.CLOSED
    assert InboundShipment.objects.get(pk=uncounted.pk).status == S.ANNOUNCED
    assert list(Stock.objects.values_list("variant__sku", "quantity")) == [("TEA", 3)]


def test_receiving_needs_the_change_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_inboundshipment"))
    client.force_login(viewer)
    shipment = announced(WarehouseFactory(), (VariantFactory(sku="TEA"), 3))

    assert client.get(reverse("admin:fulfillment_inboundshipment_changelist")).status_code == 200
    assert client.post(receive_url(shipment), counts(shipment, TEA=(3, 0))).status_code == 403
    assert InboundShipment.objects.get().status == S.ANNOUNCED


def test_the_changelist_costs_the_same_queries_for_1_and_30_shipments(assert_changelist_queries_constant):
    warehouse = WarehouseFactory()

    def make(n: int) -> None:
        for _ in range(n):
            announced(warehouse, (VariantFactory(), 2), (VariantFactory(), 3))

    assert_changelist_queries_constant(reverse("admin:fulfillment_inboundshipment_changelist"), make)


def test_the_admin_home_leads_to_the_shipments_still_to_receive(staff_client):
    warehouse = WarehouseFactory()
    waiting = announced(warehouse, (VariantFactory(sku="TEA"), 3))
    gone = announced(warehouse, (VariantFactory(sku="CUP"), 3))
    cancel_inbound_shipment(shipment_id=gone.pk, seller_id=gone.seller_id)
    home = staff_client.get(reverse("admin:index")).content.decode()
    queue_url = reverse("admin:fulfillment_inboundshipment_changelist") + "?queue=to_receive"

    assert f'href="{queue_url}"' in home
    listed = staff_client.get(queue_url).context["cl"].result_list
    assert [shipment.pk for shipment in listed] == [waiting.pk]
