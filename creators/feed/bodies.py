"""Post bodies on the feed and post pages: the same for every visitor, so shared through the cache.

A body (`_post_body.html`: the video, its tag chips, the caption and the products with ratings and
prices) is keyed on the post's `body_version`, which the page's selector reads in SQL from the rows it
shows; only the posts whose body is not cached have their tags read and are rendered. The viewer's
like and follow row is rendered around it on every request (`_post.html`).
"""

from django.template.loader import render_to_string

from creators import selectors
from creators.models import VideoPost
from marketplace.fragments import cached_fragments, fragment_key

BODY_TEMPLATE = "creators/feed/_post_body.html"


def with_bodies(posts: list[VideoPost]) -> list[VideoPost]:
    """Give each post (from `feed_posts_for_page` or `post_for_page`) its rendered `body`: one cache round
    trip, and 3 queries plus rendering for those not cached."""
    if not posts:
        return posts
    keys = {post.pk: fragment_key("feed-post-body", (post.pk, post.body_version)) for post in posts}
    by_pk = {post.pk: post for post in posts}

    def render(missing: list[int]) -> dict[int, str]:
        loaded = selectors.load_post_bodies([by_pk[pk] for pk in missing])
        return {post.pk: render_to_string(BODY_TEMPLATE, {"post": post}) for post in loaded}

    bodies = cached_fragments(keys, render)
    for post in posts:
        post.body = bodies[post.pk]
    return posts
