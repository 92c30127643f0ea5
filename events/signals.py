"""Every hub `create_hub` makes or updates gets the programme's events; a change to a hub's events,
sessions, bookings or alternatives makes its cached attendance counts count afresh."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ectprogramme.hub_cache import hub_changed
from events.catalogue import sync_catalogue
from events.models import Alternative, Booking, Event, Session
from schools.signals import hub_created


@receiver(hub_created)
def _copy_catalogue(sender, hub, **kwargs):
    sync_catalogue(hub)


def _changed(sender, instance, **kwargs):
    hub_changed(instance.hub_id)


for _model in (Event, Session, Booking, Alternative):
    for _signal in (post_save, post_delete):
        _signal.connect(_changed, sender=_model, dispatch_uid=f"events-hub-changed-{_model.__name__}-{_signal}")
