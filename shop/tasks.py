"""Returns timers (beat, queue `returns`): reminders for unused labels, expiry of returns never sent.

Each walks the due returns and hands each to an idempotent service step: a worker killed halfway
leaves the rest for the next run, and a return done twice is done once.
"""

import logging

from celery import shared_task

from fulfillment.models import InboundReturn
from fulfillment.services.returns import cancel_expected_return
from shop.services import returns

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def remind_unused_return_labels() -> int:
    return sum(returns.mark_reminded(return_id=return_id) for return_id in returns.returns_to_remind())


@shared_task(acks_late=True)
def expire_unsent_returns() -> int:
    """Void the label first (the carrier may refuse: it was scanned meanwhile), then close the return."""
    expired = 0
    for return_id in returns.returns_to_expire():
        inbound = cancel_expected_return(return_id=return_id)
        if inbound is not None and inbound.status != InboundReturn.Status.CANCELLED:
            logger.info("Return %s not expired: it is %s", return_id, inbound.status)
            continue
        expired += returns.expire_return(return_id=return_id).status == "expired"
    return expired
