"""Shopping carts: one per logged-in shopper, or per session for anonymous visitors."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(session_key__isnull=False), name="cart_has_an_owner"
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} of {self.user or self.session_key}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("shop.Variant", on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField(default=1)
    # Attribution: the product tag (and its creator) the shopper came from. The creators issue
    # fills these and turns them into foreign keys; null means "not from a creator's video".
    attribution_tag_id = models.PositiveBigIntegerField(null=True, blank=True)
    attribution_creator_id = models.PositiveBigIntegerField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x variant {self.variant_id}"
