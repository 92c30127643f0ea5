"""Signals participants sends for apps that build on it (it never imports them), and what tells
the counts cached per hub (`ectprogramme.hub_cache`) that its people or roles changed."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from ectprogramme.hub_cache import hub_changed

# An import wrote people's roles in bulk (no post_save per row): `hub_id`, and the `ect_ids` and
# `mentor_ids` whose statuses, schools or mentors it created or changed.
people_imported = Signal()


def _changed(sender, instance, **kwargs):
    hub_changed(instance.hub_id)


def _imported(sender, hub_id, **kwargs):
    hub_changed(hub_id)


def connect():
    """Any save or delete of a person or role, and any import, renews the hub's cache token."""
    from participants.models import ECT, ECTAtSchool, ECTStatus, InductionTutor, Mentor, Person

    for model in (Person, ECT, ECTStatus, ECTAtSchool, Mentor, InductionTutor):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=model, dispatch_uid=f"participants-hub-changed-{model.__name__}-{signal}")
    people_imported.connect(_imported, dispatch_uid="participants-hub-changed-imported")
