"""The returns centre in the admin: the two queues, the receive scan, the inspection, and the ledger it writes.

Returns are built as fulfillment keeps them (expect_return from a plain-data request), without the shop.
"""

import itertools

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fulfillment.models import (
    InboundReturn,
    OutboundLine,
    OutboundOrder,
    Shipment,
    Stock,
    StockMovement,
    Warehouse,
)
from fulfillment.requests import ReturnLineRequest, ReturnRequestToReceive, ShipTo
from fulfillment.services import returns as return_services
from fulfillment.services.returns import expect_return, receive_return
from fulfillment.tests.factories import WarehouseFactory
from marketplace.tests.factories import UserFactory
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

R = InboundReturn.Status
CENTRE = "admin:fulfillment_returns_centre"
RECEIVE = "admin:fulfillment_inboundreturn_receive"
_ids = itertools.count(1000)


@pytest.fixture
def centre() -> Warehouse:
    return WarehouseFactory(code="US-RC1", name="Returns Edison", kind=Warehouse.Kind.RETURNS_CENTRE)


def _inbound(centre: Warehouse, *quantities: int, tracking: str = "", status: str = R.EXPECTED) -> InboundReturn:
    """An approved return as the shop announces it: one line per quantity, each of its own variant."""
    order = OutboundOrder.objects.create(id=next(_ids), number=f"MK-{next(_ids)}")
    lines = []
    for quantity in quantities or (1,):
        variant = VariantFactory()
        outbound = OutboundLine.objects.create(
            id=next(_ids),
            order=order,
            variant=variant,
            sku=variant.sku,
            product_title=variant.product.title,
            quantity=quantity,
        )
        lines.append(
            ReturnLineRequest(line_id=next(_ids), order_line_id=outbound.pk, variant_id=variant.pk, quantity=quantity)
        )
    return_id = next(_ids)
    inbound = expect_return(
        request=ReturnRequestToReceive(
            return_id=return_id,
            number=f"{order.number}-R1",
            order_id=order.pk,
            warehouse_id=centre.pk,
            ship_from=ShipTo(name="Ada Shopper", line1="1 Main St", city="Springfield", country="US"),
            lines=tuple(lines),
        )
    )
    if tracking:
        shipment = Shipment.objects.create(
            direction=Shipment.Direction.RETURN,
            status=Shipment.Status.LABELLED,
            tracking_number=tracking,
            carrier="domestic_ground",
            service="ground",
        )
        inbound.shipment = shipment
        inbound.save(update_fields=["shipment"])
    if status != R.EXPECTED:
        InboundReturn.objects.filter(pk=inbound.pk).update(status=status)
        inbound.refresh_from_db()
    return inbound


def _received(centre: Warehouse, *quantities: int) -> InboundReturn:
    inbound = _inbound(centre, *quantities)
    return receive_return(code=inbound.number)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _inspect_url(inbound: InboundReturn) -> str:
    return reverse("admin:fulfillment_inboundreturn_inspect", args=[inbound.pk])


def _dispositions(inbound: InboundReturn, **by_line) -> dict[str, str]:
    """The inspection form's fields: every unit restocked unless a line says otherwise."""
    data = {"mismatch_note": ""}
    for line in inbound.lines.order_by("pk"):
        given = {"restock": line.quantity, "refurbish": 0, "write_off": 0, "missing": 0, "note": ""}
        given.update(by_line.get(f"line_{line.pk}", {}))
        data.update({f"line-{line.pk}-{key}": str(value) for key, value in given.items()})
    return data


# --- the queues -------------------------------------------------------------------------------------


