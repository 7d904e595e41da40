"""The stand-in's pages (test mode only): the hosted Checkout page and the Connect onboarding page."""

from django.urls import path

from . import authentication_views, views

app_name = "local_stripe"

urlpatterns = [
    path("checkout/<str:session_id>/", views.checkout_page, name="checkout"),
    path("authenticate/<str:intent_id>/", authentication_views.authenticate_page, name="authenticate"),
    path("connect/onboarding/<str:link_id>/", views.onboarding_page, name="onboarding"),
]
