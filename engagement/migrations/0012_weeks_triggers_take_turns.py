"""The weeks triggers take turns per person on PostgreSQL (SQLite has one writer at a time)."""

from django.db import migrations


def reinstall(apps, schema_editor):
    """Nothing now: migration 0013 installs the triggers for the weeks tables' final shape."""


class Migration(migrations.Migration):
    dependencies = [("engagement", "0011_run_replaces_row_dates")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
