"""The like, share and follow row under each post: each viewer's own, so built on every request.

Plain string formatting: a page has ten of these, and rendering them with templates (`{% url %}` three times a
post) took longer than the rest of a signed-in feed page. Each URL is reversed once per page with a placeholder
and filled in per post. The like and follow forms are the same markup wherever they show (the post and profile
pages and the htmx answers render them through `creators.templatetags.social`).
"""

import functools
from dataclasses import dataclass
from html import escape  # Django's escape is this one marked safe: the same markup, without the lazy wrapper
from urllib.parse import quote

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

# Reversed in the argument's place (digits pass every converter, int and str), then split around.
_PLACEHOLDER = "9876543210123"


def _pattern(name: str) -> tuple[str, str]:
    """The URL named `name` around its one argument, as (before, after)."""
    before, _, after = reverse(name, args=[_PLACEHOLDER]).partition(_PLACEHOLDER)
    return before, after


@dataclass(frozen=True)
class SocialUrls:
    """The URLs of the row, reversed once per process and URL configuration (three reverses cost more than a
    page's ten rows)."""

    like: tuple[str, str]
    follow: tuple[str, str]
    post: tuple[str, str]

    @classmethod
    def reverse(cls) -> "SocialUrls":
        return _reversed(get_script_prefix(), get_resolver(get_urlconf()))


@functools.lru_cache(maxsize=16)
def _reversed(_prefix: str, _resolver: object) -> SocialUrls:
    """Keyed on what `reverse` reads: the script prefix and the resolver (a new one when ROOT_URLCONF changes)."""
    return SocialUrls(
        like=_pattern("feed-post-like"), follow=_pattern("feed-creator-follow"), post=_pattern("feed-post")
    )


def _url(pattern: tuple[str, str], argument: object) -> str:
    return f"{pattern[0]}{quote(str(argument), safe='')}{pattern[1]}"


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _toggle_form(*, kind: str, url: str, action: str, on: bool, label: str, next_html: str, count: str) -> str:
    """A like or follow form: one button that turns `kind` on or off, then the count beside it (`next_html`: the
    page's path, escaped)."""
    pressed = "true" if on else "false"
    return (
        f'<form class="{kind}-form" method="post" action="{url}" hx-post="{url}" hx-swap="outerHTML">'
        f'<input type="hidden" name="action" value="{action}">'
        f'<input type="hidden" name="next" value="{next_html}">'
        f'<button type="submit" class="{kind}-button{" is-on" if on else ""}" aria-pressed="{pressed}">'
        f"{label}</button> {count}</form>"
    )


def like_form(*, post_id: int, like_count: int, liked: bool, next_path: str, urls: SocialUrls) -> str:
    """Like / Liked for a post, with its count; htmx swaps the answer in place."""
    return _like_form(post_id=post_id, like_count=like_count, liked=liked, next_html=escape(next_path), urls=urls)


def _like_form(*, post_id: int, like_count: int, liked: bool, next_html: str, urls: SocialUrls) -> str:
    return _toggle_form(
        kind="like",
        url=escape(_url(urls.like, post_id)),
        action="unlike" if liked else "like",
        on=liked,
        label=f'<span aria-hidden="true">♥</span> {"Liked" if liked else "Like"}',
        next_html=next_html,
        count=f'<span class="social-count" data-like-count>{like_count} like{_plural(like_count)}</span>',
    )


def follow_form(*, handle: str, follower_count: int, followed: bool, next_path: str, urls: SocialUrls) -> str:
    """Follow / Following for a creator, with the follower count; htmx swaps the answer in place."""
    return _follow_form(
        handle=handle, follower_count=follower_count, followed=followed, next_html=escape(next_path), urls=urls
    )


def _follow_form(*, handle: str, follower_count: int, followed: bool, next_html: str, urls: SocialUrls) -> str:
    return _toggle_form(
        kind="follow",
        url=escape(_url(urls.follow, handle)),
        action="unfollow" if followed else "follow",
        on=followed,
        label=f'{"Following" if followed else "Follow"}<span class="visually-hidden"> @{escape(handle)}</span>',
        next_html=next_html,
        count=(
            f'<span class="social-count" data-follower-count>{follower_count} follower{_plural(follower_count)}</span>'
        ),
    )


def social_row(
    *,
    post_id: int,
    like_count: int,
    liked: bool,
    handle: str,
    follower_count: int,
    followed: bool,
    next_html: str,
    urls: SocialUrls,
) -> str:
    """The whole row: like, share (the Web Share API, else the link copied; without script the post's link), follow.

    `next_html` is the page's path, escaped (once for a page's rows)."""
    share = escape(_url(urls.post, post_id))
    return (
        '<div class="feed-social">'
        + _like_form(post_id=post_id, like_count=like_count, liked=liked, next_html=next_html, urls=urls)
        + f'<p class="feed-share"><a href="{share}" data-share data-share-title="Video by @{escape(handle)}">Share'
        '<span class="visually-hidden"> link to this video</span></a> '
        '<span class="share-status" role="status" data-share-status></span></p>'
        + _follow_form(handle=handle, follower_count=follower_count, followed=followed, next_html=next_html, urls=urls)
        + "</div>"
    )
