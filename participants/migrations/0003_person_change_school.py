import django.db.models.deletion
from django.db import migrations, models

# Timeline entries about an ECT record (their summaries start with these words).
ECT_PREFIXES = (
    "Status changed", "Mentor ", "No mentor", "Programme changed", "Cohort changed",
    "Induction start changed", "FTE changed", "School changed",
)


def fill_schools(apps, schema_editor):
    """Give existing entries the school they concern, as far as their wording tells.

    Role entries name their school ("Became mentor at Elm Primary ..."); an ECT's entries concern
    their ECT record's school; "Started mentoring ..." the mentor's school when they mentor at one
    school only. Anything else (account, hub role) stays hub-wide.
    """
    PersonChange = apps.get_model("participants", "PersonChange")
    School = apps.get_model("schools", "School")
    ECT = apps.get_model("participants", "ECT")
    Mentor = apps.get_model("participants", "Mentor")
    schools_by_hub = {}
    for school in School._base_manager.order_by("-name"):
        schools_by_hub.setdefault(school.hub_id, []).append(school)
    ect_school = dict(ECT._base_manager.values_list("person_id", "school_id"))
    mentor_schools = {}
    for person_id, school_id in Mentor._base_manager.values_list("person_id", "school_id"):
        mentor_schools.setdefault(person_id, set()).add(school_id)
    for change in PersonChange._base_manager.filter(school__isnull=True).iterator():
        school_id = None
        named = [s for s in schools_by_hub.get(change.hub_id, []) if f" at {s.name}" in change.summary]
        if named:
            school_id = max(named, key=lambda s: len(s.name)).pk
        elif change.summary.startswith(ECT_PREFIXES) and change.person_id in ect_school:
            school_id = ect_school[change.person_id]
        elif change.summary.startswith("Started mentoring") and len(mentor_schools.get(change.person_id, ())) == 1:
            school_id = next(iter(mentor_schools[change.person_id]))
        if school_id is not None:
            PersonChange._base_manager.filter(pk=change.pk).update(school_id=school_id)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0002_hub_local_names_and_confirmed_memberships"),
        ("schools", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="personchange",
            name="school",
            field=models.ForeignKey(
                blank=True,
                help_text="The school whose role the change concerns; empty for hub-wide changes (account, hub role).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schools.school",
            ),
        ),
        migrations.RunPython(fill_schools, migrations.RunPython.noop),
    ]
