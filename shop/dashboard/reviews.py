"""The seller's reviews: what buyers said of their products, and one public answer to each."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from shop.checkout.views import see_other
from shop.dashboard.permissions import seller_required
from shop.models import Review
from shop.reviews.forms import AnswerForm
from shop.reviews.selectors import seller_reviews
from shop.services.reviews import ReviewRefused, answer_review

PAGE_SIZE = 25


def _page(
    request: HttpRequest, form_for: dict[int, AnswerForm] | None = None, *, error: str = "", status: int = 200
) -> HttpResponse:
    page = Paginator(seller_reviews(seller=request.seller), PAGE_SIZE).get_page(request.GET.get("page"))
    forms = form_for or {}
    rows = [(review, forms.get(review.pk) or AnswerForm(prefix=f"r{review.pk}")) for review in page.object_list]
    context = {"dash_page": "reviews", "page": page, "rows": rows, "error": error}
    return render(request, "dashboard/review_list.html", context, status=status)


@require_safe
@seller_required
def review_list(request: HttpRequest) -> HttpResponse:
    """Reviews of the seller's products, unanswered first, 25 a page, each with its answer or a form for it."""
    return _page(request)


@require_POST
@seller_required
def review_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The seller's one answer to a review of their own product; another seller's review answers 404."""
    review = Review.objects.filter(pk=pk, seller=request.seller).first()
    if review is None:
        raise Http404("No review of your products has this number.")
    form = AnswerForm(request.POST, prefix=f"r{review.pk}")
    if form.is_valid():
        try:
            answer_review(review=review, seller=request.seller, by=request.user, text=form.cleaned_data["text"])
        except ReviewRefused as error:
            form.refuse(error)
        else:
            messages.success(request, "Your answer is shown under the review.")
            return see_other(f"{reverse('dashboard:reviews')}#review-{review.pk}")
    first_error = next(iter(form.errors.values()))[0]
    return _page(request, {review.pk: form}, error=f"Not answered: {first_error}", status=400)
