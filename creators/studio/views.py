"""The creator studio: apply, the creator's posts, upload, caption, tags, publish.

Views are thin: forms parse, services write and raise ValidationError, which comes back as a form
error. Every post and tag is looked up among the requesting creator's own (another's answers 404).
"""

import json
from collections.abc import Callable
from functools import wraps
from pathlib import PurePosixPath
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST, require_safe

from creators.models import Creator, ProductTag, VideoPost
from creators.services import direct_uploads, posts, profiles, tags
from creators.services import post_media as post_media_service
from creators.studio import selectors
from creators.studio.forms import (
    CREATOR_STATUS_MESSAGES,
    ApplyForm,
    CaptionForm,
    ProductSearchForm,
    ProfileForm,
    RelinkForm,
    TagForm,
    TagTimesForm,
    UploadForm,
)
from creators.uploads import content_length_too_large, install_video_upload_limit, too_large_message
from marketplace.forms import add_service_errors
from marketplace.storage import private_storage, serve_private
from shop.selectors import is_on_sale

PRODUCT_RESULTS = 10


def creator_required(view: Callable) -> Callable:
    """Logged-in approved creators only: others go to the application, pending ones are told to wait."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        creator = profiles.creator_for_user(user=request.user)
        if creator is None:
            return redirect("studio:apply")
        if not creator.is_approved:
            return render(
                request,
                "creators/studio/pending.html",
                {"creator": creator, "status_message": CREATOR_STATUS_MESSAGES[Creator.Status(creator.status)]},
                status=200 if request.method == "GET" else 403,
            )
        request.creator = creator
        return view(request, *args, **kwargs)

    return wrapper


def _own_post(request: HttpRequest, pk: int) -> VideoPost:
    return get_object_or_404(VideoPost.objects.select_related("creator"), pk=pk, creator=request.creator)


def _own_tag(request: HttpRequest, pk: int) -> ProductTag:
    tag = selectors.tag_of_creator(creator=request.creator, tag_id=pk)
    if tag is None:
        raise Http404("No tag of yours has this id.")
    return tag


def _post_url(post: VideoPost | int, anchor: str = "") -> str:
    url = reverse("studio:post", args=[post if isinstance(post, int) else post.pk])
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------- profile


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    creator = profiles.creator_for_user(user=request.user)
    if creator is not None:
        return redirect("studio:home")
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            profiles.apply_for_creator_profile(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Thanks! Your application was sent; staff will review it soon.")
            return redirect("studio:home")
    return render(request, "creators/studio/apply.html", {"form": form}, status=400 if form.errors else 200)


@creator_required
def profile(request: HttpRequest) -> HttpResponse:
    creator = request.creator
    initial = {"display_name": creator.display_name, "bio": creator.bio, "country": creator.country.code}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profiles.update_profile(creator=creator, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your profile was saved.")
            return redirect("studio:profile")
    return render(
        request,
        "creators/studio/profile.html",
        {"form": form, "creator": creator, "studio_page": "profile"},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- posts


@creator_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    creator = request.creator
    context = {
        "creator": creator,
        "posts": list(selectors.studio_posts(creator=creator)),
        "relink_tags": list(tags.tags_needing_relink(creator=creator)),
        "relink_message": tags.RELINK_MESSAGE,
        "studio_page": "home",
    }
    return render(request, "creators/studio/home.html", context)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _upload_refused(request: HttpRequest, form: UploadForm, message: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"errors": [message]}, status=status)
    return render(request, "creators/studio/upload.html", _upload_context(form, upload_error=message), status=status)


def _upload_context(form: UploadForm, upload_error: str = "") -> dict:
    return {
        "form": form,
        "upload_error": upload_error,
        "max_bytes": settings.CREATOR_VIDEO_MAX_BYTES,
        "max_minutes": settings.CREATOR_VIDEO_MAX_SECONDS // 60,
        "max_side": settings.CREATOR_VIDEO_MAX_SIDE,
        "studio_page": "upload",
        # With object storage the browser sends the video there itself, in parts it can resume.
        "direct_upload_url": reverse("studio:direct-upload-start") if direct_uploads.available() else "",
    }


@csrf_exempt
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a video. The size limit is enforced before and while the body is read (creators/uploads.py)."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        if content_length_too_large(request):
            # Refused before reading a byte of the body; nothing changes, so no CSRF check is needed.
            return _upload_refused(request, UploadForm(), too_large_message(), 413)
        install_video_upload_limit(request)
    return _upload(request)


@csrf_protect
@creator_required
def _upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "creators/studio/upload.html", _upload_context(UploadForm()))
    form = UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        return _upload_refused(request, UploadForm(initial=request.POST), too_large_message(), 413)
    if form.is_valid():
        try:
            post = posts.create_post_from_upload(
                creator=request.creator, upload=form.cleaned_data["video"], caption=form.cleaned_data["caption"]
            )
        except ValidationError as error:
            add_service_errors(form, error, field="video")
        else:
            messages.success(request, "Your video was uploaded; it is being processed.")
            if _wants_json(request):
                return JsonResponse({"redirect": _post_url(post)}, status=201)
            return redirect(_post_url(post))
    if _wants_json(request):
        errors = [message for field_errors in form.errors.values() for message in field_errors]
        return JsonResponse({"errors": errors}, status=400)
    return render(request, "creators/studio/upload.html", _upload_context(form), status=400)


# ---------------------------------------------------------------- direct uploads (object storage only)


def _json_error(message: str, code: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "errors": [message]}, status=status)


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _upload_state(post: VideoPost) -> dict:
    """What the browser needs to send (or resume) the video: the parts stored so far and URLs for the rest."""
    stored = {part.number: part.size for part in direct_uploads.uploaded_parts(post=post)}
    count = direct_uploads.part_count(post.size_bytes)
    missing = [number for number in range(1, count + 1) if number not in stored]
    return {
        "post": post.pk,
        "size": post.size_bytes,
        "part_size": settings.CREATOR_VIDEO_UPLOAD_PART_BYTES,
        "parts": count,
        "uploaded": sorted(stored),
        "urls": {str(number): url for number, url in direct_uploads.part_urls(post=post, numbers=missing).items()}
        if missing
        else {},
        "complete_url": reverse("studio:direct-upload-complete", args=[post.pk]),
        "status_url": reverse("studio:direct-upload", args=[post.pk]),
    }


@require_POST
@creator_required
def direct_upload_start(request: HttpRequest) -> JsonResponse:
    """Open an upload straight to object storage: 201 with the signed part URLs, 409 on local storage."""
    body = _json_body(request)
    size = body.get("size")
    if not isinstance(size, int) or isinstance(size, bool):
        return _json_error("Say how many bytes the video has.", "invalid")
    try:
        post = direct_uploads.start_direct_upload(
            creator=request.creator,
            filename=str(body.get("filename") or ""),
            size=size,
            caption=str(body.get("caption") or ""),
        )
    except direct_uploads.DirectUploadUnavailable:
        return _json_error("Videos are uploaded through this page's form here.", "direct_upload_unavailable", 409)
    except ValidationError as error:
        status = 413 if size > settings.CREATOR_VIDEO_MAX_BYTES else 400
        return _json_error(" ".join(error.messages), "invalid", status)
    return JsonResponse(_upload_state(post), status=201)


@require_GET
@creator_required
def direct_upload_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Resume: the parts the storage holds and fresh URLs for the others."""
    post = _own_post(request, pk)
    try:
        return JsonResponse(_upload_state(post))
    except ValidationError as error:
        return _json_error(" ".join(error.messages), "upload_closed", 409)


