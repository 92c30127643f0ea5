"""Ending roles and changing mentors never rewrites history; a mentor's mentees are handed over."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from participants import services
from participants.models import MentorAssignment
from schools.scoping import hub_scope
from tests import factories

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def scoped(world):
    with hub_scope(world.hub):
        yield world


def test_an_ended_role_keeps_its_first_end_date(scoped):
    services.finish_school_role(scoped.tutor, None, on=YESTERDAY)
    with pytest.raises(ValidationError, match="already ended on .*the first end date stands"):
        services.finish_school_role(scoped.tutor, None, on=TODAY)
    scoped.tutor.refresh_from_db()
    assert scoped.tutor.finished_on == YESTERDAY


def test_a_role_cannot_be_ended_in_the_future(scoped):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.finish_school_role(scoped.mentor, None, on=TOMORROW)
    scoped.mentor.refresh_from_db()
    assert scoped.mentor.finished_on is None
    assert MentorAssignment.objects.get(ect=scoped.ect).finished_on is None


def test_ending_an_ended_role_again_through_the_page_is_refused_with_a_message(world, client):
    url = f"/roles/{world.sibling_tutor.code}/end/"
    client.force_login(world.staff.user)
    assert client.post(url, {"on": YESTERDAY.isoformat()}).status_code == 302
    page = client.get(url).content.decode()
    assert "the first end date stands" in page and "End role</button>" not in page
    response = client.post(url, {"on": TODAY.isoformat()})
    assert response.status_code == 200
    assert "the first end date stands" in response.content.decode()
    with hub_scope(world.hub):
        world.sibling_tutor.refresh_from_db()
    assert world.sibling_tutor.finished_on == YESTERDAY


def test_the_end_role_form_refuses_a_future_date(world, client):
    client.force_login(world.tutor.person.user)
    response = client.post(f"/roles/{world.mentor.code}/end/", {"on": TOMORROW.isoformat(), f"mentee_{world.ect.code}": "none"})
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    with hub_scope(world.hub):
        world.mentor.refresh_from_db()
    assert world.mentor.finished_on is None


def test_a_change_of_mentor_cannot_be_dated_in_the_future(scoped):
    other = factories.MentorFactory(school=scoped.school)
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        services.change_mentor(scoped.ect, other, None, on=TOMORROW)
    assert MentorAssignment.objects.get(ect=scoped.ect).mentor == scoped.mentor


def test_a_new_mentor_cannot_start_before_the_previous_one_stopped(scoped):
    services.change_mentor(scoped.ect, None, None, on=YESTERDAY)
    with pytest.raises(ValidationError, match="before the previous mentor stopped"):
        services.change_mentor(scoped.ect, scoped.mentor, None, on=YESTERDAY - datetime.timedelta(days=10))
    assert services.change_mentor(scoped.ect, scoped.mentor, None, on=TODAY).started_on == TODAY


@pytest.fixture
def two_mentees(scoped):
    """The world's mentor mentors both ECTs at Elm Primary; a second mentor is there too."""
    factories.MentorAssignmentFactory(ect=scoped.unmentored_ect, mentor=scoped.mentor)
    scoped.second_mentor = factories.MentorFactory(school=scoped.school, person__user__first_name="Bea", person__user__last_name="Second")
    return scoped


def test_ending_a_mentor_asks_for_each_mentees_new_mentor(two_mentees, client):
    world = two_mentees
    client.force_login(world.tutor.person.user)
    url = f"/roles/{world.mentor.code}/end/"
    page = client.get(url).content.decode()
    assert f"New mentor for {world.ect.person}" in page and f"New mentor for {world.unmentored_ect.person}" in page
    assert "Bea Second" in page and "No mentor yet" in page

    response = client.post(url, {"on": TODAY.isoformat()})
    assert response.status_code == 200
    assert f"Choose {world.ect.person}’s new mentor, or “No mentor yet”." in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.finished_on is None

    response = client.post(
        url,
        {"on": TODAY.isoformat(), f"mentee_{world.ect.code}": str(world.second_mentor.code), f"mentee_{world.unmentored_ect.code}": "none"},
    )
    assert response.status_code == 302
    world.mentor.refresh_from_db()
    assert world.mentor.finished_on == TODAY
    assert services.current_mentor_assignment(world.ect).mentor == world.second_mentor
    assert services.current_mentor_assignment(world.ect).started_on == TODAY
    assert services.current_mentor_assignment(world.unmentored_ect) is None
    assert not MentorAssignment.objects.filter(mentor=world.mentor, finished_on__isnull=True).exists()

    person_page = client.get(f"/people/{world.unmentored_ect.person.code}/").content.decode()
    assert "No mentor" in person_page and "no mentor yet" in person_page
    assert "No mentor</span>" not in client.get(f"/people/{world.ect.person.code}/").content.decode()
    school_page = client.get(f"/schools/{world.school.code}/").content.decode()
    assert school_page.count('class="tag tag-no_mentor">No mentor</span>') == 1


def test_a_mentee_cannot_be_handed_to_a_mentor_of_another_school(two_mentees, client):
    world = two_mentees
    client.force_login(world.tutor.person.user)
    response = client.post(
        f"/roles/{world.mentor.code}/end/",
        {"on": TODAY.isoformat(), f"mentee_{world.ect.code}": str(world.sibling_mentor.code), f"mentee_{world.unmentored_ect.code}": "none"},
    )
    assert response.status_code == 200
    world.mentor.refresh_from_db()
    assert world.mentor.finished_on is None


def test_handing_over_is_all_or_nothing(two_mentees):
    """A refused hand-over leaves the mentor's role and every mentee as they were."""
    world = two_mentees
    world.second_mentor.finished_on = YESTERDAY
    world.second_mentor.save()
    with pytest.raises(ValidationError, match="no longer a mentor"):
        services.finish_school_role(world.mentor, None, on=TODAY, new_mentors={world.ect.pk: None, world.unmentored_ect.pk: world.second_mentor})
    world.mentor.refresh_from_db()
    assert world.mentor.finished_on is None
    assert MentorAssignment.objects.filter(mentor=world.mentor, finished_on__isnull=True).count() == 2
