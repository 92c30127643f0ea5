from django.db import migrations


def load(apps, schema_editor):
    from engagement.programmes import load_programmes

    load_programmes(apps.get_model("engagement", "ProgrammeVersion"), apps.get_model("engagement", "Module"))


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
