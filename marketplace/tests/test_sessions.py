"""Sessions (marketplace.sessions): made and saved in one statement each, and still never shared or lost."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_session_costs_one_insert_and_is_read_back_by_the_next_request():
    store = SessionStore()
    store["cart_token"] = "abc"

    with CaptureQueriesContext(connection) as queries:
        store.save()

    assert [query["sql"].split()[0] for query in queries] == ["INSERT"]
    assert SessionStore(session_key=store.session_key)["cart_token"] == "abc"
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"cart_token": "abc"}


def test_saving_a_changed_session_costs_one_update():
    store = SessionStore()
    store["step"] = 1
    store.save()
    store["step"] = 2

    with CaptureQueriesContext(connection) as queries:
        store.save()

    assert [query["sql"].split()[0] for query in queries] == ["UPDATE"]
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"step": 2}


class _DrawsATakenKeyFirst(SessionStore):
    """Draws another session's key first (a collision), then random keys."""

    __qualname__ = "SessionStore"  # the data's signing salt names the class: decoded as any session's
    taken: str = ""

    def _get_new_session_key(self) -> str:
        key, type(self).taken = type(self).taken, ""
        return key or super()._get_new_session_key()


def test_a_drawn_key_already_in_use_is_never_shared_another_is_drawn():
    first = SessionStore()
    first["user"] = "first"
    first.save()
    _DrawsATakenKeyFirst.taken = first.session_key
    second = _DrawsATakenKeyFirst()
    second["user"] = "second"

    second.save()

    assert second.session_key != first.session_key
    assert SessionStore(session_key=first.session_key)["user"] == "first"
    assert Session.objects.get(session_key=second.session_key).get_decoded() == {"user": "second"}


def test_inside_a_transaction_a_clash_leaves_the_callers_transaction_usable():
    first = SessionStore()
    first.save()
    _DrawsATakenKeyFirst.taken = first.session_key

    with transaction.atomic():
        second = _DrawsATakenKeyFirst()
        second["user"] = "second"
        second.save()
        assert Session.objects.count() == 2  # the transaction still answers
