"""Shared set-up for the review tests: reviews written straight into the tables (for lists and counts),
and a delivered order of a logged-in shopper (for the verified-purchase rules, through the real flow).

Import `shopper_delivered_fixture` (and the returns tests' `delivered_order_fixture`, `returns_centre_fixture`,
`local_stripe_fixture`) with `# noqa: F401`; tests ask for it as `shopper_delivered`.
"""

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.tests.factories import UserFactory
from marketplace.video import make_test_clip
from shop.models import Order, OrderLine, Product, Review, ReviewPhoto
from shop.services.reviews import recount_ratings
from shop.tests.factories import VariantFactory, image_upload

_numbers = itertools.count(1)


def clip_upload(folder: Path, *, seconds: float = 2, name: str = "x.mp4") -> SimpleUploadedFile:
    """A real, small MP4 (H.264) clip as a browser would send it."""
    path = make_test_clip(folder / name, seconds=seconds, width=320, height=240)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="video/mp4")


def not_a_video(name: str = "x.mp4") -> SimpleUploadedFile:
    """A text file named like a video."""
    return SimpleUploadedFile(name, b"#EXTM3U\nhttp://example.com/other.mp4\n", content_type="video/mp4")


def bought_line(*, product: Product, user=None) -> OrderLine:
    """An order line of `product` on a delivered order of `user` (a new account if none), without fulfillment."""
    user = user or UserFactory()
    variant = product.variants.first() or VariantFactory(product=product)
    order = Order.objects.create(
        number=f"MK-TEST-{next(_numbers):05d}",
        user=user,
        email=user.email or "shopper@example.com",
        status=Order.Status.DELIVERED,
        currency="USD",
        subtotal=variant.price,
        total=variant.price,
        shipping_method="standard",
        shipping_method_name="Standard",
        ship_name="Ada Lovelace",
        ship_line1="1 Main St",
        ship_city="Newark",
        ship_country="US",
    )
    return OrderLine.objects.create(
        order=order,
        variant=variant,
        product_title=product.title,
        sku=variant.sku,
        quantity=1,
        unit_price=variant.price,
        currency="USD",
        line_total=variant.price,
    )


def add_reviews(
    product: Product, count: int, *, rating: int = 4, photos: int = 1, answered: bool = True
) -> list[Review]:
    """`count` shown reviews of `product` with photos and the seller's answer, as if written through the service."""
    reviews = []
    for _ in range(count):
        line = bought_line(product=product)
        review = Review.objects.create(
            order_line=line,
            product=product,
            seller_id=product.seller_id,
            author=line.order.user,
            author_name="Ada L.",
            rating=rating,
            text="Lovely, as described.",
            editable_until=timezone.now() + timedelta(days=30),
            seller_answer="Thank you!" if answered else "",
            answered_at=timezone.now() if answered else None,
        )
        for position in range(photos):
            ReviewPhoto.objects.create(
                review=review, image=image_upload(f"r{review.pk}-{position}.jpg"), position=position
            )
        reviews.append(review)
    recount_ratings(product_id=product.pk, seller_id=product.seller_id)
    return reviews


@pytest.fixture(name="shopper_delivered")
def shopper_delivered_fixture(delivered_order):
    """The returns tests' delivered order (2 x tea, 1 x cup), placed by a logged-in shopper."""
    shopper = UserFactory(first_name="Grace", last_name="Hopper")
    Order.objects.filter(pk=delivered_order.pk).update(user=shopper)
    delivered_order.user = shopper
    return delivered_order
