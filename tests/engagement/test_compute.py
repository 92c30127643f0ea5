"""The engagement engine, pinned with small hand-checked scenarios and checked against a naive
reference on random worlds."""

import datetime
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import compute
from engagement.calendar import sync_calendar
from engagement.models import CoachingCycle, Engagement, EngagementRun, EngagementTrend, Module, StudyRecord
from participants import services
from schools.models import HalfTerm
from schools.scoping import hub_scope, scopes_disabled
from tests import factories
from tests.engagement import reference

D = datetime.date
# 2025/26 and 2026/27 half terms (../shared/data/term_dates_example.csv)
TERMS = {
    2025: [("autumn1", D(2025, 9, 3), D(2025, 10, 24)), ("autumn2", D(2025, 11, 3), D(2025, 12, 19)),
           ("spring1", D(2026, 1, 5), D(2026, 2, 13)), ("spring2", D(2026, 2, 23), D(2026, 3, 27)),
           ("summer1", D(2026, 4, 13), D(2026, 5, 22)), ("summer2", D(2026, 6, 1), D(2026, 7, 21))],
    2026: [("autumn1", D(2026, 9, 2), D(2026, 10, 23)), ("autumn2", D(2026, 11, 2), D(2026, 12, 18)),
           ("spring1", D(2027, 1, 4), D(2027, 2, 12)), ("spring2", D(2027, 2, 22), D(2027, 3, 25)),
           ("summer1", D(2027, 4, 12), D(2027, 5, 28)), ("summer2", D(2027, 6, 7), D(2027, 7, 21))],
}


@pytest.fixture
def hub(world):
    with hub_scope(world.hub):
        for year, rows in TERMS.items():
            for name, start, end in rows:
                HalfTerm.objects.create(hub=world.hub, academic_year=year, name=name, start_date=start, end_date=end)
        sync_calendar(world.hub)
        yield world


def ect_at(world, programme="ecf2021", cohort=2025, start=D(2025, 9, 1)):
    return factories.ECTFactory(school=world.school, programme=programme, cohort_start_year=cohort, induction_start_date=start)


def studied(ect, *days):
    modules = Module.objects.filter(programme__code=ect.programme).order_by("year", "order")
    for module, day in zip(modules.exclude(id__in=ect.study_records.values("module_id")), days):
        StudyRecord.objects.create(hub=ect.hub, ect=ect, module=module, done_on=day)


def row(world, as_of, ect=None, mentor=None):
    rows = compute.engagement_rows([world.hub.id], as_of)
    return next(r for r in rows if (ect and r.ect_id == ect.id) or (mentor and r.mentor_id == mentor.id))


def figures(r):
    return r.periods_expected, r.periods_met, r.consecutive_missed


# --- Study -----------------------------------------------------------------------------------


def test_ect1_on_the_2021_programme_studying_every_week_is_on_track(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3), D(2025, 9, 9), D(2025, 9, 17))
    r = row(hub, D(2025, 9, 22), ect=ect)  # three weeks judged, the fourth in progress
    assert figures(r) == (3, 3, 0) and r.status == "on_track"


def test_the_current_period_counts_when_met_and_never_as_missed(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3))
    assert figures(row(hub, D(2025, 9, 9), ect=ect)) == (1, 1, 0)  # week 2 in progress, not met: not missed
    studied(ect, D(2025, 9, 9))
    assert figures(row(hub, D(2025, 9, 9), ect=ect)) == (2, 2, 0)  # week 2 in progress and met: counts


def test_missing_two_weeks_in_a_row_is_off_track_and_one_is_at_risk(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3))
    assert figures(row(hub, D(2025, 9, 15), ect=ect)) == (2, 1, 1)
    assert figures(row(hub, D(2025, 9, 22), ect=ect)) == (3, 1, 2)


def test_holiday_weeks_carry_no_expectation(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 10, 22))  # the last week of autumn 1
    # 27 Oct – 2 Nov is half term: as of 3 Nov still nothing missed after the last met week
    assert row(hub, D(2025, 11, 3), ect=ect).consecutive_missed == 0
    assert row(hub, D(2025, 11, 10), ect=ect).consecutive_missed == 1


def test_ect2_on_the_2021_programme_who_studies_twice_in_one_fortnight_has_one_period_met(hub):
    ect = ect_at(hub, cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 10))  # both in the first fortnight (1–14 Sep)
    r = row(hub, D(2025, 9, 29), ect=ect)
    assert figures(r) == (2, 1, 1)  # fortnights 1–14 Sep (met) and 15–28 Sep (missed)


