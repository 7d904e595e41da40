"""The outbox: a fact is written with its change, handed to each handler once, and never lost to a broker outage."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from marketplace import outbox
from marketplace.models import HandledEvent, OutboxEvent

pytestmark = pytest.mark.django_db

calls: list[tuple[str, dict]] = []
ready = {"value": True}
tested = outbox.Event("tests.something_happened")


@tested.handler("tests.count")
def _count(payload: dict) -> None:
    calls.append(("count", payload))


@tested.handler("tests.wait_for_another_fact", queue="allocation")
def _wait(payload: dict) -> None:
    if not ready["value"]:
        raise outbox.NotReady("the other fact has not arrived")
    calls.append(("wait", payload))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    calls.clear()
    ready["value"] = True


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox.run_event_handler, "apply_async", refuse)


def test_a_fact_exists_only_if_its_change_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        tested.publish(order_id=1)
        raise RuntimeError("the change failed")

    assert not OutboxEvent.objects.exists()


def test_after_commit_each_handler_runs_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = tested.publish(order_id=7)
    outbox.mark_completed()

    event.refresh_from_db()
    assert sorted(calls) == [("count", {"order_id": 7}), ("wait", {"order_id": 7})]
    assert event.dispatched_at is not None and event.completed_at is not None
    assert set(HandledEvent.objects.values_list("handler", flat=True)) == {"tests.count", "tests.wait_for_another_fact"}


def test_the_same_fact_dispatched_five_times_has_one_effect():
    event = tested.publish(order_id=3)

    for _ in range(5):
        outbox.dispatch(event_id=event.pk)
        for name in tested.handlers:  # even handed straight to the handlers again
            outbox.handle(event_id=event.pk, handler_name=name)

    assert sorted(calls) == [("count", {"order_id": 3}), ("wait", {"order_id": 3})]
    assert HandledEvent.objects.count() == 2


def test_a_broker_outage_at_commit_loses_nothing_and_the_sweep_delivers_it_later(
    broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the caller is not told: its change stands
        event = tested.publish(order_id=9)

    event.refresh_from_db()
    assert calls == [] and event.dispatched_at is None and event.attempts == 1
    assert "Connection refused" in event.last_error
    assert outbox.due_for_dispatch() == []  # not before the grace period

    monkeypatch.undo()  # the broker is back
    later = timezone.now() + timedelta(seconds=11)
    assert outbox.due_for_dispatch(now=later) == [event.pk]
    for event_id in outbox.due_for_dispatch(now=later):
        outbox.dispatch(event_id=event_id)

    assert sorted(name for name, _ in calls) == ["count", "wait"]
    assert outbox.mark_completed() == 1
    assert OutboxEvent.objects.get().completed_at is not None


def test_an_early_fact_waits_and_is_applied_when_it_can_be():
    ready["value"] = False
    event = tested.publish(order_id=4)

    outbox.dispatch(event_id=event.pk)  # eager: the waiting handler fails, the other runs

    event.refresh_from_db()
    assert calls == [("count", {"order_id": 4})]
    assert event.completed_at is None and "NotReady" in event.last_error
    ready["value"] = True
    later = timezone.now() + timedelta(seconds=901)
    assert outbox.due_for_dispatch(now=later) == [event.pk]
    outbox.dispatch(event_id=event.pk)
    assert sorted(calls) == [("count", {"order_id": 4}), ("wait", {"order_id": 4})]
    assert outbox.mark_completed() == 1
    assert OutboxEvent.objects.get().completed_at is not None


def test_an_event_that_keeps_failing_stops_being_retried_and_waits_for_staff(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    event = tested.publish(order_id=5)
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=3)

    assert outbox.due_for_dispatch(now=timezone.now() + timedelta(hours=1)) == []


def test_the_backlog_counts_facts_whose_handlers_on_a_queue_have_not_run():
    first = tested.publish(order_id=1)
    tested.publish(order_id=2)
    outbox.handle(event_id=first.pk, handler_name="tests.wait_for_another_fact")

    assert outbox.backlog(queue="allocation") == 1  # the second still waits for its allocation-queue handler
    assert outbox.backlog(queue="labels") == 0


def test_handlers_are_named_once_per_event():
    with pytest.raises(Exception, match="two handlers"):
        tested.handler("tests.count")(lambda payload: None)


def test_the_sweep_command_dispatches_what_was_never_dispatched(broker_down, monkeypatch):
    event = tested.publish(order_id=6)
    outbox.dispatch(event_id=event.pk)  # the broker was down
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    monkeypatch.undo()

    out = io.StringIO()
    call_command("deliver_events", stdout=out)

    assert out.getvalue().strip() == "1 fact(s) dispatched again."
    assert sorted(name for name, _ in calls) == ["count", "wait"]


def test_staff_see_stuck_facts_and_dispatch_them_again(staff_client, assert_changelist_queries_constant):
    event = tested.publish(order_id=8)
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=50, last_error="tests.count: ValueError: boom")

    page = staff_client.get(reverse("admin:marketplace_outboxevent_changelist")).content.decode()
    staff_client.post(
        reverse("admin:marketplace_outboxevent_changelist"),
        {"action": "dispatch_again", "_selected_action": [str(event.pk)]},
    )

    assert "tests.something_happened" in page and "ValueError: boom" in page
    assert HandledEvent.objects.filter(event=event).count() == len(tested.handlers)
    assert_changelist_queries_constant(
        reverse("admin:marketplace_outboxevent_changelist"), lambda n: [tested.publish(order_id=i) for i in range(n)]
    )


def test_completion_is_stamped_once_every_handler_has_run():
    event = tested.publish(order_id=2)
    outbox.handle(event_id=event.pk, handler_name="tests.count")

    assert outbox.mark_completed() == 0  # one handler still to run
    outbox.handle(event_id=event.pk, handler_name="tests.wait_for_another_fact")
    assert outbox.mark_completed() == 1
    assert outbox.due_for_dispatch(now=timezone.now() + timedelta(days=1)) == []