@require_POST
@creator_required
def direct_upload_complete(request: HttpRequest, pk: int) -> JsonResponse:
    """The browser says it sent every part: 202 once the storage lists them all; the media worker joins them."""
    post = _own_post(request, pk)
    try:
        post = direct_uploads.complete_direct_upload(post=post)
    except ValidationError as error:
        code = error.code or "upload_refused"
        return _json_error(" ".join(error.messages), code, 409 if code in {"incomplete", "upload_closed"} else 400)
    messages.success(request, "Your video was uploaded; it is being processed.")
    return JsonResponse({"post": post.pk, "status": post.status, "redirect": _post_url(post)}, status=202)


def _product_results(request: HttpRequest) -> tuple[ProductSearchForm, list]:
    search = ProductSearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    return search, list(tags.taggable_products(q=q)[:PRODUCT_RESULTS])


def _render_post(request: HttpRequest, post: VideoPost, status: int = 200, **forms: Any) -> HttpResponse:
    post = selectors.post_of_creator(creator=request.creator, post_id=post.pk)
    search, products = _product_results(request)
    post_tags = list(post.tags.all())
    edit_forms = forms.pop("edit_forms", {})
    relink_forms = forms.pop("relink_forms", {})
    context = {
        "post": post,
        "hashtags": posts.hashtags(post.caption),
        "caption_form": forms.get("caption_form") or CaptionForm(initial={"caption": post.caption}),
        "tag_form": forms.get("tag_form") or TagForm(),
        "search": search,
        "products": products,
        "tag_rows": [
            {
                "tag": tag,
                "needs_relink": not is_on_sale(tag.product),
                "form": edit_forms.get(tag.pk)
                or TagTimesForm(
                    prefix=f"tag{tag.pk}",
                    initial={
                        "start_seconds": tag.start_seconds,
                        "end_seconds": tag.end_seconds,
                        "position_x": tag.position_x,
                        "position_y": tag.position_y,
                    },
                ),
                "relink_form": relink_forms.get(tag.pk) or RelinkForm(prefix=f"relink{tag.pk}"),
            }
            for tag in post_tags
        ],
        "max_tags": tags.MAX_TAGS_PER_POST,
        "relink_message": tags.RELINK_MESSAGE,
        "studio_page": "post",
    }
    return render(request, "creators/studio/post_edit.html", context, status=status)


