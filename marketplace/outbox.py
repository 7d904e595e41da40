"""Durable facts: a transactional outbox, and a relay that hands each fact to each handler as its own task.

An app declares its facts in `<app>/events.py`:

    order_paid = Event("shop.order_paid")

and publishes one inside the transaction of the change that causes it:

    events.order_paid.publish(order_id=order.pk)

Another app (or the same one) reacts in `<app>/receivers.py`:

    @events.order_paid.handler("creators.record_commissions")
    def record_commissions(payload: dict) -> None: ...

`publish` writes an `OutboxEvent` row in the current transaction, so the fact exists exactly when the
change does. After commit the relay enqueues `run_event_handler(event, handler)` once per handler; a
broker that is down (or, with eager tasks, a handler that fails) is logged and leaves the event
undispatched, never failing the request. The beat task `redispatch_events` sends again what was not
dispatched, or not handled in time (a worker killed). A handler runs to completion at most once per
event: a `HandledEvent(event, handler)` row is unique and written in the handler's own transaction
(`atomic=False` handlers are idempotent by themselves, and marked after). A handler that needs a fact
which has not arrived yet raises `NotReady`: it is tried again, never dropped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Subquery
from django.utils import timezone

from marketplace.models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

HandlerFunc = Callable[[dict[str, Any]], None]
SWEEP_BATCH = 500


class NotReady(Exception):
    """A handler's precondition has not arrived yet (events may come in any order): run it again later."""


@dataclass(frozen=True)
class Handler:
    name: str
    func: HandlerFunc
    queue: str
    # False for work that is idempotent by itself (allocation keyed by the order, video processing that
    # only works on a `processing` post): it runs outside the outbox's transaction and is marked after.
    atomic: bool
    soft_time_limit: int | None = None  # seconds; the project's default when None


_EVENTS: dict[str, Event] = {}


