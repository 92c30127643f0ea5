"""When each hub's engagement was last calculated."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engagement', '0009_engagement_writes'),
        ('schools', '0002_half_terms'),
    ]

    operations = [
        migrations.CreateModel(
            name='EngagementRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('as_of', models.DateField()),
                ('computed_at', models.DateTimeField()),
                ('hub', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='schools.hub')),
            ],
        ),
    ]