def test_an_ect2_revising_a_year_one_module_meets_the_fortnight_it_is_studied_in(hub):
    ect = ect_at(hub, cohort=2024, start=D(2024, 9, 2))
    module = Module.objects.get(programme__code="ecf2021", year=1, order=1)
    for day in (D(2024, 9, 4), D(2025, 9, 3), D(2025, 9, 17)):  # once in year one, twice again in year two
        StudyRecord.objects.create(hub=ect.hub, ect=ect, module=module, done_on=day)
    assert figures(row(hub, D(2025, 9, 29), ect=ect)) == (2, 2, 0)


def test_the_2025_programme_is_fortnightly_for_ect1(hub):
    ect = ect_at(hub, programme="ecte2025")
    studied(ect, D(2025, 9, 3))
    assert figures(row(hub, D(2025, 9, 15), ect=ect)) == (1, 1, 0)
    assert figures(row(hub, D(2025, 9, 29), ect=ect)) == (2, 1, 1)


def test_a_pause_mid_period_excuses_that_period(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3))
    services.change_ect_status(ect, "paused", actor=None, on=D(2025, 9, 10))   # Wednesday of week 2
    services.change_ect_status(ect, "active", actor=None, on=D(2025, 9, 29))   # Monday of week 5
    # weeks 2–4 excused; week 5 missed
    assert figures(row(hub, D(2025, 10, 6), ect=ect)) == (2, 1, 1)


def test_a_leaver_stops_counting_from_their_leaving_date(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3))
    services.change_ect_status(ect, "left", actor=None, on=D(2025, 9, 17))
    left = row(hub, D(2025, 10, 1), ect=ect)  # shown as left, the periods from leaving not expected
    assert (figures(left), left.status, left.no_mentor) == ((2, 1, 1), "left", False)
    assert figures(row(hub, D(2025, 9, 16), ect=ect)) == (2, 1, 1)


def test_statuses_say_what_they_mean(hub):
    paused, missing = ect_at(hub), ect_at(hub)
    studied(missing, D(2025, 9, 3))
    services.change_ect_status(paused, "paused", actor=None, on=D(2025, 9, 10))
    not_yet = ect_at(hub, start=D(2025, 10, 6))
    next_year = ect_at(hub, cohort=2026, start=D(2026, 9, 1))
    rows = {r.ect_id or -r.mentor_id: r for r in compute.engagement_rows([hub.hub.id], D(2025, 9, 29))}
    assert rows[paused.id].status == "paused" and rows[missing.id].status == "off_track"
    assert rows[not_yet.id].status == "not_started" and rows[next_year.id].status == "not_started"
    assert rows[hub.ect.id].no_mentor is False and rows[paused.id].no_mentor is True
    assert rows[-hub.mentor.id].status != "not_mentoring"
    hub.assignment.finished_on = D(2025, 9, 22)
    hub.assignment.save()
    assert row(hub, D(2025, 9, 29), mentor=hub.mentor).status == "not_mentoring"
    assert row(hub, D(2025, 9, 29), ect=hub.ect).no_mentor is True
    assert row(hub, D(2025, 9, 15), ect=hub.ect).no_mentor is False


def test_a_late_starter_is_excused_before_the_induction_start(hub):
    ect = ect_at(hub, start=D(2025, 9, 17))
    assert figures(row(hub, D(2025, 9, 29), ect=ect)) == (1, 0, 1)  # only the week of 22 Sep


def test_cohort_rolls_over_on_1_september(hub):
    ect = ect_at(hub, cohort=2025)
    assert row(hub, D(2026, 8, 31), ect=ect).cohort_start_year == 2025
    rows = {r.ect_id: r for r in compute.engagement_rows([hub.hub.id], D(2026, 9, 1))}
    assert ect.id in rows
    with hub_scope(hub.hub):
        compute.store([hub.hub.id], D(2026, 8, 31))
        assert Engagement.objects.get(ect=ect).cohort == "ECT1"
        compute.store([hub.hub.id], D(2026, 9, 1))
        assert Engagement.objects.get(ect=ect).cohort == "ECT2"


def test_an_ect_past_their_second_year_is_not_counted(hub):
    ect = ect_at(hub, cohort=2024, start=D(2024, 9, 2))
    assert ect.id not in {r.ect_id for r in compute.engagement_rows([hub.hub.id], D(2026, 9, 7))}


