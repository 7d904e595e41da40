"""A fulfillment order crossing a border with a line lacking customs data is held (MISSING_CUSTOMS_DATA).

Staff see it on the work queue, the seller on their dashboard; once the data is complete (the shop hands
fulfillment the correction), staff release it. A release while data is still missing is refused.
"""

import pytest
from django.urls import reverse

from fulfillment.models import FulfillmentOrder, OutboundLine
from fulfillment.requests import FulfillmentRequest
from fulfillment.selectors import customs_holds, work_queues
from fulfillment.services.allocation import allocate_order
from fulfillment.services.fulfillment_orders import (
    CustomsDataStillMissing,
    allocate_backorders,
    move_fulfillment_order,
    release_fulfillment_order,
)
from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import OrderEvent
from shop.order_timeline import describe
from shop.services.catalog import update_product, update_variant
from shop.services.order_fulfillment import fulfillment_request, send_to_fulfillment
from shop.services.orders import ShippingAddress
from shop.tests.factories import ProductFactory, SellerMemberFactory, VariantFactory, paid_order

pytestmark = pytest.mark.django_db
HOLD = FulfillmentOrder.HoldReason
LONDON = ShippingAddress(
    name="Ada Lovelace", line1="10 Downing Street", city="London", country="GB", postal_code="SW1A 2AA"
)


def no_hs_code(*, sku: str | None = None, **product_fields):
    """A variant whose product has no HS code (so neither has it)."""
    variant_fields = {"sku": sku} if sku else {}
    return VariantFactory(product=ProductFactory(hs_code="", **product_fields), **variant_fields)


def allocated(*items, address=LONDON, warehouse=None):
    """A paid order for (variant, quantity) items allocated from one (US) warehouse."""
    warehouse = warehouse or WarehouseFactory(country="US")
    for variant, quantity in items:
        stock_of(variant, warehouse, quantity=quantity + 2)
    order = paid_order(*items, address=address)
    send_to_fulfillment(order_id=order.pk)
    return order, FulfillmentOrder.objects.get(order=order.pk, warehouse=warehouse)


# ---------------------------------------------------------------- the hold


def test_an_order_abroad_with_a_line_lacking_customs_data_is_held_naming_the_sku(deliver_events):
    complete, lacking = VariantFactory(sku="MUG-1"), no_hs_code(sku="TEE-RED-M")

    order, fulfillment_order = allocated((complete, 1), (lacking, 2))

    assert (fulfillment_order.status, fulfillment_order.hold_reason, fulfillment_order.hold_note) == (
        "on_hold",
        "missing_customs_data",
        "Customs data missing for SKU TEE-RED-M.",
    )
    deliver_events()
    event = OrderEvent.objects.filter(order=order.pk, kind=OrderEvent.Kind.FULFILLMENT_HELD).get()
    assert "held: Missing customs data (Customs data missing for SKU TEE-RED-M.)" in describe(event)


def test_the_same_line_shipped_within_its_warehouses_country_is_not_held():
    new_york = ShippingAddress(name="Ada", line1="1 Main St", city="New York", country="US", postal_code="10118")

    _, fulfillment_order = allocated((no_hs_code(), 1), address=new_york)

    assert (fulfillment_order.status, fulfillment_order.hold_reason) == ("open", "")


def test_an_order_abroad_with_complete_customs_data_is_not_held():
    _, fulfillment_order = allocated((VariantFactory(), 1))

    assert fulfillment_order.status == "open"


@pytest.mark.parametrize("missing", ["hs_code", "country_of_origin", "customs_description", "weight"])
def test_any_missing_field_holds_it(missing):
    fields = {"hs_code": "", "country_of_origin": "", "customs_description": ""}
    product = {name: value for name, value in fields.items() if name == missing}
    if missing == "weight":
        product = {"weight_grams": 0, "net_weight_grams": None}

    _, fulfillment_order = allocated((VariantFactory(product=ProductFactory(**product)), 1))

    assert fulfillment_order.hold_reason == "missing_customs_data"


