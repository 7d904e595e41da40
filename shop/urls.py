from django.urls import path

from shop import ship_to, views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("s/<slug:slug>/", views.seller_storefront, name="seller-storefront"),
    path("ship-to/", ship_to.ship_to, name="ship-to"),
]
