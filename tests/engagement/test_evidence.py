"""The 75% engagement evidence (`engagement.reports.evidence`) and `manage.py evidence`, pinned with
hand-checked scenarios on the 2025/26 and 2026/27 term dates."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from engagement.calendar import sync_calendar
from engagement.models import CalendarPeriod, CoachingCycle, Module, StudyRecord
from engagement.reports import evidence
from participants import services
from schools.models import HalfTerm
from schools.scoping import hub_scope, scopes_disabled
from tests import factories
from tests.engagement.test_compute import TERMS

D = datetime.date
SUMMER_2026, SUMMER_2027 = D(2026, 7, 21), D(2027, 7, 21)  # the last days of the two years' summer terms


@pytest.fixture
def hub(world):
    with hub_scope(world.hub):
        for year, rows in TERMS.items():
            for name, start, end in rows:
                HalfTerm.objects.create(hub=world.hub, academic_year=year, name=name, start_date=start, end_date=end)
        sync_calendar(world.hub)
        yield world


def periods(world, cadence, year=2025):
    return list(CalendarPeriod.objects.filter(hub=world.hub, cadence=cadence, academic_year=year).order_by("start_date"))


def studied(ect, *days):
    modules = Module.objects.filter(programme__code=ect.programme).order_by("year", "order")
    for module, day in zip(modules.exclude(id__in=ect.study_records.values("module_id")), days):
        StudyRecord.objects.create(hub=ect.hub, ect=ect, module=module, done_on=day)


def observed(mentor, ect, *days):
    for day in days:
        CoachingCycle.objects.create(hub=ect.hub, ect=ect, mentor=mentor, observed_on=day)


def figures(rows, milestone, strand, ect=None, mentor=None):
    """(expected, met, percent, met_75, at_risk) of the person's row for the milestone and strand."""
    (row,) = [
        r for r in rows
        if r.milestone == milestone and r.strand == strand and ((ect and r.ect_id == ect.id) or (mentor and r.mentor_id == mentor.id))
    ]
    return row.periods_expected, row.periods_met, row.percent, row.met_75, row.at_risk


def ect1(world, start=D(2025, 9, 29), **kwargs):
    return factories.ECTFactory(
        school=world.school, programme="ecte2025", cohort_start_year=2025, induction_start_date=start, **kwargs
    )


def test_an_ect1_on_the_2025_programme_with_10_of_12_study_periods_met_by_april_has_retained_2_study_met(hub):
    ect = ect1(hub)  # from 29 Sep: 12 fortnights to the Easter holiday (2 + 4 + 3 + 3)
    fortnights = [p for p in periods(hub, "fortnightly") if p.start_date >= ect.induction_start_date]
    studied(ect, *[p.start_date for i, p in enumerate(fortnights[:12]) if i not in (4, 8)])
    rows = evidence.evidence(hub.hub, D(2026, 4, 13))
    assert figures(rows, "retained-2", "study", ect=ect) == (12, 10, 83.3, True, False)
    assert figures(rows, "completed", "study", ect=ect) == (12, 10, 83.3, True, False)  # the second year has not begun
    assert {r.due_on for r in rows if r.ect_id == ect.id and r.milestone == "retained-2"} == {SUMMER_2026}
    assert {r.due_on for r in rows if r.ect_id == ect.id and r.milestone == "completed"} == {SUMMER_2027}


def test_a_mentor_who_missed_4_of_12_weekly_observations_is_67_percent_and_not_met(hub):
    ect = ect1(hub, start=D(2025, 9, 1))
    mentor = factories.MentorFactory(school=hub.school)
    factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=D(2025, 9, 1))
    weeks = periods(hub, "weekly")[:12]  # 1 Sep to 24 Nov
    observed(mentor, ect, *[w.start_date + datetime.timedelta(days=2) for i, w in enumerate(weeks) if i not in (2, 3, 7, 10)])
    rows = evidence.evidence(hub.hub, D(2025, 12, 1))  # the week of 1 Dec in progress, not met: not counted
    assert figures(rows, "completed", "coaching", mentor=mentor) == (12, 8, 66.7, False, True)
    # the ECT's coaching: the same periods, in which they were to be observed
    assert figures(rows, "retained-2", "coaching", ect=ect) == (12, 8, 66.7, False, True)
    (row,) = [r for r in rows if r.mentor_id == mentor.id]
    assert (row.cohort, row.due_on, row.role) == (2025, SUMMER_2026, "mentor")


