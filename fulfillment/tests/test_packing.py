"""Packing: the smallest box that fits (a pure rule), split into parcels when none does; staff record parcels."""

import pytest

from fulfillment.models import Box, Parcel, Shipment
from fulfillment.packing import BoxSize, ItemSize, suggest_box, suggest_parcels
from fulfillment.services.packing import InvalidParcels, ParcelSpec, pack_shipment
from fulfillment.services.packing import suggest_parcels as suggest_for_shipment
from fulfillment.services.picking import create_pick_list
from fulfillment.services.shipments import IllegalShipmentTransition, set_shipment_status
from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import ProductFactory, VariantFactory, paid_order

SMALL = BoxSize(id=1, length_mm=200, width_mm=150, height_mm=100, max_weight_grams=2000, tare_weight_grams=100)
MEDIUM = BoxSize(id=2, length_mm=400, width_mm=300, height_mm=200, max_weight_grams=10000, tare_weight_grams=300)
LONG = BoxSize(id=3, length_mm=1000, width_mm=100, height_mm=100, max_weight_grams=5000)
MUG = ItemSize(length_mm=120, width_mm=90, height_mm=100, weight_grams=350)


# ---------------------------------------------------------------- the pure rule


def test_the_smallest_box_by_volume_that_fits_is_chosen():
    assert suggest_box([MUG], [MEDIUM, SMALL, LONG]) is SMALL


def test_an_item_fits_turned_on_its_side():
    poster = ItemSize(length_mm=90, width_mm=900, height_mm=80, weight_grams=200)

    assert suggest_box([poster], [SMALL, MEDIUM, LONG]) is LONG


def test_the_fill_factor_keeps_room_for_padding():
    # The small box holds 3 L, of which only FILL_FACTOR is usable.
    three = ItemSize(length_mm=100, width_mm=100, height_mm=100, weight_grams=10, quantity=3)

    assert suggest_box([three], [SMALL, MEDIUM]) is MEDIUM
    assert suggest_box([ItemSize(100, 100, 100, 10, quantity=2)], [SMALL, MEDIUM]) is SMALL


def test_weight_above_the_boxs_limit_moves_up_a_size():
    heavy = ItemSize(length_mm=100, width_mm=100, height_mm=50, weight_grams=2500)

    assert suggest_box([heavy], [SMALL, MEDIUM]) is MEDIUM


def test_inactive_boxes_are_never_suggested():
    retired = BoxSize(id=9, length_mm=200, width_mm=150, height_mm=100, max_weight_grams=2000, is_active=False)

    assert suggest_box([MUG], [retired, MEDIUM]) is MEDIUM


def test_no_box_fits_returns_none():
    surfboard = ItemSize(length_mm=2000, width_mm=500, height_mm=80, weight_grams=4000)

    assert suggest_box([surfboard], [SMALL, MEDIUM, LONG]) is None


def test_too_much_for_one_box_is_split_greedily_into_parcels():
    brick = ItemSize(length_mm=300, width_mm=200, height_mm=100, weight_grams=4000, quantity=5, sku="BRICK")

    parcels = suggest_parcels([brick], [SMALL, MEDIUM])

    assert [(p.box, sum(i.quantity for i in p.items)) for p in parcels] == [(MEDIUM, 2), (MEDIUM, 2), (MEDIUM, 1)]
    assert parcels[0].weight_grams == 2 * 4000 + 300  # contents plus the box
    assert sum(i.quantity for p in parcels for i in p.items) == 5


def test_an_item_no_box_takes_gets_its_own_parcel_to_measure():
    surfboard = ItemSize(length_mm=2000, width_mm=500, height_mm=80, weight_grams=4000, sku="SURF")

    parcels = suggest_parcels([surfboard, MUG], [SMALL, MEDIUM])

    assert [(p.box, [i.sku for i in p.items]) for p in parcels] == [(None, ["SURF"]), (SMALL, [""])]


