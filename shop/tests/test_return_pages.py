"""The shopper's return pages: the order page's Returns section, the request form, the label, who may see them."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from marketplace.tests.factories import UserFactory
from shop.checkout.links import order_token
from shop.models import Order, OrderEvent, Product, ReturnRequest
from shop.services.returns import refund_without_return, reject_return, request_return
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def signed(path: str, order: Order) -> str:
    return f"{path}?token={order_token(order.number)}"


def new_return_path(order: Order) -> str:
    return signed(f"/orders/{order.number}/returns/new/", order)


def order_page(order: Order) -> str:
    return signed(f"/orders/{order.number}/", order)


def title(line) -> str:
    return f"{line.product_title} — {line.variant_label}"


def photo(name: str = "dent.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def ask(client: Client, order: Order, *, path: str | None = None, **fields):
    """POST the request form: tea and cup quantities by default 1 and 0, "Doesn't fit"."""
    data = {f"line_{order.tea.pk}": 1, f"line_{order.cup.pk}": 0, "reason": "doesnt_fit", "comment": "", **fields}
    return client.post(path or new_return_path(order), data=data)


@pytest.fixture
def visitor() -> Client:
    """Someone else's browser: no session, no token."""
    return Client()


@pytest.fixture
def owned_order(delivered_order, user):
    """The delivered order, placed by `user`'s account."""
    Order.objects.filter(pk=delivered_order.pk).update(user=user, email=user.email)
    delivered_order.user = user
    return delivered_order


# ---------------------------------------------------------------------------------- the order page


def test_a_delivered_order_offers_to_return_items_and_says_why_a_line_cannot_be(client, delivered_order):
    Product.objects.filter(variants=delivered_order.cup.variant).update(final_sale=True)

    page = client.get(order_page(delivered_order)).content.decode()

    assert '<h2 id="order-returns-heading">Returns</h2>' in page
    assert f'<a class="button" href="{new_return_path(delivered_order).replace("&", "&amp;")}">Return items</a>' in page
    assert f"<strong>{title(delivered_order.cup)}</strong>: Final sale: this item cannot be returned." in page


def test_an_order_not_delivered_yet_has_no_returns_section(client, local_stripe):
    from shop.tests.test_order_pages import an_order

    order = an_order(status=Order.Status.PAID)

    page = client.get(order_page(order)).content.decode()

    assert "order-returns-heading" not in page and "Return items" not in page


def test_nothing_left_to_return_shows_no_button(client, delivered_order, deliver_events):
    request_return(
        order=delivered_order, lines=[(delivered_order.tea.pk, 2), (delivered_order.cup.pk, 1)], reason="doesnt_fit"
    )
    deliver_events()

    page = client.get(order_page(delivered_order)).content.decode()

    assert "Return items</a>" not in page
    assert "Nothing on this order can be returned now." in page
    assert page.count("Already returned or refunded.") == 2


def test_an_approved_return_shows_its_lines_qr_code_label_ship_by_tracking_and_history(
    client, delivered_order, deliver_events
):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="doesnt_fit", comment="Too small")
    deliver_events()
    ret.refresh_from_db()
    tracking = _tracking_of(ret)

    page = client.get(order_page(order)).content.decode()
    section = page[page.index(f'id="return-{ret.number}"') :]

    assert re.search(r'return-status-approved">Approved: send it back</span>', section)
    assert f"2 \N{MULTIPLICATION SIGN} {title(order.tea)}" in section
    assert "Doesn&#x27;t fit · asked for" in section and "Your comment: “Too small”" in section
    assert re.search(
        r'<div role="img" aria-label="QR code for the drop-off code RT-\w+"><svg [^>]*class="segno">', section
    )
    assert re.search(
        r"Show this code at a drop-off point: <strong class=\"return-code\">RT-[A-Z0-9]{10}</strong>", section
    )
    label = signed(f"/orders/{order.number}/returns/{ret.number}/label.pdf", order).replace("&", "&amp;")
    assert f'<a class="button" href="{label}" download>Download the label (PDF)</a>' in section
    assert f'Please send it by <strong><time datetime="{ret.ship_by:%Y-%m-%dT%H}' in section
    assert f'<a href="/carriers/track/{tracking}/">{tracking}</a>' in section
    assert client.get(f"/carriers/track/{tracking}/").status_code == 200
    assert "We refund you once we have received and checked it." in section
    history = section[section.index("History of this return") :]
    assert f"Return {ret.number} requested: 2 unit(s), doesn&#x27;t fit." in history
    assert f"Return {ret.number} approved: send it back with the free label." in history
    assert f"Return {ret.number}: the free label is ready (tracking number {tracking})." in history
    assert "Return approved, with its label: email sent." in history


def _tracking_of(ret: ReturnRequest) -> str:
    from fulfillment.selectors import return_label

    return return_label(return_id=ret.pk).tracking_number


