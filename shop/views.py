from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shop import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/home.html", {"featured": selectors.featured_products(), "categories": selectors.category_tree()})
