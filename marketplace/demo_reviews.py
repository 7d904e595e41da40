"""Demo reviews for `seed_demo`: the demo shopper reviews what was delivered to them, through the review service.

Each review is of a real delivered order line (the demo orders and returns deliver them), so the product cards,
product pages, storefronts and the feed's sheets show verified ratings; one has a photo, one a short video, sellers
answered some, and another shopper reported one (it waits in the admin's "Reported, waiting" queue). Skipped when
the shopper has reviews already.
"""

import io
import random
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from marketplace.video import make_test_clip
from shop.models import Review
from shop.reviews.selectors import purchases_to_review
from shop.services.reviews import answer_review, post_review, report_review

SEED = 15
MAX_REVIEWS = 8  # under REVIEWS_PER_ACCOUNT_PER_DAY
TEXTS = (
    (5, "Exactly as in the video, and it arrived two days early. Would buy again."),
    (4, "Good quality for the price. The box was a little dented, the product was fine."),
    (5, "Lovely. The colour is even nicer in daylight."),
    (3, "Does the job. Smaller than I expected: check the dimensions."),
    (4, "Well packed and well made. Took a week to arrive."),
    (2, "It works, but the finish scratched after a few days."),
    (5, "A gift that went down very well."),
    (4, "Nice, comfortable, true to size."),
)
ANSWERS = {
    2: "Sorry to hear that. Write to us and we will send a replacement.",
    3: "Thank you for the tip: we added the dimensions to the description.",
}


def _photo() -> SimpleUploadedFile:
    """A small picture of a parcel on a table, drawn here (no files shipped)."""
    image = Image.new("RGB", (640, 480), (236, 228, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((180, 150, 460, 380), fill=(196, 160, 112), outline=(120, 90, 50), width=6)
    draw.line((180, 265, 460, 265), fill=(230, 220, 200), width=14)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("parcel.jpg", buffer.getvalue(), content_type="image/jpeg")


def _video() -> SimpleUploadedFile:
    """A 2-second MP4 (H.264) clip, encoded here (no files shipped; a fraction of a second at 320x240)."""
    with tempfile.TemporaryDirectory() as folder:
        path = make_test_clip(Path(folder) / "unboxing.mp4", seconds=2, width=320, height=240, hue=30)
        return SimpleUploadedFile("unboxing.mp4", path.read_bytes(), content_type="video/mp4")


def seed_demo_reviews(report, *, shopper) -> list[Review]:
    """Review up to MAX_REVIEWS of the shopper's delivered lines (once); sellers answer the low ones."""
    if Review.objects.filter(author=shopper).exists():
        return []
    rng = random.Random(SEED)
    purchases = [purchase for purchase in purchases_to_review(user=shopper) if purchase.review is None]
    reviews = []
    for index, purchase in enumerate(purchases[:MAX_REVIEWS]):
        rating, text = TEXTS[index % len(TEXTS)]
        photos = [_photo()] if index == 0 else []
        video = _video() if index == 1 else None
        review = post_review(
            user=shopper, order_line_id=purchase.line.pk, rating=rating, text=text, photos=photos, video=video
        )
        report.add("reviews")
        if rating in ANSWERS:
            answer_review(review=review, seller=review.seller, by=None, text=ANSWERS[rating])
        reviews.append(review)
    if reviews:
        reporter, _ = get_user_model().objects.get_or_create(
            username="reporter", defaults={"email": "reporter@example.com", "first_name": "Rita"}
        )
        report_review(review=rng.choice(reviews), user=reporter, reason="off_topic", note="Talks about delivery only.")
    return reviews
