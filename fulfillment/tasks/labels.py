"""Celery tasks: labels."""
