"""Staff work the warehouse floor from the admin: queues, pick lists, holds, moves and packing."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

import fulfillment.admin_picking  # noqa: F401  (registers the pages until fulfillment/admin.py imports it)
from fulfillment.models import Box, FulfillmentOrder, Parcel, PickList, Shipment
from fulfillment.services.picking import create_pick_list
from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of
from marketplace.tests.factories import UserFactory
from shop.models import OrderEvent
from shop.services.order_fulfillment import announce_paid, send_to_fulfillment
from shop.tests.factories import ProductFactory, VariantFactory, paid_order

pytestmark = pytest.mark.django_db

WORK_QUEUES = "admin:fulfillment_work_queues"


def _allocated_order(warehouse, quantity: int = 1) -> FulfillmentOrder:
    variant = VariantFactory(product=ProductFactory(length_mm=100, width_mm=80, height_mm=60, weight_grams=300))
    stock_of(variant, warehouse, quantity=quantity)
    order = paid_order((variant, quantity))
    send_to_fulfillment(order_id=order.pk)
    return FulfillmentOrder.objects.get(order_id=order.pk)


def _backordered_order(warehouse):
    tea = VariantFactory()
    stock_of(tea, warehouse, quantity=1)
    order = paid_order((tea, 1))
    set_stock_quantity(warehouse=warehouse, variant_id=tea.pk, quantity=0, reference="recount")
    send_to_fulfillment(order_id=order.pk)
    return order


def _floor(*, warehouses: int, orders_each: int, staff) -> None:
    """Warehouses with work in each queue: open, picking, backordered; plus a paid order not yet allocated."""
    for _ in range(warehouses):
        warehouse = WarehouseFactory()
        for _ in range(orders_each):
            _allocated_order(warehouse)
        picked = _allocated_order(warehouse)
        create_pick_list(warehouse_id=warehouse.pk, fulfillment_order_ids=[picked.pk], by=staff)
        _backordered_order(warehouse)
        variant = VariantFactory()
        stock_of(variant, warehouse, quantity=1)
        announce_paid(paid_order((variant, 1)))  # announced; its handlers run after a commit no test reaches


def _post_action(client, action: str, ids: list[int], **data):
    return client.post(
        reverse("admin:fulfillment_fulfillmentorder_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in ids], **data},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------- work queues


def test_work_queues_show_counts_per_warehouse_with_links(staff_client, staff_user):
    newark = WarehouseFactory(code="US-NJ1")
    _allocated_order(newark)
    _allocated_order(newark)
    picked = _allocated_order(newark)
    create_pick_list(warehouse_id=newark.pk, fulfillment_order_ids=[picked.pk], by=staff_user)
    backordered = _backordered_order(newark)
    stock_of(variant := VariantFactory(), newark, quantity=1)
    announce_paid(paid_order((variant, 1)))  # announced; its handlers run after a commit no test reaches

    response = staff_client.get(reverse(WORK_QUEUES))

    assert response.status_code == 200
    queues = response.context["queues"]
    assert (queues.unallocated_orders, queues.open_backorders, queues.backordered_orders) == (1, 1, 1)
    [row] = queues.warehouses
    assert (row.code, row.held, row.to_pick, row.to_pack, row.to_label, row.exceptions) == ("US-NJ1", 0, 2, 1, 0, 0)
    assert not FulfillmentOrder.objects.filter(order_id=backordered.pk).exists()  # queued with no fulfillment order
    content = response.content.decode()
    assert f"status__exact=open&amp;warehouse__id__exact={newark.pk}" in content


def test_labels_to_print_link_to_the_packed_shipments_of_the_warehouse(staff_client):
    newark = WarehouseFactory()
    if not _shipment_changelist_registered():
        pytest.skip("the shipment changelist (fulfillment/admin_shipping.py) is not registered in this checkout")

    content = staff_client.get(reverse(WORK_QUEUES)).content.decode()

    assert f"status__exact=packed&amp;fulfillment_order__warehouse__id__exact={newark.pk}" in content


def _shipment_changelist_registered() -> bool:
    from fulfillment.admin_picking import url_or_none

    return url_or_none("admin:fulfillment_shipment_changelist") is not None


def test_work_queues_make_the_same_number_of_queries_for_one_or_many(staff_client, staff_user, get_counting_queries):
    _floor(warehouses=1, orders_each=1, staff=staff_user)
    staff_client.get(reverse(WORK_QUEUES))  # warm per-process caches
    one, one_warehouse = get_counting_queries(staff_client, reverse(WORK_QUEUES))
    _floor(warehouses=4, orders_each=3, staff=staff_user)

    many, five_warehouses = get_counting_queries(staff_client, reverse(WORK_QUEUES))

    assert (one.status_code, many.status_code) == (200, 200)
    assert len(many.context["queues"].warehouses) == 5
    assert many.context["queues"].unallocated_orders == 5
    assert five_warehouses == one_warehouse


# ---------------------------------------------------------------- who may see the pages


def _pages(staff_user) -> list[str]:
    warehouse = WarehouseFactory()
    fulfillment_order = _allocated_order(warehouse)
    pick_list = create_pick_list(warehouse_id=warehouse.pk, by=staff_user)
    shipment = Shipment.objects.get(fulfillment_order=fulfillment_order)
    return [
        reverse(WORK_QUEUES),
        reverse("admin:fulfillment_picklist_changelist"),
        reverse("admin:fulfillment_picklist_change", args=[pick_list.pk]),
        reverse("admin:fulfillment_picklist_pdf", args=[pick_list.pk]),
        reverse("admin:fulfillment_shipment_pack", args=[shipment.pk]),
        reverse("admin:fulfillment_box_changelist"),
        reverse("admin:fulfillment_fulfillmentorder_changelist"),
    ]


def test_the_pages_render_for_staff(staff_client, staff_user):
    for url in _pages(staff_user):
        response = staff_client.get(url)
        assert response.status_code == 200, url


def test_non_staff_are_sent_to_the_admin_log_in(client, staff_user):
    urls = _pages(staff_user)
    client.force_login(UserFactory())

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login"))


def test_staff_without_fulfillment_permissions_are_refused(client, staff_user):
    urls = _pages(staff_user)
    client.force_login(UserFactory(is_staff=True))

    statuses = {url: client.get(url).status_code for url in urls}

    assert set(statuses.values()) == {403}


def test_the_pick_list_pdf_downloads(staff_client, staff_user):
    warehouse = WarehouseFactory()
    _allocated_order(warehouse)
    pick_list = create_pick_list(warehouse_id=warehouse.pk, by=staff_user)

    response = staff_client.get(reverse("admin:fulfillment_picklist_pdf", args=[pick_list.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        staff_client.get(reverse("admin:fulfillment_picklist_changelist")).content.decode().count("Download PDF") == 1
    )


def test_the_pick_list_changelist_query_count_is_constant(assert_changelist_queries_constant, staff_user):
    warehouse = WarehouseFactory()

    def make_rows(count: int) -> None:
        for _ in range(count):
            _allocated_order(warehouse)
            create_pick_list(warehouse_id=warehouse.pk, by=staff_user)

    assert_changelist_queries_constant(reverse("admin:fulfillment_picklist_changelist"), make_rows)


def test_the_box_changelist_query_count_is_constant(assert_changelist_queries_constant):
    def make_rows(count: int) -> None:
        BoxFactory.create_batch(count)

    assert_changelist_queries_constant(reverse("admin:fulfillment_box_changelist"), make_rows)


# ---------------------------------------------------------------- actions call the services


def test_create_pick_list_action_batches_the_selected_orders(staff_client):
    warehouse = WarehouseFactory()
    first, second, left = (_allocated_order(warehouse) for _ in range(3))

    response = _post_action(staff_client, "create_pick_list_action", [first.pk, second.pk])

    pick_list = PickList.objects.get()
    assert sorted(pick_list.fulfillment_orders.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert FulfillmentOrder.objects.get(pk=left.pk).pick_list is None
    assert any(f"Pick list {pick_list.pk} created with 2 order(s)" in m for m in _messages(response))


def test_hold_action_asks_for_a_reason_then_holds(staff_client, staff_user, deliver_events):
    fulfillment_order = _allocated_order(WarehouseFactory())

    form_page = staff_client.post(
        reverse("admin:fulfillment_fulfillmentorder_changelist"),
        {"action": "hold_action", helpers.ACTION_CHECKBOX_NAME: [str(fulfillment_order.pk)]},
    )
    held = _post_action(
        staff_client, "hold_action", [fulfillment_order.pk], apply="1", reason="incorrect_address", note="no zip"
    )

    assert form_page.status_code == 200 and 'name="reason"' in form_page.content.decode()
    fulfillment_order.refresh_from_db()
    assert (fulfillment_order.status, fulfillment_order.hold_reason, fulfillment_order.hold_note) == (
        "on_hold",
        "incorrect_address",
        "no zip",
    )
    deliver_events()
    assert OrderEvent.objects.filter(order_id=fulfillment_order.order_id, by=staff_user).exists()
    assert any("Held" in m for m in _messages(held))


def test_release_action_reports_what_it_could_not_release(staff_client):
    warehouse = WarehouseFactory()
    held, still_open = _allocated_order(warehouse), _allocated_order(warehouse)
    FulfillmentOrder.objects.filter(pk=held.pk).update(status="on_hold", hold_reason="other")

    response = _post_action(staff_client, "release_action", [held.pk, still_open.pk])

    assert FulfillmentOrder.objects.get(pk=held.pk).status == "open"
    assert any("Not changed" in m and "open to open" in m for m in _messages(response))


def test_move_action_moves_or_says_why_not(staff_client):
    source, target = WarehouseFactory(), WarehouseFactory(code="TGT")
    fulfillment_order = _allocated_order(source, quantity=2)
    variant_id = fulfillment_order.allocations.get().stock.variant_id
    stock_of(VariantFactory(), target, quantity=1)

    short = _post_action(
        staff_client, "move_action", [fulfillment_order.pk], apply="1", warehouse=str(target.pk), reason="flood"
    )
    set_stock_quantity(warehouse=target, variant_id=variant_id, quantity=2)
    moved = _post_action(
        staff_client, "move_action", [fulfillment_order.pk], apply="1", warehouse=str(target.pk), reason="flood"
    )

    assert any("TGT is short" in m for m in _messages(short))
    assert any("Moved to TGT" in m for m in _messages(moved))
    assert FulfillmentOrder.objects.get(order_id=fulfillment_order.order_id).warehouse_id == target.pk


# ---------------------------------------------------------------- packing page


@pytest.fixture
def shipment_to_pack(staff_user) -> Shipment:
    warehouse = WarehouseFactory()
    fulfillment_order = _allocated_order(warehouse, quantity=2)
    BoxFactory(
        warehouse=warehouse,
        code="S",
        inner_length_mm=300,
        inner_width_mm=200,
        inner_height_mm=150,
        max_weight_grams=5000,
        tare_weight_grams=100,
    )
    create_pick_list(warehouse_id=warehouse.pk, by=staff_user)
    return Shipment.objects.get(fulfillment_order=fulfillment_order)


def test_the_pack_page_is_prefilled_with_the_suggested_box(staff_client, shipment_to_pack):
    box = Box.objects.get()

    response = staff_client.get(reverse("admin:fulfillment_shipment_pack", args=[shipment_to_pack.pk]))

    formset = response.context["formset"]
    assert formset.forms[0].initial == {"box": box.pk, "weight_grams": 2 * 300 + 100}
    assert "box S" in response.content.decode()


def _pack_data(rows: list[dict]) -> dict:
    data = {"parcels-TOTAL_FORMS": str(len(rows)), "parcels-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"parcels-{index}-{key}": value for key, value in row.items()})
    return data


def test_packing_with_an_override_records_the_parcels(staff_client, shipment_to_pack):
    box = Box.objects.get()
    url = reverse("admin:fulfillment_shipment_pack", args=[shipment_to_pack.pk])

    response = staff_client.post(
        url,
        _pack_data(
            [
                {"box": str(box.pk), "weight_grams": "720"},
                {"weight_grams": "150", "length_mm": "250", "width_mm": "180", "height_mm": "30"},
                {},
            ]
        ),
    )

    assert response.status_code == 302
    shipment_to_pack.refresh_from_db()
    assert shipment_to_pack.status == "packed"
    assert list(Parcel.objects.values_list("sequence", "box__code", "weight_grams", "length_mm")) == [
        (1, "S", 720, 300),
        (2, None, 150, 250),
    ]


def test_a_parcel_without_weight_is_shown_as_an_error_and_nothing_is_packed(staff_client, shipment_to_pack):
    url = reverse("admin:fulfillment_shipment_pack", args=[shipment_to_pack.pk])

    response = staff_client.post(url, _pack_data([{"length_mm": "10", "width_mm": "10", "height_mm": "10"}]))

    assert response.status_code == 200
    assert "Weigh the parcel" in response.content.decode()
    shipment_to_pack.refresh_from_db()
    assert shipment_to_pack.status == "picking"
    assert not Parcel.objects.exists()
