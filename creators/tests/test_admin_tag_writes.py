"""Staff add and change product tags through the tag service, on a tag's page and on its post's page.

The studio's rules hold in the admin too: a taggable product, times inside the processed video, at
most MAX_TAGS_PER_POST tags per post. A refusal is a form error and nothing of the page is saved.
"""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.forms import ModelForm
from django.urls import reverse
from django.utils import timezone

from creators.models import ProductTag, VideoPost
from creators.services.tags import MAX_TAGS_PER_POST
from creators.tests.factories import ProductTagFactory, VideoPostFactory
from shop.models import Product
from shop.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

NOT_TAGGABLE = "Choose an active product that offers creators a commission."
TOO_LONG = "The video is only 10 s long."
TOO_MANY = f"A post holds at most {MAX_TAGS_PER_POST} product tags."


@pytest.fixture
def post() -> VideoPost:
    return VideoPostFactory(duration_seconds=Decimal("10.000"), caption="Spring looks")


@pytest.fixture
def scarf() -> Product:
    return ProductFactory(title="Silk scarf", status=Product.Status.ACTIVE, affiliate_commission_rate=Decimal("12"))


CLOSED_PRODUCTS = {
    "archived": {"status": Product.Status.ARCHIVED},
    "draft": {"status": Product.Status.DRAFT},
    "without a commission": {"affiliate_commission_rate": Decimal("0")},
}


def _tag_page(post: VideoPost, product: Product, **changes) -> dict:
    return {
        "post": post.pk,
        "product": product.pk,
        "start_seconds": "2",
        "end_seconds": "",
        "position_x": "",
        "position_y": "",
    } | changes


def _post_page(post: VideoPost, *, stored: list[dict] = (), new: list[dict] = ()) -> dict:
    """The post's change page: `stored` rows (each with its tag) as staff left or edited them, then `new` rows."""
    published = timezone.localtime(post.published_at)
    data = {
        "creator": post.creator_id,
        "caption": post.caption,
        "published_at_0": published.strftime("%Y-%m-%d"),
        "published_at_1": published.strftime("%H:%M:%S"),
        "tags-TOTAL_FORMS": str(len(stored) + len(new)),
        "tags-INITIAL_FORMS": str(len(stored)),
    }
    rows = [{"id": row["tag"].pk, **_row(row["tag"]), **row} for row in stored] + list(new)
    for index, row in enumerate(rows):
        data |= {f"tags-{index}-{name}": value for name, value in row.items() if name != "tag"}
        data[f"tags-{index}-post"] = post.pk
    return data


def _row(tag: ProductTag) -> dict:
    return {
        "product": tag.product_id,
        "start_seconds": str(tag.start_seconds),
        "end_seconds": "" if tag.end_seconds is None else str(tag.end_seconds),
        "position_x": "" if tag.position_x is None else tag.position_x,
        "position_y": "" if tag.position_y is None else tag.position_y,
    }


def _tag_rows(response):
    [formset] = [
        inline.formset for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "tags"
    ]
    return formset


# --- a tag's own page -----------------------------------------------------------------------------


@pytest.mark.parametrize("closed", CLOSED_PRODUCTS.values(), ids=CLOSED_PRODUCTS.keys())
def test_a_product_creators_cannot_tag_is_refused_on_the_add_page(staff_client, post, closed):
    product = ProductFactory(**({"status": Product.Status.ACTIVE, "affiliate_commission_rate": 10} | closed))

    response = staff_client.post(reverse("admin:creators_producttag_add"), _tag_page(post, product))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"product": [NOT_TAGGABLE]}
    assert not ProductTag.objects.exists()


def test_a_tag_ending_after_the_video_is_refused_on_the_add_page(staff_client, post, scarf):
    response = staff_client.post(reverse("admin:creators_producttag_add"), _tag_page(post, scarf, end_seconds="12"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"end_seconds": [TOO_LONG]}
    assert not ProductTag.objects.exists()


def test_a_tag_on_a_post_still_processing_is_refused(staff_client, scarf):
    processing = VideoPostFactory(status=VideoPost.Status.PROCESSING, duration_seconds=None, published_at=None)

    response = staff_client.post(reverse("admin:creators_producttag_add"), _tag_page(processing, scarf))

    assert response.status_code == 200
    assert "Tag products once the video has been processed." in response.text
    assert not ProductTag.objects.exists()


def test_a_twenty_first_tag_is_refused_on_the_add_page(staff_client, post, scarf):
    ProductTagFactory.create_batch(MAX_TAGS_PER_POST, post=post, product=scarf)

    response = staff_client.post(reverse("admin:creators_producttag_add"), _tag_page(post, scarf))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [TOO_MANY]
    assert post.tags.count() == MAX_TAGS_PER_POST


def test_a_tag_moved_past_the_end_of_the_video_is_refused(staff_client, post, scarf):
    tag = ProductTagFactory(post=post, product=scarf, start_seconds=2)

    response = staff_client.post(
        reverse("admin:creators_producttag_change", args=[tag.pk]), _tag_page(post, scarf, start_seconds="11")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"start_seconds": [TOO_LONG]}
    tag.refresh_from_db()
    assert tag.start_seconds == 2


def test_a_tag_relinked_to_an_archived_product_is_refused(staff_client, post, scarf):
    tag = ProductTagFactory(post=post, product=scarf)
    archived = ProductFactory(status=Product.Status.ARCHIVED, affiliate_commission_rate=10)

    response = staff_client.post(reverse("admin:creators_producttag_change", args=[tag.pk]), _tag_page(post, archived))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"product": [NOT_TAGGABLE]}
    tag.refresh_from_db()
    assert tag.product == scarf