def test_this_term_and_this_year(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3), D(2025, 11, 4), D(2026, 1, 6))
    r = row(hub, D(2026, 1, 19), ect=ect)
    assert (r.term_expected, r.term_met) == (2, 1)  # spring term: weeks of 5 and 12 Jan
    assert (r.year_expected, r.year_met) == (17, 3)  # 8 weeks of autumn 1, 7 of autumn 2, 2 of spring 1
    assert r.last_activity_on == D(2026, 1, 6)


# --- Coaching --------------------------------------------------------------------------------


def observed(mentor, ect, *days):
    for day in days:
        CoachingCycle.objects.create(hub=ect.hub, ect=ect, mentor=mentor, observed_on=day)


def test_mentor_coaching_follows_the_mentees_cadence(hub):
    ect1 = ect_at(hub, programme="ecte2025")  # coaching weekly
    ect2 = ect_at(hub, programme="ecte2025", cohort=2024, start=D(2024, 9, 2))  # fortnightly
    mentor = factories.MentorFactory(school=hub.school)
    for ect in (ect1, ect2):
        factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=D(2025, 9, 1))
    observed(mentor, ect1, D(2025, 9, 3), D(2025, 9, 10))
    observed(mentor, ect2, D(2025, 9, 10))
    r = row(hub, D(2025, 9, 29), mentor=mentor)
    # ECT1: 4 weekly periods judged, 2 met, 2 missed in a row; ECT2: 2 fortnights, 1 met, 1 missed
    assert figures(r) == (6, 3, 2)
    assert r.current_mentees == 2


def test_mentor_change_mid_term(hub):
    ect = ect_at(hub)
    first = factories.MentorFactory(school=hub.school)
    second = factories.MentorFactory(school=hub.school)
    factories.MentorAssignmentFactory(ect=ect, mentor=first, started_on=D(2025, 9, 1))
    observed(first, ect, D(2025, 9, 3))
    services.change_mentor(ect, second, actor=None, on=D(2025, 9, 17))  # a Wednesday
    observed(second, ect, D(2025, 9, 24))
    as_of = D(2025, 10, 6)
    # first mentor: weeks of 1 and 8 Sep lie wholly inside their assignment (1 met, 1 missed)
    assert figures(row(hub, as_of, mentor=first)) == (2, 1, 1)
    assert row(hub, as_of, mentor=first).current_mentees == 0
    # second mentor: from the week of 22 Sep (met), 29 Sep missed
    assert figures(row(hub, as_of, mentor=second)) == (2, 1, 1)


def test_a_paused_mentee_excuses_the_mentors_period(hub):
    ect = ect_at(hub)
    mentor = factories.MentorFactory(school=hub.school)
    factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=D(2025, 9, 1))
    observed(mentor, ect, D(2025, 9, 3))
    services.change_ect_status(ect, "paused", actor=None, on=D(2025, 9, 8))
    assert figures(row(hub, D(2025, 10, 6), mentor=mentor)) == (1, 1, 0)


# --- Storing -------------------------------------------------------------------------------------


def test_recompute_is_idempotent_and_writes_the_trend(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3))
    with hub_scope(hub.hub):
        compute.recompute([hub.hub], D(2025, 9, 22))
        first = sorted(Engagement.objects.values_list("strand", "ect_id", "mentor_id", "periods_expected", "periods_met", "status"))
        compute.recompute([hub.hub], D(2025, 9, 22))
        assert sorted(Engagement.objects.values_list("strand", "ect_id", "mentor_id", "periods_expected", "periods_met", "status")) == first
        run = EngagementRun.objects.get(hub=hub.hub)
        assert run.as_of == D(2025, 9, 22)
        compute.recompute([hub.hub], D(2025, 9, 23))  # nothing changes on the Tuesday: the run is still recorded
        assert EngagementRun.objects.get(hub=hub.hub).computed_at > run.computed_at
        trend = EngagementTrend.objects.get(school=hub.school, strand="study", week=D(2025, 9, 22))
        assert trend.people == Engagement.objects.filter(school=hub.school, strand="study").count()
        assert trend.off_track >= 1


