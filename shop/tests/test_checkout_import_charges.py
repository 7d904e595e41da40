"""Checkout charges tax and import duty per destination from the landed-cost tables, or refuses and changes nothing."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client

from fulfillment.tests.factories import stock_of
from shop.models import Cart, CartLine, Order
from shop.services.checkout import check_out
from shop.services.import_charges import CannotQuoteCharges
from shop.services.orders import ShippingAddress
from shop.tests.factories import VariantFactory
from shop.tests.test_checkout_pages import guest_cart
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_stripe")]

BERLIN = ShippingAddress(
    name="Grete Käufer", line1="Unter den Linden 1", city="Berlin", country="DE", postal_code="10117"
)
LONDON = ShippingAddress(name="Ada Shopper", line1="1 Strand", city="London", country="GB", postal_code="WC2N 5HR")
TOKYO = ShippingAddress(name="Aiko Kaimono", line1="1-1 Marunouchi", city="Tokyo", country="JP", postal_code="100-0005")
NEW_YORK = ShippingAddress(
    name="Ada Shopper", line1="350 Fifth Ave", city="New York", region="NY", country="US", postal_code="10118"
)
SAO_PAULO = ShippingAddress(name="Ana", line1="Av. Paulista 1", city="São Paulo", country="BR", postal_code="01310-100")


def shirt(*, price: str, currency: str, stock: int = 5):
    """A cotton t-shirt made in Portugal (HS 6109.10), with complete customs data."""
    variant = VariantFactory(
        price=Decimal(price),
        currency=currency,
        product__title="Cotton t-shirt",
        product__hs_code="610910",
        product__country_of_origin="PT",
        product__customs_description="cotton t-shirt",
    )
    stock_of(variant, quantity=stock)
    return variant


def cart_of(*lines) -> Cart:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return cart


def order_to(address: ShippingAddress, *lines) -> Order:
    return check_out(
        cart=cart_of(*lines),
        email="ada@example.com",
        address=address,
        shipping_code="standard",
        expected_total=None,
    ).order


def percent(rate: str, amount: Decimal, currency_places: str = "0.01") -> Decimal:
    return (amount * Decimal(rate) / 100).quantize(Decimal(currency_places), rounding=ROUND_HALF_UP)


def test_germany_pays_vat_and_the_flat_3_eur_duty_at_sale():
    order = order_to(BERLIN, (shirt(price="40.00", currency="EUR"), 1))

    # The 3 EUR flat duty per tariff subheading (low-value parcels from 2026-07-01); 19 % VAT on goods,
    # shipping and duty, collected under IOSS.
    assert (order.incoterm, order.duty_total) == ("DDP", Decimal("3.00"))
    assert order.tax_total == percent("19", Decimal("40.00") + order.shipping_total + Decimal("3.00"))
    assert order.total == Decimal("40.00") + order.shipping_total + order.tax_total + order.duty_total
    assert order.import_charges_due_at_door == 0
    line = order.lines.get()
    assert (line.tax_amount, line.duty_amount) == (order.tax_total, order.duty_total)
    assert any("DE VAT 19 %" in rule for rule in order.landed_cost_rules)


def test_two_lines_share_the_charges_and_add_up_to_the_totals():
    order = order_to(BERLIN, (shirt(price="20.00", currency="EUR"), 2), (shirt(price="15.00", currency="EUR"), 1))

    lines = list(order.lines.all())
    assert sum(line.tax_amount for line in lines) == order.tax_total
    assert sum(line.duty_amount for line in lines) == order.duty_total == Decimal("3.00")  # one subheading


def test_the_uk_charges_vat_at_sale_up_to_135_gbp_and_no_duty():
    order = order_to(LONDON, (shirt(price="100.00", currency="GBP"), 1))

    assert (order.incoterm, order.duty_total) == ("DDP", Decimal("0.00"))
    assert order.tax_total == percent("20", Decimal("100.00") + order.shipping_total)
    assert order.total == Decimal("100.00") + order.shipping_total + order.tax_total


def test_above_135_gbp_the_uk_charges_are_paid_at_the_door_and_not_charged():
    order = order_to(LONDON, (shirt(price="200.00", currency="GBP"), 1))

    assert (order.incoterm, order.tax_total, order.duty_total) == ("DAP", Decimal("0.00"), Decimal("0.00"))
    assert order.total == Decimal("200.00") + order.shipping_total
    # 12 % duty on goods and shipping, then 20 % VAT on goods, shipping and duty: an estimate for the door.
    duty = percent("12", Decimal("200.00") + order.shipping_total)
    assert order.import_charges_due_at_door == duty + percent("20", Decimal("200.00") + order.shipping_total + duty)
    assert {(line.tax_amount, line.duty_amount) for line in order.lines.all()} == {(Decimal("0"), Decimal("0"))}


def test_a_us_order_pays_the_state_sales_tax():
    order = order_to(NEW_YORK, (shirt(price="50.00", currency="USD"), 1))

    assert (order.incoterm, order.duty_total) == ("", Decimal("0.00"))  # domestic
    assert order.tax_total == percent("4", Decimal("50.00") + order.shipping_total)  # NY taxes shipping
    assert order.total == Decimal("50.00") + order.shipping_total + order.tax_total


def test_a_us_state_without_a_tax_row_is_charged_none_and_the_order_says_so():
    order = order_to(
        ShippingAddress(
            name="Ada", line1="1 Main St", city="Springfield", region="IL", country="US", postal_code="62701"
        ),
        (shirt(price="50.00", currency="USD"), 1),
    )

    assert order.tax_total == 0
    assert order.landed_cost_rules == [
        "No sales-tax row for IL, US: no tax was collected. Staff: add the state's row "
        "(admin: Shop > Tax rates) if the marketplace must collect there."
    ]


def test_japan_charges_nothing_under_10000_jpy():
    order = order_to(TOKYO, (shirt(price="5000", currency="JPY"), 1))

    assert (order.incoterm, order.tax_total, order.duty_total, order.import_charges_due_at_door) == (
        "DDP", 0, 0, 0,
    )  # fmt: skip
    assert order.total == Decimal("5000") + order.shipping_total


@pytest.mark.parametrize(
    ("address", "currency", "code", "message"),
    [
        (
            SAO_PAULO,
            "USD",
            "no_landed_cost_rules",
            "We cannot ship to Brazil yet: import charges for it are not set up.",
        ),
        (
            BERLIN,
            "CHF",
            "missing_exchange_rate",
            "We cannot ship to Germany for a cart priced in CHF yet: import charges in CHF are not set up.",
        ),
    ],
)
def test_a_destination_or_currency_the_tables_cannot_quote_is_refused_and_nothing_changes(
    address, currency, code, message
):
    cart = cart_of((shirt(price="40.00", currency=currency), 1))
    earlier = check_out(
        cart=cart, email="ada@example.com", address=NEW_YORK if currency == "USD" else BERLIN,
        shipping_code="standard", expected_total=None,
    ).order if currency == "USD" else None  # fmt: skip

    with pytest.raises(CannotQuoteCharges) as raised:
        check_out(cart=cart, email="ada@example.com", address=address, shipping_code="standard", expected_total=None)

    assert (raised.value.code, raised.value.message, raised.value.field) == (code, message, "country")
    assert Order.objects.count() == (1 if earlier else 0)
    if earlier:
        earlier.refresh_from_db()
        assert earlier.status == Order.Status.PENDING_PAYMENT  # the earlier unpaid order was not replaced
    assert cart.lines.count() == 1


def test_the_checkout_page_refuses_the_country_with_the_message_on_its_field():
    client = Client()
    guest_cart(client, (shirt(price="40.00", currency="USD"), 1))
    form = {
        "action": "pay", "email": "ada@example.com", "country": "BR", "quoted_country": "BR", "name": "Ana",
        "line1": "Av. Paulista 1", "city": "São Paulo", "region": "", "postal_code": "01310-100",
        "shipping_method": "standard", "expected_total": "59.99",
    }  # fmt: skip

    response = client.post("/checkout/", form)

    assert response.status_code == 200
    assert response.context["form"].errors["country"] == [
        "We cannot ship to Brazil yet: import charges for it are not set up."
    ]
    assert not Order.objects.exists()


def test_the_checkout_page_shows_vat_and_duty_lines_for_germany():
    client = Client()
    guest_cart(client, (shirt(price="40.00", currency="EUR"), 1))

    response = client.post("/checkout/", {"action": "update", "country": "DE"})

    charges = response.context["charges"]
    assert (charges.incoterm, charges.duty_total) == ("DDP", Decimal("3.00"))
    page = response.content.decode()
    assert "Import duties" in page
    assert "Import charges included: nothing more to pay on delivery." in page
    assert response.context["total"] == Decimal("40.00") + response.context["shipping_total"] + charges.at_sale


def test_the_checkout_page_shows_the_estimate_to_pay_at_the_door_above_135_gbp():
    client = Client()
    guest_cart(client, (shirt(price="200.00", currency="GBP"), 1))

    response = client.post("/checkout/", {"action": "update", "country": "GB"})

    due = response.context["charges"].due_at_door
    assert due > 0
    assert f"Import charges of about £{due}" in response.content.decode()
    assert "to pay on delivery (estimate)" in response.content.decode()
