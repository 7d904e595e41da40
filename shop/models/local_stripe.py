"""State of the local Stripe stand-in (development and tests only; never used with real keys).

Objects are stored as Stripe would return them (JSON), in the database so that the web server,
the workers and the tests all see the same ones.
"""

from django.db import models


class LocalStripeObject(models.Model):
    id = models.CharField(primary_key=True, max_length=255)
    object = models.CharField(max_length=64, db_index=True)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "local Stripe object"

    def __str__(self) -> str:
        return self.id


class LocalStripeIdempotencyKey(models.Model):
    """Same key, same parameters: the same response again; same key, other parameters: an error."""

    key = models.CharField(max_length=255, unique=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    params_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
