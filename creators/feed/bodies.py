"""Posts on the feed and post pages: each body shared from the cache, each viewer's row built per request.

A body (`_post_body.html`: the video, its tag chips, the caption and the products with ratings and
prices) is the same for every visitor. It is keyed on the post's `body_parts`, read by the page's one query
(its own and its creator's update times and its stored `body_version`); only the posts whose body is not
cached are loaded with their tags and rendered. The viewer's like, share and follow row
(`creators.feed.social`) closes each post on every request: on a feed page, the whole page is shared with a
marker where each row goes (`shared_post_items`, `personal_rows`, `shop.page_shell`).
"""

from collections.abc import Sequence

from django.http import HttpRequest
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from creators import selectors
from creators.feed.social import SocialUrls, social_row
from marketplace.fragments import cached_fragments, fragment_key
from shop.page_shell import page_marker

BODY_TEMPLATE = "creators/feed/_post_body.html"


def bodies(posts: Sequence) -> dict[int, SafeString]:
    """Each post's body HTML by id (posts of `feed_posts_for_page` or `post_for_page`): one cache round trip,
    and 4 queries plus rendering for those not cached."""
    if not posts:
        return {}
    keys = {post.pk: fragment_key("feed-post-body", (post.pk, *post.body_parts)) for post in posts}

    def render(missing: list[int]) -> dict[int, str]:
        template = get_template(BODY_TEMPLATE)
        loaded = selectors.posts_for_bodies(post_ids=missing)
        # A post deleted since the page was read: no body (its key is never asked for again).
        return {pk: template.render({"post": loaded[pk]}) if pk in loaded else "" for pk in missing}

    return cached_fragments(keys, render)


def _rows(posts: Sequence[selectors.PagePost], request: HttpRequest) -> list[str]:
    """Each post's like, share and follow row for this viewer, in the order of `posts`."""
    urls = SocialUrls.reverse()
    next_html = escape(request.get_full_path())
    return [
        social_row(
            post_id=post.pk,
            like_count=post.like_count,
            liked=post.liked,
            handle=post.creator_handle,
            follower_count=post.follower_count,
            followed=post.followed,
            next_html=next_html,
            urls=urls,
        )
        for post in posts
    ]


def _items(posts: Sequence[selectors.PagePost], rows: Sequence[str]) -> SafeString:
    """Each post's body, then its row, closing the article the body opened."""
    html = bodies(posts)
    items = [f"{html[post.pk]}{row}</div></article>" for post, row in zip(posts, rows, strict=True) if html[post.pk]]
    # Bodies are our templates' output; a row escapes every value it writes, a marker is letters and digits.
    return mark_safe("\n".join(items))  # noqa: S308


def post_items(posts: Sequence[selectors.PagePost], request: HttpRequest) -> SafeString:
    """The posts as HTML, each with the viewer's own row."""
    return _items(posts, _rows(posts, request))


def _row_marker(index: int) -> str:
    """Where the row of the page's `index`-th post goes (by place, not id: a page has a bounded number)."""
    return page_marker(f"feed-row-{index}")


def shared_post_items(posts: Sequence[selectors.PagePost]) -> SafeString:
    """The posts as HTML the same for every visitor: a marker in place of each row (`personal_rows`)."""
    return _items(posts, [_row_marker(index) for index in range(len(posts))])


def personal_rows(posts: Sequence[selectors.PagePost], request: HttpRequest) -> dict[str, str]:
    """The viewer's row for each marker of `shared_post_items` (escaped HTML), for `shop.page_shell.render_page`."""
    return {_row_marker(index): row for index, row in enumerate(_rows(posts, request))}


def post_item(post, request: HttpRequest) -> SafeString:
    """One post (of `post_for_page`) as the feed shows it: its body and the viewer's row."""
    page_post = selectors.PagePost(
        pk=post.pk,
        published_at=post.published_at,
        like_count=post.like_count,
        body_parts=post.body_parts,
        creator_handle=post.creator.handle,
        follower_count=post.creator.follower_count,
        liked=post.liked,
        followed=post.creator.followed,
    )
    return post_items([page_post], request)
