"""Copy the programme's events into every existing hub."""

from django.db import migrations

from events.catalogue import sync_events


def copy_catalogue(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    for hub_id in apps.get_model("schools", "Hub").objects.values_list("pk", flat=True):
        sync_events(Event, hub_id)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(copy_catalogue, migrations.RunPython.noop)]
