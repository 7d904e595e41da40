"""The Celery app: JSON only, late acks, named queues; configured from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules of packages inside the apps (each imported if it exists).
app.autodiscover_tasks(["shop.payments", "shop.payments.local_stripe", "shop.ledger"])
