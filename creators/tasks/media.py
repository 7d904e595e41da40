"""Celery tasks: video and avatar processing (queue `media`)."""
