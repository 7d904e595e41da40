"""The like and follow forms in templates (post and profile pages, htmx answers): `creators.feed.social`'s markup."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from creators.feed import social

register = template.Library()


@register.simple_tag(takes_context=True)
def like_form(context, post) -> SafeString:
    """Needs `post` with `liked`."""
    html = social.like_form(
        post_id=post.pk,
        like_count=post.like_count,
        liked=bool(getattr(post, "liked", False)),
        next_path=context["request"].get_full_path(),
        urls=social.SocialUrls.reverse(),
    )
    return mark_safe(html)  # noqa: S308 (every value is escaped by social.like_form)


@register.simple_tag(takes_context=True)
def follow_form(context, creator) -> SafeString:
    """Needs `creator` with `followed`."""
    html = social.follow_form(
        handle=creator.handle,
        follower_count=creator.follower_count,
        followed=bool(getattr(creator, "followed", False)),
        next_path=context["request"].get_full_path(),
        urls=social.SocialUrls.reverse(),
    )
    return mark_safe(html)  # noqa: S308 (every value is escaped by social.follow_form)
