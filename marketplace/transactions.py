"""Transaction helpers shared by the apps."""

from contextlib import AbstractContextManager, nullcontext

from django.db import transaction


def one_statement() -> AbstractContextManager:
    """Around one write that may fail on a unique key (caught by the caller): nothing outside a transaction, as
    one statement in autocommit is its own (BEGIN and COMMIT around it would be two queries for nothing); a
    savepoint inside the caller's transaction, so that the failure leaves it usable."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
