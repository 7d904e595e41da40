"""One parcel from the US to Germany, followed on the shopper's order page from its label to the door (390x844).

A shopper in Berlin pays on the stand-in; the warehouse packs and labels the parcel, which joins the US -> DE lane's
open consolidation. The master is closed (air waybill), tendered, departs, arrives, clears import customs and is
split (last-mile number), through the consolidation tasks; the last-mile carrier delivers it. After each stage the
shopper reloads the order page and reads, in words, where the parcel is, and nothing is wider than the phone.

Screenshots: test-artifacts/consolidated-<stage>-390.png.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from fulfillment.models import Consolidation, ConsolidationItem, Lane, MasterScan, Shipment, TrackingEvent
from fulfillment.services.tracking import ingest_tracking_event
from fulfillment.simulated_warehouse import work_simulated_warehouses
from fulfillment.tasks.consolidation import (
    close_consolidation_task,
    record_master_scan_task,
    tender_consolidation_task,
)
from fulfillment.tests.consolidation_helpers import hub, lane
from marketplace.tests.screens import PHONE
from shop.models import Order
from shop.tests.browser_steps import buy_in_berlin
from shop.tests.test_checkout_import_charges import shirt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
M = MasterScan.Kind


def us_to_germany() -> Lane:
    """The JFK hub's lane to Germany, Austria and the Netherlands (Lufthansa Cargo to Frankfurt, then DHL)."""
    return lane(
        code="US-DE-POSTAL",
        name="New York to Germany, Austria and the Netherlands",
        origin_hub=hub(code="US-JFK-HUB", name="JFK Export Consolidation Hub"),
        destination_countries="DE AT NL",
        airline_name="Lufthansa Cargo",
        airline_prefix="020",
        import_gateway="FRA",
        import_gateway_city="Frankfurt",
        last_mile_carrier="DHL Paket",
        last_mile_prefix="DP",
        cutoff_times="18:00",
    )


def buy_a_shirt_to_berlin(page, live_server) -> str:
    """The shopper's purchase on a phone; answers the order page's URL."""
    return buy_in_berlin(page, live_server, shirt(price="40.00", currency="EUR"))


class OrderPage:
    """The shopper's order page on a phone, reloaded after each stage: kept as a screenshot, never too wide."""

    def __init__(self, page, url: str) -> None:
        self.page, self.url = page, url

    def reload(self, stage: str) -> None:
        self.page.goto(self.url)
        self.page.screenshot(path=str(ARTIFACTS_DIR / f"consolidated-{stage}-390.png"), full_page=True)
        assert self.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], stage

    def _text(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).inner_text().split())

    def status(self) -> str:
        return self._text(".order-shipment .shipment-status")

    def route(self) -> str:
        return self._text(".shipment-route p")

    def leg_now(self) -> str:
        """The stage the parcel is at, as the route list marks it ('now'); '' when none is."""
        current = self.page.locator(".shipment-legs li.leg-current")
        return " ".join(current.inner_text().split()) if current.count() else ""

    def legs_done(self) -> int:
        return self.page.locator(".shipment-legs li.leg-done").count()

    def latest_scan(self) -> str:
        return " ".join(self.page.locator(".tracking-timeline li").last.inner_text().split())


