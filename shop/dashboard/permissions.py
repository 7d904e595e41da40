"""Who may use the seller dashboard, and the one way its views fetch a product: through the seller."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from shop import selectors
from shop.models import Product

View = Callable[..., HttpResponse]


def seller_required(view: View) -> View:
    """Anonymous -> log-in page; logged in without a seller membership -> 403; else `request.seller` is set."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        seller = selectors.seller_for_user(user=request.user)
        if seller is None:
            return render(request, "dashboard/forbidden.html", status=403)
        request.seller = seller
        return view(request, *args, **kwargs)

    return wrapper


def with_seller_product(view: View) -> View:
    """Swap the `pk` URL argument for the seller's own product; any other product answers 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        product = get_object_or_404(Product.objects.for_seller(request.seller), pk=pk)
        return view(request, product, *args, **kwargs)

    return wrapper


def with_seller_variant(view: View) -> View:
    """Swap `pk` and `variant_pk` for the seller's product and its variant; anything else answers 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, variant_pk: int, *args, **kwargs) -> HttpResponse:
        product = get_object_or_404(Product.objects.for_seller(request.seller), pk=pk)
        variant = get_object_or_404(product.variants.all(), pk=variant_pk)
        return view(request, product, variant, *args, **kwargs)

    return wrapper


def with_seller_image(view: View) -> View:
    """Swap `pk` and `image_pk` for the seller's product and its image; anything else answers 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, image_pk: int, *args, **kwargs) -> HttpResponse:
        product = get_object_or_404(Product.objects.for_seller(request.seller), pk=pk)
        image = get_object_or_404(product.images.all(), pk=image_pk)
        return view(request, product, image, *args, **kwargs)

    return wrapper
