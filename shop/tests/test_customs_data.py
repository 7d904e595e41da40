"""Customs data per variant, falling back to the product: its checks, where it is edited, and what it stops.

A variant lacking it cannot be sold to another country: the product page says so for the shopper's
country, and checkout refuses (the page with a form error, the API with a 409), changing nothing.
"""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.models import Reservation
from fulfillment.requests import FulfillmentRequest
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.fragments import clear_shared_fragments
from shop.cross_border import shipping_problems
from shop.customs import CustomsData, customs_data_of, effective_customs_data, missing_customs_fields
from shop.models import Cart, CartLine, Order, OrderLine, Payment, Product, Variant
from shop.services import catalog
from shop.services.checkout import CannotShip, check_out
from shop.services.customs import save_customs_profile
from shop.services.order_fulfillment import fulfillment_request
from shop.services.orders import ShippingAddress
from shop.ship_to import SESSION_KEY
from shop.tests.factories import ProductFactory, SellerFactory, VariantFactory, paid_order
from shop.tests.test_checkout_pages import guest_cart, pay, pay_form
from shop.tests.test_dashboard_products import product_data, variant_data
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")
from shop.validators import validate_customs_description, validate_hs_code

pytestmark = pytest.mark.django_db
LONDON = ShippingAddress(
    name="Ada Lovelace", line1="10 Downing Street", city="London", country="GB", postal_code="SW1A 2AA"
)
US = ShippingAddress(name="Ada", line1="1 Main St", city="Springfield", region="IL", country="US", postal_code="62701")
LONDON_FORM = {"country": "GB", "quoted_country": "GB", "postal_code": "SW1A 2AA", "region": "", "city": "London"}


def lacking(**product_fields) -> Variant:
    """A variant stocked in a US warehouse whose product has no HS code (so neither has the variant)."""
    variant = VariantFactory(product=ProductFactory(title="Linen shirt", hs_code="", **product_fields), name="M")
    stock_of(variant, WarehouseFactory(country="US"), quantity=5)
    return variant


def ship_to(client, country: str, back: str = "/") -> None:
    """Pick the country in a product page's "Ship to" box (posted from our own page)."""
    response = client.post(reverse("ship-to"), {"country": country, "next": back}, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 303


# ---------------------------------------------------------------- the checks


@pytest.mark.parametrize("code", ["610910", "6109.10", "6109 10", "61091000", "6109.10.0012", "6109100012", ""])
def test_an_hs_code_has_6_digits_or_8_to_10_and_dots_and_spaces_are_fine(code):
    validate_hs_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("61091", "An HS code has 6 digits, or 8 to 10 with a national extension; this one has 5."),
        ("6109100", "An HS code has 6 digits, or 8 to 10 with a national extension; this one has 7."),
        ("61091000123", "An HS code has 6 digits, or 8 to 10 with a national extension; this one has 11."),
        ("6109-10", "An HS code is made of digits (dots and spaces are fine), e.g. 6109.10."),
        ("HS6109", "An HS code is made of digits (dots and spaces are fine), e.g. 6109.10."),
    ],
)
def test_a_malformed_hs_code_is_refused_with_a_clear_message(code, message):
    with pytest.raises(ValidationError) as refused:
        validate_hs_code(code)

    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    "text", ["Gift", "gifts", "MERCHANDISE", "Sample", "item", "Stuff", "a present", "Spare parts", "Accessories"]
)
def test_a_vague_customs_description_is_refused(text):
    with pytest.raises(ValidationError) as refused:
        validate_customs_description(text)

    assert refused.value.messages == [
        f"“{text}” is too vague for customs: say what the item is and what it is made of, "
        "e.g. “Cotton T-shirt” or “Ceramic coffee mug”."
    ]


def test_a_too_short_customs_description_is_refused():
    with pytest.raises(ValidationError, match="Too short for customs"):
        validate_customs_description("T1")


@pytest.mark.parametrize("text", ["Cotton T-shirt", "Ceramic coffee mug", "Tea", "Cosmetic", "Gift box of green tea"])
def test_a_description_that_says_what_it_is_is_accepted(text):
    validate_customs_description(text)


