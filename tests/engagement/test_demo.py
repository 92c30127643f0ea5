"""seed_demo: a realistic demo hub with a year of study and coaching history, safe to run again."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from engagement import coaching
from engagement.models import CoachingCycle, Engagement, FormalObservation, MentorMeeting, StudyRecord
from engagement.study import EXCUSED, MISSED, schedule
from events.models import Booking, Event, Session
from participants.models import ECT, ECTStatus, InductionTutor, Mentor, MentorAssignment, Person, PersonChange, User
from participants.cohorts import academic_year_of
from schools.models import HalfTerm, Hub, School

MODELS = (
    Hub, School, User, Person, ECT, ECTStatus, InductionTutor, Mentor, MentorAssignment, PersonChange,
    HalfTerm, StudyRecord, CoachingCycle, MentorMeeting, FormalObservation, Engagement, Event, Session, Booking,
)


def _counts():
    with scopes_disabled():
        return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    with scopes_disabled():
        yield Hub.objects.get(slug="demo"), out.getvalue()


def test_seed_demo_twice_changes_nothing_and_prints_one_login_per_role(demo):
    _, text = demo
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    for role in ("hub admin", "hub staff", "facilitator", "induction tutor", "mentor", "ECT"):
        assert role in text
    assert "password for all" in text


def test_the_demo_has_schools_both_cohorts_and_programmes_some_paused_or_left_and_term_dates(demo):
    hub, _ = demo
    ects = ECT.objects.filter(hub=hub)
    assert School.objects.filter(hub=hub).count() == 12
    assert 50 <= ects.count() <= 70
    assert {e.programme for e in ects} == {"ecf2021", "ecte2025"}
    assert len({e.cohort_start_year for e in ects}) == 2
    current = ECTStatus.objects.filter(hub=hub, finished_on__isnull=True)
    assert current.filter(status="paused").exists() and current.filter(status="left").exists()
    years = set(HalfTerm.objects.filter(hub=hub).values_list("academic_year", flat=True))
    assert academic_year_of(timezone.localdate()) in years
    assert all(HalfTerm.objects.filter(hub=hub, academic_year=year).count() == 6 for year in years)


def test_the_demo_has_a_year_of_study_and_coaching_for_most_ects_and_someone_falling_behind(demo):
    """Most ECTs who could have studied did, and were coached; each module is recorded once; and
    at least one ECT missed their last two judged study periods (the at-risk / off-track picture)."""
    hub, _ = demo
    today = timezone.localdate()
    schedules = {ect: schedule(ect, today) for ect in ECT.objects.filter(hub=hub)}
    judged = {ect: [i for i in items if i.status != EXCUSED and i.period.is_judged(today)] for ect, items in schedules.items()}
    expected = [ect for ect, items in judged.items() if items]
    assert len(expected) >= 20
    studied = set(StudyRecord.objects.filter(hub=hub).values_list("ect_id", flat=True))
    coached = set(CoachingCycle.objects.filter(hub=hub).values_list("ect_id", flat=True))
    assert sum(ect.id in studied for ect in expected) >= 0.8 * len(expected)
    assert sum(ect.id in coached for ect in expected) >= 0.8 * len(expected)
    assert MentorMeeting.objects.filter(hub=hub, kind="drop_in").exists()
    assert MentorMeeting.objects.filter(hub=hub, kind="pastoral").exists()
    assert FormalObservation.objects.filter(hub=hub).exists()
    pairs = Counter(StudyRecord.objects.filter(hub=hub).values_list("ect_id", "module_id"))
    assert max(pairs.values()) == 1
    assert any(len(items) >= 2 and all(i.status == MISSED for i in items[-2:]) for items in judged.values())
    assert Engagement.objects.filter(hub=hub, strand="study", status="off_track").exists()


def test_the_demo_has_the_events_catalogue_sessions_of_this_year_and_a_full_clinic_with_a_waiting_list(demo):
    hub, _ = demo
    assert Event.objects.filter(hub=hub, from_catalogue=True).count() >= 24
    sessions = Session.objects.filter(hub=hub)
    assert sessions.filter(format="online").exists() and sessions.filter(format="in_person").exists()
    assert {academic_year_of(session.date) for session in sessions} == {academic_year_of(timezone.localdate())}
    assert Booking.objects.filter(hub=hub, status="booked").exists() and Booking.objects.filter(hub=hub, status="waiting").exists()


def test_nothing_in_the_demo_is_dated_in_the_future_and_old_coaching_cycles_are_locked(demo):
    hub, _ = demo
    today = timezone.localdate()
    for model, fields in (
        (StudyRecord, ["done_on"]),
        (CoachingCycle, ["observed_on", "feedback_on"]),
        (MentorMeeting, ["met_on"]),
        (FormalObservation, ["observed_on"]),
    ):
        for row in model.objects.filter(hub=hub).select_related("ect"):
            for field in fields:
                day = getattr(row, field)
                assert day is None or row.ect.induction_start_date <= day <= today, (model.__name__, field, day)
    assert not StudyRecord.objects.filter(hub=hub, done_on__week_day__in=[1, 7]).exists()  # weekdays only
    cycles = list(CoachingCycle.objects.filter(hub=hub))
    old = [c for c in cycles if c.observed_on < today - datetime.timedelta(days=coaching.EDIT_WINDOW_DAYS + 1)]
    assert old and all(coaching.is_locked(c, today) for c in old)
    assert all(c.action_step for c in cycles if c.feedback_on)
