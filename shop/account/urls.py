from django.urls import path

from shop.account import views

urlpatterns = [
    path("", views.saved_details, name="account-saved-details"),
    path("addresses/", views.add_address, name="account-address-add"),
    path("addresses/<int:pk>/default/", views.make_default_address, name="account-address-default"),
    path("addresses/<int:pk>/delete/", views.delete_address, name="account-address-delete"),
    path("cards/<str:payment_method_id>/default/", views.make_default_card, name="account-card-default"),
    path("cards/<str:payment_method_id>/remove/", views.remove_card, name="account-card-remove"),
]
