"""The shopper's review pages: purchases to review, write and edit a review, report one. Parse, call, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from shop.checkout.views import see_other
from shop.models import OrderLine
from shop.reviews import selectors
from shop.reviews.forms import ReportForm, ReviewForm
from shop.services.reviews import ReviewRefused, edit_review, post_review, report_review


@require_safe
@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    """The shopper's delivered purchases: write a review of each, or edit the one written."""
    purchases = selectors.purchases_to_review(user=request.user)
    return render(
        request, "reviews/my_reviews.html", {"purchases": purchases, "max_photos": settings.REVIEW_MAX_PHOTOS}
    )


def _posted(request: HttpRequest) -> tuple[dict | None, dict | None]:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


@require_http_methods(["GET", "POST"])
@login_required
def write_review(request: HttpRequest, line_id: int) -> HttpResponse:
    """Stars, words and photos or a video for one delivered order line of the shopper's."""
    line = OrderLine.objects.filter(pk=line_id, order__user=request.user).select_related("variant__product").first()
    if line is None:
        raise Http404("No purchase of yours has this number.")
    data, files = _posted(request)
    form = ReviewForm(data, files)
    if data is not None and form.is_valid():
        try:
            review = post_review(
                user=request.user,
                order_line_id=line.pk,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
                video=form.cleaned_data["video"],
            )
        except ReviewRefused as error:  # nothing was written
            form.refuse(error)
        else:
            messages.success(request, "Thank you: your review is on the product's page.")
            return see_other(f"{review.product.get_absolute_url()}#review-{review.pk}")
    context = {"form": form, "line": line, "product": line.variant.product, "editing": None}
    return render(request, "reviews/review_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def change_review(request: HttpRequest, review_id: int) -> HttpResponse:
    """The author's review again, while its edit window is open."""
    review = selectors.review_of_author(user=request.user, review_id=review_id)
    if review is None:
        raise Http404("No review of yours has this number.")
    data, files = _posted(request)
    initial = {"rating": str(review.rating), "text": review.text}
    choices = [(str(photo.pk), f"Photo {number}") for number, photo in enumerate(review.photos.all(), start=1)]
    form = ReviewForm(data, files, initial=initial, photo_choices=choices, has_video=bool(review.video))
    if data is not None and form.is_valid():
        try:
            edit_review(
                review=review,
                user=request.user,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
                remove_photo_ids=form.cleaned_data.get("remove_photos", []),
                video=form.cleaned_data["video"],
                remove_video=form.cleaned_data.get("remove_video", False),
            )
        except ReviewRefused as error:
            form.refuse(error)
        else:
            messages.success(request, "Your review is changed.")
            return see_other(f"{review.product.get_absolute_url()}#review-{review.pk}")
    context = {"form": form, "line": None, "product": review.product, "editing": review}
    return render(request, "reviews/review_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def report(request: HttpRequest, review_id: int) -> HttpResponse:
    """Report a shown review to our staff, once per account."""
    review = selectors.shown_review(review_id=review_id)
    if review is None:
        raise Http404("No review has this number.")
    data, _ = _posted(request)
    form = ReportForm(data)
    if data is not None and form.is_valid():
        try:
            report_review(review=review, user=request.user, **form.cleaned_data)
        except ReviewRefused as error:
            form.refuse(error)
        else:
            messages.success(request, "Thank you: our staff will look at this review.")
            return see_other(f"{review.product.get_absolute_url()}#reviews")
    return render(
        request,
        "reviews/report.html",
        {"form": form, "review": review, "action": reverse("review-report", args=[review.pk])},
        status=400 if form.errors else 200,
    )
