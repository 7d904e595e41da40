"""The feed, post and creator pages: what is shown, to whom, in which order, and how it is marked up."""

import re

import pytest

from creators.models import Creator
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product
from shop.models import Product
from shop.tests.factories import image_upload

pytestmark = pytest.mark.django_db


def _post_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-post-id="(\d+)"', html)]


def test_the_feed_shows_published_posts_newest_first(client):
    old = post_with_tags(minutes_ago=30)
    new = post_with_tags(minutes_ago=1)
    middle = post_with_tags(minutes_ago=10)
    VideoPostFactory(published_at=None)  # a draft
    VideoPostFactory(status="processing")
    VideoPostFactory(creator=CreatorFactory(status=Creator.Status.PENDING))

    response = client.get("/feed/")

    assert response.status_code == 200
    assert _post_ids(response.content.decode()) == [new.pk, middle.pk, old.pk]


def test_the_feed_loads_the_next_page_as_a_partial_when_the_sentinel_is_revealed(client):
    posts = [post_with_tags(minutes_ago=minute) for minute in range(12)]  # newest first: posts[0]

    first = client.get("/feed/").content.decode()
    sentinel = re.search(r'hx-get="(/feed/page/\?cursor=[^"]+)" hx-trigger="revealed"', first)
    second = client.get(sentinel.group(1).replace("&amp;", "&"))

    assert _post_ids(first) == [post.pk for post in posts[:10]]
    assert second.status_code == 200
    assert "<html" not in second.content.decode()  # a partial for htmx
    assert _post_ids(second.content.decode()) == [post.pk for post in posts[10:]]
    assert "hx-trigger" not in second.content.decode()  # no more pages


def test_a_post_published_between_two_pages_does_not_shift_the_next_page(client):
    posts = [post_with_tags(minutes_ago=minute + 1) for minute in range(11)]
    first = client.get("/feed/").content.decode()
    post_with_tags()  # newer than everything: belongs before page one
    url = re.search(r'hx-get="(/feed/page/\?cursor=[^"]+)"', first).group(1)

    assert _post_ids(client.get(url).content.decode()) == [posts[10].pk]


def test_a_made_up_cursor_is_not_found(client):
    assert client.get("/feed/page/?cursor=bm90LWEtY3Vyc29y").status_code == 404


def test_the_hashtag_filter_shows_only_posts_with_that_whole_hashtag(client):
    ootd = post_with_tags(caption="Summer look #OOTD today")
    post_with_tags(caption="#ootdaily")
    post_with_tags(caption="no tags")

    response = client.get("/feed/?tag=ootd")
    feed = client.get("/feed/").content.decode()

    assert _post_ids(response.content.decode()) == [ootd.pk]
    assert '<a href="/feed/?tag=ootd">#OOTD</a>' in feed


def test_each_post_plays_muted_inline_with_keyboard_help_and_labelled_controls(client):
    post = post_with_tags(1)

    html = client.get("/feed/").content.decode()

    assert re.search(r"<video [^>]*autoplay muted playsinline loop preload=\"metadata\"", html)
    assert f'<track kind="metadata" label="Products" src="/v/{post.pk}/tags.vtt">' in html
    assert 'aria-describedby="feed-help"' in html and "arrow keys" in html
    assert f'id="post-{post.pk}" data-feed-item data-post-id="{post.pk}" tabindex="-1"' in html
    assert 'data-action="play" aria-label="Pause video"' in html
    assert 'data-action="mute" aria-label="Unmute video" aria-pressed="true"' in html
    assert '<dialog id="product-sheet"' in html
    assert "js/feed.js" in html and "css/feed.css" in html