def test_periods_and_activity_after_the_as_of_date_are_not_counted(hub):
    ect = ect1(hub)
    fortnights = [p for p in periods(hub, "fortnightly") if p.start_date >= ect.induction_start_date]
    studied(ect, *[p.start_date for p in fortnights[:6]])
    # as of 10 Nov: 29 Sep, 13 Oct and 3 Nov (its first week) started; the current one counts as it is met
    assert figures(evidence.evidence(hub.hub, D(2025, 11, 10)), "retained-2", "study", ect=ect)[:2] == (3, 3)
    assert figures(evidence.evidence(hub.hub, D(2025, 10, 13)), "retained-2", "study", ect=ect)[:2] == (2, 2)


def test_a_paused_stretch_is_not_counted(hub):
    ect = ect1(hub)
    fortnights = [p for p in periods(hub, "fortnightly") if p.start_date >= ect.induction_start_date]
    studied(ect, fortnights[0].start_date, fortnights[1].start_date, fortnights[5].start_date)
    services.change_ect_status(ect, "paused", actor=None, on=fortnights[2].start_date)
    services.change_ect_status(ect, "active", actor=None, on=fortnights[5].start_date)
    # 12 periods by April, 3 of them paused: 3 met of 9
    assert figures(evidence.evidence(hub.hub, D(2026, 4, 13)), "retained-2", "study", ect=ect) == (9, 3, 33.3, False, True)


def test_below_75_percent_is_at_risk_only_while_the_milestone_is_ahead(hub):
    ect = ect1(hub, start=D(2025, 9, 1))
    studied(ect, D(2025, 9, 3))
    before, after = evidence.evidence(hub.hub, SUMMER_2026), evidence.evidence(hub.hub, D(2026, 9, 7))
    assert figures(before, "retained-2", "study", ect=ect)[3:] == (False, True)
    assert figures(after, "retained-2", "study", ect=ect)[3:] == (False, False)  # retained-2 has passed: below, not at risk
    assert figures(after, "completed", "study", ect=ect)[3:] == (False, True)  # completed is still ahead


def test_nothing_expected_yet_has_no_percent_and_is_neither_met_nor_at_risk(hub):
    ect = ect1(hub, start=D(2025, 10, 13))
    assert figures(evidence.evidence(hub.hub, D(2025, 9, 8)), "retained-2", "study", ect=ect) == (0, 0, None, False, False)


def test_only_the_2025_cohorts_onward_have_evidence(hub):
    earlier = factories.ECTFactory(school=hub.school, programme="ecf2021", cohort_start_year=2024, induction_start_date=D(2024, 9, 2))
    later = factories.ECTFactory(school=hub.school, cohort_start_year=2026, induction_start_date=D(2026, 9, 2))
    rows = evidence.evidence(hub.hub, D(2025, 11, 10))
    assert not [r for r in rows if r.ect_id in (earlier.id, later.id)]  # before 2025, and not started by the date
    assert {(r.milestone, r.strand) for r in rows if r.ect_id == hub.ect.id} == {
        ("retained-2", "study"), ("retained-2", "coaching"), ("completed", "study"), ("completed", "coaching")
    }
    assert {r.ect_id for r in rows if r.ect_id} == {hub.ect.id, hub.unmentored_ect.id, hub.sibling_ect.id}


