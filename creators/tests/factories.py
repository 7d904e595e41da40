import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from creators.models import Creator, ProductTag, VideoPost
from marketplace.tests.factories import UserFactory
from shop.tests.factories import ProductFactory


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creator

    user = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"creator{n}")
    display_name = factory.Sequence(lambda n: f"Creator {n}")
    country = "US"
    status = Creator.Status.APPROVED


class VideoPostFactory(factory.django.DjangoModelFactory):
    """A ready, published post; the video file is a placeholder unless a test makes a real clip."""

    class Meta:
        model = VideoPost

    creator = factory.SubFactory(CreatorFactory)
    caption = factory.Sequence(lambda n: f"Look {n} #ootd")
    status = VideoPost.Status.READY
    video = factory.LazyFunction(lambda: ContentFile(b"\x00\x00\x00\x18ftypmp42", name="clip.mp4"))
    duration_seconds = 10
    width = 360
    height = 640
    published_at = factory.LazyFunction(timezone.now)


class ProductTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductTag

    post = factory.SubFactory(VideoPostFactory)
    product = factory.SubFactory(ProductFactory, status="active", affiliate_commission_rate=10)
    start_seconds = 2
