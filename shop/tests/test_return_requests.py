"""Asking for a return: delivered units only, within the window, never final sale, never more than is left."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fulfillment.models import InboundReturn, Shipment
from marketplace.models import OutboxEvent
from shop.models import OrderEvent, ReturnPhoto, ReturnRequest
from shop.services.payments import refund_order
from shop.services.returns import ReturnNotAllowed, request_return, returnable_lines
from shop.tests.factories import image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def _refused(order, code: str, **kwargs) -> ReturnNotAllowed:
    before = (ReturnRequest.objects.count(), OutboxEvent.objects.count(), OrderEvent.objects.count())
    with pytest.raises(ReturnNotAllowed) as refused:
        request_return(order=order, **{"reason": "doesnt_fit", **kwargs})
    assert refused.value.code == code
    assert (ReturnRequest.objects.count(), OutboxEvent.objects.count(), OrderEvent.objects.count()) == before
    return refused.value


def test_the_shopper_sees_what_each_line_allows(delivered_order):
    rows = {row.line.pk: row for row in returnable_lines(order=delivered_order)}
    assert (rows[delivered_order.tea.pk].returnable, rows[delivered_order.cup.pk].returnable) == (2, 1)
    assert all(row.why_not == "" and row.window_ends is not None for row in rows.values())


def test_a_return_is_refused_once_the_window_has_closed(delivered_order, settings):
    settings.RETURNS_WINDOW_DAYS = 30
    shipments = Shipment.objects.filter(fulfillment_order__order_id=delivered_order.pk)
    shipments.update(delivered_at=timezone.now() - dt.timedelta(days=29, hours=23))
    assert returnable_lines(order=delivered_order)[0].returnable == 2

    closed_on = timezone.now() - dt.timedelta(days=1)
    shipments.update(delivered_at=closed_on - dt.timedelta(days=30))
    row = returnable_lines(order=delivered_order)[0]
    assert row.returnable == 0 and row.why_not == f"The return window closed on {closed_on:%-d %b %Y}."
    refused = _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.tea.pk, 1)])
    assert "window closed" in refused.message


def test_a_final_sale_product_cannot_be_returned_and_the_shopper_reads_why(delivered_order):
    product = delivered_order.cup.variant.product
    product.final_sale = True
    product.save()
    cup = next(row for row in returnable_lines(order=delivered_order) if row.line == delivered_order.cup)
    assert (cup.returnable, cup.why_not) == (0, "Final sale: this item cannot be returned.")
    refused = _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.cup.pk, 1)])
    assert refused.field == "lines" and "Final sale" in refused.message


def test_units_not_yet_delivered_cannot_be_returned(delivered_order):
    Shipment.objects.filter(fulfillment_order__order_id=delivered_order.pk).update(status="in_transit")
    assert returnable_lines(order=delivered_order)[0].why_not.startswith("Not delivered yet")
    _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.tea.pk, 1)])


def test_never_more_units_than_were_delivered_and_not_yet_returned(delivered_order):
    _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.tea.pk, 3)])
    request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 1)], reason="doesnt_fit")
    # The second tab still shows two teas: the server counts the open return.
    _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.tea.pk, 2)])
    request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 1)], reason="changed_mind")
    _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.tea.pk, 1)])


def test_units_staff_refunded_already_cannot_be_returned(delivered_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=delivered_order, lines=[(delivered_order.cup.pk, 1)], reason="Goodwill")
    _refused(delivered_order, "exceeds_returnable", lines=[(delivered_order.cup.pk, 1)])


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"lines": []}, "nothing_to_return", "lines"),
        ({"lines": [(1, 0)]}, "nothing_to_return", "lines"),
        ({"lines": [(1, -1)]}, "invalid_quantity", "lines"),
        ({"lines": [(1, "2")]}, "invalid_quantity", "lines"),
        ({"lines": [(1, True)]}, "invalid_quantity", "lines"),
        ({"lines": [(999999, 1)]}, "unknown_line", "lines"),
        ({"lines": [(1, 1)], "reason": "returned_to_sender"}, "invalid_reason", "reason"),
        ({"lines": [(1, 1)], "reason": "bored"}, "invalid_reason", "reason"),
        ({"lines": [(1, 1)], "comment": "x" * 1001}, "invalid_comment", "comment"),
        ({"lines": [(1, 1)], "comment": "nul \x00 byte"}, "invalid_comment", "comment"),
        ({"lines": [(1, 1)], "reason": "damaged"}, "photos_required", "photos"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_changes_nothing(delivered_order, kwargs, code, field):
    kwargs = {**kwargs, "lines": [(delivered_order.tea.pk if pk == 1 else pk, q) for pk, q in kwargs["lines"]]}
    assert _refused(delivered_order, code, **kwargs).field == field


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_stored(delivered_order):
    fake = SimpleUploadedFile("broken.jpg", b"not an image at all", content_type="image/jpeg")
    refused = _refused(
        delivered_order, "invalid_photo", lines=[(delivered_order.tea.pk, 1)], reason="damaged", photos=[fake]
    )
    assert refused.message.startswith("broken.jpg:")
    assert not ReturnPhoto.objects.exists()


def test_damaged_with_photos_waits_for_staff_and_nothing_is_sent_back_yet(delivered_order, deliver_events):
    ret = request_return(
        order=delivered_order,
        lines=[(delivered_order.tea.pk, 1)],
        reason="damaged",
        comment="Lid cracked",
        photos=[image_upload("crack.jpg")],
    )
    deliver_events()
    assert (ret.status, ret.review_reason) == ("in_review", "Arrived damaged: staff look at the photos first.")
    assert ret.photos.count() == 1 and not InboundReturn.objects.exists()
    assert ret.number == f"{delivered_order.number}-R1"


def test_an_approved_return_is_numbered_routed_and_timed(delivered_order, returns_centre, settings):
    settings.RETURNS_SHIP_BY_DAYS = 14
    ret = request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 2)], reason="changed_mind")
    assert (ret.status, ret.value, ret.cost_bearer, ret.warehouse) == ("approved", 25, "seller", returns_centre)
    assert dt.timedelta(days=13, hours=23) < ret.ship_by - timezone.now() <= dt.timedelta(days=14)
    kinds = list(delivered_order.events.filter(params__has_key="return").values_list("kind", flat=True))
    assert kinds == ["return_requested", "return_approved"]


def test_photos_are_stored_under_a_name_of_ours_with_the_extension_their_content_proves(delivered_order):
    ret = request_return(
        order=delivered_order,
        lines=[(delivered_order.tea.pk, 1)],
        reason="damaged",
        photos=[image_upload("holiday.exe", image_format="PNG")],
    )
    name = ret.photos.get().image.name
    assert name.startswith(f"returns/{ret.pk}/") and name.endswith(".png") and "holiday" not in name
