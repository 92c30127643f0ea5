"""The automatic rules: which nudges a hub's figures and events call for as of a date (issue 13, rules 1–6).

Read set-based from the engine (`engagement.compute.tracks`: one query for the hub) plus a query
each for the hub's ECTs, mentors, tutors and calendar, whatever the hub's size. Only people the
engine judges: an ECT whose status that day is active (never paused, left, completed or not
started) and a mentor with a current mentee. Each candidate carries its key (`Nudge.key`), so a
second run as of the same date (or the next day, before another period ends) plans nothing new.

1. Missed study → the ECT, when their latest judged study period was expected and not met.
2. Missed observation → the mentor, when a current mentee's latest judged coaching period was
   expected and not met; one per mentor, mentee and period.
3. Escalation → each induction tutor of a school with people off track (two or more periods
   missed in a row): one digest per school and ISO week.
4. 75% at risk → each induction tutor: ECTs (2025 cohorts on) below 75% this year with six term
   weeks or fewer left in the year; once per ECT per term.
5. Praise → an ECT (study) or mentor (coaching) who has met the hub's streak of periods in a row;
   once per run of periods (keyed by its first period). A mentor's run is the shortest of their
   current mentees' runs.
6. Event reminders and catch-ups → the person booked, or with a catch-up to do (`nudges.event_rules`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from engagement.compute import tracks as engine_tracks
from engagement.models import CalendarPeriod, DECLARATION_THRESHOLD, below_threshold
from engagement.weeks import EPOCH, YEAR_BITS, first_week
from nudges import event_rules
from nudges.models import DEFAULT_ENABLED, ENGAGEMENT_RULES, HubNudgeSettings, Nudge, Rule, RuleSetting
from participants.cohorts import academic_year_of
from participants.models import ECT, InductionTutor, Mentor

AT_RISK_WEEKS_LEFT = 6  # "six term weeks or fewer left in the year"
AT_RISK_FIRST_COHORT = 2025  # the DfE's 75% evidence applies from the 2025 cohorts
OFF_TRACK_MISSED = 2  # periods missed in a row that make someone off track


@dataclass
class Plan:
    """A run's candidates, each with its key: `candidates` {key: the row's values}, `nudges` the
    unsaved `Nudge` rows (made when asked for: a rerun only makes those whose key is new)."""

    hub: object
    as_of: datetime.date
    candidates: dict = field(default_factory=dict)

    def add(self, key, **values):
        self.candidates.setdefault(key, values)

    def nudge(self, key):
        return Nudge(hub=self.hub, key=key, **self.candidates[key])

    @property
    def nudges(self):
        return [self.nudge(key) for key in self.candidates]


def enabled_rules(hub):
    """The automatic rules switched on in the hub (defaults: all but praise)."""
    stored = dict(RuleSetting.objects.filter(hub=hub).values_list("rule", "enabled"))
    return {rule for rule in Rule if stored.get(rule, DEFAULT_ENABLED[rule])}


def _period_start(bit, year):
    """The Monday starting the period at `bit` (an isolated bit) of an academic year's masks."""
    offset = YEAR_BITS - 1 - (bit.bit_length() - 1)
    return EPOCH + datetime.timedelta(weeks=first_week(year) + offset)


def _bits_latest_first(mask):
    while mask:
        bit = mask & -mask
        yield bit
        mask ^= bit


def latest_judged(track):
    """(year, bit) of the track's latest judged period (expected or not), or None."""
    if track.judged2:
        return track.first_year + 1, track.judged2 & -track.judged2, 2
    if track.judged1:
        return track.first_year, track.judged1 & -track.judged1, 1
    return None


def missed_latest(track):
    """(start, cadence) of the track's latest judged period when it was expected and not met, else None."""
    latest = latest_judged(track)
    if latest is None:
        return None
    year, bit, k = latest
    counted, met, cadence = (track.counted1, track.met1, track.cadence1) if k == 1 else (track.counted2, track.met2, track.cadence2)
    if counted & bit and not met & bit:
        return _period_start(bit, year), cadence
    return None


def met_run(track):
    """(length, first period's start) of the run of met periods ending with the track's latest
    expected judged one (excused periods neither count nor break it)."""
    length, start = 0, None
    for year, counted, met, judged in (
        (track.first_year + 1, track.counted2, track.met2, track.judged2),
        (track.first_year, track.counted1, track.met1, track.judged1),
    ):
        for bit in _bits_latest_first(counted & judged):
            if not met & bit:
                return length, start
            length, start = length + 1, _period_start(bit, year)
    return length, start


