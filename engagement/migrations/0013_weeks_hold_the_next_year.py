"""A weeks row also holds the next academic year's weeks and the person's latest record in any year,
so the engine reads an induction's two years and the last activity from one row."""

from django.db import migrations, models

from engagement import weeks


def refill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in weeks.drop_trigger_sql(vendor) + weeks.trigger_sql(vendor):
            cursor.execute(statement)
        weeks.rebuild(cursor, vendor)


def drop_triggers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in weeks.drop_trigger_sql(schema_editor.connection.vendor):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0012_weeks_triggers_take_turns")]

    operations = [
        # SQLite alters a table by rebuilding it, which fails while triggers on other tables name it
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="studyweeks",
            name="next_weeks",
            field=models.BigIntegerField(default=0, help_text="The next academic year's weeks, the same way."),
        ),
        migrations.AddField(
            model_name="coachingweeks",
            name="next_weeks",
            field=models.BigIntegerField(default=0, help_text="The next academic year's weeks, the same way."),
        ),
        migrations.AlterField(
            model_name="studyweeks",
            name="last_on",
            field=models.DateField(help_text="The ECT's latest record, in any year."),
        ),
        migrations.AlterField(
            model_name="coachingweeks",
            name="last_on",
            field=models.DateField(help_text="The mentor's latest observation of any mentee, in any year."),
        ),
        migrations.RunPython(refill, drop_triggers),
    ]
