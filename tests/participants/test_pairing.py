"""ECTs without a mentor: tutors (and hub staff) pick a mentor per ECT on the school page, saved in one go."""

import uuid

import pytest
from django.utils import timezone

from participants import services
from participants.models import MentorAssignment
from tests import factories


def url(school):
    return f"/schools/{school.code}/mentors/pair/"


def field(ect):
    return f"mentor-{ect.code}"


@pytest.fixture
def second_unmentored(world, unscoped):
    return factories.ECTFactory(school=world.school, person__user__email="ect3@elm.example.org", person__last_name="Zephaniah")


def test_the_tutor_sees_ects_without_a_mentor_with_a_picker_on_the_school_page(world, client, unscoped):
    client.force_login(world.tutor.person.user)

    page = client.get(f"/schools/{world.school.code}/").content.decode()

    assert "ECTs without a mentor (1)" in page
    assert f'name="{field(world.unmentored_ect)}"' in page
    assert f'name="{field(world.ect)}"' not in page  # has a mentor
    assert f'<option value="{world.mentor.code}">{world.mentor.person}</option>' in page


def test_one_post_pairs_every_chosen_ect_on_their_timelines(world, client, second_unmentored, unscoped):
    client.force_login(world.tutor.person.user)
    token = str(uuid.uuid4())

    response = client.post(
        url(world.school),
        {"form_token": token, field(world.unmentored_ect): str(world.mentor.code), field(second_unmentored): str(world.mentor.code)},
    )

    assert response.status_code == 302
    for ect in (world.unmentored_ect, second_unmentored):
        assignment = services.current_mentor_assignment(ect)
        assert (assignment.mentor, assignment.started_on, str(assignment.form_token)) == (world.mentor, timezone.localdate(), token)
        assert ect.person.changes.filter(summary__startswith=f"Mentor set to {world.mentor.person}").exists()
    assert world.mentor.person.changes.filter(summary__startswith=f"Started mentoring {second_unmentored.person}").exists()

    again = client.post(
        url(world.school),
        {"form_token": token, field(world.unmentored_ect): str(world.mentor.code), field(second_unmentored): str(world.mentor.code)},
    )

    assert again.status_code == 302
    assert MentorAssignment.objects.filter(form_token=token).count() == 2


def test_a_row_that_cannot_be_saved_is_named_and_nothing_is_saved(world, client, second_unmentored, unscoped):
    client.force_login(world.tutor.person.user)
    form = client.get(url(world.school)).content.decode()
    assert f'name="{field(second_unmentored)}"' in form
    services.change_mentor(second_unmentored, world.mentor, None)  # someone else paired them meanwhile
    before = MentorAssignment.objects.count()

    response = client.post(
        url(world.school),
        {"form_token": str(uuid.uuid4()), field(world.unmentored_ect): str(world.mentor.code), field(second_unmentored): str(world.mentor.code)},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a mentor for at least one ECT." not in page
    assert MentorAssignment.objects.count() == before
    assert services.current_mentor_assignment(world.unmentored_ect) is None
    assert 'aria-invalid="true"' in page


def test_a_mentor_of_another_school_is_not_a_choice(world, client, unscoped):
    client.force_login(world.tutor.person.user)
    other = factories.MentorFactory(school=world.sibling_school)

    response = client.post(url(world.school), {"form_token": str(uuid.uuid4()), field(world.unmentored_ect): str(other.code)})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert services.current_mentor_assignment(world.unmentored_ect) is None


def test_nothing_chosen_is_a_clear_error(world, client, unscoped):
    client.force_login(world.tutor.person.user)

    response = client.post(url(world.school), {"form_token": str(uuid.uuid4()), field(world.unmentored_ect): ""})

    assert "Choose a mentor for at least one ECT." in response.content.decode()


def test_hub_staff_pair_at_any_school_and_others_cannot(world, client, unscoped):
    sibling_ect = factories.ECTFactory(school=world.sibling_school)
    sibling_mentor = factories.MentorFactory(school=world.sibling_school)
    client.force_login(world.staff.user)
    response = client.post(url(world.sibling_school), {"form_token": str(uuid.uuid4()), field(sibling_ect): str(sibling_mentor.code)})
    assert response.status_code == 302
    assert services.current_mentor_assignment(sibling_ect).mentor == sibling_mentor

    client.force_login(world.tutor.person.user)
    assert client.get(url(world.sibling_school)).status_code == 404
    assert client.get(url(world.other_school)).status_code == 404
    client.force_login(world.mentor.person.user)
    assert client.get(url(world.school)).status_code in (403, 404)


def test_an_empty_state_when_everyone_has_a_mentor(world, client, unscoped):
    services.change_mentor(world.unmentored_ect, world.mentor, None)
    client.force_login(world.tutor.person.user)

    assert "Every ECT in training at Elm Primary has a mentor." in client.get(url(world.school)).content.decode()


def test_the_page_makes_the_same_queries_for_few_or_many_ects(world, client, unscoped, django_assert_max_num_queries):
    client.force_login(world.tutor.person.user)
    client.get(url(world.school))
    with django_assert_max_num_queries(40) as few:
        client.get(url(world.school))
    for _ in range(15):
        factories.ECTFactory(school=world.school)
    with django_assert_max_num_queries(len(few)):
        client.get(url(world.school))
    with django_assert_max_num_queries(len(few) + 12):
        client.get(f"/schools/{world.school.code}/")