def test_fulfillment_keeps_the_customs_data_it_was_handed():
    variant = VariantFactory(hs_code="6109100012", product=ProductFactory(hs_code="610910", net_weight_grams=180))

    order, _ = allocated((variant, 1))

    line = OutboundLine.objects.get(order_id=order.pk)
    assert (line.hs_code, str(line.country_of_origin), line.customs_description, line.net_weight_grams) == (
        "6109100012",
        "US",
        "Cosmetic",
        180,
    )
    assert line.has_customs_data


def test_a_request_written_before_customs_data_existed_still_parses_and_is_held():
    variant = VariantFactory()
    warehouse = WarehouseFactory(country="US")
    stock_of(variant, warehouse, quantity=3)
    payload = fulfillment_request(paid_order((variant, 1), address=LONDON)).as_payload()
    for line in payload["lines"]:  # an old fact's snapshot: no customs fields
        for name in ("hs_code", "country_of_origin", "customs_description", "net_weight_grams"):
            del line[name]

    allocate_order(request=FulfillmentRequest.from_payload(payload))

    held = FulfillmentOrder.objects.get(warehouse=warehouse)
    assert (held.status, held.hold_reason) == ("on_hold", "missing_customs_data")


def test_backorders_allocated_abroad_are_held_too():
    lacking, newark = no_hs_code(sku="LAMP-1"), WarehouseFactory(country="US")
    stock_of(lacking, newark, quantity=1)
    order = paid_order((lacking, 1), address=LONDON)
    set_stock_quantity(warehouse=newark, variant_id=lacking.pk, quantity=0, reference="recount")
    send_to_fulfillment(order_id=order.pk)
    assert not FulfillmentOrder.objects.filter(order_id=order.pk).exists()

    set_stock_quantity(warehouse=newark, variant_id=lacking.pk, quantity=1)
    allocate_backorders(variant_ids=[lacking.pk])

    held = FulfillmentOrder.objects.get(order_id=order.pk)
    assert (held.status, held.hold_note) == ("on_hold", "Customs data missing for SKU LAMP-1.")


def test_moving_an_order_to_a_warehouse_abroad_holds_it(staff_user):
    lacking = no_hs_code(sku="LAMP-1")
    london_fc = WarehouseFactory(country="GB", postal_code="RM9 6FB")
    _, fulfillment_order = allocated((lacking, 1), warehouse=london_fc)
    assert fulfillment_order.status == "open"  # GB to GB: no border
    newark = WarehouseFactory(country="US")
    stock_of(lacking, newark, quantity=1)

    moved = move_fulfillment_order(
        fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=newark.pk, by=staff_user, reason="flooded"
    )

    assert (moved.status, moved.hold_reason) == ("on_hold", "missing_customs_data")


# ---------------------------------------------------------------- release once fixed


def test_release_is_refused_while_the_data_is_still_missing_and_changes_nothing(staff_user):
    _, fulfillment_order = allocated((no_hs_code(sku="TEE-RED-M"), 1))

    with pytest.raises(CustomsDataStillMissing, match="still missing for SKU TEE-RED-M"):
        release_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, by=staff_user)

    fulfillment_order.refresh_from_db()
    assert (fulfillment_order.status, fulfillment_order.hold_reason) == ("on_hold", "missing_customs_data")


def test_the_sellers_fix_reaches_fulfillment_and_staff_then_release_it(staff_user, deliver_events):
    lacking = no_hs_code(sku="TEE-RED-M")
    _, fulfillment_order = allocated((lacking, 1))

    update_product(product=lacking.product, data={"hs_code": "6109.10"})
    deliver_events()  # shop.customs_data_changed: the lines still to ship take the new data
    released = release_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, by=staff_user)

    assert OutboundLine.objects.get(variant=lacking).hs_code == "610910"
    assert (released.status, released.hold_reason) == ("open", "")


