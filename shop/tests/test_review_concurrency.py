"""Buyers review the same product at the same moment, for real, on PostgreSQL with threads: the stored rating
counts every review (each recount runs under the product's and seller's row locks)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from shop.models import Product, Seller
from shop.services import reviews
from shop.tests.factories import ProductFactory, VariantFactory
from shop.tests.reviews_support import bought_line

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS = 4


class Delivered:
    """Fulfillment's answer for lines it delivered (its own tests cover how it knows)."""

    delivered = 1


def test_reviews_posted_at_once_are_all_counted(monkeypatch):
    product = VariantFactory(product=ProductFactory()).product
    lines = [bought_line(product=product) for _ in range(BUYERS)]
    monkeypatch.setattr(
        reviews, "fulfillment_of_lines", lambda order_line_ids: dict.fromkeys(order_line_ids, Delivered)
    )
    barrier = Barrier(BUYERS)
    real_lock = reviews._lock_rated

    def lock_together(**kwargs) -> None:
        barrier.wait(timeout=20)  # every buyer reaches the lock at the same moment
        real_lock(**kwargs)

    monkeypatch.setattr(reviews, "_lock_rated", lock_together)

    def post(index: int) -> int:
        try:
            line = lines[index]
            return reviews.post_review(user=line.order.user, order_line_id=line.pk, rating=index + 2, text="Good").pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        posted = list(pool.map(post, range(BUYERS)))

    assert len(set(posted)) == BUYERS
    product = Product.objects.get(pk=product.pk)
    seller = Seller.objects.get(pk=product.seller_id)
    assert (product.rating_count, product.rating_total) == (BUYERS, 2 + 3 + 4 + 5)
    assert (seller.rating_count, seller.rating_total) == (BUYERS, 14)
