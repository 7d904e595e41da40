"""Reads for reviews, shaped for their pages; each in a constant number of queries."""

from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet

from fulfillment.selectors import fulfillment_of_lines
from shop.models import OrderLine, Review, ReviewPhoto, Seller

PRODUCT_PAGE_REVIEWS = 20


def _with_photos(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return reviews.prefetch_related(Prefetch("photos", ReviewPhoto.objects.order_by("position", "id")))


def product_reviews_queryset(*, product_id: int) -> QuerySet[Review]:
    """The product's shown reviews, newest first, with their photos prefetched."""
    return _with_photos(Review.objects.visible().filter(product_id=product_id)).order_by("-created_at", "-id")


def product_reviews(*, product_id: int, limit: int = PRODUCT_PAGE_REVIEWS) -> list[Review]:
    """The newest shown reviews of the product, with their photos (2 queries)."""
    return list(product_reviews_queryset(product_id=product_id)[:limit])


@dataclass(frozen=True)
class Purchase:
    """A delivered order line of the shopper's, with their review of it if written."""

    line: OrderLine
    review: Review | None


def purchases_to_review(*, user) -> list[Purchase]:
    """The shopper's delivered order lines, newest order first, each with its review if any (3 queries)."""
    lines = list(
        OrderLine.objects.filter(order__user=user)
        .select_related("order", "variant__product", "review")
        .order_by("-order__created_at", "id")[:200]
    )
    progress = fulfillment_of_lines(order_line_ids=[line.pk for line in lines])
    delivered = [line for line in lines if line.pk in progress and progress[line.pk].delivered > 0]
    return [Purchase(line=line, review=getattr(line, "review", None)) for line in delivered]


def review_of_author(*, user, review_id: int) -> Review | None:
    return _with_photos(Review.objects.filter(author=user, pk=review_id)).select_related("product").first()


def shown_review(*, review_id: int) -> Review | None:
    return Review.objects.visible().select_related("product").filter(pk=review_id).first()


def seller_reviews(*, seller: Seller) -> QuerySet[Review]:
    """Reviews of the seller's products, unanswered first then newest, with product and photos."""
    return _with_photos(Review.objects.filter(seller=seller).select_related("product")).order_by(
        F("answered_at").asc(nulls_first=True), "-created_at", "-id"
    )
