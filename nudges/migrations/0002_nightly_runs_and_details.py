import datetime

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("nudges", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="hubnudgesettings",
            name="last_run_on",
            field=models.DateField(blank=True, editable=False, help_text="The day the nightly run last claimed.", null=True),
        ),
        migrations.AddField(
            model_name="nudge",
            name="details",
            field=models.JSONField(blank=True, default=dict, help_text="What the message says (period, streak, people listed)."),
        ),
        migrations.AddField(
            model_name="nudgeemail",
            name="rule",
            field=models.CharField(
                choices=[("missed_study", "Missed study"), ("missed_observation", "Missed observation"), ("escalation", "Escalation"),
                         ("at_risk_75", "Below 75% with little time left"), ("praise", "Praise"),
                         ("manual_nudge", "Nudge from a tutor"), ("manual_praise", "Praise from a tutor")],
                default="missed_study",
                max_length=30,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="nudgeemail",
            name="run_on",
            field=models.DateField(
                default=datetime.date(2025, 9, 1),
                help_text="The day of the run (or the manual send) that made it; the weekly cap counts these.",
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="nudgeemail",
            index=models.Index(fields=["recipient", "run_on"], name="nudges_nudg_recipie_7afbb2_idx"),
        ),
    ]
