"""Engagement rows drop their as-of date and calculation time: the hub's EngagementRun holds them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('engagement', '0010_engagement_run'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='engagement',
            name='as_of',
        ),
        migrations.RemoveField(
            model_name='engagement',
            name='computed_at',
        ),
    ]
