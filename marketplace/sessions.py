"""Sessions as Django's cached_db keeps them (read from the cache, written through to the database), for less SQL.

Django's database backend checks a new key is free with a SELECT before inserting it, and wraps each write
in `transaction.atomic`: 4 queries to make a session, 3 to save one. Neither is needed outside a transaction:
the INSERT of a taken key fails on the primary key (CreateError, and `create` draws another key, as it does
after a failed check), and one statement in autocommit is its own transaction. Inside an atomic block the
savepoint still guards the caller's transaction, as Django's does. Set as SESSION_ENGINE.
"""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router
from django.utils.crypto import get_random_string


class SessionStore(cached_db.SessionStore):
    def _get_new_session_key(self) -> str:
        # 32 random characters; a taken one is refused by the INSERT and another drawn (SessionBase.create).
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        if connections[using].in_atomic_block:  # a savepoint keeps the caller's transaction usable on a clash
            return super().save(must_create=must_create)
        data = self._get_session(no_load=must_create)
        obj = self.create_model_instance(data)
        try:
            obj.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError as error:
            if must_create:
                raise CreateError from error
            raise
        except DatabaseError as error:
            if not must_create:
                raise UpdateError from error
            raise
        self._write_to_cache()
        return None

    def _write_to_cache(self) -> None:
        """As cached_db.SessionStore.save does after the database write."""
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:  # noqa: BLE001  (as Django: a cache outage must not lose the session, it is in the database)
            cached_db.logger.exception("Error saving to cache (%s)", self._cache)