def test_a_variants_own_fix_reaches_fulfillment_too(deliver_events):
    lacking = no_hs_code()
    allocated((lacking, 1))

    update_variant(variant=lacking, data={"hs_code": "330499"})
    deliver_events()

    assert OutboundLine.objects.get(variant=lacking).has_customs_data


def test_the_admin_release_action_refuses_while_missing_and_releases_once_fixed(staff_client, deliver_events):
    lacking = no_hs_code(sku="TEE-RED-M")
    _, fulfillment_order = allocated((lacking, 1))
    changelist = reverse("admin:fulfillment_fulfillmentorder_changelist")
    release = {"action": "release_action", "_selected_action": [fulfillment_order.pk], "index": 0}

    refused = staff_client.post(changelist, release, follow=True)
    update_product(product=lacking.product, data={"hs_code": "610910"})
    deliver_events()
    done = staff_client.post(changelist, release, follow=True)

    assert "still missing for SKU TEE-RED-M" in refused.content.decode()
    assert f"Released: {fulfillment_order.pk}." in done.content.decode()
    fulfillment_order.refresh_from_db()
    assert fulfillment_order.status == "open"


# ---------------------------------------------------------------- where it shows


def test_the_work_queue_counts_customs_holds_per_warehouse_with_a_link(staff_client):
    newark = WarehouseFactory(code="US-NJ1", country="US")
    allocated((no_hs_code(), 1), warehouse=newark)
    allocated((VariantFactory(), 1), warehouse=newark)

    response = staff_client.get(reverse("admin:fulfillment_work_queues"))

    [row] = response.context["queues"].warehouses
    assert (row.held, row.held_for_customs, row.to_pick) == (1, 1, 1)
    assert "hold_reason__exact=missing_customs_data" in response.content.decode()
    assert work_queues().warehouses[0].held_for_customs == 1


def test_the_sellers_dashboard_says_which_orders_are_held_for_which_skus(client):
    member = SellerMemberFactory()
    mine = no_hs_code(seller=member.seller, sku="GLOW-001-01")
    theirs = no_hs_code(sku="OTHER-1")
    order, _ = allocated((mine, 1), (theirs, 1))
    client.force_login(member.user)

    html = client.get(reverse("dashboard:products")).content.decode()

    assert "1 order held: customs data missing for SKU GLOW-001-01." in html
    assert f"Order {order.number}" in html
    assert "OTHER-1" not in html


def test_a_held_order_whose_data_is_now_complete_says_it_waits_for_staff(client, deliver_events):
    member = SellerMemberFactory()
    mine = no_hs_code(seller=member.seller)
    allocated((mine, 1))
    update_product(product=mine.product, data={"hs_code": "330499"})
    deliver_events()
    client.force_login(member.user)

    html = client.get(reverse("dashboard:products")).content.decode()

    assert "customs data missing" not in html
    assert "1 order held for customs data now has all it needs" in html


def test_customs_holds_are_read_in_one_query(django_assert_num_queries):
    member = SellerMemberFactory()
    variants = [no_hs_code(seller=member.seller) for _ in range(3)]
    for variant in variants:
        allocated((variant, 1))

    with django_assert_num_queries(1):
        holds = customs_holds(variant_ids=[variant.pk for variant in variants])

    assert len(holds) == 3


def test_the_dashboard_list_costs_the_same_queries_with_one_hold_or_many(client, get_counting_queries):
    member = SellerMemberFactory()
    client.force_login(member.user)
    allocated((no_hs_code(seller=member.seller), 1))
    client.get(reverse("dashboard:products"))
    _, one = get_counting_queries(client, reverse("dashboard:products"))
    for _ in range(5):
        allocated((no_hs_code(seller=member.seller), 1))

    response, six = get_counting_queries(client, reverse("dashboard:products"))

    assert "6 orders held" in response.content.decode()
    assert six == one
