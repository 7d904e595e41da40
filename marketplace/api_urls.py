from django.urls import include, path, re_path

from marketplace import api_auth, api_errors

urlpatterns = [
    path("auth/token/", api_auth.ObtainTokenView.as_view(), name="api-token"),
    # The public feed first (most of the traffic; its prefixes feed/ search/ posts/ creators/ are its own).
    path("", include("creators.api.feed_urls")),
    path("", include("shop.api.urls")),
    path("", include("shop.api.commerce_urls")),
    path("", include("creators.api.urls")),
    # Last: any other address under /api/v1/ ending in a slash is a JSON 404 (without the slash,
    # CommonMiddleware first redirects to it); [\s\S], not ".", so a newline in the path is caught too.
    re_path(r"^[\s\S]*/$", api_errors.not_found),
]
