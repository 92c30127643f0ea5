"""Every hub `create_hub` makes or updates gets the programme's events."""

from django.dispatch import receiver

from events.catalogue import sync_catalogue
from schools.signals import hub_created


@receiver(hub_created)
def _copy_catalogue(sender, hub, **kwargs):
    sync_catalogue(hub)