def test_store_inserts_updates_and_deletes_just_the_rows_that_changed(hub):
    ect = ect_at(hub)

    def stored(**only):
        return set(Engagement.objects.filter(**only).values_list("id", "strand", "ect_id", "mentor_id", *compute.VALUES))

    with hub_scope(hub.hub):
        assert compute.store([hub.hub.id], D(2025, 9, 22)) == Engagement.objects.count() > 1  # every row new
        others = stored() - stored(ect=ect)
        assert compute.store([hub.hub.id], D(2025, 9, 22)) == 0
        studied(ect, D(2025, 9, 17))
        assert compute.store([hub.hub.id], D(2025, 9, 22)) == 1
        assert Engagement.objects.get(ect=ect).periods_met == 1
        services.change_ect_status(ect, "left", actor=None, on=D(2025, 9, 22))
        assert compute.store([hub.hub.id], D(2025, 9, 22)) == 1  # still shown, as left
        assert Engagement.objects.get(ect=ect).status == "left"
        type(ect).objects.filter(id=ect.id).update(cohort_start_year=2023)  # past their induction years
        assert compute.store([hub.hub.id], D(2025, 9, 22)) == 1  # no longer shown: the row goes
        assert not Engagement.objects.filter(ect=ect).exists()
        assert stored() == others  # everyone else's rows as they were


def test_the_weeks_trend_point_follows_the_figures_and_goes_with_the_schools_people(hub):
    ect = ect_at(hub)
    with hub_scope(hub.hub):
        compute.recompute([hub.hub], D(2025, 9, 15))
        compute.recompute([hub.hub], D(2025, 9, 22))
        point = EngagementTrend.objects.get(school=hub.school, strand="study", week=D(2025, 9, 22))
        assert Engagement.objects.get(ect=ect).status == "off_track"
        studied(ect, D(2025, 9, 3), D(2025, 9, 9), D(2025, 9, 17))
        compute.recompute([hub.hub], D(2025, 9, 23))  # the same week: the point is updated in place
        assert Engagement.objects.get(ect=ect).status == "on_track"
        assert EngagementTrend.objects.get(id=point.id).on_track == point.on_track + 1
        assert EngagementTrend.objects.filter(school=hub.school, strand="study", week=D(2025, 9, 22)).count() == 1
        hub.sibling_ect.delete()
        compute.recompute([hub.hub], D(2025, 9, 24))
        assert not EngagementTrend.objects.filter(school=hub.sibling_school, strand="study", week=D(2025, 9, 22)).exists()
        assert EngagementTrend.objects.filter(school=hub.sibling_school, strand="study", week=D(2025, 9, 15)).exists()


def test_recomputing_some_people_leaves_the_others(hub):
    ect = ect_at(hub)
    with hub_scope(hub.hub):
        compute.recompute([hub.hub], D(2025, 9, 22))
        total = Engagement.objects.count()
        studied(ect, D(2025, 9, 17))
        compute.store([hub.hub.id], D(2025, 9, 22), ect_ids=[ect.id], mentor_ids=[])
        assert Engagement.objects.count() == total
        assert Engagement.objects.get(ect=ect).periods_met == 1


def test_other_hubs_are_untouched(hub):
    with hub_scope(hub.hub):
        compute.recompute([hub.hub], D(2025, 9, 22))
    with hub_scope(hub.other_hub):
        assert not Engagement.objects.exists()


# --- The engine against the naive reference ----------------------------------------------------


@settings(max_examples=int(os.environ.get("ENGINE_EXAMPLES", 15)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), as_of=st.dates(D(2025, 9, 1), D(2027, 8, 31)))
def test_the_engine_agrees_with_the_reference_on_random_worlds(hub, seed, as_of):
    rng = random.Random(seed)
    with hub_scope(hub.hub):
        StudyRecord.objects.all().delete()
        CoachingCycle.objects.all().delete()
        ects = []
        for i in range(4):
            ect = ect_at(hub, programme=rng.choice(["ecf2021", "ecte2025"]), cohort=rng.choice([2024, 2025, 2026]),
                         start=D(2025, 9, 1) + datetime.timedelta(days=rng.randint(-400, 400)))
            ects.append(ect)
            days = sorted({D(2025, 9, 1) + datetime.timedelta(days=rng.randint(-30, 700)) for _ in range(rng.randint(0, 40))})
            studied(ect, *[d for d in days if d >= ect.induction_start_date])
            if rng.random() < 0.5:
                pause = ect.induction_start_date + datetime.timedelta(days=rng.randint(1, 300))
                if pause <= D(2026, 11, 1):
                    services.change_ect_status(ect, rng.choice(["paused", "left"]), actor=None, on=pause)
            mentor = factories.MentorFactory(school=hub.school, started_on=D(2024, 1, 1))
            factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=ect.induction_start_date + datetime.timedelta(days=rng.randint(0, 60)))
            observed(mentor, ect, *sorted({ect.induction_start_date + datetime.timedelta(days=rng.randint(0, 600)) for _ in range(rng.randint(0, 30))}))
            done = list(ect.study_records.all())
            for record in rng.sample(done, min(len(done), rng.randint(0, 5))):  # revision: a module done again later
                again = record.done_on + datetime.timedelta(days=rng.randint(1, 400))
                StudyRecord.objects.get_or_create(hub=ect.hub, ect=ect, module=record.module, done_on=again)
            if rng.random() < 0.3:
                assignment = ect.mentor_assignments.get()
                assignment.finished_on = assignment.started_on + datetime.timedelta(days=rng.randint(7, 400))
                assignment.save()
        expected = reference.everyone(hub.hub, as_of)
        got = {
            (r.strand, r.ect_id or r.mentor_id): (
                *figures(r), r.year_expected, r.year_met, r.term_expected, r.term_met, r.status, bool(r.no_mentor),
            )
            for r in compute.engagement_rows([hub.hub.id], as_of)
        }
        assert got == expected


