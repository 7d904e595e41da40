"""The dated rule tables come from the cache, and yet a change staff make applies to the very next checkout, and a
row that starts tomorrow applies tomorrow without anyone writing anything."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.landed_cost_rules import rules_for
from shop.models import ExchangeRate, FreeShippingThreshold, Order, TakeRate, TaxRate
from shop.selectors import exchange_rates_on
from shop.seller_fees import take_rates_at
from shop.services.shipping import free_shipping_threshold
from shop.tests.test_checkout_import_charges import shirt
from shop.tests.test_checkout_pages import guest_cart
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_stripe")]

NEW_YORK = {
    "name": "Ada Shopper", "line1": "350 Fifth Avenue", "city": "New York", "region": "NY", "postal_code": "10118",
    "country": "US",
}  # fmt: skip


def _tax_at(rate: str, subtotal: Decimal, shipping: Decimal) -> Decimal:
    return ((subtotal + shipping) * Decimal(rate) / 100).quantize(Decimal("0.01"))


def test_a_tax_rate_staff_add_in_the_admin_is_charged_by_the_very_next_checkout(api_client, staff_client):
    guest_cart(api_client, (shirt(price="50.00", currency="USD"), 1))
    before = api_client.post("/api/v1/checkout/quote/", {"country": "US", "region": "NY"}, format="json").json()
    standard = next(option for option in before["options"] if option["code"] == "standard")
    shipping = Decimal(standard["amount"])
    assert Decimal(standard["tax"]) == _tax_at("4", Decimal("50.00"), shipping)  # the state's rate, now cached

    form = {
        "country": "US", "region": "NY", "name": "sales tax", "rate_percent": "10", "shipping_taxable": "on",
        "effective_from": timezone.localdate().isoformat(), "effective_to": "", "source": "test", "note": "",
        "_save": "Save",
    }  # fmt: skip
    added = staff_client.post(reverse("admin:shop_taxrate_add"), form)
    assert added.status_code == 302, added.content
    response = api_client.post(
        "/api/v1/checkout/",
        {"email": "ada@example.com", "address": NEW_YORK, "shipping_method": "standard"},
        format="json",
    )

    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["order_number"])
    assert order.tax_total == _tax_at("10", Decimal("50.00"), shipping)


def test_rows_that_start_tomorrow_apply_tomorrow_from_the_same_cached_tables(django_assert_num_queries):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    TaxRate.objects.create(country="US", region="NY", name="sales tax", rate_percent=Decimal("9"),
                           effective_from=tomorrow, source="s")  # fmt: skip
    ExchangeRate.objects.create(base="USD", quote="EUR", rate=Decimal("2"), effective_from=tomorrow, source="s")
    FreeShippingThreshold.objects.create(currency="USD", amount=Decimal("1234.00"), effective_from=tomorrow, source="s")
    in_a_day = timezone.now() + timedelta(days=1)
    TakeRate.objects.create(category=None, rate_percent=Decimal("33"), effective_from=in_a_day, source="s")
    # Read today: every table is now in the cache.
    rules_for("US", on=today)
    exchange_rates_on(on=today)
    take_rates_at(category_ids={None}, at=timezone.now())
    free_shipping_threshold(currency="USD", on=today)

    with django_assert_num_queries(0):
        taxes = {rule.rate_percent for rule in rules_for("US", on=tomorrow).taxes if rule.region == "NY"}
        euro = exchange_rates_on(on=tomorrow).lookup("USD", "EUR", on=tomorrow).factor
        threshold = free_shipping_threshold(currency="USD", on=tomorrow)
        take = take_rates_at(category_ids={None}, at=in_a_day + timedelta(hours=1))[None]
        today_euro = exchange_rates_on(on=today).lookup("USD", "EUR", on=today).factor

    assert Decimal("9") in taxes
    assert (euro, threshold, take) == (Decimal("2"), Decimal("1234.00"), Decimal("33"))
    assert today_euro != Decimal("2")
