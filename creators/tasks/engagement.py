"""Celery tasks: impressions and tag clicks written in batches."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from creators.services.engagement import record_engagement


@shared_task(ignore_result=True)
def record_engagement_task(
    *, impressions: list[list[int]], clicks: list[list[int]], user_id: int | None, session_key: str, at: str
) -> None:
    """One batch from the feed, already checked by the view: a bulk insert of impressions and clicks."""
    record_engagement(
        impressions=impressions, clicks=clicks, user_id=user_id, session_key=session_key, at=parse_datetime(at)
    )