# --- The export command ------------------------------------------------------------------------


def _export(world, as_of, fmt="csv"):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("engagement", hub=world.hub.slug, as_of=as_of, format=fmt, stdout=out)
    return out.getvalue()


def test_export_prints_one_row_per_person_and_strand_sorted(hub):
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3))
    lines = _export(hub, "2025-09-22").splitlines()
    assert lines[0] == "school_urn,email,role,strand,cohort,periods_expected,periods_met,percent,consecutive_missed,status"
    mine = next(line for line in lines if ect.person.user.email in line)
    assert mine == f"{hub.school.urn},{ect.person.user.email},ect,study,ECT1,3,1,33.3,2,off_track"
    body = [line.split(",") for line in lines[1:]]
    assert body == sorted(body, key=lambda r: (r[0], r[1], r[3]))
    mentor_line = next(line for line in lines if hub.mentor.person.user.email in line)
    assert ",mentor,coaching,," in mentor_line
    assert hub.other_ect.person.user.email not in "".join(lines)


def test_export_as_json(hub):
    import json

    data = json.loads(_export(hub, "2025-09-22", "json"))
    assert {row["strand"] for row in data} == {"study", "coaching"}
    assert set(data[0]) == {
        "school_urn", "email", "role", "strand", "cohort", "periods_expected", "periods_met", "percent",
        "consecutive_missed", "status",
    }


def test_export_rejects_a_bad_date_and_an_unknown_hub(hub):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("engagement", hub=hub.hub.slug, as_of="22/09/2025")
    with pytest.raises(CommandError, match="No hub"):
        call_command("engagement", hub="nowhere", as_of="2025-09-22")


# --- Keeping it fresh ------------------------------------------------------------------------------


def test_recording_study_triggers_a_debounced_recompute_of_that_ect(hub, django_capture_on_commit_callbacks):
    from django.core.cache import cache
    from django.utils import timezone

    from engagement import study
    from engagement.models import PendingRecompute

    cache.clear()
    ect = ect_at(hub, start=D(2025, 9, 1))
    with hub_scope(hub.hub):
        compute.recompute([hub.hub], timezone.localdate())
        before = Engagement.objects.get(ect=ect).periods_met
        module = Module.objects.filter(programme__code=ect.programme).first()
        with django_capture_on_commit_callbacks(execute=True):
            study.record_module(ect, module, timezone.localdate(), None)
        assert Engagement.objects.get(ect=ect).periods_met == before + 1
        assert not PendingRecompute.objects.exists()  # the marks were claimed


def test_recompute_pending_claims_the_marks_once(hub):
    from engagement import refresh

    assert refresh.recompute_pending(hub.hub.id) > 0  # building the world marked its people
    assert refresh.recompute_pending(hub.hub.id) == 0


def test_the_nightly_job_recomputes_every_hub(hub):
    from engagement import refresh

    assert refresh.recompute_everything(D(2025, 9, 22)) > 0
    with hub_scope(hub.other_hub):
        assert Engagement.objects.exists()


def test_period_history_shows_each_period_as_the_engine_judged_it(hub):
    ect = ect_at(hub, start=D(2025, 9, 3))
    studied(ect, D(2025, 9, 9))
    history = compute.period_history(hub.hub.id, D(2025, 9, 24), ect_id=ect.id)
    assert [(h.start, h.outcome) for h in history] == [
        (D(2025, 9, 1), "excused"), (D(2025, 9, 8), "met"), (D(2025, 9, 15), "missed"), (D(2025, 9, 22), "in_progress"),
    ]
    mentor_history = compute.period_history(hub.hub.id, D(2025, 9, 24), mentor_id=hub.mentor.id)
    assert {h.track_id for h in mentor_history} == {hub.ect.id}


