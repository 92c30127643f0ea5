"""Signals about hubs, for higher apps to act on without the lower ones importing them."""

from django.dispatch import Signal

# Sent by `create_hub` (for a new or existing hub) with `hub`: apps copy in what every hub needs.
hub_created = Signal()
