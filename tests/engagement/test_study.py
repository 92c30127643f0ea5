"""The study schedule and recording modules, pinned with small hand-checked scenarios."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from engagement import study
from engagement.models import Module, ProgrammeVersion, StudyRecord
from participants import services
from schools.models import HalfTerm
from schools.scoping import hub_scope
from tests import factories

D = datetime.date
TERMS = [
    (2025, "autumn1", D(2025, 9, 3), D(2025, 10, 24)),
    (2025, "autumn2", D(2025, 11, 3), D(2025, 12, 19)),
    (2025, "spring1", D(2026, 1, 5), D(2026, 2, 13)),
    (2025, "spring2", D(2026, 2, 23), D(2026, 3, 27)),
    (2025, "summer1", D(2026, 4, 13), D(2026, 5, 22)),
    (2025, "summer2", D(2026, 6, 1), D(2026, 7, 21)),
    (2026, "autumn1", D(2026, 9, 2), D(2026, 10, 23)),
    (2026, "autumn2", D(2026, 11, 2), D(2026, 12, 18)),
]


@pytest.fixture
def hub(world):
    with hub_scope(world.hub):
        for year, name, start, end in TERMS:
            HalfTerm.objects.create(hub=world.hub, academic_year=year, name=name, start_date=start, end_date=end)
        yield world


def _ect(world, programme="ecf2021", cohort=2025, start=D(2025, 9, 3)):
    return factories.ECTFactory(
        school=world.school, programme=programme, cohort_start_year=cohort, induction_start_date=start
    )


def _module(code, year=1, order=1):
    return Module.objects.get(programme__code=code, year=year, order=order)


def test_ecf2021_ect1_studies_weekly_and_ect2_fortnightly(hub):
    ect = _ect(hub)
    periods = study.schedule(ect, as_of=D(2026, 11, 23))
    ect1 = [p for p in periods if p.cohort == "ECT1"]
    ect2 = [p for p in periods if p.cohort == "ECT2"]
    assert len(ect1) == 39 and all(p.period.weeks == 1 for p in ect1)
    assert ect2[0].period.start == D(2026, 8, 31) and ect2[0].period.weeks == 2
    assert ect1[0].module.code == "ECF-Y1-BEH01" and ect2[0].module.code.startswith("ECF-Y2-")


def test_ecte2025_is_fortnightly_in_both_years(hub):
    ect = _ect(hub, programme="ecte2025")
    periods = study.schedule(ect, as_of=D(2026, 11, 23))
    assert {p.period.weeks for p in periods if p.period.half_term == (2025, "autumn1")} == {2}
    assert periods[0].module.code.startswith("ECTE-Y1-")


def test_two_modules_in_one_period_meet_only_that_period(hub):
    ect = _ect(hub)
    StudyRecord.objects.create(hub=ect.hub, ect=ect, module=_module("ecf2021", order=1), done_on=D(2025, 9, 8))
    StudyRecord.objects.create(hub=ect.hub, ect=ect, module=_module("ecf2021", order=2), done_on=D(2025, 9, 10))
    periods = study.schedule(ect, as_of=D(2025, 9, 30))
    # the week of 1 Sep is excused: induction starts on Wednesday 3 Sep
    assert [p.status for p in periods[:5]] == ["excused", "done", "missed", "missed", "due"]
    assert len(periods[1].records) == 2


def test_holiday_weeks_are_not_periods(hub):
    ect = _ect(hub)
    periods = study.schedule(ect, as_of=D(2025, 11, 1))
    assert not any(p.period.contains(D(2025, 10, 29)) for p in periods)


def test_a_paused_period_is_excused_and_the_status_shows_it(hub):
    ect = _ect(hub)
    with hub_scope(hub.hub):
        services.change_ect_status(ect, "paused", actor=None, on=D(2025, 9, 17))
        services.change_ect_status(ect, "active", actor=None, on=D(2025, 9, 29))
    periods = study.schedule(ect, as_of=D(2025, 10, 8))
    # weeks of 15 Sep and 22 Sep touch the pause; the week of 29 Sep is active from its Monday
    assert [p.status for p in periods[:6]] == ["excused", "missed", "excused", "excused", "missed", "due"]


def test_a_late_starter_is_excused_before_their_induction_start(hub):
    ect = _ect(hub, start=D(2025, 9, 17))
    periods = study.schedule(ect, as_of=D(2025, 10, 1))
    assert [p.status for p in periods[:5]] == ["excused", "excused", "excused", "missed", "due"]


def test_recording_a_module_refuses_future_dates_and_other_programmes(hub):
    ect = _ect(hub)
    with pytest.raises(ValidationError) as future:
        study.record_module(ect, _module("ecf2021"), timezone.localdate() + datetime.timedelta(days=1), None)
    assert "future" in str(future.value)
    with pytest.raises(ValidationError) as wrong:
        study.record_module(ect, _module("ecte2025"), D(2025, 9, 10), None)
    assert "not a module of the ECT's programme" in str(wrong.value)
    assert not StudyRecord.objects.filter(ect=ect).exists()


def test_a_module_is_recorded_once_a_day_and_may_be_revised_on_another(hub):
    ect = _ect(hub)
    study.record_module(ect, _module("ecf2021"), D(2025, 9, 10), None)
    with pytest.raises(ValidationError, match="already recorded as done on 10 Sep 2025"):
        study.record_module(ect, _module("ecf2021"), D(2025, 9, 10), None)
    study.record_module(ect, _module("ecf2021"), D(2025, 9, 17), None)
    assert list(StudyRecord.objects.filter(ect=ect).values_list("done_on", flat=True)) == [D(2025, 9, 10), D(2025, 9, 17)]


def test_next_module_is_the_first_not_done(hub):
    ect = _ect(hub)
    study.record_module(ect, _module("ecf2021", order=1), D(2025, 9, 10), None)
    assert study.next_module(ect) == _module("ecf2021", order=2)


@pytest.mark.django_db
def test_programme_versions_are_data():
    versions = {v.code: v for v in ProgrammeVersion.objects.all()}
    assert versions["ecf2021"].study_cadence("ECT1") == "weekly"
    assert versions["ecf2021"].study_cadence("ECT2") == "fortnightly"
    assert versions["ecte2025"].study_cadence("ECT1") == "fortnightly"
    assert versions["ecte2025"].coaching_cadence("ECT1") == "weekly"
    assert versions["ecte2025"].formal_observation_cadence("ECT2") == "term"
    strands = set(Module.objects.values_list("strand", flat=True))
    assert strands == {"behaviour", "instruction", "subject", "curriculum_assessment", "professional_practice"}


def test_the_same_module_posted_twice_is_recorded_once(hub, client):
    """A double click or a browser retry: the unique (ECT, module, day) constraint keeps one record."""
    ect = _ect(hub)
    module = Module.objects.filter(programme__code=ect.programme).order_by("year", "order").first()
    client.force_login(ect.person.user)
    data = {"module": module.pk, "done_on": D(2025, 9, 10).isoformat()}
    assert client.post(f"/ects/{ect.code}/study/", data).status_code == 200
    again = client.post(f"/ects/{ect.code}/study/", data)
    assert again.status_code == 200
    assert "already recorded as done" in again.content.decode()
    assert StudyRecord.objects.filter(ect=ect, module=module).count() == 1


def test_an_ect2_revising_a_year_one_module_meets_that_fortnight(hub):
    ect = _ect(hub, cohort=2025)
    year_one = _module("ecf2021", order=1)
    study.record_module(ect, year_one, D(2025, 9, 10), None)
    study.record_module(ect, year_one, D(2026, 9, 9), None)  # in year two, the first fortnight (31 Aug – 13 Sep)
    periods = study.schedule(ect, as_of=D(2026, 9, 21))
    ect2 = [p for p in periods if p.cohort == "ECT2"]
    assert [p.status for p in ect2[:2]] == ["done", "due"]
    assert [(r.module, r.done_on) for r in ect2[0].records] == [(year_one, D(2026, 9, 9))]


def test_two_revisions_in_one_fortnight_still_make_one_period_met(hub):
    ect = _ect(hub, cohort=2025)
    study.record_module(ect, _module("ecf2021", order=1), D(2026, 9, 2), None)
    study.record_module(ect, _module("ecf2021", order=2), D(2026, 9, 9), None)
    ect2 = [p for p in study.schedule(ect, as_of=D(2026, 10, 5)) if p.cohort == "ECT2"]
    assert [p.status for p in ect2[:3]] == ["done", "missed", "due"]


def test_a_module_done_while_paused_shows_as_done_and_why_it_does_not_count(hub):
    ect = _ect(hub)
    with hub_scope(hub.hub):
        services.change_ect_status(ect, "paused", actor=None, on=D(2025, 9, 15))
        services.change_ect_status(ect, "active", actor=None, on=D(2025, 9, 29))
    study.record_module(ect, _module("ecf2021"), D(2025, 9, 17), None)
    periods = study.schedule(ect, as_of=D(2025, 10, 8))
    paused = periods[2]
    assert (paused.status, paused.status_label, paused.reason) == ("not_counted", "Done, not counted", "Paused")
    assert (periods[3].status, periods[3].reason) == ("excused", "Paused")


def test_a_module_done_before_the_induction_start_in_its_first_week_does_not_count(hub):
    ect = _ect(hub, start=D(2025, 9, 3))  # a Wednesday: the week of 1 Sep began before it
    study.record_module(ect, _module("ecf2021"), D(2025, 9, 4), None)
    first = study.schedule(ect, as_of=D(2025, 9, 10))[0]
    assert (first.status, first.reason) == ("not_counted", "Before the induction start date")


def test_a_leavers_schedule_shows_the_periods_after_leaving_as_not_expected(hub):
    ect = _ect(hub)
    with hub_scope(hub.hub):
        services.change_ect_status(ect, "left", actor=None, on=D(2025, 9, 17))
    periods = study.schedule(ect, as_of=D(2025, 10, 1))
    assert [(p.status, p.reason) for p in periods[1:5]] == [
        ("missed", ""), ("excused", "Left"), ("excused", "Left"), ("excused", "Left"),
    ]
    later = [p for p in periods if p.period.start > D(2025, 10, 1)]
    assert {(p.status, p.reason) for p in later if p.cohort == "ECT1"} == {("excused", "Left")}  # none upcoming


def test_an_open_pause_excuses_the_periods_to_come_and_resuming_brings_them_back(hub):
    ect = _ect(hub)
    with hub_scope(hub.hub):
        services.change_ect_status(ect, "paused", actor=None, on=D(2025, 9, 17))
    periods = study.schedule(ect, as_of=D(2025, 10, 1))
    assert (periods[8].status, periods[8].reason) == ("excused", "Paused")
    with hub_scope(hub.hub):
        services.change_ect_status(ect, "active", actor=None, on=D(2025, 10, 1))
    periods = study.schedule(ect, as_of=D(2025, 10, 1))
    assert (periods[8].status, periods[8].reason) == ("upcoming", "")


def test_a_module_done_early_shows_where_it_was_done_and_not_again_as_upcoming(hub):
    ect = _ect(hub)
    early = _module("ecf2021", order=4)
    study.record_module(ect, _module("ecf2021", order=1), D(2025, 9, 8), None)
    study.record_module(ect, early, D(2025, 9, 9), None)
    periods = study.schedule(ect, as_of=D(2025, 9, 10))
    assert [r.module for r in periods[1].records] == [_module("ecf2021", order=1), early]
    ahead = [p.module for p in periods if p.status in ("due", "upcoming")]
    assert early not in ahead
    assert ahead[:3] == [_module("ecf2021", order=3), _module("ecf2021", order=5), _module("ecf2021", order=6)]


def test_the_module_picker_offers_modules_not_done_first_then_those_to_revise(hub):
    from engagement.forms import RecordModuleForm

    ect = _ect(hub)
    done = _module("ecf2021", order=1)
    study.record_module(ect, done, D(2025, 9, 10), None)
    choices = RecordModuleForm(ect=ect).fields["module"].widget.choices
    (blank, _), (first_group, not_done), (second_group, revise) = choices
    assert (blank, first_group, second_group) == ("", "Not done yet", "Done: revise")
    assert done.pk not in [pk for pk, _ in not_done] and [pk for pk, _ in revise] == [done.pk]
    assert not_done[0][0] == _module("ecf2021", order=2).pk
