"""The engine counts periods with week bitmaps: the calendar keeps its periods, not every day or seqs."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("engagement", "0006_calendar_days_and_seqs")]

    operations = [
        migrations.DeleteModel(name="CalendarDay"),
        migrations.RemoveConstraint(model_name="calendarperiod", name="one_period_per_seq"),
        migrations.RemoveField(model_name="calendarperiod", name="seq"),
    ]
