"""Django's Redis cache, made optional: when Redis cannot be reached the cache behaves as an empty one.

The portal keeps nothing in the cache that it cannot compute again (API throttling counts, computed fragments),
so a Redis outage must not turn pages into 500s. Each failed call answers as a miss (`get` gives the default,
`set` stores nothing, `incr` finds no key); after a failure Redis is left alone for `RETRY_SECONDS` (a page then
makes no network call at all to a dead cache), and the first failure and the return are logged once each.
Connection and socket timeouts are bounded in settings (OPTIONS), so a Redis that hangs costs at most that.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("ethnic_portal.cache")

RETRY_SECONDS = 5.0
_state_lock = threading.Lock()
_down_until: dict[str, float] = {}  # LOCATION → monotonic time before which Redis is not tried again


def _errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)

    def is_down(self) -> bool:
        until = _down_until.get(self._location)
        return until is not None and time.monotonic() < until

    def _call(self, method: str, fallback, *args, **kwargs):
        if self.is_down():
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except _errors() as error:
            with _state_lock:
                first = self._location not in _down_until
                _down_until[self._location] = time.monotonic() + RETRY_SECONDS
            if first:
                logger.warning("cache unavailable, pages run without it: %s: %s", type(error).__name__, error)
            return fallback
        if self._location in _down_until:
            with _state_lock:
                if _down_until.pop(self._location, None) is not None:
                    logger.warning("cache available again")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