def test_a_return_refunded_without_sending_it_back_shows_the_refund(client, delivered_order, deliver_events):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.cup.pk, 1)], reason="damaged", photos=[photo()])
    deliver_events()
    refund_without_return(return_id=ret.pk, message="Not worth the trip back.")
    deliver_events()

    page = client.get(order_page(order)).content.decode()
    section = page[page.index(f'id="return-{ret.number}"') :]

    assert "Refunded, keep the item</span>" in section
    assert "1 photo sent with it." in section
    assert "Our answer: Not worth the trip back." in section
    ret.refresh_from_db()
    assert ret.refund.amount == Decimal("10.33")  # 8.00 and its share of the shipping: the shop's fault
    assert "Refund: <strong>$10.33</strong>, refunded to your card." in section
    assert "Download the label" not in section and "segno" not in section


def test_the_order_page_takes_the_same_queries_for_one_return_as_for_three(
    client, delivered_order, deliver_events, django_assert_num_queries
):
    order = delivered_order
    request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    client.get(order_page(order))  # warm per-process caches (content types, the session)
    with CaptureQueriesContext(connection) as one_return:
        first = client.get(order_page(order))
    both = [(order.tea.pk, 1), (order.cup.pk, 1)]
    refused = request_return(order=order, lines=both, reason="damaged", photos=[photo(), photo("b.png")])
    reject_return(return_id=refused.pk, message="The photos show no damage.")
    request_return(order=order, lines=both, reason="changed_mind")  # two lines, the units given back above
    deliver_events()

    with django_assert_num_queries(len(one_return)):
        three = client.get(order_page(order))

    assert first.content.decode().count('class="order-return"') == 1
    assert three.content.decode().count('class="order-return"') == 3
    assert three.content.decode().count("Download the label (PDF)") == 2
    assert "Our answer: The photos show no damage." in three.content.decode()


# ---------------------------------------------------------------------------------- the request page


def test_the_form_lists_each_returnable_line_with_its_quantities_and_the_reasons(client, delivered_order):
    order = delivered_order

    response = client.get(new_return_path(order))
    page = response.content.decode()

    assert response.status_code == 200
    assert f'<form method="post" action="{new_return_path(order)}" enctype="multipart/form-data"' in page
    tea_select = re.search(rf'<select name="line_{order.tea.pk}"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', tea_select) == ["0", "1", "2"]
    cup_select = re.search(rf'<select name="line_{order.cup.pk}"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', cup_select) == ["0", "1"]
    assert "$12.50 each · up to 2 can be returned, until" in page
    reasons = re.findall(r'<input type="radio" name="reason" value="(\w+)"', page)
    assert reasons == ["changed_mind", "doesnt_fit", "damaged", "not_as_described", "wrong_item", "arrived_late"]
    assert "Doesn&#x27;t fit" in page and "Returned to us by the carrier" not in page
    assert "For “Arrived damaged” and “Not as described”, add at least one photo that shows what is wrong." in page
    assert re.search(r'<input type="file" name="photos"[^>]* multiple', page)


def test_asking_redirects_to_the_return_on_the_order_page_with_a_message(client, delivered_order):
    order = delivered_order

    response = ask(client, order, comment="Too small")

    ret = ReturnRequest.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{order_page(order)}#return-{ret.number}"
    assert (ret.status, ret.reason, ret.comment) == (ReturnRequest.Status.APPROVED, "doesnt_fit", "Too small")
    assert [(line.order_line_id, line.quantity) for line in ret.lines.all()] == [(order.tea.pk, 1)]
    page = client.get(response["Location"]).content.decode()
    assert f"Return {ret.number} is approved. Your free label is below" in page


def test_damaged_with_photos_waits_for_review(client, delivered_order):
    order = delivered_order
    data = {
        f"line_{order.tea.pk}": 0,
        f"line_{order.cup.pk}": 1,
        "reason": "damaged",
        "photos": [photo(), photo("b.png")],
    }

    response = client.post(new_return_path(order), data=data)

    ret = ReturnRequest.objects.get()
    assert response.status_code == 303
    assert (ret.status, ret.photos.count()) == (ReturnRequest.Status.IN_REVIEW, 2)
    page = client.get(response["Location"]).content.decode()
    assert f"Return {ret.number} is asked for. We look at it within two business days" in page
    assert "Waiting for review</span>" in page and "segno" not in page


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"line_TEA": 0}, "lines", "Choose at least one item to send back."),
        ({"reason": "damaged"}, "photos", "Add at least one photo that shows what is wrong."),
        ({"reason": "returned_to_sender"}, "reason", "Select a valid choice."),
        ({"reason": ""}, "reason", "This field is required."),
        ({"line_TEA": 3}, "line_TEA", "Select a valid choice. 3 is not one of the available choices."),
        ({"comment": "x" * 1001}, "comment", "Ensure this value has at most 1000 characters (it has 1001)."),
    ],
)
def test_a_refused_request_shows_the_error_next_to_its_field_and_writes_nothing(
    client, delivered_order, fields, field, error
):
    order = delivered_order
    fields = {key.replace("TEA", str(order.tea.pk)): value for key, value in fields.items()}
    field = field.replace("TEA", str(order.tea.pk))
    events = OrderEvent.objects.count()

    response = ask(client, order, **fields)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was returned yet: there is a problem with your request." in page
    if field == "lines":
        assert re.search(r'<ul class="errorlist" id="return-lines-error"><li>' + re.escape(error), page)
    else:
        errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
        assert errors and error in errors.group(1).replace("&#x27;", "'"), page
    assert not ReturnRequest.objects.exists() and OrderEvent.objects.count() == events


