"""Demo creators for `seed_demo`: profiles, generated videos tagged with demo products, engagement, follows
and likes.

Videos are synthetic clips encoded with PyAV (nothing is downloaded) and go through the same
upload and processing services a creator's upload does. Idempotent: a creator that exists is left
alone. Orders attributed to these tags are made by the demo orders (fulfillment/demo.py).
"""

import random
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from creators.models import Creator, PostImpression, ProductTag, TagClick, VideoPost
from creators.services import social
from creators.services.post_media import sync_post_media
from creators.services.posts import create_post_from_upload, process_post, publish_post
from creators.services.tags import add_tag, taggable_products
from marketplace import video

SEED = 7
CLIP_SECONDS = 8
POSTS_PER_CREATOR = 2
TAGS_PER_POST = 3
CREATOR_PASSWORD = "creator-demo-pass"  # noqa: S105  (a published demo log-in, like shop.demo.DEMO_USERS)


@dataclass(frozen=True)
class CreatorSpec:
    username: str
    handle: str
    display_name: str
    country: str
    bio: str
    hue: int


CREATORS = (
    CreatorSpec("creator", "maya.makes", "Maya Makes", "US", "Skincare shelfies and honest reviews.", 330),
    CreatorSpec("leo", "leo.outdoors", "Leo Outdoors", "CA", "Gear that survives the weekend.", 120),
    CreatorSpec("priya", "priyacooks", "Priya Cooks", "GB", "Ten-minute dinners and the tools I use.", 30),
    CreatorSpec("tomas", "tomas.tech", "Tomás Tech", "DE", "Desk setups, gadgets, cables that work.", 210),
    CreatorSpec("aiko", "aiko.style", "Aiko Style", "JP", "Capsule wardrobe, one piece at a time.", 280),
    CreatorSpec("nia", "nia.home", "Nia at Home", "US", "Small flat, cosy corners.", 60),
)

CAPTIONS = (
    "Three things I use every single day #favourites #musthaves",
    "Unboxing and first impressions #unboxing #review",
    "What I packed for the weekend #travel #essentials",
    "Tried it for a month: worth it? #honestreview",
)


def seed_creators(report, *, approved_by) -> list[Creator]:
    """Create the demo creators with published, tagged posts and 30 days of impressions and clicks."""
    rng = random.Random(SEED)
    products = list(taggable_products().order_by("pk")[:60])
    if not products:
        return []
    creators = []
    for index, spec in enumerate(CREATORS):
        creator = Creator.objects.filter(handle=spec.handle).first()
        if creator is not None:
            creators.append(creator)
            continue
        creator = _creator(spec, approved_by=approved_by)
        report.add("creators")
        for number in range(POSTS_PER_CREATOR):
            post = _post(creator, spec, number, caption=CAPTIONS[(index + number) % len(CAPTIONS)])
            report.add("video posts")
            for position, product in enumerate(rng.sample(products, min(TAGS_PER_POST, len(products)))):
                add_tag(
                    post=post,
                    product_id=product.pk,
                    start_seconds=1 + position * 2,
                    end_seconds=3 + position * 2,
                    position_x=20 + 25 * position,
                    position_y=70,
                )
                report.add("product tags")
            publish_post(post=post)
            sync_post_media(post_id=post.pk)  # the media worker's part: the public copies the feed plays
        _engagement(creator, rng)
        creators.append(creator)
    _follows_and_likes(report, creators)
    return creators


def _follows_and_likes(report, creators: list[Creator]) -> None:
    """The demo shopper follows three creators (their Following tab has videos) and likes their posts; each
    creator follows and likes the next two, so every count on the feed reads something. Idempotent."""
    shopper = get_user_model().objects.filter(username="shopper").first()
    fans = [(shopper, creators[:3])] if shopper else []
    fans += [
        (creator.user, [creators[(i + 1) % len(creators)], creators[(i + 2) % len(creators)]])
        for i, creator in enumerate(creators)
    ]
    for user, followed in fans:
        for creator in followed:
            if creator.user_id == user.pk:
                continue
            if social.follow(user=user, creator=creator):
                report.add("follows")
            for post in VideoPost.objects.published().filter(creator=creator):
                if social.like(user=user, post=post):
                    report.add("likes")


def _creator(spec: CreatorSpec, *, approved_by) -> Creator:
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first() or user_model.objects.create_user(
        username=spec.username,
        email=f"{spec.username}@creators.example.com",
        password=CREATOR_PASSWORD,
        first_name=spec.display_name.split()[0],
    )
    return Creator.objects.create(
        user=user,
        handle=spec.handle,
        display_name=spec.display_name,
        bio=spec.bio,
        country=spec.country,
        status=Creator.Status.APPROVED,
        reviewed_by=approved_by,
        reviewed_at=timezone.now(),
    )


def _post(creator: Creator, spec: CreatorSpec, number: int, *, caption: str) -> VideoPost:
    """Encode a clip, upload it through the upload service and process it now (not on commit)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "clip.mp4"
        video.make_test_clip(path, seconds=CLIP_SECONDS, width=360, height=640, hue=(spec.hue + 40 * number) % 360)
        upload = SimpleUploadedFile(f"{spec.handle}-{number}.mp4", path.read_bytes(), content_type="video/mp4")
    post = create_post_from_upload(creator=creator, upload=upload, caption=caption)
    return process_post(post_id=post.pk) or post


def _engagement(creator: Creator, rng: random.Random) -> None:
    """Impressions and clicks spread over the last 30 days so the dashboards have a curve."""
    now = timezone.now()
    tags = list(ProductTag.objects.filter(post__creator=creator).select_related("post"))
    impressions, clicks = [], []
    for day in range(30):
        for _ in range(rng.randint(5, 40)):
            tag = rng.choice(tags)
            at = now - timedelta(days=day, minutes=rng.randint(0, 1439))
            visitor = f"demo-visitor-{rng.randint(1, 400)}"
            impressions.append(PostImpression(post=tag.post, creator=creator, session_key=visitor, created_at=at))
            if rng.random() < 0.12:
                clicks.append(
                    TagClick(
                        tag=tag,
                        post=tag.post,
                        product_id=tag.product_id,
                        creator=creator,
                        session_key=visitor,
                        created_at=at,
                    )
                )
    PostImpression.objects.bulk_create(impressions)
    TagClick.objects.bulk_create(clicks)
