"""Restricted items: a product's hazard flags against the shipping restrictions rule table (dated, sourced rows).

The product page says where it cannot ship; checkout refuses with the reason, changing nothing.
"""

import datetime as dt

import pytest
from django.urls import reverse

from fulfillment.models import ShippingRestriction
from fulfillment.restrictions import (
    RestrictionRule,
    applicable_rule,
    refusing_rules,
    restriction_rules,
    service_kind_for,
)
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Order, Product
from shop.tests.factories import ProductFactory, VariantFactory
from shop.tests.test_checkout_pages import guest_cart, pay
from shop.tests.test_dashboard_products import product_data
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = pytest.mark.django_db
AEROSOL_NOTE = "Aerosols are dangerous goods in an aircraft, so air services (and every parcel abroad) refuse them."
LONDON_FORM = {"country": "GB", "quoted_country": "GB", "postal_code": "SW1A 2AA", "region": "", "city": "London"}


def rule(*, destination="*", service_kind="any", allowed=False, hazard="aerosol", since=dt.date(2025, 1, 1), note="x"):
    return RestrictionRule(
        hazard=hazard,
        destination=destination,
        service_kind=service_kind,
        allowed=allowed,
        note=note,
        source="test",
        effective_from=since,
    )


def dry_shampoo(**fields):
    """An aerosol stocked in a US warehouse."""
    variant = VariantFactory(product=ProductFactory(title="Dry shampoo", hazards=["aerosol"], **fields), name="")
    stock_of(variant, WarehouseFactory(country="US"), quantity=5)
    return variant


# ---------------------------------------------------------------- the decision, as a pure function


def test_the_most_specific_rule_decides():
    everywhere_by_air = rule(service_kind="air", note="no air")
    australia_any = rule(destination="AU", note="not to AU")
    australia_by_air_allowed = rule(destination="AU", service_kind="air", allowed=True, note="AU air ok")
    rules = [everywhere_by_air, australia_any, australia_by_air_allowed]

    assert applicable_rule(rules, hazard="aerosol", destination="DE", service_kind="air") == everywhere_by_air
    assert applicable_rule(rules, hazard="aerosol", destination="AU", service_kind="ground") == australia_any
    assert applicable_rule(rules, hazard="aerosol", destination="AU", service_kind="air") == australia_by_air_allowed
    assert applicable_rule(rules, hazard="aerosol", destination="DE", service_kind="ground") is None
    assert applicable_rule(rules, hazard="magnetised", destination="DE", service_kind="air") is None


def test_a_later_rule_of_the_same_reach_wins():
    old, new = rule(allowed=True, since=dt.date(2025, 1, 1)), rule(allowed=False, since=dt.date(2026, 1, 1))

    assert refusing_rules([old, new], hazards=["aerosol"], destination="DE", service_kind="air") == [new]


def test_only_rules_in_effect_on_the_day_are_read():
    ShippingRestriction.objects.create(
        hazard="magnetised", destination="JP", service_kind="ground", allowed=False, note="from 2027",
        source="test", effective_from=dt.date(2027, 1, 1),
    )  # fmt: skip
    ShippingRestriction.objects.create(
        hazard="magnetised", destination="JP", service_kind="any", allowed=False, note="until 2026",
        source="test", effective_from=dt.date(2024, 1, 1), effective_to=dt.date(2026, 1, 1),
    )  # fmt: skip

    def notes(day):
        return sorted(r.note for r in restriction_rules(hazards=["magnetised"], destinations=["JP"], on=day))

    seeded = "Strongly magnetised material can disturb aircraft instruments, so air services refuse it."
    assert notes(dt.date(2025, 6, 1)) == sorted(["until 2026", seeded])
    assert notes(dt.date(2026, 6, 1)) == [seeded]
    assert notes(dt.date(2027, 6, 1)) == sorted(["from 2027", seeded])


def test_domestic_standard_goes_by_road_and_everything_else_flies():
    assert service_kind_for(shipping_method="standard", domestic=True) == "ground"
    assert service_kind_for(shipping_method="express", domestic=True) == "air"
    assert service_kind_for(shipping_method="standard", domestic=False) == "air"


def test_the_seeded_rules_each_have_a_source_and_refuse_aerosols_and_loose_batteries_by_air():
    rows = ShippingRestriction.objects.all()

    assert rows.count() >= 6
    assert all(row.source and row.note for row in rows)
    rules = restriction_rules(hazards=["aerosol", "lithium_battery_loose", "lithium_battery_installed"])
    refused = refusing_rules(
        rules, hazards=["aerosol", "lithium_battery_loose", "lithium_battery_installed"], destination="DE",
        service_kind="air",
    )  # fmt: skip
    assert [r.hazard for r in refused] == ["aerosol", "lithium_battery_loose"]


# ---------------------------------------------------------------- the product page


def test_the_product_page_says_where_it_cannot_ship(client):
    url = dry_shampoo().product.get_absolute_url()

    at_home = client.get(url).content.decode()
    client.post(reverse("ship-to"), {"country": "GB", "next": url}, HTTP_ORIGIN="http://testserver")
    abroad = client.get(url).content.decode()

    assert (
        f"Express shipping to United States of America is not available for this product: {AEROSOL_NOTE}"
    ) in at_home
    assert f"To every country by air services: {AEROSOL_NOTE}" in at_home
    assert ("This product cannot be shipped to United Kingdom: aerosols are dangerous goods in an aircraft") in abroad