def test_one_stored_row_per_ect_and_per_mentor_is_enforced(hub):
    from django.db import IntegrityError, transaction

    with hub_scope(hub.hub):
        compute.recompute([hub.hub], D(2025, 9, 22))
        for person in ({"ect": hub.ect, "strand": "study"}, {"mentor": hub.mentor, "strand": "coaching"}):
            row = Engagement.objects.get(**person)
            row.pk = None
            with pytest.raises(IntegrityError), transaction.atomic():
                row.save()


@pytest.mark.django_db(transaction=True)
def test_many_hubs_are_stored_on_several_connections_at_once_as_on_one(world_committed):
    world = world_committed
    with scopes_disabled():
        for hub in (world.hub, world.other_hub):
            for year, rows in TERMS.items():
                for name, start, end in rows:
                    HalfTerm.objects.create(hub=hub, academic_year=year, name=name, start_date=start, end_date=end)
            sync_calendar(hub)
        studied(world.ect, D(2025, 9, 3))
        studied(world.other_ect, D(2025, 9, 10))
    hub_ids = [world.hub.id, world.other_hub.id]
    assert len(compute._balanced_groups(hub_ids, 2)) == 2

    def stored():
        with scopes_disabled():
            people = Engagement.objects.values_list("hub_id", "strand", "ect_id", "mentor_id", "periods_expected", "periods_met", "status")
            points = EngagementTrend.objects.values_list("hub_id", "school_id", "strand", "week", "people", "on_track")
            return sorted(people), sorted(points)

    def store_on(connections):
        with scopes_disabled():  # figures today's debounced recompute stored as the activity was written
            Engagement.objects.all().delete()
            EngagementTrend.objects.all().delete()
        written = compute.store_hubs(hub_ids, D(2025, 9, 22), connections=connections)
        assert written == len(stored()[0])  # every row new
        assert compute.store_hubs(hub_ids, D(2025, 9, 22), connections=connections) == 0  # and then nothing to write
        return stored()

    on_two = store_on(2)
    assert store_on(1) == on_two
    assert {row[0] for row in on_two[0]} == set(hub_ids)


# --- Transfers -------------------------------------------------------------------------------


def test_an_ect_who_moves_school_counts_at_the_old_school_until_the_date_and_at_the_new_one_from_it(hub):
    """One record, one history: the engine puts the ECT at the school of the as-of date."""
    ect = ect_at(hub)
    studied(ect, D(2025, 9, 3), D(2025, 9, 9))
    with hub_scope(hub.hub):
        compute.recompute([hub.hub], D(2025, 9, 22))
        before = EngagementTrend.objects.get(school=hub.school, strand="study", week=D(2025, 9, 22))
        services.transfer_ect(ect, hub.sibling_school, None, on=D(2025, 10, 6))
        compute.recompute([hub.hub], D(2025, 10, 13))

        stored = Engagement.objects.get(ect=ect, strand="study")
        assert stored.school == hub.sibling_school
        assert (stored.periods_met, stored.periods_expected) == (2, 6)  # their whole history comes with them
        assert not Engagement.objects.filter(school=hub.school, ect=ect).exists()
        assert EngagementTrend.objects.get(school=hub.sibling_school, strand="study", week=D(2025, 10, 13)).people == 2
        assert EngagementTrend.objects.get(school=hub.school, strand="study", week=D(2025, 10, 13)).people == before.people - 1
        kept = EngagementTrend.objects.get(school=hub.school, strand="study", week=D(2025, 9, 22))
        assert (kept.id, kept.people, kept.on_track) == (before.id, before.people, before.on_track)  # the old point stays
        assert row(hub, D(2025, 10, 5), ect=ect).school_id == hub.school.id  # `engagement --as-of` a day before the move
        assert row(hub, D(2025, 10, 6), ect=ect).school_id == hub.sibling_school.id


def test_a_transfer_marks_the_ect_for_recompute(hub):
    from engagement.models import PendingRecompute

    ect = hub.unmentored_ect
    with hub_scope(hub.hub):
        PendingRecompute.objects.all().delete()
        services.transfer_ect(ect, hub.sibling_school, None, on=D(2026, 1, 5))
        assert PendingRecompute.objects.filter(ect=ect).exists()