@creator_required
@require_GET
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_post(request, _own_post(request, pk))


@creator_required
@require_GET
def product_search(request: HttpRequest) -> HttpResponse:
    """The taggable products matching `q`, as radio buttons (swapped in by htmx while typing)."""
    search, products = _product_results(request)
    name = request.GET.get("name") if request.GET.get("name", "").startswith(("product", "relink")) else "product"
    return render(
        request, "creators/studio/_product_results.html", {"products": products, "search": search, "field_name": name}
    )


@creator_required
@require_POST
def post_caption(request: HttpRequest, pk: int) -> HttpResponse:
    post = _own_post(request, pk)
    form = CaptionForm(request.POST)
    if form.is_valid():
        try:
            posts.update_post(post=post, caption=form.cleaned_data["caption"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The caption was saved.")
            return redirect(_post_url(post))
    return _render_post(request, post, status=400, caption_form=form)


def _post_action(action: Callable[..., Any], success: str) -> Callable:
    @creator_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        post = _own_post(request, pk)
        try:
            action(post=post)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
        # The studio home's buttons come back to the list; the post page's to the post.
        return redirect("studio:home" if request.POST.get("next") == "home" else _post_url(post))

    return view


post_publish = _post_action(posts.publish_post, "The post is published.")
post_unpublish = _post_action(posts.unpublish_post, "The post is back to a draft only you can see.")
post_retry = _post_action(posts.retry_post, "Processing was started again.")


@creator_required
@require_POST
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    posts.delete_post(post=_own_post(request, pk))
    messages.success(request, "The post was deleted.")
    return redirect("studio:home")


MEDIA_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg", ".webp": "image/webp"}


@login_required
@require_safe
def post_media(request: HttpRequest, pk: int, filename: str) -> HttpResponseBase:
    """A post's private video or poster, to its creator and to staff only (drafts are never public)."""
    post = get_object_or_404(VideoPost.objects.select_related("creator"), pk=pk)
    if not (request.user.is_staff or post.creator.user_id == request.user.pk):
        raise Http404("No such file.")
    names = {PurePosixPath(name).name: name for name in post_media_service.private_names(post)}
    name = names.get(filename)
    content_type = MEDIA_TYPES.get(PurePosixPath(filename).suffix.lower())
    if name is None or content_type is None:
        raise Http404("No such file.")
    return serve_private(
        request,
        SimpleNamespace(storage=private_storage(), name=name),
        content_type=content_type,
        extra_headers={"X-Content-Type-Options": "nosniff"},
    )


# ---------------------------------------------------------------- tags


@creator_required
@require_POST
def tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    post = _own_post(request, pk)
    form = TagForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tags.add_tag(
                post=post,
                product_id=data["product"],
                start_seconds=data["start_seconds"],
                end_seconds=data["end_seconds"],
                position_x=data["position_x"],
                position_y=data["position_y"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The product was tagged.")
            return redirect(_post_url(post, "tags"))
    return _render_post(request, post, status=400, tag_form=form)


@creator_required
@require_POST
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = _own_tag(request, pk)
    form = TagTimesForm(request.POST, prefix=f"tag{tag.pk}")
    if form.is_valid():
        try:
            tags.update_tag(tag=tag, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The tag was saved.")
            return redirect(_post_url(tag.post_id, "tags"))
    return _render_post(request, tag.post, status=400, edit_forms={tag.pk: form})


@creator_required
@require_POST
def tag_relink(request: HttpRequest, pk: int) -> HttpResponse:
    tag = _own_tag(request, pk)
    form = RelinkForm(request.POST, prefix=f"relink{tag.pk}")
    if form.is_valid():
        try:
            tags.relink_tag(tag=tag, product_id=form.cleaned_data["product"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The tag now shows the new product.")
            return redirect(_post_url(tag.post_id, "tags"))
    return _render_post(request, tag.post, status=400, relink_forms={tag.pk: form})


@creator_required
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = _own_tag(request, pk)
    tags.delete_tag(tag=tag)
    messages.success(request, "The tag was removed.")
    return redirect(_post_url(tag.post_id, "tags"))
