"""The returns API: list, ask (JSON or multipart with photos), show, label; the order's shopper only; 400s."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from fulfillment.selectors import return_label
from marketplace.tests.factories import UserFactory
from shop.checkout.links import order_token
from shop.models import Order, OrderEvent, ReturnRequest
from shop.services.returns import reject_return, request_return
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_order_pages import an_order
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def returns_url(order: Order, suffix: str = "") -> str:
    return f"/api/v1/orders/{order.number}/returns/{suffix}"


def guest(url: str, order: Order) -> str:
    return f"{url}?token={order_token(order.number)}"


def photo(name: str = "dent.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def owned_order(delivered_order, user):
    Order.objects.filter(pk=delivered_order.pk).update(user=user, email=user.email)
    delivered_order.user = user
    return delivered_order


@pytest.fixture
def shopper(api_client, user) -> APIClient:
    api_client.force_authenticate(user)
    return api_client


def nothing_written(order: Order, events_before: int) -> bool:
    return not ReturnRequest.objects.exists() and OrderEvent.objects.filter(order=order).count() == events_before


# ---------------------------------------------------------------------------------- reading


def test_an_approved_return_is_listed_with_lines_label_drop_off_code_and_tracking(shopper, owned_order, deliver_events):
    order = owned_order
    assert shopper.get(returns_url(order)).json() == []
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="doesnt_fit", comment="Too small")
    deliver_events()
    tracking = return_label(return_id=ret.pk).tracking_number

    body = shopper.get(returns_url(order)).json()

    assert len(body) == 1
    item = body[0]
    assert {key: item[key] for key in ("number", "status", "status_display", "reason", "reason_display")} == {
        "number": ret.number,
        "status": "approved",
        "status_display": "Approved: send it back",
        "reason": "doesnt_fit",
        "reason_display": "Doesn't fit",
    }
    assert item["lines"] == [
        {
            "line_id": order.tea.pk,
            "product_title": order.tea.product_title,
            "variant_label": order.tea.variant_label,
            "sku": order.tea.sku,
            "quantity": 2,
            "quantity_accepted": 0,
            "quantity_missing": 0,
        }
    ]
    assert (item["comment"], item["value"], item["currency"], item["refund"]) == ("Too small", "25.00", "USD", None)
    assert item["drop_off_code"].startswith("RT-") and item["ship_by"]
    assert item["tracking_number"] == tracking
    assert item["tracking_url"] == f"http://testserver/carriers/track/{tracking}/"
    assert item["label_url"] == f"http://testserver/api/v1/orders/{order.number}/returns/{ret.number}/label/"
    assert [scan["status"] for scan in item["scans"]] == ["label_created"]
    assert [step["text"] for step in item["timeline"]] == [
        f"Return {ret.number} requested: 2 unit(s), doesn't fit.",
        f"Return {ret.number} approved: send it back with the free label.",
        f"Return {ret.number}: the free label is ready (tracking number {tracking}).",
        "Return approved, with its label: email sent.",
    ]
    assert shopper.get(returns_url(order, f"{ret.number}/")).json() == item


def test_the_list_takes_as_many_queries_for_one_return_as_for_three(shopper, owned_order, deliver_events):
    order = owned_order
    request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    shopper.get(returns_url(order))
    with CaptureQueriesContext(connection) as one:
        assert len(shopper.get(returns_url(order)).json()) == 1
    both = [(order.tea.pk, 1), (order.cup.pk, 1)]
    refused = request_return(order=order, lines=both, reason="damaged", photos=[photo()])
    reject_return(return_id=refused.pk, message="No damage on the photos.")
    request_return(order=order, lines=both, reason="changed_mind")  # two lines, the units given back above
    deliver_events()

    with CaptureQueriesContext(connection) as three:
        assert len(shopper.get(returns_url(order)).json()) == 3

    assert len(three) == len(one)


def test_an_unknown_return_number_or_another_orders_return_is_not_found(shopper, owned_order, deliver_events):
    order = owned_order
    other = an_order(user=order.user)
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")

    assert shopper.get(returns_url(order, f"{order.number}-R9/")).status_code == 404
    assert shopper.get(returns_url(other, f"{ret.number}/")).status_code == 404
    assert shopper.get(returns_url(order, f"{ret.number}/")).status_code == 200


# ---------------------------------------------------------------------------------- asking


def test_asking_with_json_answers_201_with_the_return(shopper, owned_order, user):
    order = owned_order
    body = {"lines": [{"line_id": order.tea.pk, "quantity": 1}, {"line_id": order.cup.pk, "quantity": 0}]}

    response = shopper.post(returns_url(order), {**body, "reason": "doesnt_fit", "comment": "Too small"}, format="json")

    ret = ReturnRequest.objects.get()
    assert response.status_code == 201
    assert response.json()["number"] == ret.number == f"{order.number}-R1"
    assert response.json()["status"] == "approved"
    assert [(line["line_id"], line["quantity"]) for line in response.json()["lines"]] == [(order.tea.pk, 1)]
    assert [step["text"] for step in response.json()["timeline"]][:1] == [
        f"Return {ret.number} requested: 1 unit(s), doesn't fit."
    ]
    assert (ret.by, ret.comment) == (user, "Too small")


def test_asking_with_photos_goes_multipart_and_waits_for_review(shopper, owned_order):
    order = owned_order
    lines = json.dumps([{"line_id": order.cup.pk, "quantity": 1}])

    response = shopper.post(
        returns_url(order),
        {"lines": lines, "reason": "damaged", "photos": [photo(), photo("b.png")]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["photo_count"]) == ("in_review", 2)
    assert response.json()["drop_off_code"] == "" and response.json()["label_url"] is None
    assert ReturnRequest.objects.get().photos.count() == 2


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"lines": [{"line_id": "TEA", "quantity": 0}], "reason": "doesnt_fit"}, "nothing_to_return", "lines"),
        ({"lines": [], "reason": "doesnt_fit"}, "nothing_to_return", "lines"),
        ({"lines": [{"line_id": "TEA", "quantity": 3}], "reason": "doesnt_fit"}, "exceeds_returnable", "lines"),
        ({"lines": [{"line_id": 999999, "quantity": 1}], "reason": "doesnt_fit"}, "unknown_line", "lines"),
        ({"lines": [{"line_id": "TEA", "quantity": 1}], "reason": "damaged"}, "photos_required", "photos"),
        ({"lines": [{"line_id": "TEA", "quantity": 1}], "reason": "returned_to_sender"}, "invalid", "reason"),
        ({"lines": [{"line_id": "TEA", "quantity": 1}]}, "invalid", "reason"),
        (
            {"lines": [{"line_id": "TEA", "quantity": 1}], "reason": "doesnt_fit", "comment": "x" * 1001},
            "invalid",
            "comment",
        ),
    ],
)
def test_a_refused_return_is_a_400_with_its_code_and_field_and_writes_nothing(shopper, owned_order, body, code, field):
    order = owned_order
    body = json.loads(json.dumps(body).replace('"TEA"', str(order.tea.pk)))
    events = OrderEvent.objects.filter(order=order).count()

    response = shopper.post(returns_url(order), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert list(response.json()["fields"]) == [field]
    assert nothing_written(order, events)


def test_the_same_units_cannot_be_asked_for_twice(shopper, owned_order):
    order = owned_order
    body = {"lines": [{"line_id": order.tea.pk, "quantity": 2}], "reason": "doesnt_fit"}

    first = shopper.post(returns_url(order), body, format="json")
    second = shopper.post(returns_url(order), body, format="json")

    assert (first.status_code, second.status_code) == (201, 400)
    assert second.json()["code"] == "exceeds_returnable"
    assert "Already returned or refunded." in second.json()["message"]


HOSTILE_LINES = [
    [{"line_id": True, "quantity": 1}],
    [{"line_id": "TEA", "quantity": True}],
    [{"line_id": "TEA", "quantity": "1"}],
    [{"line_id": "TEA", "quantity": 1.5}],
    [{"line_id": "TEA", "quantity": -1}],
    [{"line_id": "TEA", "quantity": 10**30}],
    [{"line_id": 10**30, "quantity": 1}],
    [{"line_id": "TEA"}],
    [["TEA", 1]],
    [None],
    {"line_id": "TEA", "quantity": 1},
    "TEA",
    [{"line_id": "TEA", "quantity": 1}] * 101,
]


@pytest.mark.parametrize("lines", HOSTILE_LINES)
def test_hostile_json_lines_are_refused_as_invalid(shopper, owned_order, lines):
    order = owned_order
    body = json.loads(json.dumps({"lines": lines, "reason": "doesnt_fit"}).replace('"TEA"', str(order.tea.pk)))
    events = OrderEvent.objects.filter(order=order).count()

    response = shopper.post(returns_url(order), body, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid", ["lines"])
    assert nothing_written(order, events)


@pytest.mark.parametrize(
    "raw",
    [
        "[]",  # a list, not an object
        '{"lines": "x", "reason": ["doesnt_fit"], "comment": 5}',
        '{"lines": [{"line_id": 1, "quantity": 1}], "reason": "doesnt_fit", "comment": "a\\u0000b"}',
        "[" * 5000 + "]" * 5000,
        "{not json",
    ],
)
def test_hostile_json_bodies_are_4xx(shopper, owned_order, raw):
    response = shopper.post(returns_url(owned_order), raw, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize(
    "lines",
    ["not json", "[" * 5000 + "]" * 5000, "{}", '[{"line_id": true, "quantity": 1}]', "x" * 10_001, "99" * 400],
)
def test_hostile_multipart_lines_are_refused_on_the_lines_field(shopper, owned_order, lines):
    response = shopper.post(returns_url(owned_order), {"lines": lines, "reason": "doesnt_fit"}, format="multipart")

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid", ["lines"])
    assert not ReturnRequest.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_on_photos(shopper, owned_order):
    order = owned_order
    lines = json.dumps([{"line_id": order.cup.pk, "quantity": 1}])
    fake = SimpleUploadedFile("dent.png", b"GIF89a but not really", content_type="image/png")

    response = shopper.post(
        returns_url(order), {"lines": lines, "reason": "damaged", "photos": [fake]}, format="multipart"
    )

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid_photo", ["photos"])
    assert not ReturnRequest.objects.exists()


# ---------------------------------------------------------------------------------- who may


def test_someone_elses_order_is_404_for_every_endpoint_and_nothing_changes(api_client, owned_order, deliver_events):
    order = owned_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    api_client.force_authenticate(UserFactory())
    body = {"lines": [{"line_id": order.tea.pk, "quantity": 1}], "reason": "doesnt_fit"}

    answers = [
        api_client.get(returns_url(order)),
        api_client.post(returns_url(order), body, format="json"),
        api_client.get(returns_url(order, f"{ret.number}/")),
        api_client.get(returns_url(order, f"{ret.number}/label/")),
        api_client.get(guest(returns_url(order), order)),  # a token opens guests' orders only
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert {answer.json()["code"] for answer in answers} == {"not_found"}
    assert ReturnRequest.objects.count() == 1


def test_a_guest_uses_the_signed_links_token(api_client, delivered_order):
    order = delivered_order
    body = {"lines": [{"line_id": order.tea.pk, "quantity": 1}], "reason": "doesnt_fit"}

    assert api_client.get(returns_url(order)).status_code == 404
    assert api_client.get(f"{returns_url(order)}?token=").status_code == 404  # empty: as if absent
    assert api_client.get(f"{returns_url(order)}?token=forged").status_code == 404
    assert api_client.post(returns_url(order), body, format="json").status_code == 404
    assert not ReturnRequest.objects.exists()

    created = api_client.post(guest(returns_url(order), order), body, format="json")

    assert created.status_code == 201
    assert [item["number"] for item in api_client.get(guest(returns_url(order), order)).json()] == [
        f"{order.number}-R1"
    ]


def test_an_owner_with_an_empty_token_is_the_owner(shopper, owned_order):
    assert shopper.get(f"{returns_url(owned_order)}?token=").status_code == 200


# ---------------------------------------------------------------------------------- the label


def test_the_label_is_the_stored_pdf(shopper, owned_order, deliver_events):
    order = owned_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    url = returns_url(order, f"{ret.number}/label/")
    assert shopper.get(url, HTTP_ACCEPT="application/pdf").json()["code"] == "not_found"  # not bought yet: JSON 404
    deliver_events()

    response = shopper.get(url, HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="return-label-{ret.number}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_guests_label_url_carries_the_token(api_client, delivered_order, deliver_events):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()

    label_url = api_client.get(guest(returns_url(order), order)).json()[0]["label_url"]

    assert label_url == "http://testserver" + guest(returns_url(order, f"{ret.number}/label/"), order)
    assert api_client.get(label_url).status_code == 200
