"""Sessions read from the shared cache (Redis) and written through to the database.

Every signed-in request read its session from PostgreSQL: one query of the desk save's
few. With `CACHE_URL=redis://…` the session is read from Redis instead, and the
database stays the record (Django's cached_db). Used only with a shared cache
(settings.SESSION_ENGINE): with one cache per process, a logout in one process would
leave the session alive in the others' caches.

Redis being unreachable must fail nothing (docs/deploy.md): reads then fall back to
the database, and writes and deletes reach the database and log that the cache was
missed. A session deleted while Redis was unreachable may come back from its cached
copy when Redis does; that copy stopped being touched when the outage began, so the
idle rule (residents.security.StaffSessionMiddleware, SESSION_IDLE_SECONDS) signs it
out within that time.
"""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.exception("Error reading a session from the cache (%s)", self._cache)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
        return data

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception:
            logger.exception("Error reading a session from the cache (%s)", self._cache)
            return cached_db.DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)
        except Exception:
            # The database row is gone already (DBStore.delete ran first).
            logger.exception("Error deleting a session from the cache (%s)", self._cache)