def test_a_mentor_mentoring_since_2024_has_no_evidence_and_one_whose_role_ended_keeps_theirs(hub):
    veteran = factories.MentorFactory(school=hub.school)
    earlier = factories.ECTFactory(school=hub.school, programme="ecf2021", cohort_start_year=2024, induction_start_date=D(2024, 9, 2))
    factories.MentorAssignmentFactory(ect=earlier, mentor=veteran, started_on=D(2024, 9, 2))
    ect = ect1(hub, start=D(2025, 9, 1))
    leaver = factories.MentorFactory(school=hub.school)
    factories.MentorAssignmentFactory(ect=ect, mentor=leaver, started_on=D(2025, 9, 1))
    observed(leaver, ect, D(2025, 9, 3), D(2025, 9, 10))
    services.finish_school_role(leaver, actor=None, on=D(2025, 9, 15))
    rows = evidence.evidence(hub.hub, D(2025, 11, 10))
    assert not [r for r in rows if r.mentor_id == veteran.id]
    assert figures(rows, "completed", "coaching", mentor=leaver)[:2] == (2, 2)  # the two weeks of the assignment
    assert figures(rows, "retained-2", "coaching", ect=ect)[:2] == (2, 2)  # no mentor since: nothing more expected


def test_an_ect2_mentee_counts_its_second_year_for_a_mentor_starting_in_2025(hub):
    mentor = factories.MentorFactory(school=hub.school)
    ect2 = factories.ECTFactory(school=hub.school, programme="ecf2021", cohort_start_year=2024, induction_start_date=D(2024, 9, 2))
    factories.MentorAssignmentFactory(ect=ect2, mentor=mentor, started_on=D(2025, 9, 1))
    observed(mentor, ect2, D(2025, 9, 3), D(2025, 9, 17))
    rows = evidence.evidence(hub.hub, D(2025, 9, 29))  # fortnights 1–14 and 15–28 Sep judged
    assert figures(rows, "completed", "coaching", mentor=mentor)[:2] == (2, 2)
    assert not [r for r in rows if r.ect_id == ect2.id]  # a 2024 cohort


def test_the_person_helpers_give_only_that_persons_rows(hub):
    rows = evidence.evidence(hub.hub, D(2025, 11, 10))
    assert evidence.for_ect(hub.ect, D(2025, 11, 10)) == [r for r in rows if r.ect_id == hub.ect.id]
    assert evidence.for_mentor(hub.mentor, D(2025, 11, 10)) == [r for r in rows if r.mentor_id == hub.mentor.id]


def test_the_outsiders_people_are_not_in_the_hubs_evidence(hub):
    with scopes_disabled():
        outsiders = {hub.other_ect.id}
    rows = evidence.evidence(hub.hub, D(2025, 11, 10))
    assert not outsiders & {r.ect_id for r in rows} and hub.other_mentor.id not in {r.mentor_id for r in rows}


# --- manage.py evidence --------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("evidence", "--hub", "north", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_hub(hub):
    """The world's hub on 13 Oct 2025: weekly coaching and fortnightly study (2025 programme) since 3 Sep."""
    with scopes_disabled():
        studied(hub.ect, D(2025, 9, 16), D(2025, 9, 30))
        observed(hub.mentor, hub.ect, D(2025, 9, 3), D(2025, 9, 10), D(2025, 9, 24), D(2025, 10, 8))
        hub.mentor.person.user.email = "=mentor@elm.example.org"
        hub.mentor.person.user.save()
    return hub


