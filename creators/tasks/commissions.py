"""Celery tasks: attribution, commissions and payouts."""
