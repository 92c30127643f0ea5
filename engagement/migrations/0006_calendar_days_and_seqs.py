"""The materialised calendar gains seqs and every day (holidays too); it is rebuilt from term dates."""

import django.db.models.deletion
from django.db import migrations, models


def forget_calendars(apps, schema_editor):
    """The calendar tables are derived from term dates: empty them, the engine rebuilds them."""
    for name in ("CalendarDay", "CalendarPeriod", "HubCalendar"):
        apps.get_model("engagement", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("engagement", "0005_school_related_names")]

    operations = [
        migrations.RunPython(forget_calendars, migrations.RunPython.noop),
        migrations.AddField(
            model_name="calendarperiod",
            name="seq",
            field=models.PositiveIntegerField(default=0, help_text="Position among the hub's periods of this cadence, in date order, from 1."),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="calendarperiod",
            constraint=models.UniqueConstraint(fields=("hub", "cadence", "seq"), name="one_period_per_seq"),
        ),
        migrations.AlterField(
            model_name="calendarday",
            name="weekly_period",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.calendarperiod"),
        ),
        migrations.AlterField(
            model_name="calendarday",
            name="fortnightly_period",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.calendarperiod"),
        ),
        migrations.AlterField(
            model_name="calendarday",
            name="academic_year",
            field=models.PositiveSmallIntegerField(help_text="Of the period the day is in, else of the date."),
        ),
        migrations.AddField(model_name="calendarday", name="weekly_seq", field=models.PositiveIntegerField(null=True)),
        migrations.AddField(model_name="calendarday", name="fortnightly_seq", field=models.PositiveIntegerField(null=True)),
        migrations.AddField(model_name="calendarday", name="weekly_next", field=models.PositiveIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="calendarday", name="fortnightly_next", field=models.PositiveIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="calendarday", name="weekly_done", field=models.PositiveIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="calendarday", name="fortnightly_done", field=models.PositiveIntegerField(default=0), preserve_default=False),
    ]