def test_the_service_keeps_hs_codes_as_digits_and_refuses_an_unknown_country():
    product = catalog.create_product(seller=SellerFactory(), data={"title": "Tee", "hs_code": "6109.10"})
    variant = catalog.create_variant(
        product=product, data={"sku": "TEE-1", "price": Decimal("9.00"), "hs_code": "6109 10 0012"}
    )

    with pytest.raises(ValidationError) as refused:
        catalog.update_variant(variant=variant, data={"country_of_origin": "XX", "customs_description": "Gift"})

    assert (product.hs_code, Variant.objects.get(pk=variant.pk).hs_code) == ("610910", "6109100012")
    assert set(refused.value.message_dict) == {"country_of_origin", "customs_description"}
    assert Variant.objects.get(pk=variant.pk).country_of_origin == ""


# ---------------------------------------------------------------- the fallback


def test_a_variant_without_its_own_customs_data_takes_the_products():
    variant = VariantFactory(product=ProductFactory(hs_code="610910", country_of_origin="PT", weight_grams=300))

    assert customs_data_of(variant) == CustomsData(
        hs_code="610910", country_of_origin="PT", customs_description="Cosmetic", net_weight_grams=300
    )


def test_a_variants_own_customs_data_wins_field_by_field():
    product = ProductFactory(hs_code="610910", country_of_origin="PT", net_weight_grams=180, weight_grams=300)
    variant = VariantFactory(product=product, hs_code="6109100012", customs_description="Linen shirt, XL")

    assert customs_data_of(variant) == CustomsData(
        hs_code="6109100012", country_of_origin="PT", customs_description="Linen shirt, XL", net_weight_grams=180
    )
    variant.net_weight_grams = 210
    assert effective_customs_data(variant).net_weight_grams == 210


def test_what_neither_gives_is_missing_and_there_is_no_customs_data():
    product = ProductFactory(hs_code="", country_of_origin="", weight_grams=0)
    variant = VariantFactory(product=product, country_of_origin="VN")

    assert customs_data_of(variant) is None
    assert missing_customs_fields(variant) == ["hs_code", "net_weight_grams"]


def test_the_fulfillment_request_carries_each_lines_customs_data_and_survives_the_payload():
    shirt = VariantFactory(product=ProductFactory(hs_code="610910", country_of_origin="PT"), hs_code="6109100012")
    unlabelled = VariantFactory(product=ProductFactory(hs_code="", customs_description=""))
    stock_of(shirt, quantity=1)
    stock_of(unlabelled, quantity=2)
    order = paid_order((shirt, 1), (unlabelled, 2))

    request = FulfillmentRequest.from_payload(fulfillment_request(order).as_payload())

    by_sku = {line.sku: line for line in request.lines}
    first, second = by_sku[shirt.sku], by_sku[unlabelled.sku]
    assert (first.hs_code, first.country_of_origin, first.customs_description, first.net_weight_grams) == (
        "6109100012",
        "PT",
        "Cosmetic",
        250,
    )
    assert first.has_customs_data
    assert (second.hs_code, second.customs_description, second.has_customs_data) == ("", "", False)


def test_the_request_reads_customs_data_in_one_query_or_none_when_the_lines_come_with_their_variants(
    django_assert_num_queries,
):
    variants = [VariantFactory() for _ in range(3)]
    for variant in variants:
        stock_of(variant, quantity=1)
    order = paid_order(*[(variant, 1) for variant in variants])
    order = Order.objects.prefetch_related("lines").get(pk=order.pk)

    with django_assert_num_queries(1):
        fulfillment_request(order)
    loaded = Order.objects.prefetch_related(Prefetch("lines", OrderLine.objects.select_related("variant__product")))
    order = loaded.get(pk=order.pk)
    with django_assert_num_queries(0):
        request = fulfillment_request(order)

    assert all(line.has_customs_data for line in request.lines)


# ---------------------------------------------------------------- where it ships from


def test_customs_data_is_needed_only_to_cross_a_border():
    variant = lacking()

    at_home = shipping_problems(variants=[variant], destination="US", shipping_method="standard")
    abroad = shipping_problems(variants=[variant], destination="GB", shipping_method="standard")

    assert at_home == []
    assert [(p.code, p.message) for p in abroad] == [
        (
            "missing_customs_data",
            "Linen shirt — M cannot be shipped to United Kingdom: "
            "its seller has not given its HS code for customs yet.",
        )
    ]


def test_a_variant_held_nowhere_ships_from_the_sellers_customs_profile_country():
    seller = SellerFactory(country="US")
    save_customs_profile(
        seller=seller,
        data={"exporter_name": "Tee Ltd", "address_line1": "1 Mill Lane", "city": "Leeds", "country": "GB"},
    )
    variant = VariantFactory(product=ProductFactory(seller=seller, hs_code=""))
    variant = Variant.objects.select_related("product__seller__customs_profile").get(pk=variant.pk)

    assert shipping_problems(variants=[variant], destination="GB", shipping_method="standard") == []
    assert shipping_problems(variants=[variant], destination="US", shipping_method="standard")


