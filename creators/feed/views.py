"""The shoppable video feed: feed pages, the post page, creator profiles, the product sheet, engagement beacons."""

import json
import secrets
from decimal import Decimal
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from creators import selectors
from creators.feed.bodies import personal_rows, post_item, shared_post_items
from creators.services import social
from creators.services.engagement import InvalidEvents, record_tag_click, resolve_events
from creators.tasks.engagement import record_engagement_task
from marketplace.page_cache import cache_public_page
from marketplace.same_origin import same_origin_post
from shop.cart.forms import AddToCartForm
from shop.page_shell import render_page
from shop.selectors import has_one_tap_details
from shop.services.cart import CART_SESSION_KEY, add_to_cart, cart_for_request

MAX_EVENTS_BODY_BYTES = 16 * 1024
LOW_STOCK = 5


def visitor_key(request: HttpRequest) -> str:
    """The visitor's cart token (made as cart_for_request makes it): attribution finds their clicks by it."""
    token = request.session.get(CART_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[CART_SESSION_KEY] = token
    return token


def _visitor(request: HttpRequest) -> tuple[int | None, str]:
    user_id = request.user.pk if request.user.is_authenticated else None
    # A logged-in shopper's cart is found by user; the session token is kept too when there is one.
    session_key = request.session.get(CART_SESSION_KEY, "") if user_id else visitor_key(request)
    return user_id, session_key


def _render_feed(
    request: HttpRequest, template_name: str, page: selectors.FeedPage, hashtag: str, *, following: bool = False
) -> HttpResponse:
    """A page of the feed, shared whole per kind of header (`shop.page_shell`) under what it shows: the posts
    at their body versions, the hashtag, the tab and the next page's link. Which posts a visitor gets may be
    theirs (the Following tab), what the page shows of them is not; the viewer's like and follow rows (with
    the counts, read by the page's query) are filled in per request."""
    next_query = ""
    if page.next_cursor:
        next_query = f"?cursor={page.next_cursor}" + (f"&tag={hashtag}" if hashtag else "")
        next_query += "&following=1" if following else ""

    def context() -> dict:
        return {
            "posts": [post.pk for post in page.posts],  # not the posts: they carry the first viewer's likes
            "posts_html": shared_post_items(page.posts),
            "next_query": next_query,
            "hashtag": hashtag,
            "following": following,
        }

    key = (hashtag, following, next_query, *((post.pk, *post.body_parts) for post in page.posts))
    return render_page(request, template_name, context, key=key, personal=personal_rows(page.posts, request))


def _feed_page(request: HttpRequest, *, following: bool = False) -> selectors.FeedPage:
    try:
        return selectors.feed_posts_for_page(
            before_cursor=request.GET.get("cursor") or None,
            hashtag=selectors.normalise_hashtag(request.GET.get("tag")),
            followed_by=request.user if following else None,
            viewer=request.user,
        )
    except selectors.InvalidCursor as exc:
        raise Http404("No such page of the feed.") from exc


@require_safe
@cache_public_page
def feed(request: HttpRequest) -> HttpResponse:
    """The vertical feed: the newest published posts (optionally of one #hashtag), more as you scroll."""
    hashtag = selectors.normalise_hashtag(request.GET.get("tag"))
    return _render_feed(request, "creators/feed/feed.html", _feed_page(request), hashtag)


@require_safe
@login_required
def following_feed(request: HttpRequest) -> HttpResponse:
    """The Following tab: the newest posts of the creators the shopper follows."""
    response = _render_feed(request, "creators/feed/feed.html", _feed_page(request, following=True), "", following=True)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@cache_public_page
def feed_page(request: HttpRequest) -> HttpResponse:
    """The next posts after `cursor`, as the partial the feed's sentinel swaps in (htmx)."""
    hashtag = selectors.normalise_hashtag(request.GET.get("tag"))
    following = request.GET.get("following") == "1"
    if following and not request.user.is_authenticated:
        return _to_log_in(request, reverse("feed-following"))
    page = _feed_page(request, following=following)
    return _render_feed(request, "creators/feed/_posts.html", page, hashtag, following=following)


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url)


@require_safe
@cache_public_page
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post's shareable page (Open Graph / Twitter card); a draft only for its own creator."""
    found = selectors.post_for_page(post_id=post_id, viewer=request.user)
    if found is None:
        raise Http404("No such post.")
    share = {
        "url": _absolute(request, reverse("feed-post", args=[found.pk])),
        "image": _absolute(request, found.poster.url) if found.poster else "",
        "video": _absolute(request, found.video.url) if found.video else "",
    }
    context = {"post": found, "post_html": post_item(found, request), "share": share}
    return render(request, "creators/feed/post.html", context)


