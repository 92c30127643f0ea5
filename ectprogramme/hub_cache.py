"""Counts the dashboards show on every load, cached until the hub's people or events change.

Event attendance and who never signed in are counted live from a hub's people, roles, sessions,
bookings and alternatives, and counting them cost the hub dashboard more than all the rest of it.
So each hub has a token, renewed by `hub_changed` whenever one of those changes (by signal on the
saves and deletes of those models, and by call where a write bypasses signals), and a count is
cached under the token it was read at: the first load after a change counts afresh, so the pages
stay as live as if they counted every time.

The token is renewed at once and again once the transaction commits, so a count read while the
change was uncommitted never outlives it; and it is read before the count, so a count is only
ever stored with a token at least as old as what it saw. Anything written by neither path is
counted afresh after `CACHE_SECONDS` at the latest.
"""

import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction

from ectprogramme.caching import quietly

TOKEN_SECONDS = 60 * 60 * 24
CACHE_SECONDS = 10 * 60
# the shape of the cached values: bump it when a change alters what one holds
CACHE_FORMAT = 1


def _token_key(hub_id):
    return f"hub-changes:{hub_id}"


def _renew(hub_id):
    """A new token (never raised if the cache cannot be reached: the write that called this stands,
    and what is cached is counted afresh within `CACHE_SECONDS`)."""
    quietly(cache.set, _token_key(hub_id), uuid.uuid4().hex, TOKEN_SECONDS, version=CACHE_FORMAT)


def hub_changed(hub_id):
    """Something the cached counts read changed in the hub: count afresh on the next load."""
    _renew(hub_id)
    transaction.on_commit(lambda: _renew(hub_id))


def cached_until_changed(hub_id, name, parts, make):
    """`make()`, cached under the hub's token, `name` and `parts` (what else the value depends on:
    the date, the schools); a change in the hub or `CACHE_SECONDS` makes it again. The value is
    stored with the token it was made under, so the token and the value are one read."""
    digest = hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()
    token_key, key = _token_key(hub_id), f"hub-cache:{name}:{hub_id}:{digest}"
    found = quietly(cache.get_many, [token_key, key], version=CACHE_FORMAT)
    if found is None:  # the cache is out of reach
        return make()
    token = found.get(token_key)
    if token is None:
        quietly(cache.add, token_key, uuid.uuid4().hex, TOKEN_SECONDS, version=CACHE_FORMAT)
        token = quietly(cache.get, token_key, version=CACHE_FORMAT)
    elif key in found and found[key][0] == token:
        return found[key][1]
    value = make()
    if token is not None:
        quietly(cache.set, key, (token, value), CACHE_SECONDS, version=CACHE_FORMAT)
    return value
