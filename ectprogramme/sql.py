"""Helpers for the few statements written in SQL for speed, which must run on PostgreSQL (tests,
production) and on SQLite (`make run`)."""

import datetime

from django.utils import timezone


def with_lists(sql, params, **lists):
    """`sql` and `params` with each `%(name)s` of `lists` expanded into one placeholder per value, for
    `IN (%(name)s)` (SQLite has no arrays). An empty list becomes NULL, which matches nothing."""
    params = dict(params)
    for name, values in lists.items():
        names = [f"{name}_{index}" for index in range(len(values))]
        params.update(zip(names, values))
        sql = sql.replace(f"%({name})s", ", ".join(f"%({n})s" for n in names) or "NULL")
    return sql, params


def to_date(value):
    """A date read by raw SQL (SQLite gives text)."""
    return datetime.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def to_datetime(value):
    """An aware datetime read by raw SQL (SQLite gives text in UTC)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.timezone.utc)
    return value
