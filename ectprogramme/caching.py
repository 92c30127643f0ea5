"""The cache as what it is, an optimisation: when it cannot be reached (Redis down), the failure is
logged and the value made afresh, so pages answer more slowly instead of failing, and a write that
tells the cache of a change is never undone for it."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

_MISSING = object()


def quietly(operation, *args, **kwargs):
    """`operation(*args, **kwargs)` (a cache method), or None, logged, if the cache cannot be reached."""
    try:
        return operation(*args, **kwargs)
    except Exception:
        logger.exception("The cache could not be reached (%s); carrying on without it", operation.__name__)
        return None


def read_through(key, make, timeout, version=None):
    """The value cached under `key`, else `make()`, cached for `timeout` seconds."""
    value = quietly(cache.get, key, _MISSING, version=version)
    if value is None or value is _MISSING:
        value = make()
        quietly(cache.set, key, value, timeout, version=version)
    return value
