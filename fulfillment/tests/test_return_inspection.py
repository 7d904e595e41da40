"""Receiving and inspecting a return: one disposition per unit, restocked units in the ledger, all or nothing."""

import pytest

from fulfillment.models import (
    Backorder,
    InboundReturn,
    OutboundLine,
    OutboundOrder,
    Stock,
    StockMovement,
    Warehouse,
)
from fulfillment.requests import ReturnLineRequest, ReturnRequestToReceive, ShipTo
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.returns import Disposition, ReturnError, expect_return, inspect_return, receive_return
from fulfillment.tests.factories import WarehouseFactory
from marketplace.models import OutboxEvent
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre():
    return WarehouseFactory(kind=Warehouse.Kind.RETURNS_CENTRE, code="US-RC1")


@pytest.fixture
def received(centre):
    """A return of 3 teas and 1 cup, scanned in at the centre."""
    tea, cup = VariantFactory(), VariantFactory()
    order = OutboundOrder.objects.create(id=7001, number="MK-TEST-0001", ship_country="US")
    lines = [
        OutboundLine.objects.create(id=9001, order=order, variant=tea, sku=tea.sku, product_title="Tea", quantity=3),
        OutboundLine.objects.create(id=9002, order=order, variant=cup, sku=cup.sku, product_title="Cup", quantity=1),
    ]
    inbound = expect_return(
        request=ReturnRequestToReceive(
            return_id=501,
            number="MK-TEST-0001-R1",
            order_id=order.pk,
            warehouse_id=centre.pk,
            ship_from=ShipTo(name="Ada", line1="1 Main St", city="Springfield", country="US"),
            lines=tuple(
                ReturnLineRequest(
                    line_id=600 + i, order_line_id=line.pk, variant_id=line.variant_id, quantity=line.quantity
                )
                for i, line in enumerate(lines, start=1)
            ),
        )
    )
    receive_return(code=inbound.number)
    inbound.refresh_from_db()
    inbound.tea, inbound.cup = tea, cup
    return inbound


def test_a_repeated_scan_receives_once_and_an_unknown_code_is_refused(received):
    assert received.status == "received"
    receive_return(code=received.number)
    assert OutboxEvent.objects.filter(name="fulfillment.return_received").count() == 1
    with pytest.raises(ReturnError) as refused:
        receive_return(code="RT-NOSUCHCODE")
    assert refused.value.code == "unknown_return"


def test_restocked_units_go_back_on_the_shelf_through_the_ledger(received, centre):
    inspect_return(
        return_id=received.pk,
        dispositions=[
            Disposition(line_id=601, restock=2, write_off=1, note="one scratched"),
            Disposition(line_id=602, refurbish=1),
        ],
    )
    received.refresh_from_db()
    assert received.status == "inspected" and received.mismatch_note == ""
    assert Stock.objects.get(warehouse=centre, variant=received.tea).quantity == 2
    assert not Stock.objects.filter(warehouse=centre, variant=received.cup).exists()  # refurbished first
    movement = StockMovement.objects.get(reason="returned")
    assert (movement.quantity_change, movement.reference) == (2, "return MK-TEST-0001-R1")
    assert stock_ledger_mismatches() == []
    fact = OutboxEvent.objects.get(name="fulfillment.return_inspected")
    assert [(line["restocked"], line["written_off"], line["refurbished"]) for line in fact.payload["lines"]] == [
        (2, 1, 0),
        (0, 0, 1),
    ]


def test_missing_units_are_a_mismatch(received):
    inspect_return(
        return_id=received.pk,
        dispositions=[Disposition(line_id=601, restock=3), Disposition(line_id=602, missing=1)],
    )
    received.refresh_from_db()
    assert received.mismatch_note == "1 unit(s) announced but not in the parcel."
    assert received.lines.get(pk=602).quantity_received == 0


@pytest.mark.parametrize(
    "dispositions",
    [
        [Disposition(line_id=601, restock=3)],  # a line forgotten
        [Disposition(line_id=601, restock=2), Disposition(line_id=602, restock=1)],  # a unit forgotten
        [Disposition(line_id=601, restock=4, missing=-1), Disposition(line_id=602, restock=1)],  # negative
        [Disposition(line_id=601, restock=3), Disposition(line_id=602, restock=1), Disposition(line_id=999)],
    ],
)
def test_an_inspection_that_does_not_add_up_changes_nothing(received, dispositions):
    with pytest.raises(ReturnError) as refused:
        inspect_return(return_id=received.pk, dispositions=dispositions)
    assert refused.value.code == "invalid_dispositions"
    received.refresh_from_db()
    assert received.status == "received"
    assert not StockMovement.objects.exists() and not Stock.objects.exists()
    assert not OutboxEvent.objects.filter(name="fulfillment.return_inspected").exists()


def test_inspecting_before_receiving_is_refused(centre):
    tea = VariantFactory()
    order = OutboundOrder.objects.create(id=7002, number="MK-TEST-0002", ship_country="US")
    line = OutboundLine.objects.create(id=9003, order=order, variant=tea, sku=tea.sku, product_title="Tea", quantity=1)
    inbound = expect_return(
        request=ReturnRequestToReceive(
            return_id=502,
            number="MK-TEST-0002-R1",
            order_id=order.pk,
            warehouse_id=centre.pk,
            ship_from=ShipTo(name="Ada", line1="1 Main St", city="Springfield", country="US"),
            lines=(ReturnLineRequest(line_id=700, order_line_id=line.pk, variant_id=tea.pk, quantity=1),),
        )
    )
    with pytest.raises(ReturnError) as refused:
        inspect_return(return_id=inbound.pk, dispositions=[Disposition(line_id=700, restock=1)])
    assert refused.value.code == "not_received"


def test_restocked_units_serve_a_waiting_backorder(received, centre, deliver_events):
    waiting_order = OutboundOrder.objects.create(id=7003, number="MK-TEST-0003", ship_country="US")
    waiting_line = OutboundLine.objects.create(
        id=9004, order=waiting_order, variant=received.tea, sku=received.tea.sku, product_title="Tea", quantity=1
    )
    Backorder.objects.create(order_line=waiting_line, quantity=1)
    inspect_return(
        return_id=received.pk,
        dispositions=[Disposition(line_id=601, restock=3), Disposition(line_id=602, restock=1)],
    )
    deliver_events()
    assert Backorder.objects.get(order_line=waiting_line).allocated_at is not None
    stock = Stock.objects.get(warehouse=centre, variant=received.tea)
    assert (stock.quantity, stock.quantity_allocated) == (3, 1)
    assert InboundReturn.objects.get(pk=received.pk).status == "inspected"
