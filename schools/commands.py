"""What the stable commands (`manage.py engagement`, `evidence`, `report`, `attendance`,
`send_nudges`, the imports) share: the hub named by `--hub` and the date given as `--as-of`, each
refused with the same plain message."""

import datetime

from django.core.management.base import CommandError

from schools.models import Hub


def hub_by_slug(slug):
    """The hub with this slug, or a CommandError naming it."""
    hub = Hub.objects.filter(slug=slug).first()
    if hub is None:
        raise CommandError(f"No hub with the slug {slug!r}.")
    return hub


def iso_date(value):
    """`--as-of` as a date, or a CommandError quoting it."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {value!r}") from None
