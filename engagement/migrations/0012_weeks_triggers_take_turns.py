"""The weeks triggers take turns per person on PostgreSQL (SQLite has one writer at a time)."""

from django.db import migrations

from engagement import weeks


def reinstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in weeks.drop_trigger_sql(vendor) + weeks.trigger_sql(vendor):
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0011_run_replaces_row_dates")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
