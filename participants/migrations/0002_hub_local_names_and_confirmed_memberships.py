"""Names become hub-local (each Person gets its user's name) and memberships can await confirmation
(every existing membership counts as confirmed when it was created)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def copy_names_and_confirm(apps, schema_editor):
    Person = apps.get_model("participants", "Person")
    User = apps.get_model("participants", "User")
    users = User.objects.filter(pk=OuterRef("user_id"))
    Person.objects.update(
        first_name=Subquery(users.values("first_name")[:1]),
        last_name=Subquery(users.values("last_name")[:1]),
        confirmed_at=F("created_at"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('participants', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='ect',
            options={'ordering': ['person__last_name', 'person__first_name'], 'verbose_name': 'ECT'},
        ),
        migrations.AlterModelOptions(
            name='person',
            options={'ordering': ['last_name', 'first_name']},
        ),
        migrations.AddField(
            model_name='person',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, help_text="When the account's owner confirmed this membership; until then it gives the account no access.", null=True),
        ),
        migrations.AddField(
            model_name='person',
            name='first_name',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='person',
            name='last_name',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(copy_names_and_confirm, migrations.RunPython.noop),
    ]
