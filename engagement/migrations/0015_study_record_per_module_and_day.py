"""A module may be studied again on another date (revision): a study record is one per ECT, module and day."""

from django.db import migrations, models

from engagement import weeks


class Migration(migrations.Migration):
    dependencies = [("engagement", "0014_weeks_last_on_index")]

    operations = [
        migrations.RunPython(weeks.drop_triggers, weeks.reinstall_triggers),
        migrations.RemoveConstraint(model_name="studyrecord", name="one_study_record_per_module"),
        migrations.AddConstraint(
            model_name="studyrecord",
            constraint=models.UniqueConstraint(fields=("ect", "module", "done_on"), name="one_study_record_per_module_per_day"),
        ),
        migrations.RunPython(weeks.reinstall_triggers, weeks.drop_triggers),
    ]