# ---------------------------------------------------------------- the product page


def test_the_product_page_says_it_cannot_be_shipped_to_the_shoppers_country(client):
    variant = lacking()
    url = variant.product.get_absolute_url()

    at_home = client.get(url).content.decode()
    ship_to(client, "GB", back=url)
    abroad = client.get(url).content.decode()

    assert "Ships to United States of America." in at_home
    assert "cannot be shipped" not in at_home
    assert (
        "This product cannot be shipped to United Kingdom: its seller has not given its HS code for customs yet. "
        "Until then it ships only within United States of America."
    ) in abroad
    assert '<option value="GB" selected>' in abroad


def test_the_page_names_only_the_options_lacking_data(client):
    product = ProductFactory(hs_code="")
    warehouse = WarehouseFactory(country="US")
    stock_of(VariantFactory(product=product, name="Red"), warehouse)
    stock_of(VariantFactory(product=product, name="Blue", hs_code="610910"), warehouse)
    ship_to(client, "DE")

    html = client.get(product.get_absolute_url()).content.decode()

    assert "“Red” cannot be shipped to Germany" in html
    assert "“Blue”" not in html


def test_the_ship_to_box_remembers_only_known_countries_and_our_own_pages(client):
    refused = client.post(reverse("ship-to"), {"country": "GB", "next": "/"}, HTTP_ORIGIN="https://evil.example")
    unknown = client.post(reverse("ship-to"), {"country": "XX", "next": "/"}, HTTP_ORIGIN="http://testserver")
    elsewhere = client.post(
        reverse("ship-to"), {"country": "FR", "next": "https://evil.example/"}, HTTP_ORIGIN="http://testserver"
    )

    assert refused.status_code == 403
    assert unknown.status_code == 303
    assert elsewhere["Location"] == "/"
    assert client.session[SESSION_KEY] == "FR"


def test_checkout_remembers_the_country_for_the_product_pages(client):
    guest_cart(client, (VariantFactory(), 1))

    client.post("/checkout/", {**pay_form(**LONDON_FORM), "action": "update"})

    assert client.session[SESSION_KEY] == "GB"


def test_the_product_page_costs_the_same_queries_for_one_option_or_many_abroad(client, get_counting_queries):
    product = ProductFactory(hs_code="", hazards=["aerosol"])
    warehouse = WarehouseFactory(country="US")
    stock_of(VariantFactory(product=product), warehouse)
    ship_to(client, "GB")
    client.get(product.get_absolute_url())
    clear_shared_fragments()  # the body rendered, not the shared fragment
    _, one = get_counting_queries(client, product.get_absolute_url())
    for _ in range(6):
        stock_of(VariantFactory(product=product), warehouse)
    clear_shared_fragments()

    response, seven = get_counting_queries(client, product.get_absolute_url())

    assert "cannot be shipped to United Kingdom" in response.content.decode()
    assert seven == one


# ---------------------------------------------------------------- checkout refuses, changing nothing


def _cart_of(*lines) -> Cart:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return cart


def _world() -> tuple:
    return (
        list(Order.objects.order_by("pk").values("pk", "status")),
        list(Payment.objects.order_by("pk").values("pk", "status")),
        list(Reservation.objects.order_by("pk").values()),
        list(CartLine.objects.order_by("pk").values("pk", "quantity")),
    )


@pytest.mark.usefixtures("local_stripe")
def test_checkout_refuses_a_line_lacking_customs_data_abroad_and_changes_nothing():
    shirt, tea = lacking(), VariantFactory(product__title="Green tea")
    stock_of(tea, quantity=5)
    cart = _cart_of((shirt, 1), (tea, 1))
    # An earlier, unpaid order of the same cart (the shopper came back from the payment page).
    earlier = check_out(cart=cart, email="ada@example.com", address=US, shipping_code="standard", expected_total=None)
    before = _world()

    with pytest.raises(CannotShip) as refused:
        check_out(cart=cart, email="ada@example.com", address=LONDON, shipping_code="standard", expected_total=None)

    assert [(p.code, p.variant_id) for p in refused.value.problems] == [("missing_customs_data", shirt.pk)]
    assert _world() == before
    earlier.order.refresh_from_db()
    assert earlier.order.status == Order.Status.PENDING_PAYMENT  # not replaced: nothing was placed


