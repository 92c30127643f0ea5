"""Faster engine writes: no redundant single-column indexes on engagement rows, room on each page for updates."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "engagement_engagement"
REDUNDANT = (["hub_id"], ["ect_id"], ["mentor_id"])


def drop_redundant_indexes(apps, schema_editor):
    """Drop the plain indexes on hub, ect and mentor (AlterField would also drop the partial unique ones)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] in REDUNDANT:
            schema_editor.execute(schema_editor.sql_delete_index % {"table": TABLE, "name": schema_editor.quote_name(name)})
    if connection.vendor == "postgresql":
        # half-full pages, so the engine's updates stay on their page (HOT) and skip the indexes
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 50)")


def restore_indexes(apps, schema_editor):
    for columns in REDUNDANT:
        schema_editor.execute(f"CREATE INDEX {TABLE}_{columns[0]}_plain ON {TABLE} ({columns[0]})")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


def fk(to, **extra):
    return models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=to, db_index=False, **extra)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0008_activity_weeks"), ("participants", "0001_initial"), ("schools", "0002_half_terms")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="engagement", name="hub", field=fk("schools.hub")),
                migrations.AlterField(model_name="engagement", name="ect", field=fk("participants.ect", blank=True, null=True)),
                migrations.AlterField(model_name="engagement", name="mentor", field=fk("participants.mentor", blank=True, null=True)),
            ],
            database_operations=[migrations.RunPython(drop_redundant_indexes, restore_indexes)],
        ),
    ]
