from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("bench/trivial", views.trivial, name="bench-trivial"),
    path("media/<path:name>", views.media, name="media"),
    # The shoppers' pages and the API first: URLs are matched in order, and these are most of the traffic.
    # No pattern below matches a URL of theirs (prefixes "", c/ p/ s/ ship-to/, api/v1/, feed/ v/ @ search/ studio/).
    path("", include("shop.urls")),
    path("api/v1/", include("marketplace.api_urls")),
    path("", include("creators.urls")),
    path("admin/fulfillment/work-queues/", RedirectView.as_view(pattern_name="admin:fulfillment_work_queues")),
    path("admin/", admin.site.urls),
    path("accounts/", include("marketplace.account_urls")),
    path("account/", include("shop.account.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("seller/", include("shop.dashboard.urls")),
    path("cart/", include("shop.cart.urls")),
    path("", include("shop.checkout.urls")),
    path("", include("shop.returns.urls")),
    path("", include("shop.reviews.urls")),
    path("stripe/", include("shop.payments.urls")),
    path("test-payments/", include("shop.payments.local_stripe.urls")),
    path("carriers/", include("fulfillment.urls")),
]