def test_the_command_prints_the_evidence_as_csv_sorted_by_school_email_milestone_and_strand(small_hub):
    world = small_hub
    with scopes_disabled():
        elm, oak = world.school.urn, world.sibling_school.urn
        sibling = world.sibling_ect.person.user.email
    # study: 1–14 Sep excused (started 3 Sep), 15–28 Sep and 29 Sep–12 Oct met.
    # coaching from 3 Sep: the week of 1 Sep excused too; 8 Sep to 6 Oct: five weeks, 3 met.
    # the sibling ECT: observed on 1 Oct by their mentor (the world's cycle); no study.
    elm_rows = [
        f"{elm},'=mentor@elm.example.org,mentor,2025,completed,coaching,5,3,60.0,false",
        f"{elm},ect2@elm.example.org,ect,2025,completed,coaching,0,0,,false",
        f"{elm},ect2@elm.example.org,ect,2025,completed,study,2,0,0.0,false",
        f"{elm},ect2@elm.example.org,ect,2025,retained-2,coaching,0,0,,false",
        f"{elm},ect2@elm.example.org,ect,2025,retained-2,study,2,0,0.0,false",
        f"{elm},ect@elm.example.org,ect,2025,completed,coaching,5,3,60.0,false",
        f"{elm},ect@elm.example.org,ect,2025,completed,study,2,2,100.0,true",
        f"{elm},ect@elm.example.org,ect,2025,retained-2,coaching,5,3,60.0,false",
        f"{elm},ect@elm.example.org,ect,2025,retained-2,study,2,2,100.0,true",
    ]
    oak_rows = [
        f"{oak},{sibling},ect,2025,completed,coaching,5,1,20.0,false",
        f"{oak},{sibling},ect,2025,completed,study,2,0,0.0,false",
        f"{oak},{sibling},ect,2025,retained-2,coaching,5,1,20.0,false",
        f"{oak},{sibling},ect,2025,retained-2,study,2,0,0.0,false",
    ]
    with scopes_disabled():
        sibling_mentor = world.sibling_mentor.person.user.email
    oak_rows = sorted(oak_rows + [f"{oak},{sibling_mentor},mentor,2025,completed,coaching,5,1,20.0,false"],
                      key=lambda line: line.split(",")[1])
    expected = ["school_urn,email,role,cohort,milestone,strand,periods_expected,periods_met,percent,met_75"]
    expected += [*elm_rows, *oak_rows] if elm < oak else [*oak_rows, *elm_rows]
    assert run("--as-of", "2025-10-13").splitlines() == expected


def test_the_command_prints_json_with_numbers_and_booleans(small_hub):
    rows = json.loads(run("--as-of", "2025-10-13", "--format", "json"))
    mine = [r for r in rows if r["email"] == "ect@elm.example.org" and r["milestone"] == "retained-2"]
    assert [(r["strand"], r["cohort"], r["periods_expected"], r["periods_met"], r["percent"], r["met_75"]) for r in mine] == [
        ("coaching", 2025, 5, 3, 60.0, False), ("study", 2025, 2, 2, 100.0, True)
    ]


def test_the_command_refuses_an_unknown_hub_or_a_bad_date(hub):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No hub"):
        call_command("evidence", "--hub", "nowhere", "--as-of", "2025-10-13")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("evidence", "--hub", "north", "--as-of", "13/10/2025")


@pytest.mark.parametrize("as_of", [D(2025, 10, 13), D(2026, 3, 2), D(2026, 11, 16)])
def test_an_ects_completed_study_is_the_engines_study_figures(hub, as_of):
    """The same per-period judgement as the engine: over both years, its periods expected and met."""
    from engagement import compute

    ect = ect1(hub, start=D(2025, 9, 1))
    studied(ect, D(2025, 9, 3), D(2025, 10, 1), D(2025, 11, 12), D(2026, 1, 14), D(2026, 9, 9), D(2026, 10, 7))
    services.change_ect_status(ect, "paused", actor=None, on=D(2026, 1, 26))
    services.change_ect_status(ect, "active", actor=None, on=D(2026, 2, 24))
    engine = {r.ect_id: (r.periods_expected, r.periods_met) for r in compute.engagement_rows([hub.hub.id], as_of) if r.strand == "study"}
    rows = evidence.evidence(hub.hub, as_of)
    completed = {r.ect_id: (r.periods_expected, r.periods_met) for r in rows if r.milestone == "completed" and r.strand == "study"}
    assert completed == engine and engine[ect.id][0] > 0


# --- The person's page -----------------------------------------------------------------------------