@require_safe
def post_tags_vtt(request: HttpRequest, post_id: int) -> HttpResponse:
    """The post's tags as a WebVTT metadata track: a cue per tag, its payload JSON {tag, product, price, url}."""
    found = selectors.post_detail(post_id=post_id, viewer=request.user)
    if found is None:
        raise Http404("No such post.")
    duration = found.duration_seconds
    lines = ["WEBVTT", ""]
    for tag in found.visible_tags:
        end = tag.end_seconds or (duration if duration and duration > tag.start_seconds else None)
        end = end or tag.start_seconds + Decimal(3600)
        variant = tag.default_variant
        payload = {
            "tag": tag.pk,
            "product": tag.product.title,
            "price": str(variant.price) if variant else None,
            "currency": variant.currency if variant else None,
            "url": reverse("feed-sheet", args=[tag.pk]),
        }
        # Escaped so that no title can end the cue early ("-->") or read as markup.
        text = json.dumps(payload).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        lines += [f"tag-{tag.pk}", f"{_vtt_time(tag.start_seconds)} --> {_vtt_time(end)}", text, ""]
    response = HttpResponse("\n".join(lines), content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


def _vtt_time(seconds: Decimal) -> str:
    millis = int(Decimal(seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


@require_safe
@cache_public_page
def creator_profile(request: HttpRequest, handle: str) -> HttpResponse:
    """A creator's page: their posts as a grid of posters and the products they tag."""
    profile = selectors.creator_profile(handle=handle)
    if profile is None:
        raise Http404("No such creator.")
    profile.creator.followed = selectors.follows(viewer=request.user, creator=profile.creator)
    return render(request, "creators/feed/profile.html", {"profile": profile, "creator": profile.creator})


def _availability(available: int) -> tuple[str, str]:
    if available <= 0:
        return "Sold out", "out"
    if available <= LOW_STOCK:
        return f"Only {available} left", "low"
    return "In stock", "in"


def _sheet_tag(tag_id: int):
    tag = selectors.tag_for_sheet(tag_id=tag_id)
    if tag is None:
        raise Http404("This product is no longer shown.")
    return tag


@require_safe
def sheet(request: HttpRequest, tag_id: int) -> HttpResponse:
    """The product sheet a tapped tag opens over the feed; the tap is recorded here, once."""
    tag = _sheet_tag(tag_id)
    user_id, session_key = _visitor(request)
    record_tag_click(tag=tag, user_id=user_id, session_key=session_key)
    options = []
    chosen = None
    for variant in tag.product.active_variants:
        text, state = _availability(variant.available)
        if chosen is None and variant.available > 0:
            chosen = variant
        options.append({"variant": variant, "availability": text, "state": state})
    for option in options:
        option["checked"] = option["variant"] is chosen
    context = {
        "tag": tag,
        "product": tag.product,
        "creator": tag.post.creator,
        "options": options,
        "chosen": chosen,
        "image": next(iter(tag.product.ordered_images), None),
        "buy_now_ready": has_one_tap_details(user=request.user),
    }
    response = render(request, "creators/feed/_sheet.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@same_origin_post
def sheet_add(request: HttpRequest, tag_id: int) -> HttpResponse:
    """Add the chosen variant of the tag's product to the cart, remembering the tag and its creator."""
    tag = _sheet_tag(tag_id)
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        return _added(request, tag, error=form.first_error())
    variant, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
    if variant.product_id != tag.product_id:
        return _added(request, tag, error="That option is not of this product.")
    had_token = CART_SESSION_KEY in request.session
    try:
        with transaction.atomic():
            line = add_to_cart(
                cart=cart_for_request(request, create=True),
                variant=variant,
                quantity=quantity,
                attribution_tag_id=tag.pk,
                attribution_creator_id=tag.post.creator_id,
            )
    except ValidationError as refused:
        if not had_token and not request.user.is_authenticated:
            request.session.pop(CART_SESSION_KEY, None)  # a refused first add leaves no token behind
        return _added(request, tag, error=refused.messages[0])
    return _added(request, tag, context={"variant": variant, "quantity": quantity, "line": line})


def _added(request: HttpRequest, tag, *, error: str = "", context: dict | None = None) -> HttpResponse:
    """The cart's confirmation partial (and the cart count over the video) for htmx; else the cart or the post."""
    if request.htmx:  # 200 either way: htmx swaps only successful answers
        return render(request, "creators/feed/_sheet_added.html", {"error": error} if error else context)
    if error:
        messages.error(request, error)
        return redirect("feed-post", post_id=tag.post_id)
    messages.success(request, f"Added {context['quantity']} \N{MULTIPLICATION SIGN} {context['variant']} to your cart.")
    return redirect("cart")


@require_POST
@same_origin_post
def events(request: HttpRequest) -> JsonResponse:
    """A batch of impressions and tag clicks from the feed: checked here, stored by one task (202)."""
    if len(request.body) > MAX_EVENTS_BODY_BYTES:
        return _bad_events(InvalidEvents("The batch is too large.", {"events": ["Too large."]}))
    try:
        batch = resolve_events(events=json.loads(request.body or b"null"))
    except (ValueError, UnicodeDecodeError) as exc:
        if not isinstance(exc, InvalidEvents):
            exc = InvalidEvents("Send a JSON list of events.", {"events": ["Not JSON."]})
        return _bad_events(exc)
    user_id, session_key = _visitor(request)
    record_engagement_task.delay(
        **batch.as_task_kwargs(), user_id=user_id, session_key=session_key, at=timezone.now().isoformat()
    )
    return JsonResponse({"impressions": len(batch.impressions), "clicks": len(batch.clicks)}, status=202)


def _bad_events(exc: InvalidEvents) -> JsonResponse:
    return JsonResponse({"code": "invalid", "message": exc.message, "fields": exc.fields}, status=400)


# --- follow and like -----------------------------------------------------------------------------


def _to_log_in(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send a guest to log in, then back to `next_url` (htmx follows HX-Redirect with a full page load)."""
    url = f"{reverse('login')}?{urlencode({'next': next_url})}"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _back(request: HttpRequest, fallback: str) -> str:
    """The page the form was sent from, when ours, else `fallback`: for htmx the page in the address bar (a
    post loaded by scrolling carries the partial's URL in `next`), else the form's `next`."""
    next_url = request.POST.get("next", "")
    if request.htmx and request.htmx.current_url:
        current = urlsplit(request.htmx.current_url)
        next_url = urlunsplit(("", "", current.path, current.query, "")) if current.netloc == request.get_host() else ""
    ours = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if ours and next_url.startswith("/"):
        return next_url
    return fallback


def _social_toggle(
    request: HttpRequest, *, target, actions: dict, state: str, template: str, name: str, fallback: str
) -> HttpResponse:
    """Shared by follow and like: a guest logs in first; `action` names the state wanted, so a repeat is harmless.

    `actions` maps each action to its service and the state it leaves (`state` is the template's flag).
    """
    if not request.user.is_authenticated:
        return _to_log_in(request, _back(request, fallback))
    action = request.POST.get("action", "")
    if action not in actions:
        choices = " or ".join(actions)
        if request.htmx:
            return JsonResponse({"code": "invalid", "message": f"Send action {choices}.", "fields": {}}, status=400)
        return HttpResponse(f"Send action {choices}.", status=400, content_type="text/plain; charset=utf-8")
    service, wanted = actions[action]
    service(user=request.user, **{name: target})
    if request.htmx:
        target.refresh_from_db()
        setattr(target, state, wanted)
        return render(request, template, {name: target})
    return redirect(_back(request, fallback))


@require_POST
@same_origin_post
def follow_creator(request: HttpRequest, handle: str) -> HttpResponse:
    """Follow (`action=follow`) or unfollow (`action=unfollow`) a creator; the button again for htmx."""
    creator = selectors.approved_creator(handle=handle)
    if creator is None:
        raise Http404("No such creator.")
    return _social_toggle(
        request,
        target=creator,
        actions={"follow": (social.follow, True), "unfollow": (social.unfollow, False)},
        state="followed",
        template="creators/feed/_follow.html",
        name="creator",
        fallback=reverse("feed-creator", args=[creator.handle]),
    )


@require_POST
@same_origin_post
def like_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Like (`action=like`) or unlike (`action=unlike`) a published post; the button again for htmx."""
    found = selectors.published_post(post_id=post_id)
    if found is None:
        raise Http404("No such post.")
    return _social_toggle(
        request,
        target=found,
        actions={"like": (social.like, True), "unlike": (social.unlike, False)},
        state="liked",
        template="creators/feed/_like.html",
        name="post",
        fallback=reverse("feed-post", args=[found.pk]),
    )
