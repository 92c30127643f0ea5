"""Model rules: one current mentor, status history, the person's timeline."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participants import services
from participants.models import ECTStatus, MentorAssignment
from tests import factories

D = datetime.date


@pytest.fixture
def ect(world, unscoped):
    return world.ect


def test_ect1_becomes_ect2_on_1_september(ect):
    assert ect.cohort_on(D(2026, 8, 31)) == "ECT1"
    assert ect.cohort_on(D(2026, 9, 1)) == "ECT2"


def test_changing_mentor_closes_the_old_assignment_and_keeps_history(world, unscoped):
    new_mentor = factories.MentorFactory(school=world.school)
    services.change_mentor(world.ect, new_mentor, actor=world.staff.user, on=D(2026, 1, 5))
    assignments = list(MentorAssignment.objects.filter(ect=world.ect).order_by("started_on"))
    assert [(a.mentor_id, a.started_on, a.finished_on) for a in assignments] == [
        (world.mentor.pk, D(2025, 9, 3), D(2026, 1, 5)),
        (new_mentor.pk, D(2026, 1, 5), None),
    ]
    assert "Mentor changed from" in world.ect.person.changes.first().summary
    assert world.ect.person.changes.first().actor == world.staff.user


def test_at_most_one_current_mentor_per_ect_is_enforced_by_the_database(world, unscoped):
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorAssignment.objects.create(hub=world.hub, ect=world.ect, mentor=world.mentor, started_on=D(2026, 1, 1))


def test_mentor_must_be_at_the_ects_school(world, unscoped):
    with pytest.raises(ValidationError):
        services.change_mentor(world.ect, world.sibling_mentor, actor=None, on=D(2026, 1, 5))


def test_mentor_change_cannot_be_dated_before_the_current_mentor_started(world, unscoped):
    new_mentor = factories.MentorFactory(school=world.school)
    with pytest.raises(ValidationError):
        services.change_mentor(world.ect, new_mentor, actor=None, on=D(2025, 9, 1))


def test_pause_resume_and_leave_are_dated_history(world, unscoped):
    services.change_ect_status(world.ect, "paused", actor=None, on=D(2026, 1, 12), note="Long-term absence")
    services.change_ect_status(world.ect, "active", actor=None, on=D(2026, 2, 23))
    services.change_ect_status(world.ect, "left", actor=None, on=D(2026, 4, 1))
    history = [(s.status, s.started_on, s.finished_on) for s in ECTStatus.objects.filter(ect=world.ect)]
    assert history == [
        ("active", D(2025, 9, 3), D(2026, 1, 12)),
        ("paused", D(2026, 1, 12), D(2026, 2, 23)),
        ("active", D(2026, 2, 23), D(2026, 4, 1)),
        ("left", D(2026, 4, 1), None),
    ]
    assert not MentorAssignment.objects.filter(ect=world.ect, finished_on__isnull=True).exists()


def test_a_completed_ect_cannot_change_status(world, unscoped):
    services.change_ect_status(world.ect, "completed", actor=None, on=D(2026, 7, 20))
    with pytest.raises(ValidationError):
        services.change_ect_status(world.ect, "active", actor=None, on=D(2026, 7, 21))


def test_status_change_cannot_be_in_the_future(world, unscoped):
    with pytest.raises(ValidationError):
        services.change_ect_status(world.ect, "paused", actor=None, on=D(2999, 1, 1))


def test_one_account_per_person_across_hubs(world, unscoped):
    same = services.get_or_create_person(world.other_hub, "ECT@elm.example.org", actor=None)
    assert same.user == world.ect.person.user
    assert same.hub == world.other_hub


def test_timeline_and_service_messages_give_dates_as_1_sep_2025(world, unscoped):
    new_mentor = factories.MentorFactory(school=world.school)
    services.change_mentor(world.ect, new_mentor, actor=None, on=D(2026, 1, 5))
    assert world.ect.person.changes.first().summary.endswith(" on 5 Jan 2026")
    services.update_ect(world.ect, None, induction_start_date=D(2025, 9, 1))
    assert world.ect.person.changes.first().summary == "Induction start changed from 3 Sep 2025 to 1 Sep 2025"
    with pytest.raises(ValidationError) as error:
        services.change_ect_status(world.ect, "paused", actor=None, on=D(2025, 8, 1))
    assert error.value.message_dict["on"] == ["The date cannot be before the current status began (1 Sep 2025)."]
