"""Signals participants sends for apps that build on it (it never imports them)."""

from django.dispatch import Signal

# An import wrote people's roles in bulk (no post_save per row): `hub_id`, and the `ect_ids` and
# `mentor_ids` whose statuses, schools or mentors it created or changed.
people_imported = Signal()
