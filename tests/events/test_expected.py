"""Who is expected at an event: scenarios that read like the programme's rules."""

import datetime

import pytest

from events.catalogue import sync_catalogue
from events.expected import expected_at_schools, expected_people
from events.models import Event
from participants import services
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

AUTUMN_2022 = datetime.date(2022, 11, 16)


@pytest.fixture
def hub():
    hub = factories.HubFactory(slug="north")
    sync_catalogue(hub)
    return hub


def event(hub, code):
    return Event.objects.get(hub=hub, event_code=code)


def ect(hub, cohort=2021, programme="ecf2021", **kwargs):
    return factories.ECTFactory(
        school__hub=hub, programme=programme, cohort_start_year=cohort,
        induction_start_date=datetime.date(cohort, 9, 5), **kwargs,
    )


def test_an_ect2_on_the_2021_programme_is_expected_at_clinic_4_not_at_ect1_events(hub):
    second_year = ect(hub, cohort=2021)
    assert list(expected_people(event(hub, "ecf2021-ect2-clinic-4"), AUTUMN_2022)) == [second_year.person]
    assert not expected_people(event(hub, "ecf2021-ect1-clinic-1"), AUTUMN_2022).exists()
    assert not expected_people(event(hub, "ecte2025-ect2-clinic-4"), AUTUMN_2022).exists()


def test_an_ect1_is_expected_at_ect1_events_of_their_programme(hub):
    first_year = ect(hub, cohort=2022)
    assert list(expected_people(event(hub, "ecf2021-ect1-conference-1"), AUTUMN_2022)) == [first_year.person]


def test_an_ect_paused_on_the_session_date_is_not_expected_but_is_once_back(hub):
    paused = ect(hub, cohort=2022)
    services.change_ect_status(paused, "paused", actor=None, on=datetime.date(2022, 11, 1))
    services.change_ect_status(paused, "active", actor=None, on=datetime.date(2023, 1, 9))
    clinic = event(hub, "ecf2021-ect1-clinic-1")
    assert not expected_people(clinic, AUTUMN_2022).exists()
    assert expected_people(clinic, datetime.date(2023, 1, 20)).exists()


def test_an_ect_who_left_before_the_session_is_not_expected(hub):
    left = ect(hub, cohort=2022)
    services.change_ect_status(left, "left", actor=None, on=datetime.date(2022, 10, 1))
    assert not expected_people(event(hub, "ecf2021-ect1-clinic-1"), AUTUMN_2022).exists()


def test_an_ect_is_expected_at_the_school_they_are_at_on_the_date(hub):
    moving = ect(hub, cohort=2022)
    old_school = moving.school
    new_school = factories.SchoolFactory(hub=hub)
    services.transfer_ect(moving, new_school, actor=None, on=datetime.date(2023, 1, 3))
    clinic = event(hub, "ecf2021-ect1-clinic-2")
    assert list(expected_at_schools(clinic, AUTUMN_2022)) == [{"person_id": moving.person_id, "school_id": old_school.pk}]
    spring = datetime.date(2023, 3, 1)
    assert not expected_people(clinic, spring, school_ids=[old_school.pk]).exists()
    assert list(expected_people(clinic, spring, school_ids=[new_school.pk])) == [moving.person]


def test_a_new_mentor_is_expected_at_mentor_conference_1_of_their_first_year(hub):
    new = factories.MentorFactory(school__hub=hub, started_on=datetime.date(2022, 9, 1))
    assert list(expected_people(event(hub, "mentor-conference-1"), AUTUMN_2022)) == [new.person]


def test_a_previously_trained_mentor_is_not_expected_at_mentor_conference_1(hub):
    factories.MentorFactory(school__hub=hub, started_on=datetime.date(2022, 9, 1), previously_trained=True)
    assert not expected_people(event(hub, "mentor-conference-1"), AUTUMN_2022).exists()


def test_a_mentor_whose_first_mentoring_year_was_last_year_is_not_expected(hub):
    first = factories.MentorFactory(school__hub=hub, started_on=datetime.date(2021, 9, 1))
    factories.MentorFactory(school__hub=hub, person=first.person, started_on=datetime.date(2022, 9, 1))
    assert not expected_people(event(hub, "mentor-conference-1"), AUTUMN_2022).exists()


def test_nobody_is_expected_at_optional_coaching_for_mentors(hub):
    factories.MentorFactory(school__hub=hub, started_on=datetime.date(2022, 9, 1))
    assert not expected_people(event(hub, "mentor-coaching"), AUTUMN_2022).exists()


