"""Plain SQL for the queries every page makes, planned once per connection on PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper


@contextmanager
def planned_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[CursorWrapper]:
    """A cursor whose statements PostgreSQL parses and plans once per connection, not on every run.

    Django binds parameters on the client, so PostgreSQL parses and plans each statement anew: for the
    product page's version query that is 0.6 of its 0.9 ms. This cursor binds on the server, and psycopg
    prepares a statement once it has run `prepare_threshold` times on the connection (settings.py sets it
    for PostgreSQL). Queries still pass through Django's wrapper, so they are logged and counted as any
    other. Elsewhere (SQLite) it is the ordinary cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.Cursor(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        yield cursor
