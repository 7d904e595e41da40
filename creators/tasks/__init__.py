"""Celery tasks of the creators app, one module per concern (found through this package)."""

from creators.tasks import commissions, engagement  # noqa: F401
