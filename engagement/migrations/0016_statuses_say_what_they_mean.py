"""Statuses say what they mean (paused, left, completed, not started yet, not mentoring) and ECTs with no mentor are flagged."""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engagement', '0015_study_record_per_module_and_day'),
    ]

    operations = [
        migrations.AddField(
            model_name='engagement',
            name='no_mentor',
            field=models.BooleanField(default=False, help_text='ECTs only: no current mentor (and not left or completed).'),
        ),
        migrations.AddField(
            model_name='engagementtrend',
            name='no_mentor',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='engagement',
            name='status',
            field=models.CharField(choices=[('on_track', 'On track'), ('at_risk', 'At risk'), ('off_track', 'Off track'), ('paused', 'Paused'), ('left', 'Left'), ('completed', 'Completed'), ('not_started', 'Not started yet'), ('not_mentoring', 'Not mentoring')], max_length=13),
        ),
    ]
