"""The search page's creators and posts, and the suggestions under the search box (page and API)."""

import pytest
from django.urls import reverse

from creators import selectors_search
from creators.models import Creator
from creators.tests.factories import CreatorFactory, VideoPostFactory
from marketplace.fragments import clear_shared_fragments
from shop.tests.test_search_sorting import listed

pytestmark = pytest.mark.django_db


def test_the_search_page_finds_creators_and_videos_as_well_as_products(client):
    listed("Zip hoodie")
    CreatorFactory(handle="hoodieking", display_name="Hoodie King")
    VideoPostFactory(caption="My favourite hoodie for autumn #ootd")
    CreatorFactory(handle="nobody", display_name="Someone else")

    html = client.get(reverse("search"), {"q": "hoody"}).content.decode()

    assert "Zip hoodie" in html
    assert '<h2 id="creator-results">Creators</h2>' in html and "@hoodieking" in html
    assert '<h2 id="post-results">Videos</h2>' in html and "My favourite hoodie for autumn" in html
    assert "@nobody" not in html


def test_no_product_but_a_creator_says_so(client):
    CreatorFactory(handle="submarine.sam", display_name="Sam")

    html = client.get(reverse("search"), {"q": "submarine"}).content.decode()

    assert "No products for “submarine”; creators and videos below." in html
    assert "@submarine.sam" in html


def test_unapproved_creators_and_unpublished_posts_stay_out_of_search(client):
    CreatorFactory(handle="hoodiepending", status=Creator.Status.PENDING)
    VideoPostFactory(caption="hoodie draft", published_at=None)

    html = client.get(reverse("search"), {"q": "hoodie"}).content.decode()

    assert "hoodiepending" not in html and "hoodie draft" not in html


def test_the_most_followed_creator_comes_first(client):
    CreatorFactory(handle="lamp_small", display_name="Lamp fan")
    big = CreatorFactory(handle="lamp_big", display_name="Lamp lover")
    Creator.objects.filter(pk=big.pk).update(follower_count=50)

    html = client.get(reverse("search"), {"q": "lamp"}).content.decode()

    assert html.index("@lamp_big") < html.index("@lamp_small")


def test_search_takes_the_same_queries_with_one_result_of_each_kind_and_many(client, get_counting_queries):
    listed("Lamp 0")
    CreatorFactory(display_name="Lamp maker 0")
    VideoPostFactory(caption="lamp 0")
    url = reverse("search") + "?q=lamp"
    clear_shared_fragments()
    _, one_cold = get_counting_queries(client, url)  # the products' list built and cached
    _, one = get_counting_queries(client, url)  # the list from the cache
    for number in range(1, 12):
        listed(f"Lamp {number}")
        CreatorFactory(display_name=f"Lamp maker {number}")
        VideoPostFactory(caption=f"lamp {number}")

    clear_shared_fragments()
    _, many_cold = get_counting_queries(client, url)
    response, many = get_counting_queries(client, url)

    assert response.content.decode().count("Lamp maker") == 6
    assert one == many == 2  # creators, posts
    assert one_cold == many_cold == many + 4  # sellers, ids and versions with the count, the cards' products, images


@pytest.mark.parametrize(
    "query", ["lamp", "lmap", "hoodie lamp", "big lamp_fan", "a", "Lamp LOVER", "100%", "lamp big maker cosy"]
)
def test_the_page_finds_the_same_creators_and_videos_as_the_orm_in_the_same_order(query):
    for number, (handle, name) in enumerate(
        [("lamp_big", "Lamp lover"), ("lamp_fan", "Big lamp fan"), ("hoodie.h", "Hoodie lamp"), ("cosy", "100% cosy")]
    ):
        creator = CreatorFactory(handle=handle, display_name=name)
        Creator.objects.filter(pk=creator.pk).update(follower_count=number)
        VideoPostFactory(creator=creator, caption=f"{name} by {handle}, look {number}", like_count=number)
    VideoPostFactory(caption="lamp draft", published_at=None)

    creators = selectors_search.creators_for_search_page(query=query)
    posts = selectors_search.posts_for_search_page(query=query)

    assert [c.handle for c in creators] == [c.handle for c in selectors_search.search_creators(query=query)]
    assert [(c.display_name, c.follower_count) for c in creators] == [
        (c.display_name, c.follower_count) for c in selectors_search.search_creators(query=query)
    ]
    expected = [(p.pk, p.caption, p.creator.handle) for p in selectors_search.search_posts(query=query)]
    assert [(p.pk, p.caption, p.creator.handle) for p in posts] == expected


# --- suggestions ---------------------------------------------------------------------------------


def test_the_box_suggests_products_creators_and_videos_as_the_shopper_types(client):
    hoodie = listed("Zip hoodie")
    CreatorFactory(handle="hoodieking", display_name="Hoodie King")
    post = VideoPostFactory(caption="hoodie haul")

    html = client.get(reverse("search-suggest"), {"q": "hood"}).content.decode()

    assert f'<a href="{hoodie.get_absolute_url()}">Zip hoodie</a>' in html
    assert 'href="/@hoodieking/">Hoodie King' in html
    assert f'href="/v/{post.pk}/">hoodie haul' in html
    assert 'href="/search/?q=hood">All results for “hood”</a>' in html


def test_one_letter_suggests_nothing_and_a_miss_says_press_enter(client):
    listed("Zip hoodie")

    one_letter = client.get(reverse("search-suggest"), {"q": "h"}).content.decode()
    miss = client.get(reverse("search-suggest"), {"q": "submarine"}).content.decode()

    assert "<a " not in one_letter and "No suggestions" not in one_letter
    assert "No suggestions for “submarine”. Press Enter to search." in miss


def test_suggestions_take_the_same_queries_for_one_match_and_many(client, get_counting_queries):
    listed("Lamp 0")
    CreatorFactory(display_name="Lamp maker 0")
    VideoPostFactory(caption="lamp 0")
    url = reverse("search-suggest") + "?q=lamp"
    client.get(url)
    _, one = get_counting_queries(client, url)
    for number in range(1, 10):
        listed(f"Lamp {number}")
        CreatorFactory(display_name=f"Lamp maker {number}")
        VideoPostFactory(caption=f"lamp {number}")

    response, many = get_counting_queries(client, url)

    assert response.content.decode().count("<li>") == 12  # 4 of each
    assert one == many == 3


def test_the_suggestions_api_answers_the_same_lists(api_client):
    listed("Zip hoodie")
    CreatorFactory(handle="hoodieking", display_name="Hoodie King")
    post = VideoPostFactory(caption="hoodie haul")

    body = api_client.get("/api/v1/search/suggestions/", {"q": "hoody"}).json()

    assert [product["title"] for product in body["products"]] == ["Zip hoodie"]
    assert body["products"][0]["url"].startswith("http://testserver/p/")
    assert [creator["handle"] for creator in body["creators"]] == ["hoodieking"]
    assert [(item["id"], item["creator"]["handle"]) for item in body["posts"]] == [(post.pk, post.creator.handle)]


def test_the_suggestions_api_refuses_a_query_too_long(api_client):
    response = api_client.get("/api/v1/search/suggestions/", {"q": "x" * 201})

    assert response.status_code == 400
    assert response.json()["fields"] == {"q": ["At most 200 characters."]}
