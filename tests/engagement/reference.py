"""A plain, loop-per-person statement of the engagement rules, to check the SQL engine against.

Deliberately naive: it walks every period of every person in Python.
"""

import datetime

from engagement.calendar import hub_half_terms, induction_periods
from engagement.models import CoachingCycle, ProgrammeVersion, StudyRecord
from engagement.periods import WEEKLY, periods
from participants.cohorts import academic_year_of
from participants.models import ECT, ECTStatus, Mentor, MentorAssignment
from schools.models import TERM_OF_HALF_TERM


def _excused(period, statuses, started):
    """Statuses are those recorded by the as-of date (a later pause is not yet known then)."""
    if period.start < started:
        return True
    return any(
        s.status != "active" and s.started_on <= period.end and (s.finished_on is None or s.finished_on > period.start)
        for s in statuses
    )


def _this_term(hub, as_of):
    """(academic year, term) of the hub's latest weekly period started by the as-of date."""
    started = [p for p in periods(hub_half_terms(hub), WEEKLY) if p.start <= as_of]
    return (started[-1].half_term[0], TERM_OF_HALF_TERM[started[-1].half_term[1]]) if started else None


def _track(periods, as_of, excused, met, this_term):
    """(expected, met, consecutive, year expected, year met, term expected, term met) for one track."""
    expected = hits = run = 0
    year = {"expected": 0, "met": 0}
    term = {"expected": 0, "met": 0}
    for period in periods:
        if period.start > as_of or excused(period):
            continue
        judged = period.end < as_of
        is_met = met(period)
        if judged or is_met:
            expected += 1
            hits += is_met
            for counter, counts in ((year, period.half_term[0] == academic_year_of(as_of)),
                                    (term, (period.half_term[0], TERM_OF_HALF_TERM[period.half_term[1]]) == this_term)):
                if counts:
                    counter["expected"] += 1
                    counter["met"] += is_met
        if is_met:
            run = 0
        elif judged:
            run += 1
    return expected, hits, run, year["expected"], year["met"], term["expected"], term["met"]


def study(ect, as_of):
    programme = ProgrammeVersion.objects.get(code=ect.programme)
    statuses = list(ECTStatus.objects.filter(ect=ect, started_on__lte=as_of))
    days = [r.done_on for r in StudyRecord.objects.filter(ect=ect, done_on__lte=as_of)]
    periods = [p for _, p in induction_periods(hub_half_terms(ect.hub), ect.cohort_start_year, programme.study_cadence)]
    return _track(
        periods, as_of,
        lambda p: _excused(p, statuses, ect.induction_start_date),
        lambda p: any(p.contains(day) for day in days),
        _this_term(ect.hub, as_of),
    )


def coaching(mentor, as_of):
    totals, run = [0] * 6, 0
    for a in MentorAssignment.objects.filter(mentor=mentor, started_on__lte=as_of).select_related("ect"):
        ect = a.ect
        programme = ProgrammeVersion.objects.get(code=ect.programme)
        statuses = list(ECTStatus.objects.filter(ect=ect, started_on__lte=as_of))
        days = [c.observed_on for c in CoachingCycle.objects.filter(mentor=mentor, ect=ect, observed_on__lte=as_of)]
        periods = [
            p for _, p in induction_periods(hub_half_terms(ect.hub), ect.cohort_start_year, programme.coaching_cadence)
            if p.start >= a.started_on and (a.finished_on is None or p.end < a.finished_on)
        ]
        e, h, r, *more = _track(
            periods, as_of, lambda p: _excused(p, statuses, ect.induction_start_date), lambda p: any(p.contains(d) for d in days),
            _this_term(ect.hub, as_of),
        )
        totals, run = [a + b for a, b in zip(totals, (e, h, *more))], max(run, r)
    expected, hits, *more = totals
    return expected, hits, run, *more


def _status(state, consecutive):
    if state != "active":
        return state
    return "on_track" if consecutive == 0 else "at_risk" if consecutive == 1 else "off_track"


def everyone(hub, as_of):
    """{("study", ect_id) or ("coaching", mentor_id): (expected, met, consecutive, year expected, year met,
    term expected, term met, status, no mentor)} for the people shown: ECTs of last year's, this year's
    and next year's cohorts, whatever their status, and current mentors."""
    year = academic_year_of(as_of)
    result = {}
    for ect in ECT.objects.filter(hub=hub, cohort_start_year__in=[year - 1, year, year + 1]):
        current = ECTStatus.objects.filter(ect=ect).current(as_of).first()
        not_started = current is None or ect.induction_start_date > as_of or ect.cohort_start_year > year
        state = "not_started" if not_started else current.status
        mentored = MentorAssignment.objects.filter(ect=ect).current(as_of).exists()
        figures = study(ect, as_of)
        result["study", ect.id] = (*figures, _status(state, figures[2]), state not in ("left", "completed") and not mentored)
    for mentor in Mentor.objects.filter(hub=hub).current(as_of):
        figures = coaching(mentor, as_of)
        mentoring = MentorAssignment.objects.filter(mentor=mentor).current(as_of).exists()
        result["coaching", mentor.id] = (*figures, _status("active" if mentoring else "not_mentoring", figures[2]), False)
    return result


def day(text):
    return datetime.date.fromisoformat(text)