def test_tagged_products_are_listed_under_the_video_with_the_commission_disclosure(client):
    post = post_with_tags(caption="Look")
    variant = tagged_product("Glass teapot", "24.00")
    tag = ProductTagFactory(post=post, product=variant.product, start_seconds=2, position_x=30, position_y=60)
    untagged = post_with_tags(minutes_ago=5)

    html = client.get("/feed/").content.decode()
    mine, other = html.split(f'id="post-{untagged.pk}"')

    assert f"@{post.creator.handle} earns a commission on purchases from this video." in mine
    assert "earns a commission" not in other  # nothing tagged, nothing earned
    assert f'data-tag-id="{tag.pk}" data-start="2.00" data-x="30" data-y="60"' in mine  # a chip, hidden until 2 s
    assert f'hx-get="/feed/sheet/{tag.pk}/"' in mine
    assert re.search(r'class="feed-product-title">Glass teapot</span>\s*<span class="feed-product-price">\$24.00', mine)


def test_a_tag_on_an_archived_product_is_not_shown(client):
    post = post_with_tags(1)
    Product.objects.filter(pk=post.tags.get().product_id).update(status=Product.Status.ARCHIVED)

    html = client.get("/feed/").content.decode()

    assert "data-chip" not in html and "earns a commission" not in html


def test_the_post_page_has_open_graph_and_twitter_card_tags(client):
    post = post_with_tags(1, caption="Blue teapot in the morning")
    post.poster.save("poster.jpg", image_upload())

    html = client.get(f"/v/{post.pk}/").content.decode()

    assert f'<meta property="og:image" content="http://testserver/media/{post.poster.name}">' in html
    assert f'<meta property="og:video" content="http://testserver/media/{post.video.name}">' in html
    assert f'<meta property="og:url" content="http://testserver/v/{post.pk}/">' in html
    assert f'<meta property="og:title" content="{post.creator.display_name} (@{post.creator.handle})">' in html
    assert '<meta property="og:description" content="Blue teapot in the morning">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert "earns a commission on purchases from this video" in html


@pytest.mark.parametrize(
    "hidden",
    [
        {"published_at": None},
        {"status": "processing"},
        {"creator__status": Creator.Status.PENDING},
        {"creator__status": Creator.Status.SUSPENDED},
    ],
)
def test_drafts_and_posts_of_unapproved_creators_are_not_found_by_others(client, user, hidden):
    post = VideoPostFactory(**hidden)
    client.force_login(user)

    assert client.get(f"/v/{post.pk}/").status_code == 404
    assert client.get(f"/v/{post.pk}/tags.vtt").status_code == 404


def test_a_creator_sees_their_own_draft(client):
    draft = VideoPostFactory(published_at=None)
    client.force_login(draft.creator.user)

    response = client.get(f"/v/{draft.pk}/")

    assert response.status_code == 200
    assert "Draft: only you can see this video." in response.content.decode()


def test_the_profile_page_shows_posts_and_the_products_they_tag_once_each(client):
    creator = CreatorFactory(handle="ada.makes", display_name="Ada Makes", bio="Tea things")
    teapot = tagged_product("Glass teapot", "24.00")
    first = post_with_tags(creator=creator, minutes_ago=5)
    second = post_with_tags(creator=creator)
    for post in (first, second):
        ProductTagFactory(post=post, product=teapot.product)
    draft = VideoPostFactory(creator=creator, published_at=None)
    ProductTagFactory(post=draft, product=tagged_product("Secret kettle").product)

    html = client.get("/@ada.makes/").content.decode()

    assert "Ada Makes" in html and "Tea things" in html
    assert re.findall(r'href="/v/(\d+)/" class="poster-link"', html) == [str(second.pk), str(first.pk)]
    assert html.count('<span class="showcase-title">Glass teapot</span>') == 1
    assert "Secret kettle" not in html
    assert "@ada.makes earns a commission on purchases from their videos." in html


def test_the_profile_of_an_unapproved_or_unknown_creator_is_not_found(client):
    CreatorFactory(handle="waiting", status=Creator.Status.PENDING)

    assert client.get("/@waiting/").status_code == 404
    assert client.get("/@nobody/").status_code == 404