def test_a_valid_change_is_saved_and_the_tag_stays_on_its_post(staff_client, post, scarf):
    tag = ProductTagFactory(post=post, product=ProductFactory(status=Product.Status.ARCHIVED))
    other_post = VideoPostFactory()

    response = staff_client.post(
        reverse("admin:creators_producttag_change", args=[tag.pk]),
        _tag_page(other_post, scarf, start_seconds="3.5", end_seconds="8", position_x="20"),
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.post, tag.product) == (post, scarf)  # relinked to a taggable product
    assert (tag.start_seconds, tag.end_seconds, tag.position_x, tag.position_y) == (Decimal("3.5"), 8, 20, None)


def test_the_service_refuses_what_a_stale_form_let_through(staff_client, post, scarf, monkeypatch):
    # As if the post had been filled up between the form's check and the save.
    from creators.admin import ProductTagAdminForm

    monkeypatch.setattr(ProductTagAdminForm, "clean", ModelForm.clean)
    ProductTagFactory.create_batch(MAX_TAGS_PER_POST, post=post, product=scarf)
    add_page = reverse("admin:creators_producttag_add")

    response = staff_client.post(add_page, _tag_page(post, scarf), follow=True)

    assert response.redirect_chain == [(add_page, 302)]
    assert f"Nothing was saved: {TOO_MANY}" in [str(message) for message in response.context["messages"]]
    assert post.tags.count() == MAX_TAGS_PER_POST


# --- tag rows on the post's page ------------------------------------------------------------------


@pytest.mark.parametrize("closed", CLOSED_PRODUCTS.values(), ids=CLOSED_PRODUCTS.keys())
def test_a_row_for_a_product_creators_cannot_tag_is_refused_on_the_post_page(staff_client, post, closed):
    product = ProductFactory(**({"status": Product.Status.ACTIVE, "affiliate_commission_rate": 10} | closed))

    response = staff_client.post(
        reverse("admin:creators_videopost_change", args=[post.pk]),
        _post_page(post, new=[{"product": product.pk, "start_seconds": "1"}]),
    )

    assert response.status_code == 200
    assert _tag_rows(response).errors == [{"product": [NOT_TAGGABLE]}]
    assert NOT_TAGGABLE in response.text
    assert not post.tags.exists()


def test_a_row_ending_after_the_video_is_refused_on_the_post_page(staff_client, post, scarf):
    tag = ProductTagFactory(post=post, product=scarf, start_seconds=2)

    response = staff_client.post(
        reverse("admin:creators_videopost_change", args=[post.pk]),
        _post_page(
            post, stored=[{"tag": tag, "end_seconds": "10.5"}], new=[{"product": scarf.pk, "start_seconds": "4"}]
        ),
    )

    assert response.status_code == 200
    assert _tag_rows(response).errors == [{"end_seconds": [TOO_LONG]}, {}]
    tag.refresh_from_db()
    assert tag.end_seconds is None
    assert list(post.tags.all()) == [tag]  # the valid new row was not saved either


def test_rows_beyond_twenty_tags_are_refused_on_the_post_page(staff_client, post, scarf):
    ProductTagFactory.create_batch(MAX_TAGS_PER_POST - 1, post=post, product=scarf)
    new = [{"product": scarf.pk, "start_seconds": "1"}, {"product": scarf.pk, "start_seconds": "5"}]

    response = staff_client.post(reverse("admin:creators_videopost_change", args=[post.pk]), _post_page(post, new=new))

    assert response.status_code == 200
    assert _tag_rows(response).non_form_errors() == [TOO_MANY]
    assert TOO_MANY in response.text
    assert post.tags.count() == MAX_TAGS_PER_POST - 1


def test_a_full_post_takes_a_new_row_when_another_is_deleted(staff_client, post, scarf):
    first, *others = ProductTagFactory.create_batch(MAX_TAGS_PER_POST, post=post, product=scarf)
    stored = [{"tag": first, "DELETE": "on"}] + [{"tag": tag} for tag in others]

    response = staff_client.post(
        reverse("admin:creators_videopost_change", args=[post.pk]),
        _post_page(post, stored=stored, new=[{"product": scarf.pk, "start_seconds": "9", "end_seconds": "10"}]),
    )

    assert response.status_code == 302
    assert post.tags.count() == MAX_TAGS_PER_POST
    assert not post.tags.filter(pk=first.pk).exists()
    assert post.tags.filter(start_seconds=9, end_seconds=10).exists()
    history = LogEntry.objects.get(object_id=str(post.pk)).get_change_message()
    assert history == "Added product tag “Silk scarf at 9 s”. Deleted product tag “Silk scarf at 2 s”."
