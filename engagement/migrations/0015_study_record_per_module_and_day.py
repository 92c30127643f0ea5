"""A module may be studied again on another date (revision): a study record is one per ECT, module and day."""

from django.db import migrations, models

from engagement import weeks


def drop_triggers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in weeks.drop_trigger_sql(schema_editor.connection.vendor):
            cursor.execute(statement)


def install_triggers(apps, schema_editor):
    """SQLite rebuilds the table to change its constraints, which drops its triggers: install them again."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in weeks.drop_trigger_sql(vendor) + weeks.trigger_sql(vendor):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0014_weeks_last_on_index")]

    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.RemoveConstraint(model_name="studyrecord", name="one_study_record_per_module"),
        migrations.AddConstraint(
            model_name="studyrecord",
            constraint=models.UniqueConstraint(fields=("ect", "module", "done_on"), name="one_study_record_per_module_per_day"),
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
