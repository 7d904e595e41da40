from django.urls import include, path

urlpatterns = [
    path("creator/earnings/", include("creators.api.earnings_urls")),
    path("creator/", include("creators.api.studio_urls")),
]
