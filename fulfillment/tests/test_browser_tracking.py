"""The tracking pages in Debian's Chromium, under the site's CSP: a shopper types a number and follows the parcel."""

import pytest

from fulfillment.services.tracking import ingest_tracking_event
from fulfillment.tests.shipping_helpers import T0, labelled_shipment
from shop.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shopper_types_a_tracking_number_and_sees_the_journey(live_server, page):
    shipment = labelled_shipment()
    ingest_tracking_event(
        tracking_number=shipment.tracking_number,
        status="picked_up",
        occurred_at=T0,
        location="Newark fulfillment centre",
        description="Picked up by the carrier",
    )

    page.goto(live_server.url + "/carriers/track/")
    page.get_by_label("Tracking number").fill(shipment.tracking_number)
    page.get_by_role("button", name="Track").click()
    page.wait_for_url(f"**/carriers/track/{shipment.tracking_number}/")

    assert page.text_content("h1") == f"Tracking {shipment.tracking_number}"
    assert page.text_content(".shipment-status") == "In transit"
    steps = page.locator(".tracking-timeline li strong").all_text_contents()
    assert steps == ["Label created", "Picked up"]
    # The page's own stylesheet applied (no inline style is allowed by the CSP).
    weight = page.eval_on_selector(".shipment-status", "el => getComputedStyle(el).fontWeight")
    assert weight == "600"


def test_the_order_page_shows_the_shipment_under_the_csp(live_server, page):
    from django.conf import settings
    from django.test import Client

    from marketplace.tests.factories import UserFactory

    shopper = UserFactory()
    shipment = labelled_shipment(user=shopper)
    session = Client()
    session.force_login(shopper)  # the log-in page has its own tests: reuse a session
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

    page.goto(live_server.url + Order.objects.get(pk=shipment.fulfillment_order.order_id).get_absolute_url())

    link = page.get_by_role("link", name=shipment.tracking_number)
    assert link.get_attribute("href") == f"/carriers/track/{shipment.tracking_number}/"
    assert page.text_content(".order-shipment .shipment-status") == "Labelled"
    border = page.eval_on_selector(".order-shipment", "el => getComputedStyle(el).borderStyle")
    assert border == "solid"
