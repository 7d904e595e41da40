"""Celery tasks: tracking."""
