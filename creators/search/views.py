"""The search page (products from the shop, then creators and posts) and the suggestions as a shopper types."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from creators import selectors_search
from marketplace.page_cache import cache_public_page
from shop.page_shell import render_page
from shop.views import product_search_context, search_query


@require_safe
@cache_public_page
def search(request: HttpRequest) -> HttpResponse:
    """Products matching `q` (filtered, sorted, paginated), with the creators and posts that match on page one.

    The products come whole from the cache, the creators and posts are read each time (follows and likes move
    them), and the page around them is shared per kind of header under a key of all three (`shop.page_shell`).
    """
    query = search_query(request)
    context = product_search_context(request, query)
    first_page = context["page"] is None or context["page"].number == 1
    creators = selectors_search.creators_for_search_page(query=query) if query and first_page else []
    posts = selectors_search.posts_for_search_page(query=query) if query and first_page else []
    shown = (
        query,
        *context["shown"],
        tuple((creator.pk, creator.handle, creator.display_name, creator.follower_count) for creator in creators),
        tuple((p.pk, p.caption, p.poster.name, p.width, p.height, p.creator.handle) for p in posts),
    )
    context.update(creators=creators, posts=posts)
    return render_page(request, "creators/search/search.html", lambda: context, key=shown)


@require_safe
@cache_public_page
def suggest(request: HttpRequest) -> HttpResponse:
    """A short list of products, creators and posts for the search box (htmx swaps it under the box)."""
    query = search_query(request)
    found = selectors_search.suggestions(query=query)
    return render(request, "creators/search/_suggestions.html", {"query": query, "found": found})
