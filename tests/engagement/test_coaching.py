"""Coaching cycles, meetings and formal observations: rules and pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from engagement import coaching
from engagement.models import CoachingCycle, FormalObservation, MentorMeeting
from participants import services
from schools.models import HalfTerm
from schools.scoping import hub_scope
from tests import factories

D = datetime.date
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def scoped(world):
    with hub_scope(world.hub):
        yield world


def test_a_cycle_can_be_saved_with_the_observation_alone_and_completed_later(scoped):
    cycle = coaching.record_observation(scoped.ect, scoped.mentor, observed_on=YESTERDAY, observation_minutes=15, focus="Routines")
    assert not cycle.is_complete
    coaching.update_cycle(cycle, feedback_on=TODAY, action_step="Narrate the positive at the door", pastoral=True)
    cycle.refresh_from_db()
    assert cycle.is_complete and coaching.current_action_step(scoped.ect) == cycle


def test_feedback_needs_an_action_step_and_cannot_precede_the_observation(scoped):
    with pytest.raises(ValidationError) as error:
        coaching.record_observation(scoped.ect, scoped.mentor, observed_on=TODAY, feedback_on=YESTERDAY)
    assert set(error.value.message_dict) == {"feedback_on", "action_step"}
    assert not CoachingCycle.objects.filter(ect=scoped.ect).exists()


def test_dates_cannot_be_in_the_future_or_before_induction(scoped):
    with pytest.raises(ValidationError, match="future"):
        coaching.record_observation(scoped.ect, scoped.mentor, observed_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="before the ECT's induction"):
        coaching.record_observation(scoped.ect, scoped.mentor, observed_on=D(2025, 9, 1))


def test_a_cycle_locks_after_14_days_and_the_tutor_can_unlock_it(scoped):
    cycle = coaching.record_observation(scoped.ect, scoped.mentor, observed_on=YESTERDAY)
    CoachingCycle.objects.filter(pk=cycle.pk).update(created_at=timezone.now() - datetime.timedelta(days=15))
    cycle.refresh_from_db()
    assert coaching.is_locked(cycle)
    with pytest.raises(ValidationError, match="locked"):
        coaching.update_cycle(cycle, focus="Changed")
    coaching.unlock(cycle)
    assert not coaching.is_locked(cycle)
    assert coaching.is_locked(cycle, today=TODAY + datetime.timedelta(days=15))
    coaching.update_cycle(cycle, focus="Changed")


def test_only_a_current_mentor_may_record(scoped):
    assert coaching.current_mentor_role(scoped.ect, [scoped.mentor.id]) == scoped.mentor
    new_mentor = factories.MentorFactory(school=scoped.school)
    services.change_mentor(scoped.ect, new_mentor, actor=None, on=TODAY)
    assert coaching.current_mentor_role(scoped.ect, [scoped.mentor.id]) is None


@pytest.fixture
def year(scoped):
    rows = [
        ("autumn1", D(2025, 9, 3), D(2025, 10, 24)), ("autumn2", D(2025, 11, 3), D(2025, 12, 19)),
        ("spring1", D(2026, 1, 5), D(2026, 2, 13)), ("spring2", D(2026, 2, 23), D(2026, 3, 27)),
        ("summer1", D(2026, 4, 13), D(2026, 5, 22)), ("summer2", D(2026, 6, 1), D(2026, 7, 21)),
    ]
    for name, start, end in rows:
        HalfTerm.objects.create(hub=scoped.hub, academic_year=2025, name=name, start_date=start, end_date=end)
        HalfTerm.objects.create(
            hub=scoped.hub, academic_year=2026, name=name, start_date=start.replace(year=start.year + 1), end_date=end.replace(year=end.year + 1)
        )
    return scoped


def test_formal_observations_are_expected_half_termly_for_ect1_and_termly_for_ect2(year):
    coaching.record_formal_observation(year.ect, year.tutor, D(2025, 10, 1), "on_track")
    windows = coaching.formal_observation_windows(year.ect)
    ect1 = [w for w in windows if w.cohort == "ECT1"]
    ect2 = [w for w in windows if w.cohort == "ECT2"]
    assert len(ect1) == 6 and len(ect2) == 3
    assert ect1[0].done and ect1[0].status(D(2025, 11, 1)) == "done"
    assert ect1[1].status(D(2026, 1, 1)) == "missed"
    assert ect2[0].label == "Autumn term 2026/27" and ect2[0].start == D(2026, 9, 3) and ect2[0].end == D(2026, 12, 19)


def test_one_formal_observation_per_day(year):
    coaching.record_formal_observation(year.ect, year.tutor, D(2025, 10, 1), "on_track")
    with pytest.raises(ValidationError, match="already"):
        coaching.record_formal_observation(year.ect, year.tutor, D(2025, 10, 1), "support")
    assert FormalObservation.objects.count() == 1


# --- Pages ---------------------------------------------------------------------------------


def test_mentor_records_an_observation_then_the_feedback_and_the_ect_sees_the_action_step(world, client):
    client.force_login(world.mentor.person.user)
    response = client.post(
        f"/ects/{world.ect.code}/coaching/new/",
        {"observation-observed_on": YESTERDAY.isoformat(), "observation-observation_minutes": "15", "observation-focus": "Routines"},
    )
    assert response.status_code == 302
    with hub_scope(world.hub):
        cycle = CoachingCycle.objects.get(ect=world.ect)
    response = client.post(
        f"/coaching/{cycle.code}/edit/",
        {
            "observation-observed_on": YESTERDAY.isoformat(), "with_feedback": "on",
            "feedback-feedback_on": TODAY.isoformat(), "feedback-action_step": "Use a countdown to gain attention",
        },
    )
    assert response.status_code == 302
    client.force_login(world.ect.person.user)
    page = client.get(f"/ects/{world.ect.code}/coaching/").content.decode()
    assert "Use a countdown to gain attention" in page


def test_observation_with_a_future_date_rerenders_with_an_error_and_saves_nothing(world, client):
    client.force_login(world.mentor.person.user)
    response = client.post(f"/ects/{world.ect.code}/coaching/new/", {"observation-observed_on": (TODAY + datetime.timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    with hub_scope(world.hub):
        assert not CoachingCycle.objects.filter(ect=world.ect).exists()


def test_a_mentor_cannot_record_for_an_ect_who_is_not_their_mentee(world, client):
    client.force_login(world.mentor.person.user)
    assert client.get(f"/ects/{world.unmentored_ect.code}/coaching/new/").status_code == 404
    assert client.get(f"/ects/{world.sibling_ect.code}/coaching/new/").status_code == 404


def test_a_tutor_may_read_but_not_record_coaching(world, client):
    client.force_login(world.tutor.person.user)
    assert client.get(f"/ects/{world.ect.code}/coaching/").status_code == 200
    assert client.get(f"/ects/{world.ect.code}/coaching/new/").status_code == 403


def test_the_tutor_sees_all_cycles_at_the_school(world, client):
    with hub_scope(world.hub):
        coaching.record_observation(world.ect, world.mentor, observed_on=YESTERDAY, focus="Questioning")
    client.force_login(world.tutor.person.user)
    page = client.get(f"/schools/{world.school.code}/coaching/").content.decode()
    assert str(world.ect.person) in page
    assert ">Feedback to come<" in page  # the words the ECT's coaching page uses for it


def test_mentor_records_a_drop_in(world, client):
    client.force_login(world.mentor.person.user)
    response = client.post(f"/ects/{world.ect.code}/meetings/new/", {"kind": "drop_in", "met_on": TODAY.isoformat(), "notes": "Quick look"})
    assert response.status_code == 302
    with hub_scope(world.hub):
        assert MentorMeeting.objects.get().kind == "drop_in"


def test_tutor_records_a_formal_observation_and_a_mentor_cannot(world, client):
    client.force_login(world.mentor.person.user)
    assert client.get(f"/ects/{world.ect.code}/formal-observations/new/").status_code == 403
    client.force_login(world.tutor.person.user)
    response = client.post(
        f"/ects/{world.ect.code}/formal-observations/new/", {"observed_on": YESTERDAY.isoformat(), "outcome": "on_track", "notes": "Good"}
    )
    assert response.status_code == 302
    with hub_scope(world.hub):
        assert FormalObservation.objects.get().tutor == world.tutor


@pytest.mark.parametrize(
    "feedback",
    [
        {"feedback-action_step": "Use a countdown"},  # no feedback date: would have been saved as still to come
        {"feedback-feedback_on": TODAY.isoformat(), "feedback-model_shown": "Showed it"},  # no action step
    ],
    ids=["without-a-date", "without-an-action-step"],
)
def test_feedback_said_to_be_given_needs_its_date_and_action_step(world, client, feedback):
    client.force_login(world.mentor.person.user)
    response = client.post(
        f"/ects/{world.ect.code}/coaching/new/", {"observation-observed_on": YESTERDAY.isoformat(), "with_feedback": "on", **feedback}
    )
    assert response.status_code == 200
    assert "Nothing was saved." in response.content.decode()
    with hub_scope(world.hub):
        assert not CoachingCycle.objects.filter(ect=world.ect).exists()


def test_feedback_not_said_to_be_given_is_neither_read_nor_checked(world, client):
    client.force_login(world.mentor.person.user)
    response = client.post(
        f"/ects/{world.ect.code}/coaching/new/",
        {"observation-observed_on": (TODAY + datetime.timedelta(days=1)).isoformat(), "feedback-model_shown": "Half typed"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be in the future" in page
    assert 'id="id_feedback-action_step_error"' not in page  # no errors for a hidden section


def test_radio_lists_offer_no_empty_choice(world, client):
    client.force_login(world.mentor.person.user)
    assert "---------" not in client.get(f"/ects/{world.ect.code}/meetings/new/").content.decode()
    client.force_login(world.tutor.person.user)
    assert "---------" not in client.get(f"/ects/{world.ect.code}/formal-observations/new/").content.decode()


def _form_token(page):
    import re

    return re.search(r'name="form_token" value="([0-9a-f-]{36})"', page).group(1)


@pytest.mark.parametrize(
    ("who", "path", "data", "model", "message"),
    [
        (
            "mentor", "coaching/new/",
            {"observation-observed_on": YESTERDAY.isoformat(), "with_feedback": "on", "feedback-feedback_on": TODAY.isoformat(),
             "feedback-action_step": "Use a countdown"},
            CoachingCycle, "Coaching cycle saved.",
        ),
        ("mentor", "meetings/new/", {"kind": "pastoral", "met_on": TODAY.isoformat()}, MentorMeeting, "Pastoral meeting saved."),
        ("tutor", "formal-observations/new/", {"observed_on": YESTERDAY.isoformat(), "outcome": "on_track"}, FormalObservation,
         "Formal observation saved."),
    ],
    ids=["coaching-cycle", "meeting", "formal-observation"],
)
def test_the_same_form_posted_twice_saves_one_record_and_answers_the_same(world, client, who, path, data, model, message):
    client.force_login(getattr(world, who).person.user)
    url = f"/ects/{world.ect.code}/{path}"
    data = {**data, "form_token": _form_token(client.get(url).content.decode())}
    first = client.post(url, data, follow=True)
    again = client.post(url, data, follow=True)  # a double click or a browser retry
    assert first.redirect_chain == again.redirect_chain == [(f"/ects/{world.ect.code}/coaching/", 302)]
    assert message in again.content.decode()
    with hub_scope(world.hub):
        assert model.objects.filter(ect=world.ect).count() == 1
    another = client.post(url, {**data, "form_token": _form_token(client.get(url).content.decode())})
    if model is FormalObservation:  # one a day: the second form is told so
        assert "already a formal observation" in another.content.decode()
    else:
        assert another.status_code == 302
        with hub_scope(world.hub):
            assert model.objects.filter(ect=world.ect).count() == 2