def test_photos_that_are_not_images_or_too_many_are_refused_on_the_photos_field(client, delivered_order):
    order = delivered_order
    fake = SimpleUploadedFile("dent.png", b"not an image at all", content_type="image/png")

    not_an_image = ask(client, order, reason="damaged", photos=[fake])
    too_many = ask(client, order, reason="damaged", photos=[photo(f"{n}.png") for n in range(6)])

    assert not_an_image.status_code == too_many.status_code == 400
    assert "dent.png: This file is not an image we can read." in not_an_image.content.decode()
    assert "A page shown again forgets the photos you chose: choose them again." in not_an_image.content.decode()
    assert "Add at most 5 photos." in too_many.content.decode()
    assert 'id="id_photos_error"' in too_many.content.decode()
    assert not ReturnRequest.objects.exists()


def test_a_second_tab_asking_for_units_already_returned_is_refused(client, delivered_order):
    order = delivered_order
    form = client.get(new_return_path(order))  # both tabs open the form with 2 teas returnable
    assert form.status_code == 200
    assert ask(client, order, **{f"line_{order.tea.pk}": 2}).status_code == 303

    second = ask(client, order, **{f"line_{order.tea.pk}": 2})

    assert second.status_code == 400
    assert ReturnRequest.objects.count() == 1


# ---------------------------------------------------------------------------------- who may see and ask


def test_the_owner_asks_on_their_own_order_without_a_token(client, owned_order, user):
    client.force_login(user)

    page = client.get(f"/orders/{owned_order.number}/").content.decode()
    response = ask(client, owned_order, path=f"/orders/{owned_order.number}/returns/new/")

    assert f'href="/orders/{owned_order.number}/returns/new/">Return items</a>' in page
    assert response.status_code == 303
    assert response["Location"] == f"/orders/{owned_order.number}/#return-{owned_order.number}-R1"
    assert ReturnRequest.objects.get().by == user


def test_another_shopper_gets_404_and_changes_nothing(client, owned_order):
    client.force_login(UserFactory())
    path = f"/orders/{owned_order.number}/returns/new/"

    assert client.get(path).status_code == 404
    assert ask(client, owned_order, path=path).status_code == 404
    assert not ReturnRequest.objects.exists()


def test_a_logged_out_owner_is_asked_to_log_in(visitor, owned_order):
    path = f"/orders/{owned_order.number}/returns/new/"

    response = visitor.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_a_guest_needs_the_signed_link(visitor, delivered_order):
    order = delivered_order
    plain = f"/orders/{order.number}/returns/new/"
    borrowed = f"{plain}?token={order_token('MK-OTHER-ORDR')}"

    assert visitor.get(new_return_path(order)).status_code == 200
    assert visitor.get(borrowed).status_code == 404
    assert ask(visitor, order, path=borrowed).status_code == 404
    assert visitor.get(plain).status_code == 302  # maybe an account's order: log in first
    assert not ReturnRequest.objects.exists()
    assert ask(visitor, order).status_code == 303


def test_an_account_order_is_not_opened_by_a_token(visitor, owned_order):
    assert visitor.get(new_return_path(owned_order)).status_code == 404


# ---------------------------------------------------------------------------------- the label


def test_the_label_is_the_stored_pdf_for_the_orders_shopper_only(client, visitor, owned_order, user, deliver_events):
    order = owned_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    path = f"/orders/{order.number}/returns/{ret.number}/label.pdf"
    client.force_login(user)

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="return-label-{ret.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert visitor.get(path).status_code == 404
    assert visitor.get(signed(path, order)).status_code == 404  # a token opens guests' orders only
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404


def test_a_guest_downloads_the_label_with_the_signed_link(visitor, delivered_order, deliver_events):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    path = f"/orders/{order.number}/returns/{ret.number}/label.pdf"

    assert visitor.get(signed(path, order)).status_code == 200
    assert visitor.get(path).status_code == 404
    assert visitor.get(signed(f"/orders/{order.number}/returns/{order.number}-R9/label.pdf", order)).status_code == 404


def test_no_label_before_it_is_bought_or_for_a_return_in_review(visitor, delivered_order):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")  # label not bought yet

    assert visitor.get(signed(f"/orders/{order.number}/returns/{ret.number}/label.pdf", order)).status_code == 404