def test_a_tutor_is_expected_at_tutor_launch_but_not_once_their_role_ended(hub):
    tutor = factories.InductionTutorFactory(school__hub=hub, started_on=datetime.date(2022, 9, 1))
    factories.InductionTutorFactory(school__hub=hub, started_on=datetime.date(2021, 9, 1)).finish(datetime.date(2022, 8, 31))
    assert list(expected_people(event(hub, "tutor-launch"), AUTUMN_2022)) == [tutor.person]


def test_another_hubs_people_are_never_expected(hub):
    ect(factories.HubFactory(slug="south"), cohort=2022)
    assert not expected_people(event(hub, "ecf2021-ect1-clinic-1"), AUTUMN_2022).exists()


def test_who_is_expected_is_one_query_however_many_people(hub, django_assert_num_queries):
    for _ in range(5):
        ect(hub, cohort=2022)
    clinic = event(hub, "ecf2021-ect1-clinic-1")
    with django_assert_num_queries(1):
        assert len(list(expected_at_schools(clinic, AUTUMN_2022))) == 5


def test_the_sql_form_of_the_rules_gives_the_orms_pairs(hub):
    """`expected_pairs_sql` (plain SQL, used by "who has not booked" and the dashboards' attendance)
    and `expected_at_schools` agree for every audience: cohorts, programmes, paused and left ECTs, a
    transfer; new, previously trained, last year's, finished and two-school mentors; current, past
    and future induction tutors; another hub."""
    from django.db import connection

    from events.expected import expected_pairs_sql

    ect(hub, cohort=2021)
    ect(hub, cohort=2022)
    ect(hub, cohort=2022, programme="ecte2025")
    paused = ect(hub, cohort=2022)
    services.change_ect_status(paused, "paused", actor=None, on=datetime.date(2022, 11, 1))
    services.change_ect_status(paused, "active", actor=None, on=datetime.date(2023, 1, 9))
    left = ect(hub, cohort=2022)
    services.change_ect_status(left, "left", actor=None, on=datetime.date(2022, 10, 1))
    moving = ect(hub, cohort=2022)
    services.transfer_ect(moving, factories.SchoolFactory(hub=hub), actor=None, on=datetime.date(2023, 1, 3))
    new_mentor = factories.MentorFactory(school=moving.school, started_on=datetime.date(2022, 9, 1))
    factories.MentorFactory(school=paused.school, person=new_mentor.person, started_on=datetime.date(2022, 10, 3))
    factories.MentorFactory(school=paused.school, started_on=datetime.date(2022, 9, 1), previously_trained=True)
    last_year = factories.MentorFactory(school=paused.school, started_on=datetime.date(2021, 9, 1))
    factories.MentorFactory(school=moving.school, person=last_year.person, started_on=datetime.date(2022, 9, 1))
    factories.MentorFactory(school=moving.school, started_on=datetime.date(2022, 9, 1)).finish(datetime.date(2023, 1, 10))
    factories.MentorFactory(school=paused.school, started_on=datetime.date(2023, 2, 1))
    factories.InductionTutorFactory(school=moving.school, started_on=datetime.date(2022, 9, 1))
    factories.InductionTutorFactory(school=paused.school, started_on=datetime.date(2021, 9, 1)).finish(datetime.date(2023, 1, 10))
    factories.InductionTutorFactory(school=paused.school, started_on=datetime.date(2023, 2, 1))
    other_hub = factories.HubFactory(slug="south")
    sync_catalogue(other_hub)
    factories.ECTFactory(school__hub=other_hub, programme="ecf2021", cohort_start_year=2022, induction_start_date=datetime.date(2022, 9, 5))
    factories.MentorFactory(school__hub=other_hub, started_on=datetime.date(2022, 9, 1))
    factories.InductionTutorFactory(school__hub=other_hub, started_on=datetime.date(2022, 9, 1))
    school_ids = [moving.school_id, paused.school_id]
    compared = 0
    codes = ("ecf2021-ect1-clinic-1", "ecf2021-ect2-clinic-4", "ecte2025-ect1-conference-1", "mentor-conference-1", "tutor-launch", "mentor-coaching")
    for code in codes:
        for on in (AUTUMN_2022, datetime.date(2023, 1, 20), datetime.date(2023, 3, 1)):
            for schools in (None, school_ids, []):
                sql, params = expected_pairs_sql(event(hub, code), on, schools)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT person_id, school_id FROM ({sql}) pairs", params)
                    in_sql = sorted(cursor.fetchall())
                orm = sorted((row["person_id"], row["school_id"]) for row in expected_at_schools(event(hub, code), on, schools))
                assert in_sql == orm, (code, on, schools)
                compared += bool(orm)
    assert compared >= 14  # the scenarios expect someone often enough to mean something
