"""Receiving a seller's inbound shipment: counted per line, closed once, stock rises, backorders served."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from fulfillment.models import Backorder, InboundShipment, Stock, StockMovement, Warehouse
from fulfillment.selectors import allocation_mismatches, stock_ledger_mismatches
from fulfillment.services.receiving import (
    AnnouncedLine,
    LineCount,
    ReceivingError,
    announce_inbound_shipment,
    cancel_inbound_shipment,
    close_receipt,
    record_line_counts,
    request_close,
)
from fulfillment.services.stock import set_stock_quantity
from fulfillment.tasks.receiving import close_receipt_task, resend_unfinished_closes
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import announced
from marketplace.models import OutboxEvent
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db
S = InboundShipment.Status


def _backordered(variant, quantity, *, warehouse):
    """A paid order none of whose units could be allocated (a recount found none): all backordered."""
    stock_of(variant, warehouse, quantity=quantity)
    order = paid_order((variant, quantity))
    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=0, reference="recount")
    send_to_fulfillment(order_id=order.pk)
    return order


def _count(shipment, **by_sku):
    """Count lines by SKU: received, or (received, damaged)."""
    counts = []
    for line in shipment.lines.all():
        value = by_sku[line.sku]
        received, damaged = value if isinstance(value, tuple) else (value, 0)
        counts.append(LineCount(line_id=line.pk, received=received, damaged=damaged))
    return record_line_counts(shipment_id=shipment.pk, counts=counts)


def test_a_receipt_with_a_discrepancy_stocks_the_good_units_and_allocates_the_waiting_backorder(deliver_events):
    newark = WarehouseFactory()
    tea, cup = VariantFactory(sku="TEA"), VariantFactory(sku="CUP")
    order = _backordered(tea, 3, warehouse=newark)
    shipment = announced(newark, (tea, 5), (cup, 2), carrier="UPS", tracking_number="1Z999")

    _count(shipment, TEA=(4, 1), CUP=3)  # one tea short and one damaged; a cup more than announced
    assert InboundShipment.objects.get(pk=shipment.pk).status == S.RECEIVING
    close_receipt(shipment_id=shipment.pk)
    deliver_events()

    shipment.refresh_from_db()
    assert shipment.status == S.CLOSED and shipment.closed_at is not None
    lines = {line.sku: line for line in shipment.lines.all()}
    tea_line, cup_line = lines["TEA"], lines["CUP"]
    assert (tea_line.quantity_short, tea_line.quantity_over, tea_line.quantity_damaged) == (1, 0, 1)
    assert (cup_line.quantity_short, cup_line.quantity_over, cup_line.quantity_damaged) == (0, 1, 0)
    tea_stock = Stock.objects.get(warehouse=newark, variant=tea)
    assert (tea_stock.quantity, tea_stock.quantity_allocated) == (3, 3)  # 4 came, 1 damaged: all 3 to the order
    assert Stock.objects.get(warehouse=newark, variant=cup).quantity == 3
    received = StockMovement.objects.filter(reason=StockMovement.Reason.RECEIVED).order_by("stock__variant__sku")
    assert [(m.stock.variant.sku, m.quantity_change, m.reference) for m in received] == [
        ("CUP", 3, f"inbound {shipment.number}"),
        ("TEA", 3, f"inbound {shipment.number}"),
    ]
    backorder = Backorder.objects.get(order_line__order=order.pk)
    assert backorder.allocated_at is not None
    assert stock_ledger_mismatches() == [] and allocation_mismatches() == []
    fact = OutboxEvent.objects.get(name="fulfillment.inbound_shipment_received")
    assert [(d["sku"], d["short"], d["over"], d["damaged"]) for d in fact.payload["discrepancies"]] == [
        ("TEA", 1, 0, 1),
        ("CUP", 0, 1, 0),
    ]


def test_closing_twice_changes_nothing_the_second_time():
    newark, tea = WarehouseFactory(), VariantFactory(sku="TEA")
    shipment = announced(newark, (tea, 5))
    _count(shipment, TEA=5)

    close_receipt(shipment_id=shipment.pk)
    closed_at = InboundShipment.objects.get(pk=shipment.pk).closed_at
    again = close_receipt(shipment_id=shipment.pk)

    assert again.status == S.CLOSED and again.closed_at == closed_at
    assert Stock.objects.get(warehouse=newark, variant=tea).quantity == 5
    assert StockMovement.objects.filter(reason=StockMovement.Reason.RECEIVED).count() == 1
    assert OutboxEvent.objects.filter(name="fulfillment.inbound_shipment_received").count() == 1


def test_a_close_that_dies_half_way_leaves_nothing_and_is_finished_when_sent_again():
    """What a worker killed mid-close leaves behind (its transaction never commits), and the redelivery."""
    newark = WarehouseFactory()
    tea, cup = VariantFactory(sku="TEA"), VariantFactory(sku="CUP")
    shipment = announced(newark, (tea, 2), (cup, 2))
    _count(shipment, TEA=2, CUP=2)

    killed = mock.patch("fulfillment.services.receiving.set_inbound_status", side_effect=SystemExit("killed"))
    with killed, pytest.raises(SystemExit):
        close_receipt_task.delay(shipment.pk)
    assert InboundShipment.objects.get(pk=shipment.pk).status == S.RECEIVING
    assert not Stock.objects.filter(quantity__gt=0).exists()
    assert not StockMovement.objects.filter(reason=StockMovement.Reason.RECEIVED).exists()

    assert close_receipt_task.delay(shipment.pk).get() == S.CLOSED
    assert sorted(Stock.objects.values_list("quantity", flat=True)) == [2, 2]


def test_the_sweep_sends_again_a_close_no_worker_finished(staff_user):
    newark, tea = WarehouseFactory(), VariantFactory(sku="TEA")
    shipment = announced(newark, (tea, 4))
    _count(shipment, TEA=4)
    request_close(shipment_id=shipment.pk, by=staff_user)
    assert resend_unfinished_closes() == 0  # asked a moment ago: its task may still be queued

    InboundShipment.objects.filter(pk=shipment.pk).update(close_requested_at=timezone.now() - dt.timedelta(hours=1))
    assert resend_unfinished_closes() == 1

    closed = InboundShipment.objects.get(pk=shipment.pk)
    assert (closed.status, closed.closed_by) == (S.CLOSED, staff_user)  # closed in the name of who asked
    assert Stock.objects.get(variant=tea).quantity == 4
    assert resend_unfinished_closes() == 0


def test_counts_are_final_once_the_close_is_asked_for():
    newark, tea = WarehouseFactory(), VariantFactory(sku="TEA")
    shipment = announced(newark, (tea, 4))
    _count(shipment, TEA=4)
    request_close(shipment_id=shipment.pk)

    with pytest.raises(ReceivingError) as refused:
        _count(shipment, TEA=40)

    assert refused.value.code == "closing"
    assert close_receipt(shipment_id=shipment.pk).status == S.CLOSED
    assert Stock.objects.get(variant=tea).quantity == 4


def test_a_receipt_with_a_line_not_counted_cannot_be_closed():
    newark = WarehouseFactory()
    tea, cup = VariantFactory(sku="TEA"), VariantFactory(sku="CUP")
    shipment = announced(newark, (tea, 2), (cup, 2))
    record_line_counts(
        shipment_id=shipment.pk, counts=[LineCount(line_id=shipment.lines.get(sku="TEA").pk, received=2)]
    )

    with pytest.raises(ReceivingError) as refused:
        close_receipt(shipment_id=shipment.pk)

    assert refused.value.code == "uncounted_lines" and "CUP" in refused.value.message
    assert InboundShipment.objects.get(pk=shipment.pk).status == S.RECEIVING
    assert not Stock.objects.exists()


def test_more_damaged_than_received_is_refused_and_nothing_is_stored():
    newark, tea = WarehouseFactory(), VariantFactory(sku="TEA")
    shipment = announced(newark, (tea, 2))

    with pytest.raises(ReceivingError) as refused:
        _count(shipment, TEA=(1, 2))

    assert refused.value.code == "invalid_count"
    line = shipment.lines.get()
    assert (line.quantity_received, line.quantity_damaged) == (None, 0)
    assert InboundShipment.objects.get(pk=shipment.pk).status == S.ANNOUNCED


def test_a_cancelled_shipment_cannot_be_counted_nor_closed():
    newark, tea = WarehouseFactory(), VariantFactory(sku="TEA")
    shipment = announced(newark, (tea, 2))
    cancel_inbound_shipment(shipment_id=shipment.pk, seller_id=shipment.seller_id)

    with pytest.raises(ReceivingError):
        _count(shipment, TEA=2)
    with pytest.raises(ReceivingError) as refused:
        close_receipt(shipment_id=shipment.pk)
    assert refused.value.code == "cancelled"
    assert not Stock.objects.exists()


def test_a_shipment_being_counted_cannot_be_cancelled():
    newark, tea = WarehouseFactory(), VariantFactory(sku="TEA")
    shipment = announced(newark, (tea, 2))
    _count(shipment, TEA=1)

    with pytest.raises(ReceivingError) as refused:
        cancel_inbound_shipment(shipment_id=shipment.pk, seller_id=shipment.seller_id)
    assert refused.value.code == "already_receiving"


@pytest.mark.parametrize(
    ("warehouse_fields", "why"),
    [
        ({"kind": Warehouse.Kind.CONSOLIDATION_HUB}, "a hub"),
        ({"is_active": False}, "closed"),
        ({"operator": Warehouse.Operator.SELLER, "operator_seller_id": 1}, "a seller's own"),
    ],
)
def test_stock_is_only_announced_to_our_active_fulfillment_centres(warehouse_fields, why):
    warehouse, tea = WarehouseFactory(**warehouse_fields), VariantFactory()

    with pytest.raises(ReceivingError) as refused:
        announced(warehouse, (tea, 1))

    assert refused.value.code == "unknown_warehouse", why
    assert not InboundShipment.objects.exists()


@pytest.mark.parametrize(
    ("lines", "expected_on", "field"),
    [
        ([], 3, "lines"),
        ([(0, 1)], 3, "lines"),
        ([(5, 1), (5, 1)], 3, "lines"),
        ([(10**7, 1)], 3, "lines"),
        ([(1, 1)], -1, "expected_on"),
        ([(1, 1)], 400, "expected_on"),
    ],
)
def test_an_impossible_announcement_is_refused_naming_the_field(lines, expected_on, field):
    newark, tea = WarehouseFactory(), VariantFactory()
    with pytest.raises(ReceivingError) as refused:
        announce_inbound_shipment(
            seller_id=tea.product.seller_id,
            warehouse_code=newark.code,
            lines=[AnnouncedLine(variant_id=tea.pk, sku=tea.sku, quantity=quantity) for quantity, _ in lines],
            expected_on=timezone.localdate() + dt.timedelta(days=expected_on),
        )
    assert field in refused.value.fields
    assert not InboundShipment.objects.exists()
