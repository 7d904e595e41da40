from django.urls import path

from shop.payments import webhooks

urlpatterns = [
    path("webhook/", webhooks.stripe_webhook, name="stripe-webhook"),
]
