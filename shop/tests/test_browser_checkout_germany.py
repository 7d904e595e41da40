"""Issue 12's "done when": a German address sees VAT and the import duty as their own lines, pays them with 4242
on the stand-in, is charged what was shown, and the order page shows the same lines (390x844 and 1280x800);
then the order is labelled with its customs declaration, held at import customs by the simulated network,
released by staff with a document, and delivered, and the order page says so (390x844).

Screenshots: test-artifacts/germany-*.png.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from fulfillment.models import CustomsDocument, Shipment
from fulfillment.services.clearance import release_from_customs
from fulfillment.simulated_warehouse import work_simulated_warehouses
from fulfillment.simulation import Chances, advance
from marketplace.tests.screens import DESKTOP, PHONE, page_width
from shop.models import Order
from shop.tests.browser_steps import buy_in_berlin, pay_with
from shop.tests.test_checkout_import_charges import shirt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_shopper_in_germany_pays_the_vat_and_duty_shown(stand_in_on_live_server, page, screen):
    live_server = stand_in_on_live_server
    tee = shirt(price="40.00", currency="EUR")
    page.set_viewport_size(screen)
    ARTIFACTS_DIR.mkdir(exist_ok=True)

    page.goto(live_server.url + tee.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/cart/")
    page.get_by_role("link", name="Checkout").click()

    # The country first: the summary is quoted again in place, with the German VAT and the duty.
    page.get_by_label("Country").select_option("DE")
    summary = page.locator("#checkout-summary")
    expect(summary.locator(".summary-duty")).to_have_text(re.compile(r"Import duties\s*€3\.00"), timeout=5_000)
    expect(summary).to_contain_text("Import charges included: nothing more to pay on delivery.")
    page.get_by_label("Email").fill("grete@example.com")
    page.get_by_label("Full name").fill("Grete Käufer")
    page.get_by_label("Address line 1").fill("Unter den Linden 1")
    page.get_by_label("City or town").fill("Berlin")
    page.get_by_label("Postal code").fill("10117")
    tax = summary.locator(".summary-tax dd").text_content().strip()
    total = summary.locator(".summary-total dd").text_content().split()[0]
    assert tax != "€0.00"
    page.screenshot(path=str(ARTIFACTS_DIR / f"germany-checkout-{screen['width']}.png"), full_page=True)
    assert page_width(page) <= screen["width"]

    pay_button = page.get_by_role("button", name=re.compile(r"^Pay "))
    expect(pay_button).to_have_text(f"Pay {total}")
    pay_button.click()
    page.get_by_text("TEST MODE").first.wait_for()
    charged = page.locator(".ls-total").text_content().strip()
    assert charged == total  # charged = shown
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))
    expect(page.locator(".order-status")).to_have_text("Paid")

    order = Order.objects.get()
    assert (order.incoterm, order.duty_total, f"€{order.tax_total}", f"€{order.total}") == (
        "DDP", Decimal("3.00"), tax, total,
    )  # fmt: skip
    assert order.amount_paid == order.total
    totals = page.locator(".order-totals")
    expect(totals.locator(".summary-tax")).to_have_text(re.compile(rf"Tax\s*{re.escape(tax)}"))
    expect(totals.locator(".summary-duty")).to_have_text(re.compile(r"Import duties\s*€3\.00"))
    expect(page.locator("main")).to_contain_text("Import charges included")
    page.screenshot(path=str(ARTIFACTS_DIR / f"germany-order-{screen['width']}.png"), full_page=True)
    assert page_width(page) <= screen["width"]


def test_the_german_order_travels_with_its_declaration_is_held_released_and_delivered(stand_in_on_live_server, page):
    """The rest of the done-when on a phone: label with its customs form, a hold and its release, delivery."""
    live_server = stand_in_on_live_server
    tee = shirt(price="40.00", currency="EUR")
    page.set_viewport_size(PHONE)
    order_url = buy_in_berlin(page, live_server, tee)

    # The warehouse picks and packs it; the label is bought with its declaration (facts run after each commit).
    work_simulated_warehouses()
    shipment = Shipment.objects.get(fulfillment_order__order_id=Order.objects.get().pk)
    document = CustomsDocument.objects.get(shipment=shipment)
    assert document.kind in ("cn22", "commercial_invoice") and document.record["shipment"]["incoterm"] == "DDP"
    assert document.record["items"][0]["hs_code"] == tee.product.hs_code

    # The simulated network holds it at import customs; staff send the invoice and it is released, then delivered.
    now = timezone.now()
    for step in range(1, 30):
        shipment.refresh_from_db()
        if shipment.status in ("customs_hold", "delivered"):
            break
        advance(now=now + dt.timedelta(hours=step), seed=3, chances=Chances(0, 1, 0))
    assert shipment.status == "customs_hold"
    invoice = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 seller invoice", content_type="application/pdf")
    release_from_customs(shipment_id=shipment.pk, note="Sent the seller's invoice", document=invoice)
    for step in range(30, 60):
        shipment.refresh_from_db()
        if shipment.status == "delivered":
            break
        advance(now=now + dt.timedelta(hours=step), seed=3, chances=Chances(0, 0, 0))
    assert shipment.status == "delivered"

    page.goto(order_url)
    expect(page.locator(".order-status")).to_have_text("Delivered")
    main = page.locator("main")
    expect(main).to_contain_text("is held at import customs")
    expect(main).to_contain_text("was released by customs")
    page.screenshot(path=str(ARTIFACTS_DIR / "germany-delivered-390.png"), full_page=True)
    assert page_width(page) <= PHONE["width"]
