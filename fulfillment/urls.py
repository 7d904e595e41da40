"""Carrier-facing and public tracking URLs, mounted at /carriers/."""

from django.urls import path

from fulfillment import views, webhooks

app_name = "fulfillment"

urlpatterns = [
    path("webhook/<slug:carrier_code>/", webhooks.carrier_webhook, name="carrier-webhook"),
    path("track/", views.track_form, name="track-form"),
    path("track/<str:tracking_number>/", views.track, name="track"),
]
