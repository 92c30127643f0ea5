"""Nudges on the Lead dashboard: when each person was last nudged or praised, a link to nudge or
praise them, the school's pause and its opt-outs."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from engagement import compute
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.conftest import typical_term_dates

HTMX = {"HX-Request": "true"}
TODAY = timezone.localdate()


@pytest.fixture
def computed(world):
    with hub_scope(world.hub):
        for year in (TODAY.year - 1, TODAY.year):
            terms.save_year(world.hub, year, typical_term_dates(year))
        compute.recompute([world.hub], TODAY)
    return world


def _sent(person, rule, at):
    email = factories.NudgeEmailFactory(recipient=person, rule=rule, run_on=at.date(), status="sent", sent_at=at)
    return factories.NudgeFactory(recipient=person, rule=rule, status="sent", email=email)


def _url(world):
    return f"/schools/{world.school.code}/engagement/"


def test_the_table_shows_when_each_person_was_last_nudged_and_praised(computed, client):
    world = computed
    with scopes_disabled():
        _sent(world.ect.person, "missed_study", timezone.make_aware(datetime.datetime(2025, 11, 3, 16)))
        _sent(world.ect.person, "missed_study", timezone.make_aware(datetime.datetime(2025, 11, 17, 16)))
        _sent(world.ect.person, "manual_praise", timezone.make_aware(datetime.datetime(2025, 11, 20, 9)))
        factories.NudgeFactory(recipient=world.mentor.person, rule="missed_observation", status="capped")
    client.force_login(world.tutor.person.user)
    for headers in ({}, HTMX):
        page = client.get(_url(world), headers=headers).content.decode()
        assert "Nudged 17 Nov 2025<br>Praised 20 Nov 2025" in page
        assert "Nudged 3 Nov 2025" not in page
        assert page.count("Not yet") == 2  # the mentor (only a capped nudge) and the other ECT


def test_a_tutor_nudges_from_a_row_and_comes_back_to_the_dashboard(computed, client):
    world = computed
    client.force_login(world.tutor.person.user)
    page = client.get(_url(world), {"strand": "study"}).content.decode()
    link = f"/people/{world.ect.person.code}/nudge/?next=%2Fschools%2F{world.school.code}%2Fengagement%2F%3Fstrand%3Dstudy"
    assert f'href="{link}"' in page.replace("&amp;", "&")
    form = client.get(link).content.decode()
    assert f'name="next" value="/schools/{world.school.code}/engagement/?strand=study"' in form


def test_hub_staff_get_the_links_too(computed, client):
    client.force_login(computed.staff.user)
    assert f"/people/{computed.ect.person.code}/nudge/" in client.get(_url(computed)).content.decode()


def test_the_dashboard_shows_the_schools_pause_and_opt_outs(computed, client):
    world = computed
    with scopes_disabled():
        factories.SchoolPauseFactory(school=world.school, until=TODAY + datetime.timedelta(days=9))
        factories.OptOutFactory(person=world.mentor.person)
        factories.OptOutFactory(person=world.sibling_ect.person)
    client.force_login(world.tutor.person.user)
    page = client.get(_url(world)).content.decode()
    assert "Automatic nudges to Elm Primary are paused until" in page
    assert "1 person here has opted out of automatic nudges." in page


def test_the_notice_counts_the_people_the_schools_page_lists(world):
    """The notice's count (one statement) and the school page's list (`opted_out_at`) agree on who
    is the school's: ECTs in training or paused, current mentors and tutors; not those who left,
    completed, finished their role, have not started it, or are at another school."""
    from nudges import queries

    with scopes_disabled():
        school = world.school
        counted = [
            world.ect.person,
            factories.ECTFactory(school=school, status="paused").person,
            world.mentor.person,
            world.tutor.person,
        ]
        not_counted = [
            factories.ECTFactory(school=school, status="left").person,
            factories.ECTFactory(school=school, status="completed").person,
            factories.MentorFactory(school=school, finished_on=TODAY - datetime.timedelta(days=1)).person,
            factories.MentorFactory(school=school, started_on=TODAY + datetime.timedelta(days=3)).person,
            world.sibling_ect.person,
        ]
        for person in counted + not_counted:
            factories.OptOutFactory(person=person)
        # One person in two roles at the school counts once.
        factories.InductionTutorFactory(school=school, person=world.mentor.person)
    with hub_scope(world.hub):
        listed = {opt_out.person for opt_out in queries.opted_out_at(school)}
        assert listed == set(counted)
        assert queries.school_notice(school, TODAY) == (None, len(counted))
