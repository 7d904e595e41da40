"""Celery tasks: fulfillment_orders."""
