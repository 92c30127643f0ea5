"""`PEOPLE_AT_SCHOOLS_SQL` (the dashboards' quick form of the rule) and `people_at_school` agree."""

import datetime

from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from ectprogramme.sql import with_lists
from participants.onboarding import never_signed_in_by_school
from participants.queries import PEOPLE_AT_SCHOOLS_SQL, people_at_school
from tests import factories

TODAY = timezone.localdate()


def _in_sql(school_ids):
    with connection.cursor() as cursor:
        cursor.execute(*with_lists(PEOPLE_AT_SCHOOLS_SQL, {"today": TODAY}, schools=school_ids))
        return sorted(cursor.fetchall())


def test_both_forms_of_the_rule_give_the_same_people(world):
    """ECTs in training or paused, current mentors and tutors; not those who left or completed, whose
    role finished or has not started, nor another school's; someone in two roles once."""
    with scopes_disabled():
        school = world.school
        factories.ECTFactory(school=school, status="paused")
        factories.ECTFactory(school=school, status="left")
        factories.ECTFactory(school=school, status="completed")
        factories.MentorFactory(school=school, finished_on=TODAY - datetime.timedelta(days=1))
        factories.MentorFactory(school=school, started_on=TODAY + datetime.timedelta(days=3))
        factories.InductionTutorFactory(school=school, person=world.mentor.person)
        schools = [world.school, world.sibling_school]
        expected = sorted((s.pk, pk) for s in schools for pk in people_at_school(s).values_list("pk", flat=True))
        assert len(expected) == 8  # Elm: tutor, mentor (a tutor too), two ECTs, the paused one; Oak: tutor, mentor, ECT
        assert _in_sql([s.pk for s in schools]) == expected


def test_never_signed_in_counts_each_person_once_per_school(world):
    with scopes_disabled():
        factories.InductionTutorFactory(school=world.school, person=world.mentor.person)
        world.ect.person.__class__.objects.filter(pk=world.ect.person.pk).update(
            last_signed_in_at=timezone.now(), confirmed_at=timezone.now()
        )
        counts = never_signed_in_by_school([world.school.pk, world.sibling_school.pk])
    # Elm: tutor, mentor (also a tutor: once), the other ECT; the ECT signed in. Oak: tutor, mentor, ECT.
    assert counts == {world.school.pk: 3, world.sibling_school.pk: 3}