def _iso_week(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _cadence_name(cadence):
    return "week" if cadence == "weekly" else "fortnight"


def plan(hub, as_of, rules=None, tracks=None, settings=None):
    """The nudges the hub's figures call for as of `as_of` (unsaved; those already recorded included).
    `tracks`: the hub's engine tracks, when computed for several hubs at once; `settings`: the hub's
    `HubNudgeSettings`, when the caller has them."""
    rules = enabled_rules(hub) if rules is None else set(rules)
    result = Plan(hub, as_of)
    if Rule.EVENT_REMINDER in rules:
        event_rules.plan_reminders(hub, as_of, result.add)
    if Rule.CATCH_UP in rules:
        event_rules.plan_catch_ups(hub, as_of, result.add)
    if not rules & set(ENGAGEMENT_RULES):
        return result
    settings = settings or HubNudgeSettings.for_hub(hub)
    tracks = engine_tracks([hub.id], as_of) if tracks is None else tracks
    ects = {
        row[0]: row
        for row in ECT.objects.filter(hub=hub).values_list(
            "id", "code", "person_id", "person__code", "person__first_name", "person__last_name", "school_id", "cohort_start_year"
        )
    }
    mentors = {
        row[0]: row
        for row in Mentor.objects.filter(hub=hub, started_on__lte=as_of)
        .filter(Q(finished_on__isnull=True) | Q(finished_on__gt=as_of))
        .values_list("id", "code", "person_id", "person__code", "person__first_name", "person__last_name", "school_id")
    }
    tutors = defaultdict(list)
    for school_id, person_id, person_code in (
        InductionTutor.objects.filter(hub=hub, started_on__lte=as_of)
        .filter(Q(finished_on__isnull=True) | Q(finished_on__gt=as_of))
        .order_by("id")
        .values_list("school_id", "person_id", "person__code")
    ):
        tutors[school_id].append((person_id, person_code))
    periods = {
        (p.cadence, p.start_date): p
        for p in CalendarPeriod.objects.filter(hub=hub).only("cadence", "start_date", "end_date", "term", "academic_year")
    }
    year = academic_year_of(as_of)

    def period_of(cadence, start):
        return periods.get((cadence, start))

    study = [t for t in tracks if t.strand == "study" and t.state == "active" and t.ect_id in ects]
    coaching = [t for t in tracks if t.strand == "coaching" and t.mentor_id in mentors and t.ect_id in ects]
    current_coaching = [t for t in coaching if t.state == "active"]

    if Rule.MISSED_STUDY in rules:
        for t in study:
            missed = missed_latest(t)
            period = missed and period_of(missed[1], missed[0])
            if period is None:
                continue
            _, ect_code, person_id, *_ = ects[t.ect_id]
            result.add(
                key=f"missed_study:{ect_code}:{period.end_date.isoformat()}", rule=Rule.MISSED_STUDY, recipient_id=person_id,
                about_id=person_id, school_id=t.school_id, period_end=period.end_date,
                details={"period_start": period.start_date.isoformat(), "period_name": _cadence_name(period.cadence),
                         "ect": str(ect_code)},
            )

    if Rule.MISSED_OBSERVATION in rules:
        for t in current_coaching:
            missed = missed_latest(t)
            period = missed and period_of(missed[1], missed[0])
            if period is None:
                continue
            _, mentor_code, mentor_person_id, *_rest = mentors[t.mentor_id]
            _, ect_code, ect_person_id, *_ = ects[t.ect_id]
            result.add(
                key=f"missed_observation:{mentor_code}:{ect_code}:{period.end_date.isoformat()}", rule=Rule.MISSED_OBSERVATION,
                recipient_id=mentor_person_id, about_id=ect_person_id, school_id=mentors[t.mentor_id][6],
                period_end=period.end_date,
                details={"period_start": period.start_date.isoformat(), "period_name": _cadence_name(period.cadence),
                         "ect": str(ect_code)},
            )

    if Rule.ESCALATION in rules:
        off_track = defaultdict(list)
        for t in study:
            if t.consecutive_missed >= OFF_TRACK_MISSED:
                _, ect_code, _, person_code, first, last, *_ = ects[t.ect_id]
                off_track[t.school_id].append(
                    {"name": f"{first} {last}".strip(), "role": "ECT", "missed": t.consecutive_missed, "ect": str(ect_code)}
                )
        by_mentor = defaultdict(list)
        for t in coaching:
            by_mentor[t.mentor_id].append(t)
        for mentor_id, mentor_tracks in by_mentor.items():
            missed = max(t.consecutive_missed for t in mentor_tracks)
            if any(t.state == "active" for t in mentor_tracks) and missed >= OFF_TRACK_MISSED:
                _, role_code, _, person_code, first, last, school_id = mentors[mentor_id]
                off_track[school_id].append(
                    {"name": f"{first} {last}".strip(), "role": "Mentor", "missed": missed, "mentor": str(role_code)}
                )
        week = _iso_week(as_of)
        sunday = as_of + datetime.timedelta(days=6 - as_of.weekday())
        school_codes = _school_codes(hub, off_track)
        for school_id, people in off_track.items():
            people.sort(key=lambda p: (p["name"].lower(), p["role"]))
            for tutor_id, tutor_code in tutors.get(school_id, []):
                result.add(
                    key=f"escalation:{school_codes[school_id]}:{week}:{tutor_code}", rule=Rule.ESCALATION,
                    recipient_id=tutor_id, school_id=school_id, period_end=sunday,
                    details={"week": week, "people": people, "school": str(school_codes[school_id])},
                )

    if Rule.AT_RISK_75 in rules:
        left, term = _term_weeks_left(periods.values(), as_of, year)
        if term is not None and left <= AT_RISK_WEEKS_LEFT:
            for t in study:
                _, ect_code, person_id, person_code, *_rest, cohort = ects[t.ect_id]
                if cohort < AT_RISK_FIRST_COHORT or not below_threshold(t.year_met, t.year_expected):
                    continue
                percent = round(100 * t.year_met / t.year_expected)
                for tutor_id, tutor_code in tutors.get(t.school_id, []):
                    result.add(
                        key=f"at_risk_75:{ect_code}:{year}-{term}:{tutor_code}", rule=Rule.AT_RISK_75, recipient_id=tutor_id,
                        about_id=person_id, school_id=t.school_id, period_end=as_of,
                        details={"percent": percent, "threshold": DECLARATION_THRESHOLD, "weeks_left": left,
                                 "ect": str(ect_code)},
                    )

    if Rule.PRAISE in rules:
        streak = settings.praise_streak
        for t in study:
            length, start = met_run(t)
            if length >= streak:
                _, ect_code, person_id, person_code, *_ = ects[t.ect_id]
                result.add(
                    key=f"praise:{person_code}:study:{start.isoformat()}", rule=Rule.PRAISE, recipient_id=person_id,
                    about_id=person_id, school_id=t.school_id,
                    details={"strand": "study", "streak": length, "streak_start": start.isoformat(),
                             "period_name": _cadence_name(t.cadence2 if t.judged2 else t.cadence1), "ect": str(ect_code)},
                )
        runs = defaultdict(list)
        for t in current_coaching:
            if t.counted1 & t.judged1 or t.counted2 & t.judged2:
                runs[t.mentor_id].append(met_run(t))
        for mentor_id, mentor_runs in runs.items():
            length = min(length for length, _ in mentor_runs)
            if length >= streak:
                start = max(start for _, start in mentor_runs)
                _, role_code, person_id, person_code, _, _, school_id = mentors[mentor_id]
                result.add(
                    key=f"praise:{person_code}:coaching:{start.isoformat()}", rule=Rule.PRAISE, recipient_id=person_id,
                    school_id=school_id,
                    details={"strand": "coaching", "streak": length, "streak_start": start.isoformat(), "period_name": "period",
                             "mentor": str(role_code)},
                )
    return result


def _school_codes(hub, schools):
    from schools.models import School

    return dict(School.objects.filter(hub=hub, id__in=list(schools)).values_list("id", "code"))


def _term_weeks_left(periods, as_of, year):
    """(term weeks of the academic year not yet over, the term of the latest week started) as of the date;
    (0, None) without term dates."""
    weeks = [p for p in periods if p.cadence == "weekly" and p.academic_year == year]
    started = [p for p in weeks if p.start_date <= as_of]
    if not started:
        return 0, None
    term = max(started, key=lambda p: p.start_date).term
    return sum(1 for p in weeks if p.end_date >= as_of), term