def test_the_returns_centre_lists_returns_to_receive_and_to_inspect(staff_client, centre):
    expected = _inbound(centre, 2, tracking="9400111100000000000001")
    on_the_way = _inbound(centre, 1, status=R.IN_TRANSIT)
    received = _received(centre, 3)
    _inbound(centre, 1, status=R.INSPECTED)

    response = staff_client.get(reverse(CENTRE))

    assert response.status_code == 200
    to_receive, to_inspect = response.context["tables"]
    assert [row.number for row in to_receive["rows"]] == [expected.number, on_the_way.number]
    assert [row.number for row in to_inspect["rows"]] == [received.number]
    assert (to_receive["count"], to_inspect["count"]) == (2, 1)
    page = response.content.decode()
    assert "9400111100000000000001" in page and expected.drop_off_code in page
    assert _inspect_url(received) in page
    assert reverse(RECEIVE) in page
    assert reverse("admin:shop_returnrequest_changelist") + "?queue=review" in page


def test_the_returns_centre_shows_one_centre_when_asked(staff_client, centre):
    other = WarehouseFactory(kind=Warehouse.Kind.RETURNS_CENTRE)
    mine, _theirs = _inbound(centre, 1), _inbound(other, 1)

    response = staff_client.get(reverse(CENTRE), {"warehouse": centre.pk})

    assert [row.number for row in response.context["tables"][0]["rows"]] == [mine.number]


def test_the_returns_centre_takes_as_many_queries_for_many_returns_as_for_one(
    staff_client, centre, get_counting_queries
):
    _inbound(centre, 1, tracking="9400111100000000000002")
    _received(centre, 1)
    staff_client.get(reverse(CENTRE))
    _, one = get_counting_queries(staff_client, reverse(CENTRE))
    for number in range(6):
        _inbound(centre, 1, 2, tracking=f"94001111000000000001{number:02d}")
        _received(centre, 2, 1)

    response, seven = get_counting_queries(staff_client, reverse(CENTRE))

    assert [table["count"] for table in response.context["tables"]] == [7, 7]
    assert seven == one


def test_the_list_of_returns_takes_as_many_queries_for_30_as_for_1(centre, assert_changelist_queries_constant):
    def make_rows(count: int) -> None:
        for _ in range(count):
            _inbound(centre, 1, tracking=f"9400222200{next(_ids):012d}")

    assert_changelist_queries_constant(reverse("admin:fulfillment_inboundreturn_changelist"), make_rows)


def test_the_list_of_returns_filters_by_queue(staff_client, centre):
    _inbound(centre, 1)
    received = _received(centre, 1)

    response = staff_client.get(reverse("admin:fulfillment_inboundreturn_changelist"), {"queue": "to_inspect"})

    assert [row.number for row in response.context["cl"].result_list] == [received.number]


def test_the_admin_home_and_the_fulfillment_page_link_the_returns_centre(staff_client):
    link = f'<a href="{reverse(CENTRE)}">Returns centre</a>'

    assert link in staff_client.get(reverse("admin:index")).content.decode()
    assert link in staff_client.get(reverse("admin:app_list", args=["fulfillment"])).content.decode()


def test_staff_who_may_not_work_returns_are_refused(client, centre):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_inboundreturn"))
    client.force_login(clerk)
    inbound = _received(centre, 1)

    assert client.get(reverse(CENTRE)).status_code == 403
    assert client.post(reverse(RECEIVE), {"code": inbound.number}).status_code == 403
    assert client.post(_inspect_url(inbound), _dispositions(inbound)).status_code == 403
    assert "Returns centre" not in client.get(reverse("admin:index")).content.decode()


# --- receive --------------------------------------------------------------------------------------


def test_a_scanned_tracking_number_receives_the_return(staff_client, staff_user, centre):
    inbound = _inbound(centre, 2, tracking="9400111100000000000003")

    response = staff_client.post(reverse(RECEIVE), {"code": " 9400111100000000000003 "}, follow=True)

    inbound.refresh_from_db()
    assert (inbound.status, inbound.received_by) == (R.RECEIVED, staff_user)
    assert response.redirect_chain[-1][0] == reverse(RECEIVE)
    assert f"Return {inbound.number} received at US-RC1: inspect it." in [
        message.replace(f'<a href="{_inspect_url(inbound)}">', "").replace("</a>", "")
        for message in _messages(response)
    ]


