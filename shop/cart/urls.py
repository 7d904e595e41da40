from django.urls import path

from shop.cart import views

urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add/", views.add, name="cart-add"),
    path("lines/<int:line_id>/", views.update_line, name="cart-line-update"),
    path("lines/<int:line_id>/remove/", views.remove, name="cart-line-remove"),
]