class Event:
    """A fact an app announces; handlers subscribe to it by a name that is unique per event."""

    def __init__(self, name: str, *, doc: str = "") -> None:
        if name in _EVENTS:
            raise ImproperlyConfigured(f"The event {name!r} is declared twice.")
        self.name = name
        self.doc = doc
        self.handlers: dict[str, Handler] = {}
        _EVENTS[name] = self

    def __repr__(self) -> str:
        return f"Event({self.name!r})"

    def handler(
        self, name: str, *, queue: str = "default", atomic: bool = True, soft_time_limit: int | None = None
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """Subscribe a function to this event; `name` keys its idempotency (never rename a live handler)."""

        def register(func: HandlerFunc) -> HandlerFunc:
            if name in self.handlers and self.handlers[name].func is not func:
                raise ImproperlyConfigured(f"{self.name} has two handlers named {name!r}.")
            self.handlers[name] = Handler(
                name=name, func=func, queue=queue, atomic=atomic, soft_time_limit=soft_time_limit
            )
            return func

        return register

    def publish(self, **payload: Any) -> OutboxEvent:
        """Write the fact in the current transaction; it is dispatched after commit (or by the sweep)."""
        event = OutboxEvent.objects.create(name=self.name, payload=payload)
        # A fresh fact: no handler has run it, and its row need not be read again after commit.
        transaction.on_commit(lambda: dispatch(event_id=event.pk, fresh=event), robust=True)
        return event


def publish_many(event: Event, payloads: list[dict[str, Any]]) -> int:
    """Write many facts of one kind in one INSERT (a master scan fanned out to its parcels).

    Not dispatched at commit one by one: the sweep (`redispatch_events`) sends them once the grace period has
    passed, so the transaction that wrote them makes a fixed number of queries whatever their number.
    """
    OutboxEvent.objects.bulk_create([OutboxEvent(name=event.name, payload=payload) for payload in payloads])
    return len(payloads)


def event_named(name: str) -> Event:
    try:
        return _EVENTS[name]
    except KeyError:
        raise ImproperlyConfigured(f"No event is declared as {name!r}.") from None


def registered_events() -> dict[str, Event]:
    return dict(_EVENTS)


# --------------------------------------------------------------------------------------- relay


def dispatch(*, event_id: int, fresh: OutboxEvent | None = None) -> bool:
    """Enqueue one task per handler not yet done; True when every one was handed to the broker.

    Never raises: a broker outage (or, with eager tasks, a failing handler) is logged and counted, and
    the sweep dispatches the event again later. `fresh` is the row just published (every handler pending).
    """
    event = fresh or OutboxEvent.objects.filter(pk=event_id).first()
    if event is None or event.completed_at is not None:
        return True
    done = set() if fresh else set(HandledEvent.objects.filter(event_id=event_id).values_list("handler", flat=True))
    pending = [handler for name, handler in sorted(event_named(event.name).handlers.items()) if name not in done]
    if not pending:
        _complete(event_id)
        return True
    failed = None
    for handler in pending:
        try:
            run_event_handler.apply_async(
                (event_id, handler.name), {"name": event.name, "payload": event.payload},
                queue=handler.queue, **_limits(handler),
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 (whatever the broker or an eager handler raised: retried later)
            failed = error
            logger.warning("Event %s (%s) not dispatched to %s: %r", event_id, event.name, handler.name, error)
    if failed is not None:
        OutboxEvent.objects.filter(pk=event_id).update(
            attempts=F("attempts") + 1, last_error=f"dispatch: {type(failed).__name__}: {failed}"[:2000]
        )
        return False
    OutboxEvent.objects.filter(pk=event_id).update(dispatched_at=timezone.now())
    return True


def _limits(handler: Handler) -> dict[str, int]:
    if handler.soft_time_limit is None:
        return {}
    return {"soft_time_limit": handler.soft_time_limit, "time_limit": handler.soft_time_limit + 60}


def _complete(event_id: int) -> None:
    OutboxEvent.objects.filter(pk=event_id, completed_at__isnull=True).update(completed_at=timezone.now())


def handle(*, event_id: int, handler_name: str, name: str | None = None, payload: dict | None = None) -> bool:
    """Run one handler on one event, once; False when it had run before (a repeated delivery).

    The relay sends the event's name and payload with the task, so the row is read only when they are
    missing. Whether every handler has run is recorded later, for many events at once (mark_completed).
    """
    if name is None or payload is None:
        name, payload = OutboxEvent.objects.values_list("name", "payload").get(pk=event_id)
    handler = event_named(name).handlers.get(handler_name)
    if handler is None:
        logger.error("Event %s (%s): no handler %r is registered; skipped.", event_id, name, handler_name)
        return False
    if not handler.atomic:
        handler.func(dict(payload))
        _mark_handled(event_id=event_id, handler_name=handler_name)
        return True
    try:
        with transaction.atomic():
            # The mark first: a repeat (or a concurrent delivery that commits first) stops here.
            HandledEvent.objects.create(event_id=event_id, handler=handler_name)
            handler.func(dict(payload))
    except IntegrityError:
        if HandledEvent.objects.filter(event_id=event_id, handler=handler_name).exists():
            return False
        raise  # the handler's own integrity error
    return True


def _mark_handled(*, event_id: int, handler_name: str) -> None:
    """Record that a self-idempotent handler ran: one INSERT, whatever a concurrent repeat did first."""
    mark = HandledEvent(event_id=event_id, handler=handler_name)
    if transaction.get_connection().in_atomic_block:
        HandledEvent.objects.bulk_create([mark], ignore_conflicts=True)
        return
    with contextlib.suppress(IntegrityError):  # a repeated delivery marked it first
        mark.save()  # autocommit: one statement, no transaction around it


def mark_completed() -> int:
    """Stamp the events every handler has run for (one statement per kind of event); answers how many."""
    now, count = timezone.now(), 0
    for name, event in _EVENTS.items():
        done = (
            OutboxEvent.objects.filter(name=name, completed_at__isnull=True)
            .annotate(handlers_done=Count("handled"))
            .filter(handlers_done__gte=len(event.handlers))
            .values("pk")
        )
        count += OutboxEvent.objects.filter(pk__in=Subquery(done)).update(completed_at=now)
    return count


def record_failure(*, event_id: int, handler_name: str, error: BaseException) -> None:
    OutboxEvent.objects.filter(pk=event_id).update(
        attempts=F("attempts") + 1, last_error=f"{handler_name}: {type(error).__name__}: {error}"[:2000]
    )


def due_for_dispatch(*, now=None) -> list[int]:
    """Events never dispatched (broker down at commit), or dispatched long ago and still not handled."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_DISPATCH_GRACE_SECONDS)
    again = timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    return list(
        OutboxEvent.objects.filter(completed_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
        .filter(Q(dispatched_at__isnull=True, created_at__lt=now - grace) | Q(dispatched_at__lt=now - again))
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def deliver_pending() -> int:
    """Dispatch every unfinished event now, and those its handlers publish in turn (demo data, tests).

    The sweep waits a grace period; this does not. Each event is dispatched once per call.
    """
    done: set[int] = set()
    unfinished = OutboxEvent.objects.filter(completed_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
    while pending := set(unfinished.values_list("pk", flat=True)) - done:
        for event_id in sorted(pending):
            dispatch(event_id=event_id)
        done |= pending
    mark_completed()
    return len(done)


def backlog(*, queue: str) -> int:
    """Unfinished events with a handler on this queue still to run (e.g. paid orders waiting for allocation)."""
    handlers = {
        (name, handler.name)
        for name, event in _EVENTS.items()
        for handler in event.handlers.values()
        if handler.queue == queue
    }
    if not handlers:
        return 0
    unfinished = OutboxEvent.objects.filter(completed_at__isnull=True, name__in={name for name, _ in handlers})
    waiting = Q()
    for name, handler_name in handlers:
        waiting |= Q(name=name) & ~Q(handled__handler=handler_name)
    return unfinished.filter(waiting).distinct().count()


# --------------------------------------------------------------------------------------- tasks


@shared_task(bind=True, acks_late=True, max_retries=6)
def run_event_handler(
    self, event_id: int, handler_name: str, name: str | None = None, payload: dict | None = None
) -> bool:
    """Run one handler of one outbox event (idempotent); failures are retried with backoff, then by the sweep."""
    try:
        return handle(event_id=event_id, handler_name=handler_name, name=name, payload=payload)
    except Exception as error:
        record_failure(event_id=event_id, handler_name=handler_name, error=error)
        log = logger.info if isinstance(error, NotReady) else logger.warning
        log("Event %s handler %s: %r (attempt %s)", event_id, handler_name, error, self.request.retries + 1)
        if self.request.is_eager:
            raise  # the relay catches it; the sweep runs the handler again
        raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 300)) from error


@shared_task(acks_late=True)
def redispatch_events() -> int:
    """Beat, every minute: dispatch again what the broker never took or no worker finished."""
    mark_completed()
    ids = due_for_dispatch()
    for event_id in ids:
        dispatch(event_id=event_id)
    return len(ids)