def test_batteries_installed_in_equipment_may_fly(client):
    variant = VariantFactory(product=ProductFactory(hazards=["lithium_battery_installed"]))
    stock_of(variant, WarehouseFactory(country="US"))
    url = variant.product.get_absolute_url()
    client.post(reverse("ship-to"), {"country": "DE", "next": url}, HTTP_ORIGIN="http://testserver")

    html = client.get(url).content.decode()

    assert "Ships to Germany." in html
    assert "Where it cannot ship" not in html


# ---------------------------------------------------------------- checkout refuses with the reason


@pytest.fixture
def _checkout(local_stripe, settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""


@pytest.mark.usefixtures("_checkout")
def test_checkout_refuses_an_aerosol_abroad_with_the_reason_and_places_nothing(client):
    guest_cart(client, (dry_shampoo(), 1))

    response = pay(client, **LONDON_FORM)

    assert response.status_code == 200
    assert response.context["form"].errors["shipping_method"] == [
        f"Dry shampoo cannot be shipped to United Kingdom by Standard shipping (it flies): {AEROSOL_NOTE}"
    ]
    assert not Order.objects.exists()


@pytest.mark.usefixtures("_checkout")
def test_at_home_an_aerosol_goes_standard_but_not_express(client):
    guest_cart(client, (dry_shampoo(), 1))

    express = pay(client, shipping_method="express")
    standard = pay(client, shipping_method="standard")

    assert "shipping_method" in express.context["form"].errors
    assert standard.status_code == 303
    assert Order.objects.get().shipping_method == "standard"


@pytest.mark.usefixtures("_checkout")
def test_the_checkout_api_refuses_with_409_and_the_reason(api_client):
    aerosol = dry_shampoo()
    guest_cart(api_client, (aerosol, 1))
    body = {
        "email": "ada@example.com",
        "address": {
            "name": "Ada", "line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE",
        },
        "shipping_method": "standard",
    }  # fmt: skip

    response = api_client.post("/api/v1/checkout/", body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "cannot_ship"
    assert response.json()["fields"]["reasons"] == ["restricted_item"]
    assert response.json()["fields"]["variant_ids"] == [str(aerosol.pk)]
    assert not Order.objects.exists()


# ---------------------------------------------------------------- hazard flags: dashboard, API


def test_the_seller_ticks_hazards_in_the_dashboard(seller_client):
    product = ProductFactory(seller=seller_client.seller)

    response = seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}),
        product_data(hazards=["lithium_battery_installed", "aerosol"]),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.hazards == ["aerosol", "lithium_battery_installed"]


def test_an_unknown_hazard_is_a_form_error(seller_client):
    product = ProductFactory(seller=seller_client.seller)

    response = seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}), product_data(hazards=["plutonium"])
    )

    assert response.status_code == 200
    assert "hazards" in response.context["form"].errors
    assert Product.objects.get(pk=product.pk).hazards == []


def test_the_seller_api_sets_hazards_and_refuses_unknown_ones(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    url = f"/api/v1/seller/products/{product.pk}/"

    saved = seller_api_client.patch(url, {"hazards": ["aerosol", "aerosol", "magnetised"]}, format="json")
    refused = seller_api_client.patch(url, {"hazards": ["plutonium"]}, format="json")

    assert (saved.status_code, saved.json()["hazards"]) == (200, ["aerosol", "magnetised"])
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"hazards": {"0": ['"plutonium" is not a valid choice.']}}
    assert Product.objects.get(pk=product.pk).hazards == ["aerosol", "magnetised"]


# ---------------------------------------------------------------- the rule table in the admin


def test_staff_add_a_rule_and_its_terms_are_then_read_only(staff_client):
    add = reverse("admin:fulfillment_shippingrestriction_add")
    form = {
        "hazard": "liquid_over_limit", "destination": "AU", "service_kind": "any", "allowed": "",
        "note": "Liquids over 500 ml are refused to Australia.", "source": "Carrier terms, 2026 edition",
        "effective_from": "2026-01-01", "effective_to": "",
    }  # fmt: skip

    bad = staff_client.post(add, {**form, "destination": "ZZ"})
    created = staff_client.post(add, form)
    row = ShippingRestriction.objects.get(hazard="liquid_over_limit")
    changed = staff_client.post(
        reverse("admin:fulfillment_shippingrestriction_change", args=[row.pk]),
        {**form, "allowed": "on", "note": "rewritten", "effective_to": "2026-06-01"},
    )

    assert bad.status_code == 200
    assert "neither a country code we know nor *" in bad.content.decode()
    assert (created.status_code, changed.status_code) == (302, 302)
    row.refresh_from_db()
    assert (row.allowed, row.note, row.effective_to) == (
        False, "Liquids over 500 ml are refused to Australia.", dt.date(2026, 6, 1),
    )  # fmt: skip


def test_the_rule_changelist_costs_the_same_queries_for_one_row_or_many(assert_changelist_queries_constant):
    def rules(count: int) -> None:
        for index in range(count):
            ShippingRestriction.objects.create(
                hazard="magnetised", destination="FR", service_kind="ground", allowed=True, note="ok",
                source="test", effective_from=dt.date(2020, 1, 1) + dt.timedelta(days=index),
            )  # fmt: skip

    assert_changelist_queries_constant(reverse("admin:fulfillment_shippingrestriction_changelist"), rules)
