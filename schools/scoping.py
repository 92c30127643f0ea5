"""The one tenant-scoping mechanism: every read of tenant data runs inside `hub_scope(hub)`.

Requests enter it in `participants.tenancy.ActiveHubMiddleware`; commands and Celery tasks enter
it from the hub they were given. Outside a scope, scoped managers raise `ScopeError`.
"""

from contextlib import contextmanager

from django_scopes import scope, scopes_disabled

__all__ = ["hub_scope", "scopes_disabled"]


@contextmanager
def hub_scope(hub):
    """Scope tenant queries to `hub`; with no hub, every tenant query returns nothing."""
    with scope(hub=hub if hub is not None else []):
        yield
