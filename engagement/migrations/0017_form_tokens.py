"""A retried form post saves one record: each coaching cycle, meeting and formal observation keeps
the form submission that created it. SQLite rebuilds the tables to add the constraints, which drops
the weeks triggers: they are installed again after."""

from django.db import migrations, models

from engagement import weeks


class Migration(migrations.Migration):

    dependencies = [
        ('engagement', '0016_statuses_say_what_they_mean'),
    ]

    operations = [
        migrations.RunPython(weeks.drop_triggers, weeks.reinstall_triggers),
        migrations.AddField(
            model_name='coachingcycle',
            name='form_token',
            field=models.UUIDField(blank=True, editable=False, help_text='The form submission that created it.', null=True),
        ),
        migrations.AddField(
            model_name='formalobservation',
            name='form_token',
            field=models.UUIDField(blank=True, editable=False, help_text='The form submission that created it.', null=True),
        ),
        migrations.AddField(
            model_name='mentormeeting',
            name='form_token',
            field=models.UUIDField(blank=True, editable=False, help_text='The form submission that created it.', null=True),
        ),
        migrations.AddConstraint(
            model_name='coachingcycle',
            constraint=models.UniqueConstraint(fields=('ect', 'form_token'), name='one_coaching_cycle_per_form_submission'),
        ),
        migrations.AddConstraint(
            model_name='formalobservation',
            constraint=models.UniqueConstraint(fields=('ect', 'form_token'), name='one_formal_observation_per_form_submission'),
        ),
        migrations.AddConstraint(
            model_name='mentormeeting',
            constraint=models.UniqueConstraint(fields=('ect', 'form_token'), name='one_mentor_meeting_per_form_submission'),
        ),
        migrations.RunPython(weeks.reinstall_triggers, weeks.drop_triggers),
    ]
