"""Every existing ECT gets one open school period: at their current school from their induction start."""

from django.db import migrations


def open_periods(apps, schema_editor):
    ECT = apps.get_model("participants", "ECT")
    ECTAtSchool = apps.get_model("participants", "ECTAtSchool")
    ECTAtSchool.objects.bulk_create(
        ECTAtSchool(hub_id=hub_id, ect_id=ect_id, school_id=school_id, started_on=started_on)
        for ect_id, hub_id, school_id, started_on in ECT.objects.values_list("id", "hub_id", "school_id", "induction_start_date")
    )


class Migration(migrations.Migration):
    dependencies = [("participants", "0006_ect_at_school")]

    operations = [migrations.RunPython(open_periods, migrations.RunPython.noop)]
