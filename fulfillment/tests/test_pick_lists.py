"""Pick lists batch a warehouse's open orders oldest first and print in bin order with correct totals."""

import io
import re

import pytest
from pypdf import PdfReader

from fulfillment.documents.pick_list import pick_list_pdf, pick_rows
from fulfillment.models import FulfillmentOrder, Shipment, Stock
from fulfillment.selectors import PickItem
from fulfillment.services.fulfillment_orders import hold_fulfillment_order
from fulfillment.services.picking import NothingToPick, create_pick_list
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import ProductFactory, VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _orders(warehouse, count, variant=None, quantity=1):
    variant = variant or VariantFactory()
    stock_of(variant, warehouse, quantity=count * quantity)
    orders = []
    for _ in range(count):
        order = paid_order((variant, quantity))
        send_to_fulfillment(order_id=order.pk)
        orders.append(order)
    return orders


def test_a_pick_list_takes_the_oldest_open_orders_and_starts_picking(staff_user):
    newark = WarehouseFactory()
    orders = _orders(newark, 3)
    _orders(WarehouseFactory(), 1)  # another warehouse's order stays out

    pick_list = create_pick_list(warehouse_id=newark.pk, limit=2, by=staff_user)

    listed = FulfillmentOrder.objects.filter(pick_list=pick_list).order_by("pk")
    assert [fo.order_id for fo in listed] == [orders[0].pk, orders[1].pk]
    assert set(listed.values_list("status", flat=True)) == {"in_progress"}
    assert list(Shipment.objects.filter(fulfillment_order__in=listed).values_list("status", flat=True)) == [
        "picking",
        "picking",
    ]
    assert pick_list.created_by == staff_user
    assert FulfillmentOrder.objects.get(order=orders[2].pk).status == "open"


def test_asking_again_never_lists_an_order_twice(staff_user):
    newark = WarehouseFactory()
    _orders(newark, 2)
    first = create_pick_list(warehouse_id=newark.pk, by=staff_user)
    ids = list(first.fulfillment_orders.values_list("pk", flat=True))

    with pytest.raises(NothingToPick):
        create_pick_list(warehouse_id=newark.pk, fulfillment_order_ids=ids, by=staff_user)
    with pytest.raises(NothingToPick):
        create_pick_list(warehouse_id=newark.pk, by=staff_user)

    assert Shipment.objects.count() == 2
    assert set(FulfillmentOrder.objects.values_list("pick_list", flat=True)) == {first.pk}


def test_held_orders_are_not_picked(staff_user):
    newark = WarehouseFactory()
    held, ready = _orders(newark, 2)
    held_fo = FulfillmentOrder.objects.get(order_id=held.pk)
    hold_fulfillment_order(fulfillment_order_id=held_fo.pk, reason="incorrect_address", by=staff_user)

    pick_list = create_pick_list(warehouse_id=newark.pk, by=staff_user)

    assert list(pick_list.fulfillment_orders.values_list("order_id", flat=True)) == [ready.pk]
    assert not Shipment.objects.filter(fulfillment_order=held_fo).exists()


def test_pick_rows_aggregate_per_bin_and_sku_sorted_with_no_bin_last():
    def item(bin_location, sku, order, quantity):
        return PickItem(bin_location, sku, "Tea", "", order, "Ada, NYC (US)", quantity)

    rows = pick_rows(
        [
            item("B-02", "TEA", "MK-1", 1),
            item("", "CUP", "MK-1", 1),
            item("A-10", "ZED", "MK-2", 2),
            item("B-02", "TEA", "MK-2", 3),
            item("A-10", "ABC", "MK-1", 1),
        ]
    )

    assert [(r.bin_location, r.sku, r.quantity, r.orders) for r in rows] == [
        ("A-10", "ABC", 1, (("MK-1", 1),)),
        ("A-10", "ZED", 2, (("MK-2", 2),)),
        ("B-02", "TEA", 4, (("MK-1", 1), ("MK-2", 3))),
        ("", "CUP", 1, (("MK-1", 1),)),
    ]


def test_the_pdf_lists_lines_in_bin_order_with_totals_and_a_packing_section(staff_user):
    newark = WarehouseFactory(code="US-NJ1")
    product = ProductFactory(title="Green Tea")
    late_bin, early_bin = VariantFactory(product=product, sku="TEA-Z"), VariantFactory(product=product, sku="TEA-A")
    first = _orders(newark, 2, variant=late_bin, quantity=2)
    second = _orders(newark, 1, variant=early_bin, quantity=3)
    Stock.objects.filter(variant=late_bin).update(bin_location="C-07")
    Stock.objects.filter(variant=early_bin).update(bin_location="A-01")
    pick_list = create_pick_list(warehouse_id=newark.pk, by=staff_user)

    reader = PdfReader(io.BytesIO(pick_list_pdf(pick_list_id=pick_list.pk)))
    text = "\n".join(page.extract_text() for page in reader.pages)

    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert f"Pick list {pick_list.pk} - US-NJ1" in text
    assert text.index("A-01") < text.index("C-07")
    assert text.index("TEA-A") < text.index("TEA-Z")
    assert re.search(r"A-01\s+TEA-A\s+Green Tea.*?\s3\s", text, re.S)
    assert re.search(r"C-07\s+TEA-Z\s+Green Tea.*?\s4\s", text, re.S)
    assert re.search(r"Total units\s+7", text)
    assert f"{first[0].number} x2" in text and f"{first[1].number} x2" in text
    for order, units in ((first[0], 2), (first[1], 2), (second[0], 3)):
        assert f"Order {order.number}: {units} unit(s)" in text