def test_everything_in_one_box_is_one_parcel():
    parcels = suggest_parcels([MUG, ItemSize(50, 50, 50, 20, quantity=2)], [SMALL, MEDIUM])

    assert len(parcels) == 1 and parcels[0].box is SMALL
    assert parcels[0].weight_grams == 350 + 40 + 100


# ---------------------------------------------------------------- the service


@pytest.fixture
def picking_shipment(db, staff_user):
    warehouse = WarehouseFactory()
    mug = VariantFactory(product=ProductFactory(length_mm=120, width_mm=90, height_mm=100, weight_grams=350))
    stock_of(mug, warehouse, quantity=5)
    send_to_fulfillment(order_id=paid_order((mug, 2)).pk)
    create_pick_list(warehouse_id=warehouse.pk, by=staff_user)
    BoxFactory(
        warehouse=warehouse,
        code="S",
        name="Small",
        inner_length_mm=200,
        inner_width_mm=150,
        inner_height_mm=100,
        max_weight_grams=2000,
        tare_weight_grams=100,
    )
    BoxFactory(warehouse=warehouse, code="M")
    return Shipment.objects.get()


def test_the_shipment_suggestion_uses_its_warehouses_boxes(picking_shipment):
    parcels = suggest_for_shipment(shipment_id=picking_shipment.pk)

    assert [(p.box.code, p.weight_grams) for p in parcels] == [("S", 2 * 350 + 100)]


def test_packing_records_parcels_in_sequence_and_marks_packed(picking_shipment, staff_user):
    small = Box.objects.get(code="S")

    pack_shipment(
        shipment_id=picking_shipment.pk,
        parcels=[
            ParcelSpec(box_id=small.pk, weight_grams=820),
            ParcelSpec(weight_grams=300, length_mm=310, width_mm=220, height_mm=40),
        ],
        by=staff_user,
    )

    picking_shipment.refresh_from_db()
    assert picking_shipment.status == "packed"
    assert list(
        Parcel.objects.values_list("sequence", "box__code", "weight_grams", "length_mm", "width_mm", "height_mm")
    ) == [
        (1, "S", 820, 200, 150, 100),
        (2, None, 300, 310, 220, 40),
    ]


@pytest.mark.parametrize(
    ("parcels", "field"),
    [
        ([], "parcels"),
        ([ParcelSpec(weight_grams=0, length_mm=1, width_mm=1, height_mm=1)], "parcels-0-weight_grams"),
        ([ParcelSpec(weight_grams=100)], "parcels-0-length_mm"),
        ([ParcelSpec(weight_grams=100, length_mm=10, width_mm=0, height_mm=10)], "parcels-0-length_mm"),
        ([ParcelSpec(weight_grams=100, box_id=999_999)], "parcels-0-box_id"),
    ],
)
def test_bad_parcels_raise_a_clear_error_and_change_nothing(picking_shipment, staff_user, parcels, field):
    with pytest.raises(InvalidParcels) as invalid:
        pack_shipment(shipment_id=picking_shipment.pk, parcels=parcels, by=staff_user)

    assert field in invalid.value.fields
    picking_shipment.refresh_from_db()
    assert picking_shipment.status == "picking"
    assert not Parcel.objects.exists()


def test_another_warehouses_box_is_refused(picking_shipment, staff_user):
    elsewhere = BoxFactory(code="X", inner_length_mm=500, inner_width_mm=500, inner_height_mm=500)

    with pytest.raises(InvalidParcels):
        pack_shipment(
            shipment_id=picking_shipment.pk, parcels=[ParcelSpec(box_id=elsewhere.pk, weight_grams=800)], by=staff_user
        )


def test_only_a_shipment_being_picked_can_be_packed(picking_shipment, staff_user):
    set_shipment_status(shipment=picking_shipment, to=Shipment.Status.ALLOCATED)

    with pytest.raises(IllegalShipmentTransition):
        pack_shipment(
            shipment_id=picking_shipment.pk,
            parcels=[ParcelSpec(weight_grams=800, length_mm=10, width_mm=10, height_mm=10)],
            by=staff_user,
        )

    assert not Parcel.objects.exists()
