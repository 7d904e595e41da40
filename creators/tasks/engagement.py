"""Celery tasks: impressions and tag clicks written in batches."""
