from django.urls import path

from shop.dashboard import inbound, money, reviews, views

app_name = "dashboard"

urlpatterns = [
    path("", views.product_list, name="products"),
    path("customs/", views.customs_profile, name="customs-profile"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<int:pk>/", views.product_edit, name="product-edit"),
    path("products/<int:pk>/archive/", views.product_archive, name="product-archive"),
    path("products/<int:pk>/variants/new/", views.variant_create, name="variant-create"),
    path("products/<int:pk>/variants/<int:variant_pk>/", views.variant_edit, name="variant-edit"),
    path(
        "products/<int:pk>/variants/<int:variant_pk>/deactivate/", views.variant_deactivate, name="variant-deactivate"
    ),
    path("products/<int:pk>/stock/", views.stock_save, name="stock-save"),
    path("products/<int:pk>/images/", views.image_upload, name="image-upload"),
    path("products/<int:pk>/images/<int:image_pk>/", views.image_edit, name="image-edit"),
    path("products/<int:pk>/images/<int:image_pk>/move/", views.image_move, name="image-move"),
    path("products/<int:pk>/images/<int:image_pk>/delete/", views.image_delete, name="image-delete"),
    path("returns/", views.return_list, name="returns"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<int:pk>/answer/", reviews.review_answer, name="review-answer"),
    path("inbound/", inbound.inbound_list, name="inbound"),
    path("inbound/new/", inbound.inbound_create, name="inbound-create"),
    path("inbound/<int:pk>/", inbound.inbound_detail, name="inbound-detail"),
    path("inbound/<int:pk>/cancel/", inbound.inbound_cancel, name="inbound-cancel"),
    path("orders/", money.order_list, name="orders"),
    path("money/", money.money_overview, name="money"),
    path("money/onboarding/", money.start_onboarding, name="money-onboarding"),
    path("money/onboarding/return/", money.onboarding_return, name="money-onboarding-return"),
    path("money/statement.csv", money.statement, name="money-statement"),
]
