"""What a logged-in shopper keeps for next time: addresses (one default), their Stripe Customer, buy-now taps.

Cards are never stored here: they live at Stripe, attached to the shopper's Customer, and are read
from Stripe when shown (brand, last 4, expiry).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField


class SavedAddress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_addresses")
    name = models.CharField(max_length=200)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField()
    phone = models.CharField(max_length=40, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="saved_address_one_default_per_user"
            )
        ]
        verbose_name_plural = "saved addresses"

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} ({self.country})"


class StripeCustomer(models.Model):
    """The shopper's Customer at Stripe (made the first time it is needed); their saved cards hang on it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer")
    customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.user_id})"


class BuyNowRequest(models.Model):
    """One buy-now tap, by its idempotency key: a second tap with the same key answers the first one's order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buy_now_requests")
    key = models.CharField(max_length=100)
    order = models.ForeignKey("shop.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payment = models.ForeignKey("shop.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    authentication_url = models.URLField(max_length=2000, blank=True)
    declined_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="buy_now_request_key_unique")]

    def __str__(self) -> str:
        return f"buy-now {self.key} of user {self.user_id}"