@pytest.mark.usefixtures("local_stripe")
def test_the_checkout_page_shows_the_refusal_on_the_country_naming_the_product(client, settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""
    guest_cart(client, (lacking(), 1))

    response = pay(client, **LONDON_FORM)

    assert response.status_code == 200
    assert response.context["form"].errors["country"] == [
        "Linen shirt — M cannot be shipped to United Kingdom: its seller has not given its HS code for customs yet."
    ]
    assert not Order.objects.exists()


@pytest.mark.usefixtures("local_stripe")
def test_the_checkout_api_refuses_with_409_cannot_ship_and_places_nothing(api_client, settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""
    shirt = lacking()
    guest_cart(api_client, (shirt, 1))
    body = {
        "email": "ada@example.com",
        "address": {
            "name": "Ada",
            "line1": "10 Downing Street",
            "city": "London",
            "postal_code": "SW1A 2AA",
            "country": "GB",
        },
        "shipping_method": "standard",
    }

    response = api_client.post("/api/v1/checkout/", body, format="json")

    sentence = (
        "Linen shirt — M cannot be shipped to United Kingdom: its seller has not given its HS code for customs yet."
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "cannot_ship",
        "message": "Some items cannot be shipped to this country by this method; nothing was ordered or charged. "
        + sentence,
        "fields": {"lines": [sentence], "variant_ids": [str(shirt.pk)], "reasons": ["missing_customs_data"]},
    }
    assert not Order.objects.exists()


@pytest.mark.usefixtures("local_stripe")
def test_the_same_cart_checks_out_at_home(client, settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""
    guest_cart(client, (lacking(), 1))

    response = pay(client)

    assert response.status_code == 303
    assert Order.objects.get().ship_country == "US"


# ---------------------------------------------------------------- editing it: dashboard, API, admin


def test_the_seller_edits_a_variants_customs_data_in_the_dashboard(seller_client):
    product = ProductFactory(seller=seller_client.seller)
    variant = VariantFactory(product=product, sku="LIN-M-WHT")
    url = reverse("dashboard:variant-edit", kwargs={"pk": product.pk, "variant_pk": variant.pk})

    page = seller_client.get(url).content.decode()
    response = seller_client.post(
        url,
        variant_data(
            hs_code="6205.20", country_of_origin="PT", customs_description="Linen shirt", net_weight_grams="210"
        ),
    )

    assert 'placeholder="330499"' in page  # the product's code shows where the variant has none
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.hs_code, variant.country_of_origin.code, variant.customs_description, variant.net_weight_grams) == (
        "620520",
        "PT",
        "Linen shirt",
        210,
    )


def test_bad_customs_input_is_a_form_error_and_changes_nothing(seller_client):
    product = ProductFactory(seller=seller_client.seller)
    variant = VariantFactory(product=product, sku="LIN-M-WHT")
    before = Variant.objects.filter(pk=variant.pk).values().get()
    url = reverse("dashboard:variant-edit", kwargs={"pk": product.pk, "variant_pk": variant.pk})

    response = seller_client.post(
        url, variant_data(hs_code="1234567", country_of_origin="XX", customs_description="Gift")
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["hs_code"] == ["An HS code has 6 digits, or 8 to 10 with a national extension; this one has 7."]
    assert errors["country_of_origin"] == ["Select a valid choice. XX is not one of the available choices."]
    assert errors["customs_description"][0].startswith("“Gift” is too vague for customs")
    assert Variant.objects.filter(pk=variant.pk).values().get() == before


def test_the_product_form_takes_the_net_weight_and_the_edit_page_shows_what_variants_lack(seller_client):
    product = ProductFactory(seller=seller_client.seller)
    VariantFactory(product=product)
    url = reverse("dashboard:product-edit", kwargs={"pk": product.pk})

    seller_client.post(url, product_data(hs_code="", net_weight_grams="280"))

    product.refresh_from_db()
    assert (product.hs_code, product.net_weight_grams) == ("", 280)
    assert "Missing HS code: not sold abroad" in seller_client.get(url).content.decode()


def test_another_sellers_variant_page_is_404(seller_client):
    theirs = VariantFactory()

    response = seller_client.post(
        reverse("dashboard:variant-edit", kwargs={"pk": theirs.product_id, "variant_pk": theirs.pk}),
        variant_data(hs_code="610910"),
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.hs_code == ""


def test_the_seller_api_edits_a_variants_customs_data_and_shows_what_is_missing(seller_api_client):
    variant = VariantFactory(product=ProductFactory(seller=seller_api_client.seller, hs_code=""))

    before = seller_api_client.get(f"/api/v1/seller/variants/{variant.pk}/").json()
    response = seller_api_client.patch(
        f"/api/v1/seller/variants/{variant.pk}/",
        {"hs_code": "6109.10", "country_of_origin": "VN", "net_weight_grams": 150},
        format="json",
    )

    assert before["missing_customs_fields"] == ["hs_code"]
    assert response.status_code == 200
    body = response.json()
    assert (body["hs_code"], body["country_of_origin"], body["net_weight_grams"], body["missing_customs_fields"]) == (
        "610910",
        "VN",
        150,
        [],
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"hs_code": "12345"}, {"hs_code": [
            "An HS code has 6 digits, or 8 to 10 with a national extension; this one has 5."]}),
        ({"country_of_origin": "XX"}, {"country_of_origin": ['"XX" is not a valid choice.']}),
        ({"customs_description": "Merchandise"}, {"customs_description": [
            "“Merchandise” is too vague for customs: say what the item is and what it is made of, "
            "e.g. “Cotton T-shirt” or “Ceramic coffee mug”."]}),
        ({"net_weight_grams": -1}, {"net_weight_grams": ["Ensure this value is greater than or equal to 0."]}),
    ],
)  # fmt: skip
def test_bad_customs_input_through_the_api_is_a_400_with_field_errors_and_changes_nothing(
    seller_api_client, body, fields
):
    variant = VariantFactory(product=ProductFactory(seller=seller_api_client.seller))
    before = Variant.objects.filter(pk=variant.pk).values().get()

    response = seller_api_client.patch(f"/api/v1/seller/variants/{variant.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": f"Invalid input: {', '.join(fields)}.", "fields": fields}
    assert Variant.objects.filter(pk=variant.pk).values().get() == before


def test_the_variant_list_costs_the_same_queries_for_one_variant_or_many(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller, hs_code="")
    VariantFactory(product=product)
    url = f"/api/v1/seller/products/{product.pk}/variants/"
    with CaptureQueriesContext(connection) as one:
        seller_api_client.get(url)
    for _ in range(9):
        VariantFactory(product=product)

    with CaptureQueriesContext(connection) as ten:
        response = seller_api_client.get(url)

    assert [variant["missing_customs_fields"] for variant in response.json()["results"]] == [["hs_code"]] * 10
    assert len(ten) == len(one)


def test_the_api_answers_404_for_another_sellers_variant(seller_api_client):
    theirs = VariantFactory()

    response = seller_api_client.patch(f"/api/v1/seller/variants/{theirs.pk}/", {"hs_code": "610910"}, format="json")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.hs_code == ""


def test_staff_edit_a_variants_customs_data_in_the_admin(staff_client):
    variant = VariantFactory(sku="TEE-1")
    url = reverse("admin:shop_variant_change", args=[variant.pk])
    form = {
        "sku": "TEE-1",
        "name": variant.name,
        "option_values": "{}",
        "position": "0",
        "is_active": "on",
        "price": "19.99",
        "currency": "USD",
        "compare_at_price": "",
        "gtin": "",
        "hs_code": "6109.10",
        "country_of_origin": "VN",
        "customs_description": "Cotton T-shirt",
        "net_weight_grams": "180",
        "stocks-TOTAL_FORMS": "0",
        "stocks-INITIAL_FORMS": "0",
    }

    refused = staff_client.post(url, {**form, "hs_code": "61"})
    saved = staff_client.post(url, form)

    assert refused.status_code == 200
    assert "this one has 2" in refused.content.decode()
    assert saved.status_code == 302
    variant.refresh_from_db()
    assert (variant.hs_code, variant.country_of_origin.code, variant.net_weight_grams) == ("610910", "VN", 180)


def test_the_admin_product_list_shows_whether_customs_data_is_complete(staff_client):
    ProductFactory(title="Complete")
    ProductFactory(title="Lacking", hs_code="")

    response = staff_client.get(reverse("admin:shop_product_changelist"))

    results = {product.title: product.has_customs_data for product in response.context["cl"].result_list}
    assert results == {"Complete": True, "Lacking": False}
    assert Product.objects.count() == 2