@pytest.fixture
def april(hub, monkeypatch):
    """13 Apr 2026: an ECT from 29 Sep with 10 of 12 study periods met, mentored weekly from 1 Sep
    by a mentor who observed 8 of the first 12 weeks and none since."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 4, 13))
    with scopes_disabled():
        ect = ect1(hub)
        fortnights = [p for p in periods(hub, "fortnightly") if p.start_date >= ect.induction_start_date]
        studied(ect, *[p.start_date for i, p in enumerate(fortnights[:12]) if i not in (4, 8)])
        mentor = factories.MentorFactory(school=hub.school)
        factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=D(2025, 9, 1))
        weeks = [w for w in periods(hub, "weekly") if w.start_date >= ect.induction_start_date][:12]
        observed(mentor, ect, *[w.start_date + datetime.timedelta(days=2) for i, w in enumerate(weeks) if i not in (2, 3, 7, 10)])
    hub.april_ect, hub.april_mentor = ect, mentor
    return hub


def _evidence_section(page):
    start = page.index('<section aria-labelledby="evidence-heading">')
    return page[start : page.index("</section>", start)]


def test_the_ects_page_shows_their_evidence_per_milestone_with_at_risk_in_words(april, client):
    client.force_login(april.tutor.person.user)
    section = _evidence_section(client.get(f"/ects/{april.april_ect.code}/engagement/").content.decode())
    retained, completed = section.split("Completed declaration")
    assert "Retained 2 declaration, by 21 Jul 2026" in retained and "by 21 Jul 2027" in completed
    study, coaching = retained.split('<th scope="row">Coaching</th>')
    assert "10 of 12 (83%)" in study and "Reached" in study
    # coaching from 29 Sep: weeks 5 to 12 of the mentor's twelve (6 of 8 met), then none to Easter
    assert "At risk</span> below 75%" in coaching


def test_the_mentors_page_shows_their_completed_evidence(april, client):
    client.force_login(april.staff.user)
    section = _evidence_section(client.get(f"/mentors/{april.april_mentor.code}/engagement/").content.decode())
    assert "Completed declaration, by 21 Jul 2026" in section and "Retained 2" not in section
    assert "At risk" in section


def test_the_ect_sees_their_own_evidence_and_the_outsider_gets_404(april, client):
    client.force_login(april.april_ect.person.user)
    assert "Evidence of 75% engagement" in client.get(f"/ects/{april.april_ect.code}/engagement/").content.decode()
    client.force_login(april.other_staff.user)
    assert client.get(f"/ects/{april.april_ect.code}/engagement/").status_code == 404


def test_an_ect_of_an_earlier_cohort_has_no_evidence_on_their_page(april, client):
    with scopes_disabled():
        earlier = factories.ECTFactory(school=april.school, programme="ecf2021", cohort_start_year=2024, induction_start_date=D(2024, 9, 2))
    client.force_login(april.tutor.person.user)
    page = client.get(f"/ects/{earlier.code}/engagement/").content.decode()
    assert "period by period" in page and "Evidence of 75%" not in page


def test_the_evidence_keeps_the_pages_query_count_constant(april, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(april.tutor.person.user)
    ect_url, mentor_url = f"/ects/{april.april_ect.code}/engagement/", f"/mentors/{april.april_mentor.code}/engagement/"
    counts = {}
    for url in (ect_url, mentor_url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[url] = len(queries)
    with scopes_disabled():  # more mentors for the ECT, more mentees and activity for the mentor
        services.change_mentor(april.april_ect, factories.MentorFactory(school=april.school), actor=None, on=D(2026, 1, 5))
        for _ in range(3):
            mentee = ect1(april, start=D(2025, 9, 1))
            factories.MentorAssignmentFactory(ect=mentee, mentor=april.april_mentor, started_on=D(2025, 9, 1))
            observed(april.april_mentor, mentee, D(2025, 9, 3), D(2025, 10, 1))
            studied(mentee, D(2025, 9, 3), D(2025, 10, 1))
    for url, count in counts.items():
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_the_reports_list_people_at_risk_first_then_those_below_75_percent():
    def row(name, expected, met, due_on):
        return evidence.Evidence(1, name, None, 2025, "completed", "study", expected, met, due_on, D(2026, 9, 7))

    rows = [row(1, 10, 9, SUMMER_2027), row(2, 10, 5, SUMMER_2026), row(3, 10, 5, SUMMER_2027), row(4, 0, 0, SUMMER_2027)]
    assert [r.ect_id for r in evidence.at_risk_first(rows)] == [3, 2, 1, 4]
    assert [(r.met_75, r.below, r.at_risk) for r in rows] == [(True, False, False), (False, True, False), (False, True, True), (False, False, False)]
