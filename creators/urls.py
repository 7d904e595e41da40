from django.urls import include, path

urlpatterns = [
    path("studio/earnings/", include("creators.earnings.urls")),
    path("studio/", include("creators.studio.urls")),
    path("search/", include("creators.search.urls")),
    path("", include("creators.feed.urls")),
]