def test_a_parcel_to_germany_is_followed_from_its_label_through_the_master_to_the_door(stand_in_on_live_server, page):
    live_server = stand_in_on_live_server
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.set_viewport_size(PHONE)
    route = us_to_germany()
    shopper = OrderPage(page, buy_a_shirt_to_berlin(page, live_server))
    start = timezone.now()

    def at(hours: int) -> str:
        return (start + dt.timedelta(hours=hours)).isoformat()

    # Packed and labelled by the warehouse: the parcel joins the lane's open consolidation and takes its legs.
    work_simulated_warehouses()
    shipment = Shipment.objects.get(fulfillment_order__order_id=Order.objects.get().pk)
    item = ConsolidationItem.objects.get(shipment=shipment)
    consolidation = item.consolidation
    assert (consolidation.lane, consolidation.status) == (route, Consolidation.Status.OPEN)
    shopper.reload("labelled")
    assert shopper.status() == "Labelled"
    cutoff = f"{consolidation.cutoff_at:%-d %b %Y, %H:%M} UTC"
    assert shopper.route() == f"Flies consolidated with other parcels; departure cut-off {cutoff}."
    expect(page.locator(".shipment-legs li")).to_have_count(5)
    assert shopper.leg_now() == "Line haul Newark fulfillment centre → JFK Export Consolidation Hub now"
    expect(page.get_by_role("link", name=shipment.tracking_number)).to_be_visible()

    # Closed (early, by staff): the master's air waybill; the cut-off it did not wait for is no longer shown.
    close_consolidation_task.delay(consolidation.pk, Consolidation.CloseReason.EARLY)
    consolidation.refresh_from_db()
    awb = consolidation.awb
    shopper.reload("closed")
    assert shopper.route() == f"Flies consolidated with other parcels under air waybill {awb}."

    # Tendered to the airline at the export hub.
    tender_consolidation_task.delay(consolidation.pk)
    shopper.reload("tendered")
    assert shopper.status() == "At hub"
    assert shopper.leg_now() == "Hub JFK Export Consolidation Hub → JFK airport now" and shopper.legs_done() == 1
    assert shopper.latest_scan().endswith(
        f"At sorting facility JFK Export Consolidation Hub Consolidated under master air waybill {awb} and handed to "
        "Lufthansa Cargo"
    )

    record_master_scan_task.delay(consolidation.pk, M.DEPARTED, at(1))
    shopper.reload("departed")
    assert shopper.status() == "In transit"
    assert shopper.leg_now() == "Export JFK (Lufthansa Cargo) → FRA import gateway now" and shopper.legs_done() == 2
    assert shopper.latest_scan().endswith(
        f"Export cleared JFK airport Departed JFK on Lufthansa Cargo, air waybill {awb}"
    )

    record_master_scan_task.delay(consolidation.pk, M.ARRIVED, at(9))
    shopper.reload("arrived")
    assert shopper.status() == "At hub"
    assert shopper.leg_now() == "Import customs FRA import gateway → Frankfurt import customs now"
    assert shopper.latest_scan().endswith(
        "In transit FRA import gateway, Frankfurt Arrived at the FRA import gateway; presented to import customs"
    )

    record_master_scan_task.delay(consolidation.pk, M.CUSTOMS_CLEARED, at(10))
    shopper.reload("cleared")
    assert shopper.status() == "Cleared customs"
    assert shopper.latest_scan().endswith(
        f"Released by customs FRA import gateway, Frankfurt Cleared import customs with consignment {awb}"
    )

    # Split at the gateway: the parcel goes on under DHL's number, on the same page.
    record_master_scan_task.delay(consolidation.pk, M.SPLIT, at(11))
    item.refresh_from_db()
    number = item.last_mile_tracking_number
    assert re.fullmatch(r"DP\d{9}DE", number)
    shopper.reload("split")
    assert shopper.status() == "In transit"
    assert shopper.route() == (
        f"Flies consolidated with other parcels under air waybill {awb}. Now with DHL Paket, tracking number {number}."
    )
    assert page.get_by_role("link", name=number).get_attribute("href") == f"/carriers/track/{number}/"
    assert shopper.leg_now() == "Last mile DHL Paket, Frankfurt → Berlin now" and shopper.legs_done() == 4
    assert shopper.latest_scan().endswith(f"Handed to DHL Paket: tracking number {number}")

    # DHL's scans arrive under its own number and land on the same parcel.
    for hours, status in ((20, TrackingEvent.Status.OUT_FOR_DELIVERY), (22, TrackingEvent.Status.DELIVERED)):
        ingest_tracking_event(tracking_number=number, status=status, occurred_at=start + dt.timedelta(hours=hours))
    shopper.reload("delivered")
    expect(page.locator(".order-status")).to_have_text("Delivered")
    assert shopper.status() == "Delivered"
    assert shopper.leg_now() == "" and shopper.legs_done() == 5
    assert shopper.latest_scan().endswith("Delivered")
