"""What the creators app reads of the shop (shop.selectors) and writes to it (shop.services.attribution)."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.tests.factories import stock_of
from marketplace.tests.factories import UserFactory
from shop import selectors
from shop.models import Cart, CartLine, Order, OrderLine, Payment, Product, Refund, Variant
from shop.services.attribution import record_line_attribution
from shop.services.orders import ShippingAddress, place_order
from shop.tests.factories import (
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    VariantFactory,
    cart_shipping,
    paid_order,
)

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Lovelace", line1="1 Main St", city="New York", country="US", postal_code="10118")


def _stocked(**product) -> Variant:
    variant = VariantFactory(product=ProductFactory(**product) if product else ProductFactory(), price=Decimal("20.00"))
    stock_of(variant, quantity=50)
    return variant


def _placed_order(*items, user=None) -> Order:
    """An order placed from a cart with a session token, not paid yet."""
    cart = Cart.objects.create(user=user) if user else Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    shipping = cart_shipping(cart)
    return place_order(cart=cart, email="ada@example.com", address=ADDRESS, shipping=shipping, user=user)


def _credit(order: Order, *, tag_id: int, creator_id: int) -> None:
    for line in order.lines.all():
        record_line_attribution(order_line_id=line.pk, tag_id=tag_id, creator_id=creator_id)


def _count_queries(read) -> int:
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


# ---------------------------------------------------------------------------------- products


def test_products_on_sale_are_the_active_ones():
    active = ProductFactory()
    ProductFactory(status=Product.Status.DRAFT)
    archived = ProductFactory(status=Product.Status.ARCHIVED)

    assert list(selectors.products_on_sale()) == [active]
    assert (selectors.is_on_sale(active), selectors.is_on_sale(archived)) == (True, False)


def test_taggable_products_are_active_with_a_commission_matching_the_title_by_title():
    silk = ProductFactory(title="Silk scarf")
    bowl = ProductFactory(title="Bowl")
    ProductFactory(title="Silk tie", affiliate_commission_rate=Decimal("0"))
    ProductFactory(title="Silk gloves", status=Product.Status.ARCHIVED)

    assert list(selectors.taggable_products()) == [bowl, silk]
    assert list(selectors.taggable_products(q=" silk ")) == [silk]


def test_one_taggable_product_by_id_or_none():
    silk = ProductFactory()
    untaggable = ProductFactory(affiliate_commission_rate=Decimal("0"))

    assert selectors.taggable_product(product_id=silk.pk) == silk
    assert selectors.taggable_product(product_id=str(silk.pk)) == silk
    assert selectors.taggable_product(product_id=untaggable.pk) is None
    assert selectors.taggable_product(product_id="not a number") is None
    assert selectors.taggable_product(product_id=None) is None


def test_a_product_card_shows_the_first_active_option_and_the_first_photo():
    product = ProductFactory()
    VariantFactory(product=product, position=0, is_active=False)
    first_on_sale = VariantFactory(product=product, position=1)
    VariantFactory(product=product, position=2)
    second_photo = ProductImageFactory(product=product, position=2)
    first_photo = ProductImageFactory(product=product, position=1)
    bare = ProductFactory()
    ProductFactory(status=Product.Status.ARCHIVED)

    cards = selectors.product_cards(product_ids=Product.objects.values("pk"), limit=10)

    assert {card.pk for card in cards} == {product.pk, bare.pk}
    card = next(card for card in cards if card.pk == product.pk)
    assert (card.default_variant, card.image) == (first_on_sale, first_photo)
    assert [image.pk for image in card.ordered_images] == [first_photo.pk, second_photo.pk]
    empty = next(card for card in cards if card.pk == bare.pk)
    assert (empty.default_variant, empty.image) == (None, None)


def test_product_cards_take_three_queries_for_one_product_or_many_and_keep_the_newest_up_to_the_limit():
    def make(count):
        for _ in range(count):
            product = ProductFactory()
            VariantFactory.create_batch(2, product=product)
            ProductImageFactory.create_batch(2, product=product)

    make(1)
    one = _count_queries(lambda: selectors.product_cards(product_ids=Product.objects.values("pk"), limit=24))
    make(5)
    many = _count_queries(lambda: selectors.product_cards(product_ids=Product.objects.values("pk"), limit=24))
    newest = Product.objects.order_by("-updated_at", "-id")[:3]

    assert one == many == 3
    assert [card.pk for card in selectors.product_cards(product_ids=Product.objects.values("pk"), limit=3)] == [
        product.pk for product in newest
    ]


def test_card_prefetches_through_a_relation_can_carry_free_units():
    variant = _stocked()
    CartLine.objects.create(cart=Cart.objects.create(session_key="token"), variant=variant, quantity=1)

    line = (
        CartLine.objects.select_related("variant__product")
        .prefetch_related(*selectors.product_card_prefetches(through="variant__product", with_availability=True))
        .get()
    )

    product = selectors.summarise_product_card(line.variant.product)
    assert product.default_variant == variant
    assert product.default_variant.available == 50


# ---------------------------------------------------------------------------------- orders


def test_the_order_to_attribute_names_the_buyer_the_cart_token_and_each_lines_product_and_credit():
    tea, cup = _stocked(), _stocked()
    order = paid_order((tea, 1), (cup, 2))
    first, second = order.lines.order_by("pk")
    record_line_attribution(order_line_id=second.pk, tag_id=7, creator_id=3)

    read = selectors.order_to_attribute(order_id=order.pk)

    assert (read.order_id, read.paid_at, read.buyer_id) == (order.pk, order.paid_at, None)
    assert read.cart_token == order.cart.session_key
    assert read.lines == [
        selectors.LineToAttribute(first.pk, tea.product_id, None, None),
        selectors.LineToAttribute(second.pk, cup.product_id, 7, 3),
    ]


def test_a_logged_in_buyers_order_to_attribute_has_their_id_and_no_token():
    buyer = UserFactory()
    order = _placed_order((_stocked(), 1), user=buyer)

    read = selectors.order_to_attribute(order_id=order.pk)

    assert (read.buyer_id, read.cart_token, read.paid_at) == (buyer.pk, None, None)


def test_when_an_order_was_paid():
    unpaid = _placed_order((_stocked(), 1))
    paid = paid_order((_stocked(), 1))

    assert selectors.order_paid_at(order_id=unpaid.pk) is None
    assert selectors.order_paid_at(order_id=paid.pk) == paid.paid_at
    with pytest.raises(ObjectDoesNotExist):
        selectors.order_paid_at(order_id=paid.pk + 1000)


def test_recording_a_lines_attribution_writes_only_that_line():
    order = paid_order((_stocked(), 1), (_stocked(), 1))
    first, second = order.lines.order_by("pk")

    record_line_attribution(order_line_id=first.pk, tag_id=11, creator_id=5)
    record_line_attribution(order_line_id=second.pk, tag_id=None, creator_id=None)

    assert list(order.lines.order_by("pk").values_list("attribution_tag_id", "attribution_creator_id")) == [
        (11, 5),
        (None, None),
    ]


def test_credited_lines_are_those_with_a_creator_and_a_commission_rate_with_their_amounts():
    credited = _stocked(affiliate_commission_rate=Decimal("12.50"))
    no_rate = _stocked(affiliate_commission_rate=Decimal("0"))
    nobody = _stocked()
    order = paid_order((credited, 3), (no_rate, 1), (nobody, 1))
    lines = list(order.lines.order_by("pk"))
    record_line_attribution(order_line_id=lines[0].pk, tag_id=4, creator_id=9)
    record_line_attribution(order_line_id=lines[1].pk, tag_id=4, creator_id=9)

    assert selectors.credited_lines(order_id=order.pk) == [
        selectors.CreditedLine(
            order_line_id=lines[0].pk,
            creator_id=9,
            tag_id=4,
            commission_rate=Decimal("12.50"),
            line_total=Decimal("60.00"),
            currency="USD",
        )
    ]
    assert selectors.credited_lines(order_id=order.pk)[0].line_total_minor == 6000


def test_the_refunded_state_counts_units_by_line_and_refunds_that_name_no_line():
    order = paid_order((_stocked(), 2), (_stocked(), 1))
    first, second = order.lines.order_by("pk")
    OrderLine.objects.filter(pk=first.pk).update(quantity_refunded=1)
    payment = Payment.objects.create(
        order=order, amount=order.total, currency="USD", status=Payment.Status.PAID, amount_paid=order.total
    )
    Order.objects.filter(pk=order.pk).update(amount_paid=order.total)
    for amount, status, lines in [
        ("5.00", Refund.Status.SUCCEEDED, []),
        ("2.00", Refund.Status.SUCCEEDED, []),
        ("9.00", Refund.Status.FAILED, []),
        ("20.00", Refund.Status.SUCCEEDED, [{"order_line_id": first.pk, "quantity": 1}]),
    ]:
        Refund.objects.create(
            order=order,
            payment=payment,
            amount=Decimal(amount),
            currency="USD",
            status=status,
            lines=lines,
            idempotency_key=uuid.uuid4().hex,
        )

    refunds = selectors.refunds_of_order(order_id=order.pk)

    assert refunds == selectors.OrderRefunds(
        fully_refunded=False,
        quantities={first.pk: (2, 1), second.pk: (1, 0)},
        amount_only=Decimal("7.00"),
        amount_paid=order.total,
    )


def test_a_refunded_order_is_refunded_in_full_and_an_unrecorded_payment_counts_as_the_total():
    order = paid_order((_stocked(), 1))
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED, amount_paid=Decimal("0"))

    refunds = selectors.refunds_of_order(order_id=order.pk)

    assert (refunds.fully_refunded, refunds.amount_only, refunds.amount_paid) == (True, Decimal("0"), order.total)


def test_the_orders_of_lines():
    one, two = paid_order((_stocked(), 1), (_stocked(), 1)), paid_order((_stocked(), 1))
    lines = {line.pk: line.order_id for line in OrderLine.objects.all()}

    assert selectors.order_ids_of_lines(order_line_ids=list(lines)) == lines
    assert set(lines.values()) == {one.pk, two.pk}
    assert selectors.order_ids_of_lines(order_line_ids=[]) == {}


def test_paid_payments_name_the_latest_paid_intent_of_each_order():
    paid, retried, unpaid = (paid_order((_stocked(), 1)) for _ in range(3))

    def pay(order, attempt, status, intent):
        Payment.objects.create(
            order=order, attempt=attempt, amount=order.total, currency="USD", status=status, payment_intent_id=intent
        )

    pay(paid, 1, Payment.Status.PAID, "pi_paid")
    pay(retried, 1, Payment.Status.PAID, "pi_first")
    pay(retried, 2, Payment.Status.PAID, "pi_second")
    pay(retried, 3, Payment.Status.PAID, "")  # not through Stripe: no intent to pay a transfer from
    pay(unpaid, 1, Payment.Status.FAILED, "pi_failed")

    assert selectors.paid_payments(order_ids={paid.pk, retried.pk, unpaid.pk}) == {
        paid.pk: selectors.PaidPayment("pi_paid", paid.number),
        retried.pk: selectors.PaidPayment("pi_second", retried.number),
    }


# ---------------------------------------------------------------------------------- credited sales


def test_cart_lines_with_a_tag_count_the_lines_still_carrying_it():
    variant = _stocked()
    for tag_id, token in [(1, "a"), (1, "b"), (2, "c"), (None, "d")]:
        CartLine.objects.create(
            cart=Cart.objects.create(session_key=token), variant=variant, quantity=1, attribution_tag_id=tag_id
        )

    counts = dict(
        CartLine.objects.annotate(n=selectors.cart_lines_with_tag("attribution_tag_id")).values_list(
            "cart__session_key", "n"
        )
    )

    assert counts == {"a": 2, "b": 2, "c": 1, "d": 0}


@pytest.fixture
def sales():
    """Creator 9: two paid orders through tag 1 (one in two lines), one through tag 2, one unpaid; creator 8: one."""
    tea, cup = _stocked(), _stocked()
    two_lines = paid_order((tea, 2), (cup, 1))
    _credit(two_lines, tag_id=1, creator_id=9)
    one_line = paid_order((tea, 1))
    _credit(one_line, tag_id=1, creator_id=9)
    other_tag = paid_order((cup, 3))
    _credit(other_tag, tag_id=2, creator_id=9)
    _credit(_placed_order((tea, 5)), tag_id=1, creator_id=9)
    _credit(paid_order((tea, 4)), tag_id=3, creator_id=8)
    return {"tea": tea, "cup": cup, "two_lines": two_lines, "one_line": one_line, "other_tag": other_tag}


def test_a_creators_sales_by_tag_count_paid_orders_units_lines_and_sales(sales):
    rows = selectors.creator_sales_by_tag(creator_id=9, tag_ids=[1, 2, 3])

    assert sorted(rows, key=lambda row: row.tag_id) == [
        selectors.TagSales(tag_id=1, currency="USD", orders=2, units=4, lines=3, sales=Decimal("80.00")),
        selectors.TagSales(tag_id=2, currency="USD", orders=1, units=3, lines=1, sales=Decimal("60.00")),
    ]
    assert selectors.creator_sales_by_tag(creator_id=9, tag_ids=[2])[0].tag_id == 2


def test_a_creators_sales_by_currency_and_orders(sales):
    assert selectors.creator_sales_by_currency(creator_id=9) == {"USD": Decimal("140.00")}
    assert selectors.creator_order_count(creator_id=9) == 3
    assert selectors.creator_order_count(creator_id=1) == 0


def test_a_creators_orders_by_utc_day_since_a_moment(sales):
    today = timezone.now().astimezone(UTC).date()
    yesterday = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    Order.objects.filter(pk=sales["one_line"].pk).update(paid_at=yesterday)
    Order.objects.filter(pk=sales["other_tag"].pk).update(paid_at=yesterday - timedelta(days=5))

    since = datetime.combine(today - timedelta(days=2), datetime.min.time(), tzinfo=UTC)

    assert selectors.creator_orders_by_day(creator_id=9, since=since) == {today: 1, yesterday.date(): 1}


def test_a_sellers_sales_by_creator_and_its_order_lines_only_cover_its_products():
    seller, other = SellerFactory(), SellerFactory()
    mine = _stocked(seller=seller)
    theirs = _stocked(seller=other)
    both = paid_order((mine, 2), (theirs, 1))
    _credit(both, tag_id=1, creator_id=9)
    uncredited = paid_order((mine, 1))
    _credit(_placed_order((mine, 3)), tag_id=1, creator_id=9)

    assert selectors.seller_sales_by_creator(seller_id=seller.pk) == [
        selectors.CreatorSalesOfSeller(creator_id=9, currency="USD", orders=1, units=2, sales=Decimal("40.00"))
    ]
    line_ids = set(selectors.seller_order_line_ids(seller_id=seller.pk).values_list("pk", flat=True))
    assert line_ids == set(OrderLine.objects.filter(variant=mine).values_list("pk", flat=True))
    assert uncredited.lines.get().pk in line_ids
