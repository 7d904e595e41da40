"""The search page (products from the shop, then creators and posts) and the suggestions as a shopper types."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from creators import selectors_search
from marketplace.page_cache import cache_public_page
from shop.views import product_search_context, search_query


@require_safe
@cache_public_page
def search(request: HttpRequest) -> HttpResponse:
    """Products matching `q` (filtered, sorted, paginated), with the creators and posts that match on page one."""
    query = search_query(request)
    context = product_search_context(request, query)
    first_page = context["page"] is None or context["page"].number == 1
    context["creators"] = selectors_search.creators_for_search_page(query=query) if query and first_page else []
    context["posts"] = selectors_search.posts_for_search_page(query=query) if query and first_page else []
    return render(request, "creators/search/search.html", context)


@require_safe
@cache_public_page
def suggest(request: HttpRequest) -> HttpResponse:
    """A short list of products, creators and posts for the search box (htmx swaps it under the box)."""
    query = search_query(request)
    found = selectors_search.suggestions(query=query)
    return render(request, "creators/search/_suggestions.html", {"query": query, "found": found})
