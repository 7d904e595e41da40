"""Staff admin for returns: the list and its review queue, a return's page, and the three review decisions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fulfillment.models import InboundReturn
from marketplace.tests.factories import UserFactory
from shop import admin_returns
from shop.models import Order, OrderEvent, ReturnRequest
from shop.services.returns import approve_return, reject_return, request_return
from shop.tests.factories import image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db

S = ReturnRequest.Status
CHANGELIST = "/admin/shop/returnrequest/"


def _in_review(order: Order, line, *, quantity: int = 1, comment: str = "The lid is cracked") -> ReturnRequest:
    """A damaged item with a photo: the policy sends it to staff."""
    ret = request_return(
        order=order, lines=[(line.pk, quantity)], reason="damaged", comment=comment, photos=[image_upload()]
    )
    assert ret.status == S.IN_REVIEW
    return ret


def _decide_url(ret: ReturnRequest, decision: str) -> str:
    return reverse("admin:shop_returnrequest_decide", args=[ret.pk, decision])


def _change_url(ret: ReturnRequest) -> str:
    return reverse("admin:shop_returnrequest_change", args=[ret.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _plain_returns(order: Order, count: int, *, status: str = S.APPROVED, reason: str = "doesnt_fit") -> None:
    """Return rows straight from the model (the list only reads them)."""
    start = ReturnRequest.objects.count()
    ReturnRequest.objects.bulk_create(
        ReturnRequest(
            number=f"{order.number}-T{start + index}",
            order=order,
            status=status,
            reason=reason,
            cost_bearer=ReturnRequest.CostBearer.SELLER,
            value=Decimal("12.50"),
            currency="USD",
        )
        for index in range(count)
    )


# --- the list -------------------------------------------------------------------------------------


def test_the_list_takes_as_many_queries_for_30_returns_as_for_1(delivered_order, assert_changelist_queries_constant):
    assert_changelist_queries_constant(CHANGELIST, lambda count: _plain_returns(delivered_order, count))


def test_the_list_shows_number_order_status_reason_value_and_cost_bearer(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)

    page = staff_client.get(CHANGELIST).content.decode()

    assert ret.number in page and delivered_order.number in page
    assert "Waiting for review" in page
    assert "Arrived damaged" in page
    assert "12.50 USD" in page
    assert "Platform" in page


def test_the_list_is_searched_by_return_number_and_order_number(staff_client, delivered_order):
    _plain_returns(delivered_order, 2)
    first = ReturnRequest.objects.order_by("pk").first()

    by_number = staff_client.get(CHANGELIST, {"q": first.number})
    by_order = staff_client.get(CHANGELIST, {"q": delivered_order.number})

    assert [r.number for r in by_number.context["cl"].result_list] == [first.number]
    assert len(by_order.context["cl"].result_list) == 2


def test_the_list_filters_by_status_reason_and_cost_bearer(staff_client, delivered_order):
    _plain_returns(delivered_order, 1, status=S.REJECTED, reason="changed_mind")
    _plain_returns(delivered_order, 2, status=S.APPROVED, reason="wrong_item")

    rejected = staff_client.get(CHANGELIST, {"status__exact": S.REJECTED})
    wrong_item = staff_client.get(CHANGELIST, {"reason__exact": "wrong_item"})
    platform = staff_client.get(CHANGELIST, {"cost_bearer__exact": "platform"})

    assert [r.status for r in rejected.context["cl"].result_list] == [S.REJECTED]
    assert len(wrong_item.context["cl"].result_list) == 2
    assert list(platform.context["cl"].result_list) == []


def test_the_review_queue_lists_only_returns_waiting_for_review_the_oldest_first(staff_client, delivered_order):
    older = _in_review(delivered_order, delivered_order.tea)
    _plain_returns(delivered_order, 3)
    newer = _in_review(delivered_order, delivered_order.cup)

    response = staff_client.get(admin_returns.review_queue_url())

    assert [r.number for r in response.context["cl"].result_list] == [older.number, newer.number]
    assert admin_returns.review_queue_url() in staff_client.get(CHANGELIST).content.decode()


def test_the_admin_home_links_the_review_queue(staff_client):
    home = staff_client.get("/admin/").content.decode()
    shop = staff_client.get("/admin/shop/").content.decode()
    fulfillment = staff_client.get("/admin/fulfillment/").content.decode()

    link = f'<a href="{admin_returns.review_queue_url()}">Returns waiting on review</a>'
    assert link in home and link in shop and link not in fulfillment


# --- a return's page --------------------------------------------------------------------------------


def test_a_return_page_shows_lines_photos_comment_review_reason_and_timeline_read_only(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea, quantity=2)
    photo = ret.photos.get()

    response = staff_client.get(_change_url(ret))

    assert response.status_code == 200
    page = response.content.decode()
    assert delivered_order.tea.sku in page and delivered_order.tea.product_title in page
    assert "The lid is cracked" in page
    assert ret.review_reason in page
    photo_url = reverse("admin:shop_returnrequest_photo", args=[ret.pk, photo.pk])
    assert f'<a href="{photo_url}"' in page and f'<img src="{photo_url}"' in page
    assert "<th>Return requested</th>" in page
    assert 'name="_save"' not in page  # nothing here is edited by hand
    for decision in ("approve", "reject", "refund-without-return"):
        assert _decide_url(ret, decision) in page


def test_the_timeline_lists_this_returns_lines_of_the_order_timeline_only(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    other = _in_review(delivered_order, delivered_order.cup)
    reject_return(return_id=other.pk, message="Not damaged in the photo")

    timeline = admin_returns.ReturnRequestAdmin(ReturnRequest, admin_returns.admin.site).timeline(ret)

    events = OrderEvent.objects.filter(order=delivered_order, params__return=ret.number)
    assert events.count() == 1
    assert timeline.count("<tr>") == 1 and "<th>Return requested</th>" in timeline
    assert "Not damaged in the photo" not in timeline


def test_a_decided_return_offers_no_decision(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    approve_return(return_id=ret.pk)

    page = staff_client.get(_change_url(ret)).content.decode()

    assert _decide_url(ret, "approve") not in page


def test_a_photo_is_served_to_staff_as_an_image_that_never_runs(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    url = reverse("admin:shop_returnrequest_photo", args=[ret.pk, ret.photos.get().pk])

    response = staff_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_photo_is_not_served_under_another_return_or_to_a_shopper(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    other = _in_review(delivered_order, delivered_order.cup)
    photo = ret.photos.get()

    wrong_return = staff_client.get(reverse("admin:shop_returnrequest_photo", args=[other.pk, photo.pk]))
    staff_client.force_login(UserFactory())  # now a shopper
    shopper = staff_client.get(reverse("admin:shop_returnrequest_photo", args=[ret.pk, photo.pk]))
    staff_client.logout()
    public = staff_client.get(f"/media/{photo.image.name}")  # returns/<id>/photo.jpg: a guessable address

    assert wrong_return.status_code == 404
    assert shopper.status_code == 302 and "/admin/login/" in shopper["Location"]
    assert public.status_code == 404


# --- deciding one return --------------------------------------------------------------------------


def test_approve_asks_for_confirmation_first_and_changes_nothing_until_confirmed(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)

    response = staff_client.get(_decide_url(ret, "approve"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Approve: return {ret.number}" in page
    assert 'name="message"' not in page
    ret.refresh_from_db()
    assert ret.status == S.IN_REVIEW


def test_approve_through_the_service_sends_the_return_on_its_way_back(
    staff_client, staff_user, delivered_order, deliver_events
):
    ret = _in_review(delivered_order, delivered_order.tea)

    response = staff_client.post(_decide_url(ret, "approve"), follow=True)

    ret.refresh_from_db()
    assert (ret.status, ret.decided_by) == (S.APPROVED, staff_user)
    assert ret.ship_by is not None
    assert f"Approved: return {ret.number}." in _messages(response)
    assert response.redirect_chain[-1][0] == admin_returns.review_queue_url()
    deliver_events()
    assert InboundReturn.objects.get(pk=ret.pk).status == InboundReturn.Status.EXPECTED


def test_reject_needs_a_message_and_changes_nothing_without_one(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)

    response = staff_client.post(_decide_url(ret, "reject"), {"message": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["message"] == ["This field is required."]
    ret.refresh_from_db()
    assert (ret.status, ret.decision_message) == (S.IN_REVIEW, "")


def test_reject_with_a_message_tells_the_shopper_why(staff_client, staff_user, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)

    response = staff_client.post(
        _decide_url(ret, "reject"), {"message": "The photo shows a scratch from use."}, follow=True
    )

    ret.refresh_from_db()
    assert (ret.status, ret.decision_message, ret.decided_by) == (
        S.REJECTED,
        "The photo shows a scratch from use.",
        staff_user,
    )
    assert ret.refund is None
    assert f"Rejected: return {ret.number}." in _messages(response)
    assert OrderEvent.objects.filter(order=delivered_order, kind=OrderEvent.Kind.RETURN_REJECTED).count() == 1


def test_refund_without_return_refunds_the_units_once_with_the_returns_reason(
    staff_client, delivered_order, deliver_events, django_capture_on_commit_callbacks
):
    ret = _in_review(delivered_order, delivered_order.tea, quantity=2)

    staff_client.post(_decide_url(ret, "refund-without-return"), {"message": ""})
    staff_client.post(_decide_url(ret, "refund-without-return"), {"message": ""})  # a second click
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()

    ret.refresh_from_db()
    assert ret.status == S.REFUNDED_WITHOUT_RETURN
    assert ret.refund.reason == f"Return {ret.number}: Arrived damaged"
    assert ret.refund.idempotency_key == f"return:{ret.pk}"
    assert delivered_order.refunds.count() == 1
    assert [line.quantity_accepted for line in ret.lines.all()] == [2]


def test_a_decision_on_a_return_no_longer_in_review_is_refused_and_changes_nothing(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    reject_return(return_id=ret.pk, message="Already looked at")

    response = staff_client.post(_decide_url(ret, "approve"), follow=True)

    ret.refresh_from_db()
    assert (ret.status, ret.decision_message) == (S.REJECTED, "Already looked at")
    assert f"Return {ret.number} is not accepted: there is nothing to decide." in _messages(response)


def test_a_refusal_from_the_service_is_an_admin_message_and_nothing_changes(staff_client, delivered_order, monkeypatch):
    ret = _in_review(delivered_order, delivered_order.tea)

    def decided_meanwhile(*, return_id, by=None):
        # Another member of staff rejects it between the confirmation page and the service call.
        reject_return(return_id=return_id, message="Rejected by a colleague")
        return approve_return(return_id=return_id, by=by)

    monkeypatch.setattr(admin_returns, "approve_return", decided_meanwhile)

    response = staff_client.post(_decide_url(ret, "approve"), follow=True)

    ret.refresh_from_db()
    assert (ret.status, ret.decision_message) == (S.REJECTED, "Rejected by a colleague")
    assert response.redirect_chain[-1][0] == _change_url(ret)
    refusal = f"Return {ret.number} is not accepted: it cannot become approved: send it back."
    assert f"Return {ret.number} not changed: {refusal}" in _messages(response)


def test_only_staff_who_may_change_returns_decide(client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    client.force_login(UserFactory(is_staff=True))

    response = client.post(_decide_url(ret, "approve"))

    assert response.status_code == 403
    ret.refresh_from_db()
    assert ret.status == S.IN_REVIEW


def test_a_shopper_is_sent_to_the_admin_log_in(client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    client.force_login(UserFactory())

    response = client.post(_decide_url(ret, "approve"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- deciding several returns from the list ---------------------------------------------------------


def test_the_approve_action_confirms_then_approves_those_in_review_and_names_the_others(staff_client, delivered_order):
    tea, cup = _in_review(delivered_order, delivered_order.tea), _in_review(delivered_order, delivered_order.cup)
    reject_return(return_id=cup.pk, message="No")
    selected = {"action": "approve_action", "_selected_action": [tea.pk, cup.pk]}

    confirm = staff_client.post(CHANGELIST, selected)
    assert confirm.status_code == 200 and "Approve: 2 return(s)" in confirm.content.decode()
    tea.refresh_from_db()
    assert tea.status == S.IN_REVIEW

    response = staff_client.post(CHANGELIST, {**selected, "apply": "1"}, follow=True)

    tea.refresh_from_db()
    cup.refresh_from_db()
    assert (tea.status, cup.status) == (S.APPROVED, S.REJECTED)
    assert f"Approved: {tea.number}." in _messages(response)
    assert f"Not changed: {cup.number} (it is not accepted, not waiting for review)" in _messages(response)


def test_the_reject_action_needs_its_message(staff_client, delivered_order):
    ret = _in_review(delivered_order, delivered_order.tea)
    selected = {"action": "reject_action", "_selected_action": [ret.pk], "apply": "1"}

    refused = staff_client.post(CHANGELIST, {**selected, "message": ""})
    staff_client.post(CHANGELIST, {**selected, "message": "Outside what we cover"})

    assert refused.status_code == 200 and refused.context["form"].errors["message"]
    ret.refresh_from_db()
    assert (ret.status, ret.decision_message) == (S.REJECTED, "Outside what we cover")
