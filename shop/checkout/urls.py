from django.urls import path

from shop.checkout import cancel, views

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/success/", views.checkout_success, name="checkout-success"),
    path("checkout/cancelled/", views.checkout_cancelled, name="checkout-cancelled"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/<str:number>/", views.order_detail, name="order-detail"),
    path("orders/<str:number>/cancel/", cancel.order_cancel, name="order-cancel"),
]