def test_a_drop_off_code_or_the_return_number_receive_it_too(staff_client, centre):
    by_code, by_number = _inbound(centre, 1), _inbound(centre, 1)

    staff_client.post(reverse(RECEIVE), {"code": by_code.drop_off_code})
    staff_client.post(reverse(RECEIVE), {"code": by_number.number})

    assert set(InboundReturn.objects.values_list("status", flat=True)) == {R.RECEIVED}


def test_a_repeat_scan_says_already_received_and_changes_nothing(staff_client, centre):
    inbound = _received(centre, 1)
    before = InboundReturn.objects.values("status", "received_at", "received_by", "updated_at").get(pk=inbound.pk)

    response = staff_client.post(reverse(RECEIVE), {"code": inbound.number}, follow=True)

    after = InboundReturn.objects.values("status", "received_at", "received_by", "updated_at").get(pk=inbound.pk)
    assert after == before
    [message] = _messages(response)
    assert message.startswith(f"Return {inbound.number} was already received on ")
    assert message.endswith(": nothing changed.")


def test_an_unknown_code_is_a_clear_error_on_the_form(staff_client, centre):
    inbound = _inbound(centre, 1)

    response = staff_client.post(reverse(RECEIVE), {"code": "RT-NOSUCHCODE"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["No return is expected with the code 'RT-NOSUCHCODE'."]
    inbound.refresh_from_db()
    assert inbound.status == R.EXPECTED


def test_a_parcel_for_another_centre_is_refused_where_a_centre_is_chosen(staff_client, centre):
    elsewhere = WarehouseFactory(code="US-RC2", kind=Warehouse.Kind.RETURNS_CENTRE)
    inbound = _inbound(centre, 1)

    refused = staff_client.post(reverse(RECEIVE), {"code": inbound.number, "warehouse": elsewhere.pk})
    accepted = staff_client.post(reverse(RECEIVE), {"code": inbound.number, "warehouse": centre.pk})

    assert refused.context["form"].errors["code"] == [
        f"Return {inbound.number} is expected at another centre ({centre})."
    ]
    assert accepted.status_code == 302 and accepted["Location"] == f"{reverse(RECEIVE)}?warehouse={centre.pk}"
    assert staff_client.get(accepted["Location"]).context["form"].initial == {"warehouse": str(centre.pk)}
    inbound.refresh_from_db()
    assert inbound.status == R.RECEIVED


# --- inspect --------------------------------------------------------------------------------------


def test_the_inspection_starts_with_every_unit_restocked(staff_client, centre):
    inbound = _received(centre, 3)
    line = inbound.lines.get()

    response = staff_client.get(_inspect_url(inbound))

    assert response.status_code == 200
    [line_form] = response.context["line_forms"]
    assert line_form.initial == {"restock": 3, "refurbish": 0, "write_off": 0, "missing": 0}
    assert line.order_line.sku in response.content.decode()


def test_an_inspection_restocks_through_the_stock_service_with_returned_movements(staff_client, staff_user, centre):
    inbound = _received(centre, 3, 2)
    first, second = inbound.lines.order_by("pk")
    data = _dispositions(
        inbound,
        **{f"line_{second.pk}": {"restock": 0, "write_off": 1, "missing": 1, "note": "Torn"}},
        **{f"line_{first.pk}": {"restock": 2, "refurbish": 1}},
    )
    data["mismatch_note"] = "One unit of the second item was not in the box"

    response = staff_client.post(_inspect_url(inbound), data, follow=True)

    inbound.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (inbound.status, inbound.inspected_by) == (R.INSPECTED, staff_user)
    assert inbound.mismatch_note == "One unit of the second item was not in the box"
    assert (first.restocked, first.refurbished, first.quantity_received) == (2, 1, 3)
    assert (second.written_off, second.missing, second.quantity_received, second.note) == (1, 1, 1, "Torn")
    assert response.redirect_chain[-1][0] == reverse(CENTRE)
    assert f"Return {inbound.number} inspected at US-RC1: 2 restocked, 1 refurbished, 1 written off, 1 missing." in (
        _messages(response)
    )
    shelf = Stock.objects.get(warehouse=centre, variant_id=first.variant_id)
    assert shelf.quantity == 2
    assert list(StockMovement.objects.filter(stock=shelf).values_list("reason", "quantity_change", "reference")) == [
        (StockMovement.Reason.RETURNED, 2, f"return {inbound.number}")
    ]
    assert not Stock.objects.filter(variant_id=second.variant_id).exists()


def test_the_ledger_shows_the_returned_movements_of_an_inspected_return(staff_client, centre):
    inbound = _received(centre, 2)
    staff_client.post(_inspect_url(inbound), _dispositions(inbound))
    page = staff_client.get(reverse("admin:fulfillment_inboundreturn_change", args=[inbound.pk])).content.decode()

    ledger = staff_client.get(
        reverse("admin:fulfillment_stockmovement_changelist"),
        {"reason__exact": "returned", "q": f"return {inbound.number}"},
    )

    assert f"q=return+{inbound.number}" in page
    [movement] = ledger.context["cl"].result_list
    assert (movement.reason, movement.quantity_change, movement.stock.warehouse) == ("returned", 2, centre)


def test_counts_that_do_not_add_up_are_form_errors_and_nothing_is_saved(staff_client, centre):
    inbound = _received(centre, 3)
    line = inbound.lines.get()

    response = staff_client.post(
        _inspect_url(inbound), _dispositions(inbound, **{f"line_{line.pk}": {"restock": 1, "missing": 1}})
    )

    assert response.status_code == 200
    [line_form] = response.context["line_forms"]
    assert line_form.non_field_errors() == ["2 unit(s) given an outcome, but 3 were announced."]
    inbound.refresh_from_db()
    assert inbound.status == R.RECEIVED
    assert not Stock.objects.filter(warehouse=centre).exists()


def test_a_refusal_of_the_inspection_service_is_shown_and_nothing_is_saved(staff_client, centre, monkeypatch):
    inbound = _received(centre, 1)
    real = return_services.inspect_return

    def cancelled_meanwhile(**kwargs):
        InboundReturn.objects.filter(pk=kwargs["return_id"]).update(status=R.CANCELLED)
        return real(**kwargs)

    monkeypatch.setattr("fulfillment.admin_returns.inspect_return", cancelled_meanwhile)

    response = staff_client.post(_inspect_url(inbound), _dispositions(inbound))

    assert response.status_code == 200
    assert response.context["errors"] == [f"Return {inbound.number} is cancelled (never sent): receive it first."]
    assert not StockMovement.objects.filter(reason=StockMovement.Reason.RETURNED).exists()


def test_a_return_not_received_or_inspected_already_is_not_inspected_again(staff_client, centre):
    waiting = _inbound(centre, 1)
    done = _received(centre, 1)
    staff_client.post(_inspect_url(done), _dispositions(done))

    not_yet = staff_client.get(_inspect_url(waiting), follow=True)
    again = staff_client.post(_inspect_url(done), _dispositions(done), follow=True)

    assert f"Return {waiting.number} cannot be inspected: it has not been received: scan it in first." in (
        _messages(not_yet)
    )
    assert f"Return {done.number} cannot be inspected: it was inspected already." in _messages(again)
    assert StockMovement.objects.filter(reason=StockMovement.Reason.RETURNED).count() == 1


# --- return shipments in the shipment list ------------------------------------------------------------


def test_the_shipment_list_shows_return_shipments_with_their_return(staff_client, centre):
    inbound = _inbound(centre, 1, tracking="9400111100000000000009")

    response = staff_client.get(reverse("admin:fulfillment_shipment_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "9400111100000000000009" in page and inbound.order.number in page
