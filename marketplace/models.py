from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Every person: shoppers, seller members, creators and staff."""

    email = models.EmailField("email address", blank=True, db_index=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class OutboxEvent(models.Model):
    """A fact written in the transaction of the change that caused it; the relay hands it to its handlers."""

    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last time its handlers were enqueued (null: never, e.g. the broker was down at commit).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Every handler has run; the sweep no longer looks at it.
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["dispatched_at", "created_at"],
                condition=models.Q(completed_at__isnull=True),
                name="outbox_unfinished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class HandledEvent(models.Model):
    """One handler ran one event to completion: written in the handler's transaction, so it runs once."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="handled")
    handler = models.CharField(max_length=100)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="handled_event_once_per_handler")]

    def __str__(self) -> str:
        return f"{self.handler} handled {self.event_id}"
